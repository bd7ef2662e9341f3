package audit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// hostRow is a row an entry's judgement must (or must not) contain; text
// must be a substring of the row's error, detail or hint.
type hostRow struct {
	check  report.Check
	status report.Status
	class  report.Class
	text   string
}

// addDBSubnet adds subnet-db (10.0.5.0/24) to the fixture VPC, on the
// default network ACL.
func addDBSubnet(f *Facts) {
	f.Subnets["subnet-db"] = &Subnet{ID: "subnet-db", VPCID: "vpc-1", AZ: "ap-northeast-1a", CIDR: pfx("10.0.5.0/24")}
	f.NetworkACLs[0].SubnetIDs = append(f.NetworkACLs[0].SubnetIDs, "subnet-db")
}

// taskEgress adds an egress rule to sg-task.
func taskEgress(f *Facts, r Rule) {
	sg := f.SecurityGroups["sg-task"]
	sg.Egress = append(sg.Egress, r)
}

// dbACL puts subnet-db on its own ACL: rule 50 denies inbound TCP 5432
// from the VPC, rule 100 allows everything.
func dbACL(f *Facts) {
	f.NetworkACLs[0].SubnetIDs = []string{"subnet-a", "subnet-b", "subnet-ea", "subnet-eb", "subnet-pub"}
	f.NetworkACLs = append(f.NetworkACLs, &NetworkACL{ID: "acl-db", VPCID: "vpc-1", SubnetIDs: []string{"subnet-db"}, Entries: []NACLEntry{
		{RuleNumber: 50, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.0.0/16")},
		{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
	}})
}

// dualStack gives the VPC, the task subnets and the default ACL IPv6.
func dualStack(f *Facts) {
	f.VPCs["vpc-1"].CIDRs = append(f.VPCs["vpc-1"].CIDRs, pfx("2600:1f18:1::/56"))
	f.Subnets["subnet-a"].IPv6 = pfx("2600:1f18:1:1::/64")
	f.Subnets["subnet-b"].IPv6 = pfx("2600:1f18:1:2::/64")
	acl := f.NetworkACLs[0]
	acl.Entries = append(acl.Entries,
		NACLEntry{RuleNumber: 101, Protocol: "-1", CIDR: pfx("::/0"), Allow: true},
		NACLEntry{RuleNumber: 101, Egress: true, Protocol: "-1", CIDR: pfx("::/0"), Allow: true})
	rt := routeTable(f, "rtb-task")
	rt.Routes = append(rt.Routes, Route{Destination: pfx("2600:1f18:1::/56"), Target: TargetLocal, TargetID: "local", State: "active"})
}

var allEgress = Rule{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")}

func TestHostAndIPEntries(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Facts)
		checks string
		target string
		want   []hostRow
		// absent: no row of the target may have this status.
		absent   []report.Status
		wantExit int
	}{
		{
			name: "catalogue name: an endpoint need", checks: "kms", target: "kms",
			want:     []hostRow{{CheckEndpoint, report.StatusFail, report.ClassDNSPosture, "com.amazonaws.ap-northeast-1.kms"}},
			wantExit: report.ExitDNSPosture,
		},
		{
			name: "target name as printed: logs@us-west-2 is the other region's need", checks: "logs@us-west-2", target: "logs",
			want:     []hostRow{{CheckCrossRegion, report.StatusFail, report.ClassConnect, "logs in us-west-2 is outside the task's region"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "foreign host name: skipped with the reason", checks: "example.com", target: "example.com",
			want:   []hostRow{{CheckEndpoint, report.StatusSkip, "", "not judged from the control plane: no endpoint service for example.com"}},
			absent: []report.Status{report.StatusPass, report.StatusFail, report.StatusWarn},
		},
		{
			name: "foreign host name =blocked: skipped, the task proves it", checks: "example.com=blocked", target: "example.com",
			want:   []hostRow{{CheckEndpoint, report.StatusSkip, "", "proves the block by connecting"}},
			absent: []report.Status{report.StatusPass, report.StatusFail, report.StatusWarn},
		},
		{
			name: "IP in the VPC, open path", checks: "10.0.5.10:5432", target: "10.0.5.10",
			mutate: func(f *Facts) {
				addDBSubnet(f)
				taskEgress(f, Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDRs: pfxs("10.0.5.0/24")})
			},
			want: []hostRow{
				{CheckRoute, report.StatusPass, "", "routed: subnet-a, subnet-b: local route to subnet-db (10.0.5.0/24)"},
				{CheckSecurityGroup, report.StatusPass, "", "tasks may send TCP 5432 to 10.0.5.10 (sg-task egress to 10.0.5.0/24)"},
				{CheckNACL, report.StatusPass, "", "acl-1"},
				// The destination's groups are unknown: said, never passed.
				{CheckSecurityGroup, report.StatusSkip, "", "which network interface holds 10.0.5.10 (in subnet-db), and so its security groups, is not read"},
			},
			absent: []report.Status{report.StatusFail, report.StatusWarn},
		},
		{
			name: "IP in the VPC, task group closed", checks: "10.0.5.10:5432", target: "10.0.5.10", mutate: addDBSubnet,
			want: []hostRow{{CheckSecurityGroup, report.StatusFail, report.ClassConnect,
				"aws ec2 authorize-security-group-egress --group-id sg-task --ip-permissions 'IpProtocol=tcp,FromPort=5432,ToPort=5432,IpRanges=[{CidrIp=10.0.5.10/32}]'"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IP in the VPC, task group egress by group reference only", checks: "10.0.5.10:5432", target: "10.0.5.10",
			mutate: func(f *Facts) {
				addDBSubnet(f)
				taskEgress(f, Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupIDs: []string{"sg-db"}})
			},
			want:   []hostRow{{CheckSecurityGroup, report.StatusSkip, "", "only if it is in sg-task egress to group sg-db"}},
			absent: []report.Status{report.StatusFail},
		},
		{
			name: "IP in the VPC, the destination subnet's ACL denies it", checks: "10.0.5.10:5432", target: "10.0.5.10",
			mutate:   func(f *Facts) { addDBSubnet(f); taskEgress(f, allEgress); dbACL(f) },
			want:     []hostRow{{CheckNACL, report.StatusFail, report.ClassConnect, "acl-db of subnet-db denies inbound TCP 5432 from 10.0.1.0/24 by rule 50"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IP in the VPC but in no subnet", checks: "10.0.0.5:5432", target: "10.0.0.5",
			mutate:   func(f *Facts) { taskEgress(f, allEgress) },
			want:     []hostRow{{CheckRoute, report.StatusFail, report.ClassConnect, "10.0.0.5 is inside vpc-1 (local route) but in none of its subnets"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IP in the VPC, subnets unreadable: undecided, not failed", checks: "10.0.0.5:5432", target: "10.0.0.5",
			mutate: func(f *Facts) {
				taskEgress(f, allEgress)
				f.Undecided = append(f.Undecided, Undecided{Action: ActionDescribeSubnets, Code: "UnauthorizedOperation"})
			},
			want:   []hostRow{{CheckRoute, report.StatusWarn, report.ClassUndecided, "could not decide: ec2:DescribeSubnets"}},
			absent: []report.Status{report.StatusFail},
		},
		{
			name: "the VPC resolver", checks: "10.0.0.2:53", target: "10.0.0.2",
			want:   []hostRow{{CheckEndpoint, report.StatusSkip, "", "Amazon-provided DNS server"}},
			absent: []report.Status{report.StatusFail, report.StatusPass},
		},
		{
			name: "IP outside the VPC, no route", checks: "203.0.113.10", target: "203.0.113.10",
			mutate: func(f *Facts) { taskEgress(f, allEgress) },
			want: []hostRow{{CheckRoute, report.StatusFail, report.ClassConnect,
				"(subnet-a, subnet-b: rtb-task has no route that covers 203.0.113.10)"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IP outside the VPC, through a NAT gateway", checks: "203.0.113.10", target: "203.0.113.10",
			mutate: func(f *Facts) { addNAT(f); taskEgress(f, allEgress) },
			want: []hostRow{
				{CheckRoute, report.StatusPass, "", "rtb-task sends it via nat-1"},
				{CheckSecurityGroup, report.StatusPass, "", "sg-task egress to 0.0.0.0/0"},
				{CheckNACL, report.StatusPass, "", "acl-1"},
				{CheckRoute, report.StatusSkip, "", "beyond nat-1"},
			},
			absent: []report.Status{report.StatusFail, report.StatusWarn},
		},
		{
			name: "IP outside the VPC, through a transit gateway by a longer prefix", checks: "192.168.7.7:8080", target: "192.168.7.7",
			mutate: func(f *Facts) {
				addNAT(f)
				taskEgress(f, allEgress)
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("192.168.0.0/16"), Target: TargetTGW, TargetID: "tgw-1", State: "active"})
			},
			want: []hostRow{{CheckRoute, report.StatusPass, "", "via tgw-1"}, {CheckRoute, report.StatusSkip, "", "beyond tgw-1"}},
		},
		{
			name: "IP outside the VPC, a blackhole route is the longest match", checks: "192.168.7.7:8080", target: "192.168.7.7",
			mutate: func(f *Facts) {
				addNAT(f)
				taskEgress(f, allEgress)
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("192.168.7.0/24"), Target: TargetBlackhole, State: "blackhole"})
			},
			want:     []hostRow{{CheckRoute, report.StatusFail, report.ClassConnect, "the route for 192.168.7.0/24 in rtb-task is a blackhole"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IP outside the VPC, internet gateway without a public IP", checks: "203.0.113.10", target: "203.0.113.10",
			mutate: func(f *Facts) {
				taskEgress(f, allEgress)
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("0.0.0.0/0"), Target: TargetIGW, TargetID: "igw-1", State: "active"})
			},
			want:     []hostRow{{CheckRoute, report.StatusFail, report.ClassConnect, "sends it to igw-1 and the tasks have no public IP"}},
			wantExit: report.ExitConnect,
		},
		{
			name: "IPv6, task subnets without an IPv6 block", checks: "[2001:db8::10]:8443", target: "2001:db8::10",
			want: []hostRow{
				{CheckRoute, report.StatusFail, report.ClassConnect, "subnet-a has no IPv6 block, so the tasks have no IPv6 address"},
				{CheckSecurityGroup, report.StatusFail, report.ClassConnect, "IpProtocol=tcp,FromPort=8443,ToPort=8443,Ipv6Ranges=[{CidrIpv6=2001:db8::10/128}]"},
			},
			wantExit: report.ExitConnect,
		},
		{
			name: "IPv6 outside the VPC, through an egress-only gateway", checks: "[2001:db8::10]:8443", target: "2001:db8::10",
			mutate: func(f *Facts) {
				dualStack(f)
				taskEgress(f, Rule{Protocol: "tcp", FromPort: 8443, ToPort: 8443, CIDRs: pfxs("::/0")})
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("::/0"), Target: TargetEIGW, TargetID: "eigw-1", State: "active"})
			},
			want: []hostRow{
				{CheckRoute, report.StatusPass, "", "rtb-task sends it via eigw-1"},
				{CheckSecurityGroup, report.StatusPass, "", "sg-task egress to ::/0"},
				{CheckRoute, report.StatusSkip, "", "beyond eigw-1"},
			},
			absent: []report.Status{report.StatusFail},
		},
		{
			name: "IPv6 through an internet gateway needs no public IP", checks: "[2001:db8::10]:8443", target: "2001:db8::10",
			mutate: func(f *Facts) {
				dualStack(f)
				taskEgress(f, Rule{Protocol: "tcp", FromPort: 8443, ToPort: 8443, CIDRs: pfxs("::/0")})
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("::/0"), Target: TargetIGW, TargetID: "igw-1", State: "active"})
			},
			want:   []hostRow{{CheckRoute, report.StatusPass, "", "rtb-task sends it via igw-1"}},
			absent: []report.Status{report.StatusFail},
		},
		{
			name: "IPv6 outside the VPC, no route", checks: "[2001:db8::10]:8443=blocked", target: "2001:db8::10",
			mutate: func(f *Facts) { dualStack(f); taskEgress(f, Rule{Protocol: "-1", CIDRs: pfxs("::/0")}) },
			want:   []hostRow{{CheckRoute, report.StatusPass, "", "blocked: subnet-a, subnet-b: rtb-task has no route that covers 2001:db8::10"}},
			absent: []report.Status{report.StatusFail, report.StatusSkip},
		},
		{
			name: "blocked IP: the task groups prove it", checks: "10.0.5.10:5432=blocked", target: "10.0.5.10", mutate: addDBSubnet,
			want:   []hostRow{{CheckSecurityGroup, report.StatusPass, "", "blocked: no egress rule of the task security groups sg-task can match TCP 5432 to 10.0.5.10"}},
			absent: []report.Status{report.StatusFail, report.StatusSkip},
		},
		{
			name: "blocked IP: no route proves it", checks: "203.0.113.10=blocked", target: "203.0.113.10",
			mutate: func(f *Facts) { taskEgress(f, allEgress) },
			want:   []hostRow{{CheckRoute, report.StatusPass, "", "blocked: subnet-a, subnet-b: rtb-task has no route that covers 203.0.113.10"}},
			absent: []report.Status{report.StatusFail, report.StatusSkip},
		},
		{
			name: "blocked IP: the destination subnet's ACL proves it", checks: "10.0.5.10:5432=blocked", target: "10.0.5.10",
			mutate: func(f *Facts) { addDBSubnet(f); taskEgress(f, allEgress); dbACL(f) },
			want:   []hostRow{{CheckNACL, report.StatusPass, "", "subnet-a: acl-db of subnet-db denies inbound TCP 5432 from 10.0.1.0/24 by rule 50"}},
			absent: []report.Status{report.StatusFail, report.StatusSkip},
		},
		{
			name: "blocked IP in a task subnet: its ACL does not see traffic inside the subnet", checks: "10.0.1.50:5432=blocked", target: "10.0.1.50",
			mutate: func(f *Facts) {
				taskEgress(f, allEgress)
				acl := f.NetworkACLs[0]
				acl.Entries = append([]NACLEntry{{RuleNumber: 50, Egress: true, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.0.0/16")}}, acl.Entries...)
			},
			want: []hostRow{
				{CheckNACL, report.StatusPass, "", "subnet-b: acl-1 of subnet-b denies outbound TCP 5432 to 10.0.1.50 by rule 50"},
				{CheckEndpoint, report.StatusSkip, "", "not proven blocked from subnet-a (routed: local route to subnet-a (10.0.1.0/24))"},
			},
			// The deny would drop the endpoints' replies to the tasks
			// only on port 5432, which is not among a Linux task's
			// ephemeral ports (32768-60999): nothing fails.
			absent: []report.Status{report.StatusFail},
		},
		{
			name: "blocked IP: an open path is not proven blocked", checks: "203.0.113.10:443=blocked", target: "203.0.113.10",
			mutate: func(f *Facts) { addNAT(f); taskEgress(f, allEgress) },
			want:   []hostRow{{CheckEndpoint, report.StatusSkip, "", "not proven blocked from subnet-a (routed: rtb-task sends it via nat-1), subnet-b"}},
			absent: []report.Status{report.StatusPass, report.StatusFail},
		},
		{
			name: "blocked IP: a group reference proves nothing", checks: "10.0.5.10:5432=blocked", target: "10.0.5.10",
			mutate: func(f *Facts) {
				addDBSubnet(f)
				taskEgress(f, Rule{Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupIDs: []string{"sg-db"}})
			},
			want:   []hostRow{{CheckEndpoint, report.StatusSkip, "", "may let it out (sg-task egress to group sg-db)"}},
			absent: []report.Status{report.StatusPass, report.StatusFail},
		},
		{
			name: "blocked IP: proven from one subnet, not the other", checks: "203.0.113.10=blocked", target: "203.0.113.10",
			mutate: func(f *Facts) {
				taskEgress(f, allEgress)
				rt := routeTable(f, "rtb-task")
				rt.SubnetIDs = []string{"subnet-a"}
				f.RouteTables = append(f.RouteTables, &RouteTable{ID: "rtb-b", VPCID: "vpc-1", SubnetIDs: []string{"subnet-b"}, Routes: []Route{
					{Destination: pfx("10.0.0.0/16"), Target: TargetLocal, TargetID: "local", State: "active"},
					{Destination: pfx("0.0.0.0/0"), Target: TargetNAT, TargetID: "nat-b", State: "active"},
				}})
				// The S3 gateway endpoint serves rtb-b too: the ECR layers
				// stay private, and the row under test is the IP entry's.
				ep := endpointByID(f, "vpce-s3")
				ep.RouteTableIDs = append(ep.RouteTableIDs, "rtb-b")
			},
			want: []hostRow{
				{CheckRoute, report.StatusPass, "", "blocked: subnet-a: rtb-task has no route"},
				{CheckEndpoint, report.StatusSkip, "", "not proven blocked from subnet-b (routed: rtb-b sends it via nat-b)"},
			},
			absent: []report.Status{report.StatusFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			entries, err := config.ParseEntries(tt.checks)
			if err != nil {
				t.Fatalf("ParseEntries(%q): %v", tt.checks, err)
			}
			// Ids of the length AWS gives: hints name only valid ids.
			renameIDs(reflect.ValueOf(f).Elem())
			rows := Evaluate(f, Options{Extra: entries})
			// The entry's rows: its target, and the reason that names it
			// (a derived need may share the target).
			var mine []report.Result
			for _, r := range rows {
				if r.Target == tt.target && strings.HasSuffix(r.Reason, "service/prod/orders: --checks "+tt.checks) {
					mine = append(mine, r)
				}
			}
			for _, w := range tt.want {
				found := false
				for _, r := range mine {
					text := r.Error + " | " + r.Detail + " | " + r.Hint
					if r.Check == w.check && r.Status == w.status && r.Class == w.class && strings.Contains(text, renameText(w.text)) {
						found = true
					}
				}
				if !found {
					t.Errorf("got no %s %s %s row containing %q; rows of %s:\n%s", w.check, w.status, w.class, renameText(w.text), tt.target, dumpHostRows(mine))
				}
			}
			for _, r := range mine {
				for _, st := range tt.absent {
					if r.Status == st {
						t.Errorf("got %s %s (%s%s); want no %s row for %s", r.Check, r.Status, r.Error, r.Detail, st, tt.target)
					}
				}
				if r.Status != report.StatusPass && r.Status != report.StatusSkip && r.Class == report.ClassNone {
					t.Errorf("got %s; want a class on every warning and failure", rowString(r))
				}
			}
			if len(mine) == 0 {
				t.Errorf("got no row for %s; want the entry said", tt.target)
			}
			if got := report.ExitCode(rows); got != tt.wantExit {
				t.Errorf("got exit %d; want %d; rows:\n%s", got, tt.wantExit, dumpResults(rows))
			}
		})
	}
}

func dumpHostRows(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + string(r.Check) + " " + string(r.Status) + " " + string(r.Class) + ": " + r.Error + r.Detail + " hint=" + r.Hint + "\n")
	}
	return b.String()
}

func TestNACLDeniesAll(t *testing.T) {
	acl := func(entries ...NACLEntry) *NetworkACL { return &NetworkACL{ID: "acl-x", Entries: entries} }
	tests := []struct {
		name     string
		acl      *NetworkACL
		peer     string
		lo, hi   int
		want     bool
		wantRule int
	}{
		{name: "no entries: the implicit deny", acl: acl(), peer: "10.0.5.10/32", lo: 5432, hi: 5432, want: true},
		{name: "allow all", acl: acl(NACLEntry{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true}), peer: "10.0.5.10/32", lo: 5432, hi: 5432},
		{name: "deny before allow", acl: acl(
			NACLEntry{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.0.0/8")},
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.5.10/32", lo: 5432, hi: 5432, want: true, wantRule: 90},
		{name: "deny covers part of the peer block: the rest is allowed", acl: acl(
			NACLEntry{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.1.0/25")},
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.1.0/24", lo: 5432, hi: 5432},
		{name: "deny covers part of the return ports: the rest is allowed", acl: acl(
			NACLEntry{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 1024, PortTo: 32767, CIDR: pfx("0.0.0.0/0")},
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 0, PortTo: 0, CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.5.10/32", lo: 1024, hi: 65535},
		{name: "allow on another port only", acl: acl(
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.5.10/32", lo: 5432, hi: 5432, want: true},
		{name: "UDP allow does not let TCP through", acl: acl(
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "17", CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.5.10/32", lo: 5432, hi: 5432, want: true},
		{name: "two denies in a row hold the peer block between them", acl: acl(
			NACLEntry{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.1.0/25")},
			NACLEntry{RuleNumber: 95, Egress: true, Protocol: "6", PortFrom: 5432, PortTo: 5432, CIDR: pfx("10.0.1.128/25")},
			NACLEntry{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.1.0/24", lo: 5432, hi: 5432, want: true, wantRule: 90},
		{name: "ingress entries do not judge egress", acl: acl(
			NACLEntry{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		), peer: "10.0.5.10/32", lo: 5432, hi: 5432, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule, got := naclDeniesAll(tt.acl, true, pfx(tt.peer), tt.lo, tt.hi)
			if got != tt.want || got && rule != tt.wantRule {
				t.Errorf("got denied=%v rule %d; want %v rule %d", got, rule, tt.want, tt.wantRule)
			}
		})
	}
}
