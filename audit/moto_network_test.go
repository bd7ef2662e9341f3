package audit

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestGatherNetworkAgainstMoto: the one-VPC gathering that explains a
// running task's failures reads only the network (no ECS, no EFS), and
// EvaluateNetwork on its facts blames the seeded resource.
func TestGatherNetworkAgainstMoto(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "endpoint_sg_no_443")
	api, region := m.api(t, "test", "test")
	f, err := (&Gatherer{API: api, Region: region}).GatherNetwork(context.Background(), w.VPC)
	if err != nil {
		t.Fatal(err)
	}
	actions := m.takeActions()
	assertReadOnlyPolicyActions(t, actions)
	for _, a := range actions {
		if !strings.HasPrefix(a, "ec2:") {
			t.Errorf("GatherNetwork called %s; want EC2 reads only", a)
		}
	}
	if len(f.Undecided) > 0 {
		t.Errorf("undecided: %+v", f.Undecided)
	}
	rows := EvaluateNetwork(f, NetConfig{Name: "task ENI", Subnets: w.Subnets[:1], SecurityGroups: []string{w.TaskSG}},
		[]Need{{Service: "logs", Region: region, Port: 443, Reason: "connect to logs timed out"}}, Options{})
	var blamed bool
	for _, r := range rows {
		if r.Check == CheckSecurityGroup && r.Status == report.StatusFail && slices.Contains(r.Resources, w.VPCESG) {
			blamed = true
		}
	}
	if !blamed {
		t.Errorf("no failing security_group row naming %s in %+v", w.VPCESG, rows)
	}
}
