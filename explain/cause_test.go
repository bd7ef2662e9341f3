package explain

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

const region = "us-east-1"

var (
	tcp443 = func(peer ...string) audit.Rule {
		return audit.Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: peer}
	}
	pfx = netip.MustParsePrefix
)

// healthyFacts is the task's VPC in the good posture: an interface endpoint
// for logs with private DNS, an S3 gateway endpoint on the task's route
// table, security groups that allow TCP 443 both ways, an open NACL.
func healthyFacts() *audit.Facts {
	allowAll := []audit.NACLEntry{
		{RuleNumber: 100, Egress: false, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
	}
	return &audit.Facts{
		Region: region, Account: "111122223333", Partition: "aws",
		VPCs: map[string]*audit.VPC{"vpc-1": {ID: "vpc-1", CIDRs: []netip.Prefix{pfx("10.0.0.0/16")}, DNSSupport: audit.TriTrue, DNSHostnames: audit.TriTrue,
			DHCPOptionsID: "dopt-1", DomainNameServers: []string{"AmazonProvidedDNS"}}},
		Subnets: map[string]*audit.Subnet{
			"subnet-0a": {ID: "subnet-0a", VPCID: "vpc-1", AZ: "us-east-1a", CIDR: pfx("10.0.2.0/24")},
			"subnet-0e": {ID: "subnet-0e", VPCID: "vpc-1", AZ: "us-east-1a", CIDR: pfx("10.0.1.0/24")},
		},
		RouteTables: []*audit.RouteTable{{ID: "rtb-1", VPCID: "vpc-1", Main: true, Routes: []audit.Route{
			{Destination: pfx("10.0.0.0/16"), Target: audit.TargetLocal, TargetID: "local", State: "active"},
			{DestinationPrefixListID: "pl-0c3", Target: audit.TargetVPCE, TargetID: "vpce-053", State: "active"},
		}}},
		Endpoints: []*audit.Endpoint{
			{ID: "vpce-010c", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.logs", Type: audit.EndpointInterface, State: "available",
				PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-0e"}, SecurityGroupIDs: []string{"sg-00e0"}},
			{ID: "vpce-053", VPCID: "vpc-1", ServiceName: "com.amazonaws.us-east-1.s3", Type: audit.EndpointGateway, State: "available",
				RouteTableIDs: []string{"rtb-1"}},
		},
		SecurityGroups: map[string]*audit.SecurityGroup{
			"sg-00a5c": {ID: "sg-00a5c", VPCID: "vpc-1", Egress: []audit.Rule{tcp443("sg-00e0"),
				{Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIDs: []string{"pl-0c3"}}}},
			"sg-00e0": {ID: "sg-00e0", VPCID: "vpc-1", Ingress: []audit.Rule{tcp443("sg-00a5c")}},
		},
		NetworkACLs: []*audit.NetworkACL{{ID: "acl-1", VPCID: "vpc-1", Default: true, SubnetIDs: []string{"subnet-0a", "subnet-0e"}, Entries: allowAll}},
		PrefixLists: map[string]*audit.PrefixList{"pl-0c3": {ID: "pl-0c3", Name: "com.amazonaws.us-east-1.s3", CIDRs: []netip.Prefix{pfx("203.0.113.0/24")}}},
	}
}

func dnsPosture(service string) Symptom {
	return Symptom{Service: service, Row: report.Result{Check: report.CheckDNS, Target: service, Status: report.StatusFail, Class: report.ClassDNSPosture,
		Error: service + ".us-east-1.amazonaws.com resolves to public 198.51.100.7; expected private"}}
}

func connectTimeout(service string, private bool) Symptom {
	return Symptom{Service: service, PrivateAddrs: private, Row: report.Result{Check: report.CheckConnect, Target: service, Status: report.StatusFail, Class: report.ClassConnect,
		Error: "dial 10.0.1.12:443: i/o timeout"}}
}

func TestCause(t *testing.T) {
	tests := []struct {
		name    string
		symptom Symptom
		mutate  func(f *audit.Facts)
		// wantNil: no cause at all. Otherwise the cause's Error must
		// contain every errHas, its Resources every id, its Hint hintHas,
		// and its Resources none of notIDs.
		wantNil bool
		errHas  []string
		errNot  []string
		ids     []string
		notIDs  []string
		hintHas string
	}{
		{
			name: "public answer, private DNS off: the endpoint", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) { f.Endpoints[0].PrivateDNSEnabled = false },
			errHas: []string{"private DNS disabled"}, ids: []string{"vpce-010c"}, hintHas: "--private-dns-enabled",
		},
		{
			name: "public answer, no endpoint: the VPC and subnet to create it in", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) { f.Endpoints = f.Endpoints[1:] },
			errHas: []string{"no available interface endpoint"}, ids: []string{"vpc-1", "subnet-0a"}, hintHas: "the interface endpoint com.amazonaws.us-east-1.logs in vpc-1 (subnets subnet-0a) with private DNS: preflight audit --fix cli",
		},
		{
			name: "public answer, VPC DNS hostnames off", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) { f.VPCs["vpc-1"].DNSHostnames = audit.TriFalse },
			errHas: []string{"enableDnsHostnames=false"}, ids: []string{"vpc-1"}, hintHas: "modify-vpc-attribute",
		},
		{
			name: "timeout to a private address, but no endpoint: something else answers", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) { f.Endpoints = f.Endpoints[1:] },
			errHas: []string{"no available interface endpoint", "something else answers"}, ids: []string{"vpc-1"}, hintHas: "list-hosted-zones-by-vpc",
		},
		{
			name: "timeout to the endpoint, endpoint SG without 443 from the task SG", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) { f.SecurityGroups["sg-00e0"].Ingress = nil },
			errHas: []string{"inbound TCP 443"}, ids: []string{"sg-00e0", "vpce-010c"}, hintHas: "authorize-security-group-ingress --group-id sg-00e0",
		},
		{
			name: "timeout to the endpoint, task SG without egress", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) { f.SecurityGroups["sg-00a5c"].Egress = nil },
			errHas: []string{"outbound TCP 443"}, ids: []string{"sg-00a5c"}, hintHas: "authorize-security-group-egress --group-id sg-00a5c",
		},
		{
			name: "timeout to the endpoint, NACL denies the return ports", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) {
				f.NetworkACLs[0].Entries = []audit.NACLEntry{{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
					{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true}}
			},
			errHas: []string{"acl-1", "denies"}, ids: []string{"acl-1"}, hintHas: "Allow TCP 32768-60999 inbound from 10.0.1.0/24 in acl-1 at a free rule number; preflight audit --fix cli",
		},
		{
			// The disagreeing case: the probe timed out, but the endpoint SG
			// admits 443 from the task and everything else is open. No
			// resource that is fine is blamed.
			name: "timeout to the endpoint, configuration open: nothing blamed", symptom: connectTimeout("logs", true),
			errHas: []string{"configuration allows it", "sg-00e0 ingress from sg-00a5c", "look at the NACLs / the endpoint's health"},
			ids:    []string{"vpce-010c"}, hintHas: "describe-vpc-endpoints --vpc-endpoint-ids vpce-010c",
		},
		{
			// An endpoint id that is not one (a crafted answer) prints no
			// command: the hint says so.
			name: "timeout to the endpoint, configuration open, crafted endpoint id", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) {
				for _, ep := range f.Endpoints {
					if ep.ID == "vpce-010c" {
						ep.ID = "vpce-1;touch pwned;#"
					}
				}
			},
			errHas: []string{"configuration allows it"}, hintHas: "No command: a vpc_endpoint_id of the facts is not a valid AWS id",
		},
		{
			// Private DNS off cannot make a private address time out.
			name: "timeout to the endpoint's private address with private DNS off: not blamed", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) { f.Endpoints[0].PrivateDNSEnabled = false },
			errHas: []string{"configuration allows it"},
		},
		{
			// A security group cannot make a name resolve public.
			name: "public answer with a broken endpoint SG: the SG is not blamed", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) { f.SecurityGroups["sg-00e0"].Ingress = nil },
			errHas: []string{"configuration allows it", "resolver"}, notIDs: []string{"sg-00e0"},
		},
		{
			name: "timeout to the public addresses of an interface service: private DNS", symptom: connectTimeout("logs", false),
			mutate: func(f *audit.Facts) { f.Endpoints[0].PrivateDNSEnabled = false },
			errHas: []string{"private DNS disabled"}, ids: []string{"vpce-010c"},
		},
		{
			name: "s3 timeout, task SG egress without the prefix list", symptom: connectTimeout("ecr.layers", false),
			mutate: func(f *audit.Facts) { f.SecurityGroups["sg-00a5c"].Egress = f.SecurityGroups["sg-00a5c"].Egress[:1] },
			errHas: []string{"outbound TCP 443 to pl-0c3 (com.amazonaws.us-east-1.s3)"}, ids: []string{"pl-0c3", "sg-00a5c"}, hintHas: "PrefixListId=pl-0c3",
		},
		{
			name: "s3 timeout, route table not associated with the gateway endpoint", symptom: connectTimeout("s3", false),
			mutate: func(f *audit.Facts) {
				f.Endpoints[1].RouteTableIDs = nil
				f.RouteTables[0].Routes = f.RouteTables[0].Routes[:1]
			},
			errHas: []string{"not associated with vpce-053"}, ids: []string{"rtb-1", "vpce-053"}, hintHas: "--add-route-table-ids rtb-1",
		},
		{
			name: "s3 timeout, configuration open", symptom: connectTimeout("s3", false),
			errHas: []string{"configuration allows it"}, ids: []string{"vpce-053"},
		},
		{
			name: "endpoints unreadable: the action to grant", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) {
				f.Endpoints = nil
				f.Undecided = []audit.Undecided{{Action: audit.ActionDescribeVpcEndpoints, Code: "UnauthorizedOperation"}}
			},
			errHas: []string{"cause unknown: grant ec2:DescribeVpcEndpoints"}, hintHas: "audit-policy.json",
		},
		{
			// A 5xx is no denial: granting the action would change nothing.
			name: "endpoints read failed with a server error: what failed, no grant", symptom: dnsPosture("logs"),
			mutate: func(f *audit.Facts) {
				f.Endpoints = nil
				f.Undecided = []audit.Undecided{{Action: audit.ActionDescribeVpcEndpoints, Code: "server error", Err: "HTTP 503 after 5 attempts"}}
			},
			errHas: []string{"cause unknown", "ec2:DescribeVpcEndpoints", "server error: HTTP 503 after 5 attempts"}, errNot: []string{"grant"}, hintHas: "AWS_ENDPOINT_URL",
		},
		{
			name: "endpoints read could not connect: what failed, no grant", symptom: connectTimeout("logs", true),
			mutate: func(f *audit.Facts) {
				f.Endpoints = nil
				f.Undecided = []audit.Undecided{{Action: audit.ActionDescribeVpcEndpoints, Code: "connection failed", Err: "dial tcp 127.0.0.1:1: connect: connection refused after 5 attempts"}}
			},
			errHas: []string{"connection failed: dial tcp"}, errNot: []string{"grant"}, hintHas: "network",
		},
		{
			name:    "TLS failures are not the control plane's to explain",
			symptom: Symptom{Service: "logs", Row: report.Result{Check: report.CheckTLS, Status: report.StatusFail, Class: report.ClassTLS}},
			wantNil: true,
		},
		{
			name:    "plain hosts have no catalogue service",
			symptom: Symptom{Service: "db.internal", Row: report.Result{Check: report.CheckConnect, Status: report.StatusFail, Class: report.ClassConnect}},
			wantNil: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyFacts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			nc := audit.NetConfig{Name: "task ENI eni-1", Subnets: []string{"subnet-0a"}, SecurityGroups: []string{"sg-00a5c"}, AssignPublicIP: audit.PublicIPDisabled}
			needs := []audit.Need{{Service: tt.symptom.Service, Region: region, Port: 443}}
			findings := audit.EvaluateNetwork(f, nc, needs, audit.Options{})
			got := Cause(tt.symptom, findings)
			if tt.wantNil {
				if got != nil {
					t.Fatalf("got %+v; want no cause", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("got no cause; want one\nfindings: %+v", findings)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(got.Error, s) {
					t.Errorf("error %q; want it to contain %q", got.Error, s)
				}
			}
			for _, s := range tt.errNot {
				if strings.Contains(got.Error, s) || strings.Contains(got.Hint, "Allow ") {
					t.Errorf("cause %+v; want no %q and no grant", got, s)
				}
			}
			for _, id := range tt.ids {
				if !contains(got.Resources, id) {
					t.Errorf("resources %v; want %s among them", got.Resources, id)
				}
			}
			for _, id := range tt.notIDs {
				if contains(got.Resources, id) || strings.Contains(got.Error, id+" do not") {
					t.Errorf("cause %+v blames %s, which cannot explain this symptom", got, id)
				}
			}
			if !strings.Contains(got.Hint, tt.hintHas) {
				t.Errorf("hint %q; want it to contain %q", got.Hint, tt.hintHas)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
