package audit

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/internal/audittest"
	"github.com/preflight-dev/preflight/report"
)

// rowString and findRows are audittest's, which audit/live's tests share.
var (
	rowString = audittest.RowString
	findRows  = audittest.FindRows
)

const (
	testRegion  = "ap-northeast-1"
	testAccount = "123456789012"
	testImage   = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1.4.2"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func pfxs(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = pfx(s)
	}
	return out
}

// privateFacts is a VPC where everything is right: a Fargate service in
// two private subnets (no internet path) with ECR, logs and S3 endpoints,
// security groups that reference each other, and allow-all NACLs.
func privateFacts() *Facts {
	iface := func(id, svc string) *Endpoint {
		return &Endpoint{ID: id, VPCID: "vpc-1", ServiceName: "com.amazonaws.ap-northeast-1." + svc, Type: EndpointInterface,
			State: "available", PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-ea", "subnet-eb"}, SecurityGroupIDs: []string{"sg-vpce"}}
	}
	return &Facts{
		Region: testRegion, Account: testAccount, Partition: "aws",
		VPCs: map[string]*VPC{"vpc-1": {ID: "vpc-1", CIDRs: pfxs("10.0.0.0/16"), DNSSupport: TriTrue, DNSHostnames: TriTrue,
			DHCPOptionsID: "dopt-1", DomainNameServers: []string{"AmazonProvidedDNS"}}},
		Subnets: map[string]*Subnet{
			"subnet-a":   {ID: "subnet-a", VPCID: "vpc-1", AZ: "ap-northeast-1a", CIDR: pfx("10.0.1.0/24")},
			"subnet-b":   {ID: "subnet-b", VPCID: "vpc-1", AZ: "ap-northeast-1c", CIDR: pfx("10.0.2.0/24")},
			"subnet-ea":  {ID: "subnet-ea", VPCID: "vpc-1", AZ: "ap-northeast-1a", CIDR: pfx("10.0.11.0/24")},
			"subnet-eb":  {ID: "subnet-eb", VPCID: "vpc-1", AZ: "ap-northeast-1c", CIDR: pfx("10.0.12.0/24")},
			"subnet-pub": {ID: "subnet-pub", VPCID: "vpc-1", AZ: "ap-northeast-1a", CIDR: pfx("10.0.100.0/24")},
		},
		RouteTables: []*RouteTable{
			{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: []Route{{Destination: pfx("10.0.0.0/16"), Target: TargetLocal, TargetID: "local", State: "active"}}},
			{ID: "rtb-task", VPCID: "vpc-1", SubnetIDs: []string{"subnet-a", "subnet-b"}, Routes: []Route{
				{Destination: pfx("10.0.0.0/16"), Target: TargetLocal, TargetID: "local", State: "active"},
				{DestinationPrefixListID: "pl-s3", Target: TargetVPCE, TargetID: "vpce-s3", State: "active"},
			}},
			{ID: "rtb-pub", VPCID: "vpc-1", SubnetIDs: []string{"subnet-pub"}, Routes: []Route{
				{Destination: pfx("0.0.0.0/0"), Target: TargetIGW, TargetID: "igw-1", State: "active"},
			}},
		},
		Endpoints: []*Endpoint{
			iface("vpce-api", "ecr.api"), iface("vpce-dkr", "ecr.dkr"), iface("vpce-logs", "logs"),
			{ID: "vpce-s3", VPCID: "vpc-1", ServiceName: "com.amazonaws.ap-northeast-1.s3", Type: EndpointGateway, State: "available", RouteTableIDs: []string{"rtb-task"}},
		},
		SecurityGroups: map[string]*SecurityGroup{
			"sg-task": {ID: "sg-task", VPCID: "vpc-1", Egress: []Rule{
				{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{"sg-vpce"}},
				{Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIDs: []string{"pl-s3"}},
			}},
			"sg-vpce": {ID: "sg-vpce", VPCID: "vpc-1", Ingress: []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{"sg-task"}}}},
		},
		NetworkACLs: []*NetworkACL{{ID: "acl-1", VPCID: "vpc-1", Default: true,
			SubnetIDs: []string{"subnet-a", "subnet-b", "subnet-ea", "subnet-eb", "subnet-pub"},
			Entries: []NACLEntry{
				{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
				{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 32767, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
			}}},
		PrefixLists: map[string]*PrefixList{
			"pl-s3":   {ID: "pl-s3", Name: "com.amazonaws.ap-northeast-1.s3", CIDRs: pfxs("52.219.0.0/16", "3.5.152.0/21")},
			"pl-corp": {ID: "pl-corp", Name: "corp", CIDRs: pfxs("10.0.0.0/8")},
		},
		Workloads: []*Workload{{
			Name: "service/prod/orders", Cluster: "prod", Service: "orders", ServiceARN: "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/orders",
			LaunchType: LaunchFargate, Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-task"}, AssignPublicIP: PublicIPDisabled,
			TaskDefinition: &TaskDefinition{Family: "orders", Revision: 7, NetworkMode: "awsvpc", Containers: []Container{{
				Name: "app", Image: testImage, LogDriver: "awslogs",
				LogOptions: map[string]string{"awslogs-region": testRegion, "awslogs-group": "/ecs/orders"},
			}}},
		}},
	}
}

// Mutators for the fixture.

func endpointByID(f *Facts, id string) *Endpoint {
	for _, ep := range f.Endpoints {
		if ep.ID == id {
			return ep
		}
	}
	panic("no endpoint " + id)
}

func removeEndpoint(f *Facts, id string) {
	var keep []*Endpoint
	for _, ep := range f.Endpoints {
		if ep.ID != id {
			keep = append(keep, ep)
		}
	}
	f.Endpoints = keep
}

func routeTable(f *Facts, id string) *RouteTable {
	for _, rt := range f.RouteTables {
		if rt.ID == id {
			return rt
		}
	}
	panic("no route table " + id)
}

// addNAT gives the task route table a default route to a NAT gateway.
func addNAT(f *Facts) {
	rt := routeTable(f, "rtb-task")
	rt.Routes = append(rt.Routes, Route{Destination: pfx("0.0.0.0/0"), Target: TargetNAT, TargetID: "nat-1", State: "active"})
}

// cdkDefaultVPC is CDK's default VPC for ApplicationLoadBalancedFargateService:
// private subnets with a NAT gateway route and no VPC endpoints.
func cdkDefaultVPC(f *Facts) {
	addNAT(f)
	for _, id := range []string{"vpce-api", "vpce-dkr", "vpce-logs", "vpce-s3"} {
		removeEndpoint(f, id)
	}
	rt := routeTable(f, "rtb-task")
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r Route) bool { return r.TargetID == "vpce-s3" })
}

