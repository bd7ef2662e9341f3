package audit

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// egressNeedsFacts: the task group allows all egress; the VPC has a NAT
// route, a Secrets Manager interface endpoint (with a group of its own)
// and a DynamoDB gateway endpoint; the task pulls one image from a
// registry on port 5000 and one from a registry on the host itself.
func egressNeedsFacts() *Facts {
	f := privateFacts()
	addNAT(f)
	f.SecurityGroups["sg-task"].Egress = []Rule{{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")}}
	f.Endpoints = append(f.Endpoints,
		&Endpoint{ID: "vpce-sm", VPCID: "vpc-1", ServiceName: "com.amazonaws." + testRegion + ".secretsmanager", Type: EndpointInterface,
			State: "available", PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-ea", "subnet-eb"}, SecurityGroupIDs: []string{"sg-sm"}},
		&Endpoint{ID: "vpce-ddb", VPCID: "vpc-1", ServiceName: "com.amazonaws." + testRegion + ".dynamodb", Type: EndpointGateway,
			State: "available", RouteTableIDs: []string{"rtb-task"}})
	f.SecurityGroups["sg-sm"] = &SecurityGroup{ID: "sg-sm", VPCID: "vpc-1", Ingress: []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{"sg-task"}}}}
	f.PrefixLists["pl-ddb"] = &PrefixList{ID: "pl-ddb", Name: "com.amazonaws." + testRegion + ".dynamodb", CIDRs: pfxs("3.218.180.0/22")}
	rt := routeTable(f, "rtb-task")
	rt.Routes = append(rt.Routes, Route{DestinationPrefixListID: "pl-ddb", Target: TargetVPCE, TargetID: "vpce-ddb", State: "active"})
	td := firstWorkload(f).TaskDefinition
	td.Containers = append(td.Containers, Container{Name: "sidecar", Image: "registry.example.com:5000/team/app:1"},
		Container{Name: "cache", Image: "localhost:5000/cache:1"})
	return f
}

// egressNeedsChecks are --checks entries of every kind: catalogue
// services (interface and gateway), an IP address, a host name, the
// Amazon DNS server and a block.
const egressNeedsChecks = "secretsmanager,dynamodb,10.0.12.50:5432,api.example.com:8443,169.254.169.253:53,blocked.example.com=blocked"

// TestEgressRulesCoverEveryJudgedNeed (issue 24 item 5): every need the
// audit judged gets its rule on its own port, --checks entries included.
// Before, EgressRules read only the task definition: secretsmanager,
// dynamodb and the entries got no rule, and every internet need was 443.
func TestEgressRulesCoverEveryJudgedNeed(t *testing.T) {
	extra, err := config.ParseEntries(egressNeedsChecks)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]EgressRule{}
	for _, r := range EgressRules(egressNeedsFacts(), Options{Extra: extra}) {
		dest := r.destination()
		if r.Revoke {
			dest = "revoke " + dest
		}
		got[fmt.Sprintf("%s %d %s", r.Protocol, r.FromPort, dest)] = r
	}
	tests := []struct {
		rule, desc, note string
	}{
		{"tcp 443 sg-sm", "preflight: secretsmanager", ""},
		{"tcp 443 sg-vpce", "preflight: ecr.api, ecr.dkr, logs", ""},
		{"tcp 443 pl-ddb", "preflight: dynamodb", ""},
		{"tcp 443 pl-s3", "preflight: ecr.layers", ""},
		{"tcp 5000 0.0.0.0/0", "preflight: internet", ""},
		{"tcp 5432 10.0.12.50/32", "preflight: 10.0.12.50", ""},
		{"tcp 8443 0.0.0.0/0", "preflight: api.example.com", "api.example.com: a host name's addresses are known only to DNS inside the task"},
		{"-1 0 revoke 0.0.0.0/0", "preflight: the allow-all the rules above replace", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r, ok := got[tt.rule]
			if !ok {
				t.Fatalf("got no rule %s; want one (rules: %v)", tt.rule, mapsKeys(got))
			}
			if r.Description != tt.desc {
				t.Errorf("description: got %q; want %q", r.Description, tt.desc)
			}
			if !strings.HasPrefix(r.Note, tt.note) || (tt.note == "") != (r.Note == "") {
				t.Errorf("note: got %q; want it to start with %q", r.Note, tt.note)
			}
		})
	}
	if len(got) != len(tests) {
		t.Errorf("got %d rules %v; want %d (nothing for 443 to 0.0.0.0/0, localhost, the Amazon DNS server or the block)", len(got), mapsKeys(got), len(tests))
	}
}

