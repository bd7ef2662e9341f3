package audit

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestClassifyCapacity: a strategy is one kind of host or unknown, never
// EC2 by default: Fargate providers, Auto Scaling groups (EC2), Managed
// Instances; a provider not described, or providers of two kinds, are
// unknown, and the row says which.
func TestClassifyCapacity(t *testing.T) {
	known := map[string]*CapacityProvider{
		providerKey("prod", "asg"): {Name: "asg", Kind: ProviderASG},
		providerKey("prod", "mi"):  {Name: "mi", Kind: ProviderManagedInstances, Subnets: []string{"subnet-1"}},
	}
	tests := []struct {
		providers []string
		want      string
		rowHas    string
	}{
		{[]string{"FARGATE", "FARGATE_SPOT"}, LaunchFargate, ""},
		{[]string{"asg"}, LaunchEC2, ""},
		{[]string{"mi"}, LaunchManagedInstances, ""},
		{[]string{"asg", "mi"}, LaunchUnknown, "mixes kinds of host (asg (EC2_AUTOSCALING), mi (MANAGED_INSTANCES))"},
		{[]string{"FARGATE", "asg"}, LaunchUnknown, "mixes kinds of host (FARGATE (Fargate), asg (EC2_AUTOSCALING))"},
		{[]string{"asg", "other"}, LaunchUnknown, "ecs:DescribeCapacityProviders on other"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.providers, "+"), func(t *testing.T) {
			if got := classifyCapacity(known, "prod", tt.providers); got != tt.want {
				t.Fatalf("got %s; want %s", got, tt.want)
			}
			if tt.rowHas == "" {
				return
			}
			f := &Facts{Region: "us-east-1", CapacityProviders: known}
			w := &Workload{Name: "service/prod/api", Cluster: "prod", Service: "api", LaunchType: LaunchUnknown, CapacityProviders: tt.providers}
			var found bool
			for _, r := range EvaluateWorkload(f, w, Options{}) {
				if r.Check == CheckUndecided && r.Target == w.Name && strings.Contains(r.Error, tt.rowHas) {
					found = r.Status == report.StatusWarn && r.Class == report.ClassUndecided
				}
			}
			if !found {
				t.Errorf("no undecided warning for %s containing %q", w.Name, tt.rowHas)
			}
		})
	}
}
