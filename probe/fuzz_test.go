package probe

import (
	"encoding/json"
	"os"
	"testing"
)

// FuzzTaskMetadata: whatever the metadata endpoint returns, decoding and
// everything derived from it fail cleanly or succeed; nothing panics.
func FuzzTaskMetadata(f *testing.F) {
	for _, name := range []string{"fargate-task.json", "ec2-awsvpc-task.json", "ec2-bridge-task.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"TaskARN":"arn:aws:ecs:x:1:task/a","Containers":[{"Networks":[{"IPv4SubnetCIDRBlock":"300.1.1.1/99","SubnetGatewayIpv4Address":"::/200"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var task Task
		if err := json.Unmarshal(b, &task); err != nil {
			return
		}
		ParseTaskARN(task.TaskARN) //nolint:errcheck // must not panic
		if n, ok := task.TaskNetwork(); ok {
			n.SubnetCIDR()
		}
		ResolverPosture([]string{"10.0.0.2:53", "bogus"}, &task, true)
	})
}
