package live

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestClassifyCapacity: a strategy is one kind of host or unknown, never
// EC2 by default: Fargate providers, Auto Scaling groups (EC2), Managed
// Instances; a provider not described, or providers of two kinds, are
// unknown, and the row says which.
func TestClassifyCapacity(t *testing.T) {
	known := map[string]*audit.CapacityProvider{
		audit.ProviderKey("prod", "asg"): {Name: "asg", Kind: audit.ProviderASG},
		audit.ProviderKey("prod", "mi"):  {Name: "mi", Kind: audit.ProviderManagedInstances, Subnets: []string{"subnet-1"}},
	}
	tests := []struct {
		providers []string
		want      string
		rowHas    string
	}{
		{[]string{"FARGATE", "FARGATE_SPOT"}, audit.LaunchFargate, ""},
		{[]string{"asg"}, audit.LaunchEC2, ""},
		{[]string{"mi"}, audit.LaunchManagedInstances, ""},
		{[]string{"asg", "mi"}, audit.LaunchUnknown, "mixes kinds of host (asg (EC2_AUTOSCALING), mi (MANAGED_INSTANCES))"},
		{[]string{"FARGATE", "asg"}, audit.LaunchUnknown, "mixes kinds of host (FARGATE (Fargate), asg (EC2_AUTOSCALING))"},
		{[]string{"asg", "other"}, audit.LaunchUnknown, "ecs:DescribeCapacityProviders on other"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.providers, "+"), func(t *testing.T) {
			if got := classifyCapacity(known, "prod", tt.providers); got != tt.want {
				t.Fatalf("got %s; want %s", got, tt.want)
			}
			if tt.rowHas == "" {
				return
			}
			f := &audit.Facts{Region: "us-east-1", CapacityProviders: known}
			w := &audit.Workload{Name: "service/prod/api", Cluster: "prod", Service: "api", LaunchType: audit.LaunchUnknown, CapacityProviders: tt.providers}
			var found bool
			for _, r := range audit.EvaluateWorkload(f, w, audit.Options{}) {
				if r.Check == audit.CheckUndecided && r.Target == w.Name && strings.Contains(r.Error, tt.rowHas) {
					found = r.Status == report.StatusWarn && r.Class == report.ClassUndecided
				}
			}
			if !found {
				t.Errorf("no undecided warning for %s containing %q", w.Name, tt.rowHas)
			}
		})
	}
}
