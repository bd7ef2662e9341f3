package overlay

import (
	"maps"
	"slices"
	"testing"

	"github.com/preflight-dev/preflight/audit"
)

// TestNames: the merged facts carry the change's Source (they hold its
// addresses for what it creates), and Names maps the account's ids of the
// resources the change declares and keeps to their own addresses, for a
// fix written in the change's format: not a resource the change only
// changes a part of (its address would name the part, not the resource),
// nor one it deletes or replaces (its block is gone from the change).
func TestNames(t *testing.T) {
	tests := []struct {
		name    string
		changes []Change
		want    map[string]string
	}{
		{name: "declared resources, kept or updated",
			changes: []Change{
				{Address: "aws_vpc.main", Kind: KindVPC, Action: NoOp, ID: "vpc-1"},
				{Address: "module.net.aws_route_table.private", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1"},
				{Address: "aws_security_group.task", Kind: KindSecurityGroup, Action: Update, ID: "sg-task"},
				{Address: `aws_ecs_service.app["orders"]`, Kind: KindWorkload, Action: NoOp, ID: ordersARN},
			},
			want: map[string]string{"vpc-1": "aws_vpc.main", "rtb-1": "module.net.aws_route_table.private",
				"sg-task": "aws_security_group.task", ordersARN: `aws_ecs_service.app["orders"]`}},
		{name: "a part only",
			changes: []Change{{Address: "aws_vpc_security_group_egress_rule.https", Kind: KindSecurityGroup, Action: Create, ID: "sg-task", Part: true}},
			want:    map[string]string{}},
		{name: "a part and its resource",
			changes: []Change{
				{Address: "aws_route.s3", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1", Part: true},
				{Address: "aws_route_table.private", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1"},
			},
			want: map[string]string{"rtb-1": "aws_route_table.private"}},
		{name: "deleted and replaced",
			changes: []Change{
				{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: Delete, ID: "vpce-dkr"},
				{Address: "aws_security_group.task", Kind: KindSecurityGroup, Action: Replace, ID: "sg-task"},
			},
			want: map[string]string{}},
		{name: "read by data sources",
			changes: []Change{
				{Address: "data.aws_vpc.net", Kind: KindVPC, Action: NoOp, ID: "vpc-1", Read: true},
				{Address: "module.net.data.aws_route_table.private", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1", Read: true},
			},
			want: map[string]string{}},
		{name: "created", changes: []Change{{Address: "aws_vpc_endpoint.logs", Kind: KindEndpoint, Action: Create}},
			want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planned := plannedFacts()
			planned.Source = audit.SourceTerraform
			res := Apply(liveFacts(), planned, tt.changes, nil)
			if !maps.Equal(res.Names, tt.want) {
				t.Errorf("got names %v; want %v", res.Names, tt.want)
			}
			if res.Facts.Source != audit.SourceTerraform {
				t.Errorf("got source %q; want %q", res.Facts.Source, audit.SourceTerraform)
			}
		})
	}
}

// TestInline: the merged facts carry which rules and associations the
// change's resources set inline (audit.Facts.Inline), by the ids the
// planned facts give them, so that a fix written in the change's format
// edits them there; the account's facts never say it.
func TestInline(t *testing.T) {
	planned := plannedFacts()
	planned.Source = audit.SourceTerraform
	planned.Inline = map[string][]string{"vpce-s3": {audit.InlineRouteTableIDs}, "sg-task": {audit.InlineEgress}, "aws_vpc_endpoint.logs": {}}
	live := liveFacts()
	res := Apply(live, planned, []Change{{Address: "aws_vpc_endpoint.s3", Kind: KindEndpoint, Action: NoOp, ID: "vpce-s3"}}, nil)
	for id, want := range planned.Inline {
		got, ok := res.Facts.Inline[id]
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%s: got inline %v (held: %v); want %v", id, got, ok, want)
		}
	}
	if live.Inline != nil {
		t.Errorf("got the account's facts changed: inline %v; want nil", live.Inline)
	}
}
