package live

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestGatherNetworkAgainstMoto: the one-VPC gathering that explains a
// running task's failures reads only the network (no ECS, no EFS) through
// the EC2-only clients explanations build, and EvaluateNetwork on its
// facts blames the seeded resource.
func TestGatherNetworkAgainstMoto(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "endpoint_sg_no_443")
	api, region := m.networkAPI(t)
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
	rows := audit.EvaluateNetwork(f, audit.NetConfig{Name: "task ENI", Subnets: w.Subnets[:1], SecurityGroups: []string{w.TaskSG}},
		[]audit.Need{{Service: "logs", Region: region, Port: 443, Reason: "connect to logs timed out"}}, audit.Options{})
	var blamed bool
	for _, r := range rows {
		if r.Check == audit.CheckSecurityGroup && r.Status == report.StatusFail && slices.Contains(r.Resources, w.VPCESG) {
			blamed = true
		}
	}
	if !blamed {
		t.Errorf("no failing security_group row naming %s in %+v", w.VPCESG, rows)
	}
}

// TestNetworkClientsHaveNoECSOrEFS: the clients built for network reads
// answer a call to ECS or EFS with ErrNoClient, not a nil-pointer panic.
func TestNetworkClientsHaveNoECSOrEFS(t *testing.T) {
	var c SDKClients // what NewNetworkClients returns, less its EC2 client
	ctx := context.Background()
	calls := map[string]func() error{
		"DescribeClusters":       func() error { _, err := c.DescribeClusters(ctx, nil); return err },
		"ListServices":           func() error { _, err := c.ListServices(ctx, nil); return err },
		"DescribeServices":       func() error { _, err := c.DescribeServices(ctx, nil); return err },
		"DescribeTaskDefinition": func() error { _, err := c.DescribeTaskDefinition(ctx, nil); return err },
		"DescribeMountTargets":   func() error { _, err := c.DescribeMountTargets(ctx, nil); return err },
		"DescribeMountTargetSecurityGroups": func() error {
			_, err := c.DescribeMountTargetSecurityGroups(ctx, nil)
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrNoClient) {
			t.Errorf("%s: %v; want ErrNoClient", name, err)
		}
	}
}
