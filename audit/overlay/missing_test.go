package overlay

import (
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestMissing: the ids a change needs that the live read did not reach,
// and only those.
func TestMissing(t *testing.T) {
	outside := func(action, id string) audit.Undecided {
		return audit.Undecided{Action: action, Resource: id, Code: audit.CodeUnknownInSource, Err: "is not created or kept by the plan"}
	}
	tests := []struct {
		name    string
		changes []Change
		outside []audit.Undecided
		want    []string
	}{
		{name: "ids live holds", outside: []audit.Undecided{
			outside(audit.ActionDescribeSubnets, "subnet-1"), outside(audit.ActionDescribeSecurityGroups, "sg-task"),
			outside(audit.ActionDescribeVpcEndpoints, "vpc-1"),
		}, changes: []Change{{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: Delete, ID: "vpce-dkr"}}},
		{name: "ids outside the services' VPCs", outside: []audit.Undecided{
			outside(audit.ActionDescribeSubnets, "subnet-2"), outside(audit.ActionDescribeSecurityGroups, "sg-2"),
			outside(audit.ActionDescribeVpcs, "vpc-2"), outside(audit.ActionDescribeRouteTables, "vpc-2"),
			outside(audit.ActionDescribeSubnets, "subnet-2"),
		}, changes: []Change{
			{Address: "aws_vpc_endpoint.x", Kind: KindEndpoint, Action: Update, ID: "vpce-2"},
			{Address: "aws_route.x", Kind: KindRouteTable, Action: Create, ID: "rtb-2", Part: true},
		}, want: []string{"rtb-2", "sg-2", "subnet-2", "vpc-2", "vpce-2"}},
		{name: "what a VPC read does not answer", outside: []audit.Undecided{
			outside(audit.ActionDescribeTaskDefinition, "aws_ecs_service.app"), outside(audit.ActionGetManagedPrefixListEntries, "pl-9"),
			outside(audit.ActionDescribeVpcEndpoints, ""), outside(audit.ActionDescribeSubnets, "aws_subnet.new"),
		}, changes: []Change{
			{Address: "data.aws_vpc.b", Kind: KindVPC, Action: NoOp, ID: "vpc-3", Read: true},
			{Address: "aws_ecs_service.app", Kind: KindWorkload, Action: Update, ID: "arn:aws:ecs:us-east-1:123456789012:service/prod/x"},
			{Address: "aws_subnet.new", Kind: KindSubnet, Action: Create},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Missing(liveFacts(), tt.changes, tt.outside); !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestAttributeDataSource: a row that is not a pass names the data
// source that read an id it lists, beside the id.
func TestAttributeDataSource(t *testing.T) {
	live := liveFacts()
	live.Endpoints = slices.DeleteFunc(live.Endpoints, func(ep *audit.Endpoint) bool { return ep.ID == "vpce-dkr" })
	planned := plannedFacts()
	w := *live.Workloads[0]
	w.Name, w.Service, w.ServiceARN = "aws_ecs_service.payments", "payments", "aws_ecs_service.payments"
	planned.Workloads = []*audit.Workload{&w}
	reads := []Change{{Address: "data.aws_vpc.net", Kind: KindVPC, Action: NoOp, ID: "vpc-1", Read: true}}
	before := audit.Evaluate(live, audit.Options{})
	res := Apply(live, planned, reads, nil)
	rows := Attribute(audit.Evaluate(res.Facts, audit.Options{}), before, res)
	found := false
	for _, r := range rows {
		says := strings.Contains(r.Error, "it reads data.aws_vpc.net (vpc-1)")
		switch {
		case r.Status == report.StatusPass && says:
			t.Errorf("passing %s row %q names the data source; want only rows that are not a pass", r.Check, r.Error)
		case r.Check == audit.CheckEndpoint && r.Status == report.StatusFail && r.Workload != nil && r.Workload.Name == w.Name:
			if !says || !slices.Contains(r.Resources, "data.aws_vpc.net") {
				t.Errorf("failing row %q with resources %v; want it to name data.aws_vpc.net (vpc-1)", r.Error, r.Resources)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("no failing endpoint row of %s; rows: %v", w.Name, rows)
	}
}

// TestAttributeDataSourceNamedOnce: a row whose error already names the
// data source (an undecided id "is read by data.aws_subnets.private")
// lists its address, and does not say it twice.
func TestAttributeDataSourceNamedOnce(t *testing.T) {
	res := Apply(liveFacts(), plannedFacts(), []Change{{Address: "data.aws_subnets.private", Kind: KindSubnet, Action: NoOp, ID: "subnet-9", Read: true}}, nil)
	says := "could not decide: subnet-9 is read by data.aws_subnets.private, not created or kept by the plan"
	rows := Attribute([]report.Result{{Check: audit.CheckEndpoint, Target: "ecr.dkr", Status: report.StatusWarn, Error: says, Resources: []string{"subnet-9"}}}, nil, res)
	if rows[0].Error != says || !slices.Equal(rows[0].Resources, []string{"subnet-9", "data.aws_subnets.private"}) {
		t.Errorf("got %q with resources %v; want %q with subnet-9 and data.aws_subnets.private", rows[0].Error, rows[0].Resources, says)
	}
}
