package audit

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestUndecidedRowWording: a fact a plan or template leaves open reads as
// what the change leaves open and how to close it, never as a failed call
// or a missing permission.
func TestUndecidedRowWording(t *testing.T) {
	tests := []struct {
		name       string
		u          Undecided
		wantError  string
		wantHint   string
		notInHint  string
		notInError string
	}{
		{
			name:      "denied call",
			u:         Undecided{Action: ActionDescribeSubnets, Resource: "subnet-0abc", Code: "UnauthorizedOperation", Err: "not authorized"},
			wantError: "could not decide: ec2:DescribeSubnets on subnet-0abc failed (UnauthorizedOperation not authorized)",
			wantHint:  "Allow ec2:DescribeSubnets",
		},
		{
			name: "unknown in a plan",
			u: Undecided{Action: ActionDescribeSubnets, Resource: "module.ecs.aws_ecs_service.app", Code: CodeUnknownInSource,
				Err: "network_configuration.subnets is known only after apply and comes from local.subnets"},
			wantError:  "could not decide: module.ecs.aws_ecs_service.app network_configuration.subnets is known only after apply and comes from local.subnets",
			wantHint:   "Give module.ecs.aws_ecs_service.app a value the change itself decides",
			notInHint:  "Allow ",
			notInError: "failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := undecidedRow(report.Check("subnet"), "service/prod/app", tt.u, "", Options{})
			if !strings.HasPrefix(r.Error, tt.wantError) {
				t.Errorf("error = %q; want it to start %q", r.Error, tt.wantError)
			}
			if tt.notInError != "" && strings.Contains(r.Error, tt.notInError) {
				t.Errorf("error = %q; want no %q", r.Error, tt.notInError)
			}
			if !strings.HasPrefix(r.Hint, tt.wantHint) {
				t.Errorf("hint = %q; want it to start %q", r.Hint, tt.wantHint)
			}
			if tt.notInHint != "" && strings.Contains(r.Hint, tt.notInHint) {
				t.Errorf("hint = %q; want no %q", r.Hint, tt.notInHint)
			}
			if r.Status != report.StatusWarn || r.Class != report.ClassUndecided {
				t.Errorf("status, class = %s, %s; want warn, undecided", r.Status, r.Class)
			}
		})
	}
}

// TestUnknownInternetRowFailsUndecided: a task subnet whose route table
// is not in the facts leaves its internet path undecided, which
// --fail-undecided fails like every other undecided row (it stayed a
// warning when neither Block Public Access nor a failed read said why).
func TestUnknownInternetRowFailsUndecided(t *testing.T) {
	tn := &taskNet{vpcID: "vpc-1", subnets: []*Subnet{{ID: "subnet-1"}}}
	for _, tt := range []struct {
		fail bool
		want report.Status
	}{{false, report.StatusWarn}, {true, report.StatusFail}} {
		e := &evaluator{f: &Facts{}, opts: Options{FailUndecided: tt.fail}}
		r := e.unknownInternetRow(tn, CheckRoute, "the task subnets have an internet path")
		if r.Status != tt.want || r.Class != report.ClassUndecided {
			t.Errorf("--fail-undecided %v: status, class = %s, %s; want %s, undecided", tt.fail, r.Status, r.Class, tt.want)
		}
		if !strings.Contains(r.Error, "route tables not in the facts") {
			t.Errorf("error = %q; want it to say the route tables are not in the facts", r.Error)
		}
	}
}
