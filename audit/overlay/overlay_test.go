package overlay

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

const ordersARN = "arn:aws:ecs:us-east-1:123456789012:service/prod/orders"

// liveFacts is an account where service orders runs in a private subnet
// with the ecr.api and ecr.dkr endpoints and the S3 gateway on its route
// table: every rule passes.
func liveFacts() *audit.Facts {
	pfx := netip.MustParsePrefix
	return &audit.Facts{
		Region: "us-east-1", Account: "123456789012", Partition: "aws",
		VPCs: map[string]*audit.VPC{"vpc-1": {ID: "vpc-1", CIDRs: []netip.Prefix{pfx("10.0.0.0/16")},
			DNSSupport: audit.TriTrue, DNSHostnames: audit.TriTrue, DHCPOptionsID: "dopt-1", DomainNameServers: []string{"AmazonProvidedDNS"}}},
		Subnets: map[string]*audit.Subnet{"subnet-1": {ID: "subnet-1", VPCID: "vpc-1", AZ: "us-east-1a", CIDR: pfx("10.0.1.0/24")}},
		RouteTables: []*audit.RouteTable{{ID: "rtb-1", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: []audit.Route{
			{Destination: pfx("10.0.0.0/16"), Target: audit.TargetLocal, TargetID: "local", State: "active"},
			{DestinationPrefixListID: "pl-s3", Target: audit.TargetVPCE, TargetID: "vpce-s3", State: "active"},
		}}, {ID: "rtb-main", VPCID: "vpc-1", Main: true}},
		Endpoints: []*audit.Endpoint{
			{ID: "vpce-api", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.ecr.api", Type: audit.EndpointInterface, State: "available",
				PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-1"}, SecurityGroupIDs: []string{"sg-ep"}},
			{ID: "vpce-dkr", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.ecr.dkr", Type: audit.EndpointInterface, State: "available",
				PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-1"}, SecurityGroupIDs: []string{"sg-ep"}},
			{ID: "vpce-s3", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.s3", Type: audit.EndpointGateway, State: "available",
				RouteTableIDs: []string{"rtb-1"}},
		},
		SecurityGroups: map[string]*audit.SecurityGroup{
			"sg-task": {ID: "sg-task", VPCID: "vpc-1", Egress: []audit.Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: []netip.Prefix{pfx("0.0.0.0/0")}}}},
			"sg-ep":   {ID: "sg-ep", VPCID: "vpc-1", Ingress: []audit.Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: []netip.Prefix{pfx("10.0.0.0/16")}}}},
		},
		NetworkACLs: []*audit.NetworkACL{{ID: "acl-1", VPCID: "vpc-1", Default: true, SubnetIDs: []string{"subnet-1"}, Entries: []audit.NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
			{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		}}},
		PrefixLists: map[string]*audit.PrefixList{"pl-s3": {ID: "pl-s3", Name: "com.amazonaws.us-east-1.s3", CIDRs: []netip.Prefix{pfx("52.216.0.0/15")}}},
		Workloads: []*audit.Workload{{Name: "service/prod/orders", Cluster: "prod", Service: "orders", ServiceARN: ordersARN, Status: "ACTIVE",
			LaunchType: audit.LaunchFargate, Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-task"}, AssignPublicIP: audit.PublicIPDisabled,
			TaskDefinition: &audit.TaskDefinition{ARN: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1", Family: "orders", Revision: 1,
				NetworkMode: "awsvpc", Containers: []audit.Container{{Name: "orders", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1"}}}}},
	}
}

// plannedFacts is an empty plan's facts in the same Region.
func plannedFacts() *audit.Facts {
	return &audit.Facts{Region: "us-east-1", Partition: "aws", VPCs: map[string]*audit.VPC{}, Subnets: map[string]*audit.Subnet{},
		SecurityGroups: map[string]*audit.SecurityGroup{}, PrefixLists: map[string]*audit.PrefixList{}}
}

func endpointIDs(f *audit.Facts) []string {
	var ids []string
	for _, ep := range f.Endpoints {
		ids = append(ids, ep.ID)
	}
	slices.Sort(ids)
	return ids
}

func routeTargets(f *audit.Facts, rt string) []string {
	var out []string
	for _, t := range f.RouteTables {
		if t.ID == rt {
			for _, r := range t.Routes {
				out = append(out, r.TargetID)
			}
		}
	}
	return out
}

// worst is the worst status of the rows of check for the workload.
func worst(rows []report.Result, check report.Check) (report.Status, string) {
	st, msg := report.StatusPass, ""
	for _, r := range rows {
		if r.Check == check && rank(r.Status) > rank(st) {
			st, msg = r.Status, r.Error
		}
	}
	return st, msg
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		planned func(f *audit.Facts)
		changes []Change
		outside []audit.Undecided
		check   func(t *testing.T, m *audit.Facts, res *Result)
	}{
		{name: "a delete removes the account's fact and its gateway routes",
			changes: []Change{
				{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: Delete, ID: "vpce-dkr"},
				{Address: "aws_vpc_endpoint.s3", Kind: KindEndpoint, Action: Delete, ID: "vpce-s3"},
			},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				if got, want := endpointIDs(m), []string{"vpce-api"}; !slices.Equal(got, want) {
					t.Errorf("endpoints %v; want %v", got, want)
				}
				if got, want := routeTargets(m, "rtb-1"), []string{"local"}; !slices.Equal(got, want) {
					t.Errorf("routes of rtb-1 to %v; want %v", got, want)
				}
				if got, want := res.Addresses["vpce-dkr"], []string{"aws_vpc_endpoint.ecr_dkr"}; !slices.Equal(got, want) {
					t.Errorf("addresses of vpce-dkr %v; want %v", got, want)
				}
			}},
		{name: "an update replaces the fact with the plan's",
			planned: func(f *audit.Facts) {
				f.Endpoints = append(f.Endpoints, &audit.Endpoint{ID: "vpce-s3", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.s3",
					Type: audit.EndpointGateway, State: "available"})
			},
			changes: []Change{{Address: "aws_vpc_endpoint.s3", Kind: KindEndpoint, Action: Update, ID: "vpce-s3"}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				for _, ep := range m.Endpoints {
					if ep.ID == "vpce-s3" && len(ep.RouteTableIDs) != 0 {
						t.Errorf("route tables of vpce-s3 %v; want none (the plan's)", ep.RouteTableIDs)
					}
				}
				// The gateway's route goes with the association.
				if got, want := routeTargets(m, "rtb-1"), []string{"local"}; !slices.Equal(got, want) {
					t.Errorf("routes of rtb-1 to %v; want %v", got, want)
				}
			}},
		{name: "a create adds the plan's fact under its address",
			planned: func(f *audit.Facts) {
				f.Endpoints = append(f.Endpoints, &audit.Endpoint{ID: "aws_vpc_endpoint.logs", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.logs",
					Type: audit.EndpointInterface, State: "available", PrivateDNSEnabled: true})
			},
			changes: []Change{{Address: "aws_vpc_endpoint.logs", Kind: KindEndpoint, Action: Create}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				if got, want := endpointIDs(m), []string{"aws_vpc_endpoint.logs", "vpce-api", "vpce-dkr", "vpce-s3"}; !slices.Equal(got, want) {
					t.Errorf("endpoints %v; want %v", got, want)
				}
			}},
		{name: "a no-op keeps the account's fact",
			planned: func(f *audit.Facts) {
				f.Endpoints = append(f.Endpoints, &audit.Endpoint{ID: "vpce-dkr", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.ecr.dkr",
					Type: audit.EndpointInterface, State: "pending"})
			},
			changes: []Change{{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: NoOp, ID: "vpce-dkr"}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				for _, ep := range m.Endpoints {
					if ep.ID == "vpce-dkr" && ep.State != "available" {
						t.Errorf("state of vpce-dkr %q; want the account's available", ep.State)
					}
				}
				if len(res.Touched) != 0 {
					t.Errorf("touched %v; want none", res.Touched)
				}
				if got, want := res.Addresses["vpce-dkr"], []string{"aws_vpc_endpoint.ecr_dkr"}; !slices.Equal(got, want) {
					t.Errorf("addresses of vpce-dkr %v; want %v (a kept resource is still named)", got, want)
				}
			}},
		{name: "a replaced resource goes, its successor comes under its address",
			planned: func(f *audit.Facts) {
				f.SecurityGroups["aws_security_group.task"] = &audit.SecurityGroup{ID: "aws_security_group.task", VPCID: "vpc-1"}
				f.Workloads = append(f.Workloads, &audit.Workload{Name: `aws_ecs_service.app["orders"]`, ServiceARN: `aws_ecs_service.app["orders"]`,
					Subnets: []string{"subnet-1"}, SecurityGroups: []string{"aws_security_group.task"}, AssignPublicIP: audit.PublicIPDisabled})
			},
			changes: []Change{
				{Address: "aws_security_group.task", Kind: KindSecurityGroup, Action: Replace, ID: "sg-task"},
				{Address: `aws_ecs_service.app["orders"]`, Kind: KindWorkload, Action: Update, ID: ordersARN},
			},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				if m.SecurityGroups["sg-task"] != nil || m.SecurityGroups["aws_security_group.task"] == nil {
					t.Errorf("groups %v; want aws_security_group.task, not sg-task", slices.Sorted(mapsKeys(m.SecurityGroups)))
				}
				if len(m.Workloads) != 1 {
					t.Fatalf("%d workloads; want 1", len(m.Workloads))
				}
				w := m.Workloads[0]
				if w.Name != "service/prod/orders" || !slices.Equal(w.SecurityGroups, []string{"aws_security_group.task"}) || w.TaskDefinition == nil {
					t.Errorf("workload %s with groups %v, task definition %v; want service/prod/orders with aws_security_group.task and the live task definition",
						w.Name, w.SecurityGroups, w.TaskDefinition)
				}
			}},
		{name: "a value unknown after apply is undecided, naming address and attribute",
			planned: func(f *audit.Facts) {
				// The reader leaves a group whose rules are open out.
				f.Undecided = append(f.Undecided, audit.Undecided{Action: audit.ActionDescribeSecurityGroups, Resource: "sg-task",
					Code: audit.CodeUnknownInSource, Err: "egress[0].cidr_blocks is known only after apply and comes from local.egress"})
			},
			changes: []Change{{Address: "aws_security_group.task", Kind: KindSecurityGroup, Action: Update, ID: "sg-task"}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				st, msg := worst(audit.Evaluate(m, audit.Options{}), audit.CheckSecurityGroup)
				if st == report.StatusPass || !strings.Contains(msg, "aws_security_group.task (sg-task): egress[0].cidr_blocks is known only after apply") {
					t.Errorf("security group rows %s %q; want undecided naming aws_security_group.task and egress[0].cidr_blocks", st, msg)
				}
			}},
		{name: "a part changed on a fact the plan does not hold is undecided",
			changes: []Change{{Address: "aws_security_group_rule.extra", Kind: KindSecurityGroup, Action: Delete, ID: "sg-task", Part: true}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				st, msg := worst(audit.Evaluate(m, audit.Options{}), audit.CheckSecurityGroup)
				if st == report.StatusPass || !strings.Contains(msg, "aws_security_group_rule.extra deletes a part of sg-task") {
					t.Errorf("security group rows %s %q; want undecided naming aws_security_group_rule.extra", st, msg)
				}
			}},
		{name: "a part changed on a fact the plan holds takes the plan's fact",
			planned: func(f *audit.Facts) {
				f.SecurityGroups["sg-task"] = &audit.SecurityGroup{ID: "sg-task", VPCID: "vpc-1"}
			},
			changes: []Change{{Address: "aws_vpc_security_group_egress_rule.https", Kind: KindSecurityGroup, Action: Delete, ID: "sg-task", Part: true}},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				if g := m.SecurityGroups["sg-task"]; g == nil || len(g.Egress) != 0 {
					t.Errorf("sg-task %+v; want the plan's, without egress", g)
				}
			}},
		{name: "a fact's own address comes before its parts'",
			changes: []Change{
				{Address: "aws_route.s3", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1", Part: true},
				{Address: "aws_route_table.private", Kind: KindRouteTable, Action: NoOp, ID: "rtb-1"},
			},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				if got, want := res.Addresses["rtb-1"], []string{"aws_route_table.private", "aws_route.s3"}; !slices.Equal(got, want) {
					t.Errorf("addresses of rtb-1 %v; want %v", got, want)
				}
			}},
		{name: "outside the plan: dropped where the account has the fact",
			planned: func(f *audit.Facts) {
				f.Undecided = []audit.Undecided{
					{Action: audit.ActionDescribeSubnets, Resource: "subnet-1", Code: audit.CodeUnknownInSource, Err: "is not created or kept by the plan"},
					{Action: audit.ActionDescribeSubnets, Resource: "subnet-9", Code: audit.CodeUnknownInSource, Err: "is not created or kept by the plan"},
				}
			},
			outside: []audit.Undecided{
				{Action: audit.ActionDescribeSubnets, Resource: "subnet-1", Code: audit.CodeUnknownInSource, Err: "is not created or kept by the plan"},
				{Action: audit.ActionDescribeSubnets, Resource: "subnet-9", Code: audit.CodeUnknownInSource, Err: "is not created or kept by the plan"},
			},
			check: func(t *testing.T, m *audit.Facts, res *Result) {
				var got []string
				for _, u := range m.Undecided {
					got = append(got, u.Resource)
				}
				if want := []string{"subnet-9"}; !slices.Equal(got, want) {
					t.Errorf("undecided about %v; want %v", got, want)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live, planned := liveFacts(), plannedFacts()
			if tt.planned != nil {
				tt.planned(planned)
			}
			res := Apply(live, planned, tt.changes, tt.outside)
			tt.check(t, res.Facts, res)
			if !reflect.DeepEqual(live, liveFacts()) {
				t.Errorf("Apply modified the live facts")
			}
		})
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestAttribute: the row the change breaks names the service and the
// change's address; a row it does not touch names nothing.
func TestAttribute(t *testing.T) {
	live := liveFacts()
	before := audit.Evaluate(live, audit.Options{})
	if st, msg := worst(before, audit.CheckEndpoint); st != report.StatusPass {
		t.Fatalf("the live account's endpoint rows %s %q; want pass (the test would prove nothing)", st, msg)
	}
	res := Apply(live, plannedFacts(), []Change{{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: Delete, ID: "vpce-dkr"}}, nil)
	rows := Attribute(audit.Evaluate(res.Facts, audit.Options{}), before, res)
	var named int
	for _, r := range rows {
		says := strings.Contains(r.Error, "the change deletes aws_vpc_endpoint.ecr_dkr (vpce-dkr)")
		switch {
		case r.Check == audit.CheckEndpoint && r.Status == report.StatusFail && r.Workload != nil && r.Workload.Name == "service/prod/orders":
			if !says || !slices.Contains(r.Resources, "aws_vpc_endpoint.ecr_dkr") || !slices.Contains(r.Resources, "vpce-dkr") {
				t.Errorf("failing row %q with resources %v; want it to name aws_vpc_endpoint.ecr_dkr and vpce-dkr", r.Error, r.Resources)
			}
			named++
		case says:
			t.Errorf("%s %s row %q names the change; want only the rows it breaks", r.Status, r.Check, r.Error)
		}
	}
	if named == 0 {
		t.Errorf("no failing endpoint row of service/prod/orders; rows: %v", rows)
	}
}

// TestAttributeServiceUpdate: a service update is named on the service's
// rows it breaks only when it changes what the rules judge (here its
// security groups), not for a drifted attribute the audit does not read.
func TestAttributeServiceUpdate(t *testing.T) {
	const addr = `aws_ecs_service.app["orders"]`
	for _, tt := range []struct {
		name   string
		groups []string
		live   []string
		named  bool
	}{
		{name: "the same configuration", groups: []string{"sg-task"}, named: false},
		{name: "the same groups in another order", groups: []string{"sg-task", "sg-ep"}, live: []string{"sg-ep", "sg-task"}, named: false},
		{name: "another security group", groups: []string{"sg-ep"}, named: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			live := liveFacts()
			if tt.live != nil {
				live.Workloads[0].SecurityGroups = tt.live
			}
			before := audit.Evaluate(live, audit.Options{})
			planned := plannedFacts()
			planned.Workloads = []*audit.Workload{{Name: addr, ServiceARN: addr, LaunchType: audit.LaunchFargate,
				Subnets: []string{"subnet-1"}, SecurityGroups: tt.groups, AssignPublicIP: audit.PublicIPDisabled}}
			res := Apply(live, planned, []Change{
				{Address: addr, Kind: KindWorkload, Action: Update, ID: ordersARN},
				{Address: "aws_vpc_endpoint.ecr_dkr", Kind: KindEndpoint, Action: Delete, ID: "vpce-dkr"},
			}, nil)
			var named bool
			for _, r := range Attribute(audit.Evaluate(res.Facts, audit.Options{}), before, res) {
				named = named || strings.Contains(r.Error, "updates "+addr)
			}
			if named != tt.named {
				t.Errorf("a row names the service update: %v; want %v", named, tt.named)
			}
		})
	}
}
