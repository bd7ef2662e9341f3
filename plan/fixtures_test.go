package plan

import (
	"reflect"
	"testing"

	"github.com/preflight-dev/preflight/probe"
)

// TestDeriveEntriesFromAgentFixtures runs "auto" over every task fixture
// built from the ECS agent's v4 handlers and AWS's Fargate example (sources
// listed in probe/fixtures_test.go): the registries and log destinations,
// with their names, regions, accounts and expectations, in the task's own
// region (from its ARN).
func TestDeriveEntriesFromAgentFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"agent-ec2-awsvpc-task.json", []string{"ecr@us-west-2/111122223333=", "logs@us-west-2/=", "registry-1.docker.io@/=any"}},
		{"agent-ec2-awsvpc-dualstack-task.json", []string{"ecr@us-west-2/111122223333=", "logs@us-west-2/=", "public.ecr.aws@/=any"}},
		{"agent-ec2-awsvpc-ipv6only-task.json", []string{"111122223333.dkr-ecr.us-west-2.on.aws@/=any", "ecr.us-west-2.api.aws@/=any", "logs@us-west-2/="}},
		{"agent-ec2-bridge-task.json", []string{"ecr@us-east-1/111122223333=", "logs@us-east-1/=", "registry-1.docker.io@/=any"}},
		{"agent-ec2-bridge-serviceconnect-task.json", []string{"ecr@eu-west-1/111122223333=", "logs@eu-west-1/="}},
		{"agent-ec2-host-task.json", []string{"ecr@us-gov-west-1/111122223333=", "logs-fips.us-gov-west-1.amazonaws.com@/=any"}},
		{"agent-ec2-bridge-oldagent-task.json", []string{"ecr@ap-southeast-2/111122223333=", "logs@ap-southeast-2/="}},
		{"aws-doc-fargate-task.json", []string{"ecr@us-west-2/111122223333=", "logs@us-west-2/="}},
		{"fargate-dualstack-task.json", []string{"ecr@us-west-2/111122223333=", "logs@us-west-2/="}},
		{"fargate-ipv6only-task.json", []string{"111122223333.dkr-ecr.us-west-2.on.aws@/=any", "ecr.us-west-2.api.aws@/=any", "logs@us-west-2/="}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			task := loadTask(t, tt.file)
			arn, err := probe.ParseTaskARN(task.TaskARN)
			if err != nil {
				t.Fatal(err)
			}
			entries, notes := deriveEntries(task, arn.Region)
			var got []string
			for _, e := range entries {
				got = append(got, e.Name+"@"+e.Region+"/"+e.Account+"="+string(e.Expect))
				if e.Derived == "" {
					t.Errorf("entry %s has no reason", e.Name)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries = %q; want %q", got, tt.want)
			}
			if len(notes) != 0 {
				t.Errorf("notes = %+v; want none (every destination is in the task's region)", notes)
			}
		})
	}
}