func firstWorkload(f *Facts) *Workload { return f.Workloads[0] }

// expectRow is a row the rules must emit (matched on check and target).
type expectRow struct {
	check  report.Check
	target string
	status report.Status
	class  report.Class
	// hint and errText must be substrings of Hint and Error when set.
	hint, errText string
	// resources must each be among the row's Resources.
	resources []string
}

// assertRow checks that a row matching w exists.
func assertRow(t *testing.T, rows []report.Result, w expectRow) {
	t.Helper()
	cands := findRows(rows, w.check, w.target)
	if len(cands) == 0 {
		t.Errorf("got no %s row for %s; want %s %s\nrows:\n%s", w.check, w.target, w.status, w.class, dumpResults(rows))
		return
	}
	for _, r := range cands {
		if r.Status == w.status && r.Class == w.class &&
			strings.Contains(r.Hint, w.hint) && strings.Contains(r.Error, w.errText) && containsAll(r.Resources, w.resources) {
			return
		}
	}
	var got []string
	for _, r := range cands {
		got = append(got, rowString(r)+" resources="+strings.Join(r.Resources, ","))
	}
	t.Errorf("got %s; want %s/%s %s %s hint~%q err~%q resources⊇%v", strings.Join(got, " | "), w.check, w.target, w.status, w.class, w.hint, w.errText, w.resources)
}

// containsAll reports whether have holds every one of want.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func dumpResults(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + rowString(r) + "\n")
	}
	return b.String()
}

// withFixIDs renames, in the text of a wanted row, the readable ids of
// privateFacts to fixIDs, for tests that judge renamed facts: hints name
// only ids that match their AWS patterns.
func withFixIDs(w expectRow) expectRow {
	w.target, w.hint, w.errText = renameText(w.target), renameText(w.hint), renameText(w.errText)
	ids := make([]string, len(w.resources))
	for i, id := range w.resources {
		ids[i] = renameText(id)
	}
	w.resources = ids
	return w
}

// reReadableID matches an id of privateFacts as a whole word.
var reReadableID = regexp.MustCompile(`\b(?:vpc|subnet|rtb|vpce|sg|acl|pl)-[a-z0-9]+\b`)

func renameText(s string) string {
	return reReadableID.ReplaceAllStringFunc(s, func(id string) string {
		if n, ok := fixIDs[id]; ok {
			return n
		}
		return id
	})
}