func mapsKeys(m map[string]EgressRule) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestEgressRulesKeepWhatTheAuditPassed (issue 24 item 5): the task
// group's egress replaced by the rules --egress-rules prints, the audit
// judged again passes every need it passed before and fails nothing new.
// Before, following the output and its revoke broke secretsmanager and
// dynamodb (the --checks entries got no rule) in a VPC without an
// internet need, and the IP entry everywhere.
func TestEgressRulesKeepWhatTheAuditPassed(t *testing.T) {
	extra, err := config.ParseEntries(egressNeedsChecks)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Extra: extra}
	privateOnly := func() *Facts {
		f := egressNeedsFacts()
		td := firstWorkload(f).TaskDefinition
		td.Containers = td.Containers[:1] // the ECR image and awslogs
		return f
	}
	tests := []struct {
		name  string
		facts func() *Facts
		want  []string
	}{
		{"private needs and --checks", privateOnly,
			[]string{"endpoint secretsmanager:443", "endpoint dynamodb:443", "route 10.0.12.50:5432", "security_group 10.0.12.50:5432"}},
		{"and a registry on port 5000", egressNeedsFacts,
			[]string{"endpoint secretsmanager:443", "endpoint dynamodb:443", "endpoint internet:5000", "route 10.0.12.50:5432"}},
	}
	key := func(r report.Result) string { return fmt.Sprintf("%s %s:%d", r.Check, r.Target, r.Port) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts()
			// A need's endpoint row passes with its head even when a
			// sub-check fails in a row of its own, and an IP entry has two
			// security_group rows (the tasks' egress, the destination's
			// groups): rows are counted by name, failures too.
			judge := func() (pass, fail map[string]int) {
				pass, fail = map[string]int{}, map[string]int{}
				for _, r := range Evaluate(f, opts) {
					switch {
					case r.Check == CheckEgress:
					case r.Status == report.StatusPass:
						pass[key(r)]++
					case r.Status == report.StatusFail:
						fail[key(r)]++
					}
				}
				return pass, fail
			}
			passed, failed := judge()
			for _, want := range tt.want {
				if passed[want] == 0 {
					t.Fatalf("before: got no pass row %q; want one (the fixture is wrong)", want)
				}
			}
			rules := EgressRules(f, opts)
			var egress []Rule
			revoked := false
			for _, r := range rules {
				if r.Revoke {
					revoked = true
					continue
				}
				egress = append(egress, r.rule())
			}
			if !revoked {
				t.Fatalf("got no revoke of the allow-all in %+v; want one", rules)
			}
			f.SecurityGroups["sg-task"].Egress = egress
			after, afterFailed := judge()
			names := map[string]bool{}
			for k := range passed {
				names[k] = true
			}
			for k := range afterFailed {
				names[k] = true
			}
			for k := range names {
				if after[k] != passed[k] || afterFailed[k] > failed[k] {
					t.Errorf("%s after the egress rules: got %d pass and %d fail rows; want %d and %d", k, after[k], afterFailed[k], passed[k], failed[k])
				}
			}
		})
	}
}

