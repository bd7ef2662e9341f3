package live

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/preflight-dev/preflight/internal/audittest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditTwoVPCs sweeps services in two VPCs: each kind of EC2 resource
// is still read once (filtered by both VPC ids), only the per-VPC
// attributes double, and only the service in the VPC without endpoints is
// blamed. A task's subnets in two VPCs are bad input.
func TestAuditTwoVPCs(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "second_vpc")
	f, err := m.gather(t, Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, a := range m.takeActions() {
		counts[a]++
	}
	for action, want := range map[string]int{
		"ec2:DescribeVpcAttribute": 4, "ec2:DescribeVpcs": 1, "ec2:DescribeSecurityGroups": 1, "ec2:DescribeRouteTables": 1,
		"ec2:DescribeVpcEndpoints": 1, "ec2:DescribeNetworkAcls": 1, "ec2:DescribeSubnets": 2, "ecs:DescribeTaskDefinition": 2,
	} {
		if counts[action] != want {
			t.Errorf("%s x%d; want %d (all calls: %v)", action, counts[action], want, counts)
		}
	}
	if len(f.VPCs) != 2 || f.VPCs[w.VPC2] == nil || f.VPCs[w.VPC2].DNSHostnames != audit.TriTrue {
		t.Errorf("VPCs %v; want both, %s with DNS hostnames on", f.VPCs, w.VPC2)
	}
	rows := audit.Evaluate(f, audit.Options{})
	for _, r := range rows {
		if r.Status != report.StatusFail {
			continue
		}
		if !slices.Contains(r.Resources, w.VPC2) && !slices.Contains(r.Resources, w.Subnet2) {
			t.Errorf("a failing row does not involve %s: %s %s %v %s", w.VPC2, r.Check, r.Target, r.Resources, r.Error)
		}
	}
	if code := report.ExitCode(rows); code != report.ExitDNSPosture {
		t.Errorf("exit %d; want 11 (legacy has no endpoints)\n%s", code, motoDumpRows(rows))
	}

	_, err = m.gather(t, Input{TaskDefinition: "orders:1", Subnets: []string{w.Subnets[0], w.Subnet2}, SecurityGroups: []string{w.TaskSG}})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Input != "--subnets" {
		t.Errorf("subnets in two VPCs: got %v; want an --subnets input error", err)
	}
}

// pagedServices serves ListServices in pages of two with its own tokens
// (moto returns everything in one page), counting the calls.
type pagedServices struct {
	API
	calls atomic.Int32
}

func (p *pagedServices) ListServices(ctx context.Context, in *ecs.ListServicesInput, o ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	p.calls.Add(1)
	all, err := p.API.ListServices(ctx, &ecs.ListServicesInput{Cluster: in.Cluster}, o...)
	if err != nil {
		return nil, err
	}
	start := 0
	if in.NextToken != nil {
		start = int(aws.ToString(in.NextToken)[0] - '0')
	}
	end := min(start+2, len(all.ServiceArns))
	out := &ecs.ListServicesOutput{ServiceArns: all.ServiceArns[start:end]}
	if end < len(all.ServiceArns) {
		out.NextToken = aws.String(string(rune('0' + end)))
	}
	return out, nil
}

// TestAuditListServicesPages follows ListServices' tokens to the end.
func TestAuditListServicesPages(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "sweep3")
	api, region := m.api(t, "test", "test")
	paged := &pagedServices{API: api}
	f, err := (&Gatherer{API: paged, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, wl := range f.Workloads {
		names = append(names, wl.Service)
	}
	if !slices.Equal(names, []string{"billing", "orders", "search"}) || paged.calls.Load() != 2 {
		t.Errorf("services %v in %d ListServices calls; want billing, orders, search in 2", names, paged.calls.Load())
	}
}

// TestAuditBridgeModeService: a service without an awsvpcConfiguration
// still has its task definition read; its network is its container
// instances', and with none registered nothing is judged: the rows say so
// (warnings, exit 0; --fail-undecided fails them).
func TestAuditBridgeModeService(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "bridge")
	f, err := m.gather(t, Input{Cluster: w.Cluster, Services: []string{"worker"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Workloads) != 1 {
		t.Fatalf("workloads %+v; want worker", f.Workloads)
	}
	wl := f.Workloads[0]
	if wl.LaunchType != audit.LaunchEC2 || len(wl.Subnets) != 0 || wl.TaskDefinition == nil || len(wl.TaskDefinition.Containers) != 1 || wl.TaskDefinition.NetworkMode != "bridge" {
		t.Errorf("worker %+v, task definition %+v; want EC2, no subnets, the bridge-mode definition read", wl, wl.TaskDefinition)
	}
	if got := f.ContainerInstances[w.Cluster]; got == nil || len(got) != 0 {
		t.Errorf("container instances %v; want an empty list read for %s", got, w.Cluster)
	}
	rows := audit.Evaluate(f, audit.Options{})
	if code := report.ExitCode(rows); code != report.ExitOK {
		t.Errorf("exit %d; want 0", code)
	}
	undecided := 0
	for _, r := range rows {
		if strings.Contains(r.Error, "no container instances registered in cluster prod") {
			undecided++
		}
		if r.Status == report.StatusSkip {
			t.Errorf("got %s; want no skip row", audittest.RowString(r))
		}
	}
	if undecided == 0 {
		t.Errorf("no row says that no container instance is registered\n%s", motoDumpRows(rows))
	}
}
