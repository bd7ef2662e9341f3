package plan

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/preflight-dev/preflight/probe"
)

// FuzzDeriveEntries: whatever task metadata arrives, deriving the auto
// entries fails cleanly or succeeds; nothing panics.
func FuzzDeriveEntries(f *testing.F) {
	for _, name := range []string{"fargate-task.json", "ec2-awsvpc-task.json", "ec2-bridge-task.json"} {
		b, err := os.ReadFile("../probe/testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"TaskARN":"arn:aws:ecs:x:1:task/a","Containers":[{"Image":"1.dkr.ecr.zz.amazonaws.com/x","LogDriver":"awslogs","LogOptions":{"awslogs-region":"!!"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var task probe.Task
		if err := json.Unmarshal(b, &task); err != nil {
			return
		}
		deriveEntries(&task, "us-east-1")
	})
}