// TestEgressRuleForFollowsTheVerdict: each kind of need gets the rule of
// the path its verdict judges.
func TestEgressRuleForFollowsTheVerdict(t *testing.T) {
	f := egressNeedsFacts()
	// A cross-Region interface endpoint for ECR of us-west-2.
	f.Endpoints = append(f.Endpoints, &Endpoint{ID: "vpce-xdkr", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-west-2.ecr.dkr", ServiceRegion: "us-west-2",
		Type: EndpointInterface, State: "available", PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-ea", "subnet-eb"}, SecurityGroupIDs: []string{"sg-sm"}})
	tests := []struct {
		name string
		n    Need
		want string // "protocol-less port destination", "none" or "uncovered"
	}{
		{"=public catalogue entry", Need{Service: "sts", Region: testRegion, Port: 443, Expect: config.ExpectPublic}, "443 0.0.0.0/0"},
		{"catalogue service in another region", Need{Service: "secretsmanager", Region: "us-east-1", Port: 443}, "443 0.0.0.0/0"},
		{"another region through a cross-Region endpoint", Need{Service: "ecr.dkr", Region: "us-west-2", Port: 443}, "443 sg-sm"},
		{"another region, no cross-Region endpoint for it", Need{Service: "ecr.api", Region: "us-west-2", Port: 443}, "443 0.0.0.0/0"},
		{"interface endpoint", Need{Service: "secretsmanager", Region: testRegion, Port: 443}, "443 sg-sm"},
		{"interface endpoint on another port", Need{Service: "secretsmanager", Region: testRegion, Port: 8443}, "8443 sg-sm"},
		{"gateway service", Need{Service: "dynamodb", Region: testRegion, Port: 443}, "443 pl-ddb"},
		{"interface service without an endpoint", Need{Service: "kms", Region: testRegion, Port: 443}, "uncovered"},
		{"registry on its port", Need{Service: NeedInternet, Internet: true, Port: 5000}, "5000 0.0.0.0/0"},
		{"IPv6 address", Need{Service: NeedHost, Host: "2001:db8::10", Addr: netip.MustParseAddr("2001:db8::10"), Port: 443}, "443 2001:db8::10/128"},
		{"host name", Need{Service: NeedHost, Host: "api.example.com", Port: 8443}, "8443 0.0.0.0/0"},
		{"localhost registry", Need{Service: NeedHost, Host: "localhost", Port: 5000}, "none"},
		{"loopback address", Need{Service: NeedHost, Host: "127.0.0.1", Addr: netip.MustParseAddr("127.0.0.1"), Port: 5000}, "none"},
		{"Amazon DNS (VPC base + 2)", Need{Service: NeedHost, Host: "10.0.0.2", Addr: netip.MustParseAddr("10.0.0.2"), Port: 53}, "none"},
		{"=blocked host", Need{Service: NeedHost, Host: "example.com", Port: 443, Expect: config.ExpectBlocked}, "none"},
		{"=blocked service", Need{Service: "sts", Region: testRegion, Port: 443, Expect: config.ExpectBlocked}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := egressRuleFor(f, "vpc-1", tt.n)
			got := fmt.Sprintf("%d %s", r.FromPort, r.destination())
			switch {
			case !ok:
				got = "uncovered"
			case r.destination() == "":
				got = "none"
			case r.FromPort != r.ToPort:
				got += fmt.Sprintf(" (to %d)", r.ToPort)
			}
			if got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
		})
	}
}

// TestEgressOpenHintCarriesChecks: the allow-all row's hint runs
// --egress-rules with the audit's own --checks, so following it keeps
// the entries' rules (issue 24 item 5: "the row's own revoke hint").
func TestEgressOpenHintCarriesChecks(t *testing.T) {
	tests := []struct {
		checks, want string
	}{
		{"", "preflight audit --egress-rules cli"},
		{"secretsmanager,dynamodb", "preflight audit --checks secretsmanager,dynamodb --egress-rules cli"},
		{"[2001:db8::1]:443,api.example.com:8443=any", "preflight audit --checks '[2001:db8::1]:443,api.example.com:8443=any' --egress-rules cli"},
	}
	for _, tt := range tests {
		t.Run(tt.checks, func(t *testing.T) {
			extra, err := config.ParseEntries(tt.checks)
			if tt.checks != "" && err != nil {
				t.Fatal(err)
			}
			f := egressNeedsFacts()
			renameIDs(reflect.ValueOf(f).Elem()) // hints print valid ids only
			var hint string
			for _, r := range Evaluate(f, Options{Extra: extra}) {
				if r.Check == CheckEgress {
					hint = r.Hint
				}
			}
			if !strings.Contains(hint, tt.want) {
				t.Errorf("got hint %q; want it to contain %q", hint, tt.want)
			}
		})
	}
}

// TestEgressRulesLeaveInstanceNeeds: on the EC2 launch type the container
// instance pulls the image, ships awslogs and talks to the agent's
// endpoints through its own groups; the task group's least set is what
// the task itself reaches (here a --checks entry), and the revoke.
func TestEgressRulesLeaveInstanceNeeds(t *testing.T) {
	f := ec2Facts()
	f.SecurityGroups["sg-task"].Egress = []Rule{{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")}}
	extra, err := config.ParseEntries("10.0.12.50:5432")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range EgressRules(f, Options{Extra: extra}) {
		got = append(got, fmt.Sprintf("%s %s %d %s %t", r.GroupID, r.Protocol, r.FromPort, r.destination(), r.Revoke))
	}
	want := []string{"sg-task tcp 5432 10.0.12.50/32 false", "sg-task -1 0 0.0.0.0/0 true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}

// TestEgressRulesDualStackImage: an ECR dual-stack image (no PrivateLink)
// from IPv6-only task subnets goes out over IPv6, so its rule set has
// TCP 443 to ::/0; from IPv4-only subnets 0.0.0.0/0 alone.
func TestEgressRulesDualStackImage(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Facts)
		want   []string
	}{
		{"IPv4-only subnets", func(*Facts) {}, []string{"443 0.0.0.0/0"}},
		{"IPv6-only subnets", ipv6Only, []string{"443 0.0.0.0/0", "443 ::/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			tt.mutate(f)
			f.SecurityGroups["sg-task"].Egress = nil
			firstWorkload(f).TaskDefinition.Containers = []Container{{Name: "app", Image: testAccount + ".dkr-ecr." + testRegion + ".on.aws/orders:1"}}
			var got []string
			for _, r := range EgressRules(f, Options{}) {
				got = append(got, fmt.Sprintf("%d %s", r.FromPort, r.destination()))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
