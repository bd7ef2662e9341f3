package audit

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

const (
	policyNoLayers = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}`
	policyLayers   = `{"Version":"2012-10-17","Statement":[{"Sid":"L","Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/*"]}]}`
	policyAllS3    = `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`
	policyCond     = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-s3"}}}]}`
	policyDeny     = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::prod-*"}]}`
	// policyDenySid denies the layer bucket by a statement with a Sid,
	// after an Allow of everything: the Deny wins.
	policyDenySid = `{"Statement":[{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"NoProdBuckets","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/*"}]}`
	// policyDenyCond denies only under a condition the facts cannot judge.
	policyDenyCond = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}}]}`
	// policyDenyRole denies one named role, which may or may not pull.
	policyDenyRole = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"NotCI","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"s3:*","Resource":"*"}]}`
	// policyNotAction denies everything but reads: the layer GET passes.
	policyNotAction = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::secret-bucket/*"},{"Sid":"ReadOnly","Effect":"Deny","Principal":"*","NotAction":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`
	policyBroken    = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`
)

func TestEvaluateFindings(t *testing.T) {
	denied := func(action, resource string) func(*Facts) {
		return func(f *Facts) {
			f.Undecided = append(f.Undecided, Undecided{Action: action, Resource: resource, Code: "UnauthorizedOperation", Err: "not authorized"})
		}
	}
	tests := []struct {
		name   string
		mutate func(f *Facts)
		opts   Options
		extra  string
		want   []expectRow
		// absent are check/target pairs that must have no row.
		absent []expectRow
	}{
		{
			name:   "public IP enabled, deny policy",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled },
			want: []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusFail, class: report.ClassPublicIP,
				hint: "aws ecs update-service --cluster prod --service orders --network-configuration 'awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-task],assignPublicIp=DISABLED}'"}},
		},
		{
			name:   "public IP enabled, strict policy",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled },
			opts:   Options{PublicIP: config.PublicIPStrict},
			want:   []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusFail, class: report.ClassPublicIP}},
		},
		{
			name:   "public IP enabled, warn policy",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled },
			opts:   Options{PublicIP: config.PublicIPWarn},
			want:   []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassPublicIP}},
		},
		{
			name:   "public IP enabled, off policy",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled },
			opts:   Options{PublicIP: config.PublicIPOff},
			absent: []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders"}},
		},
		{
			name:   "public IP unknown, strict",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = "" },
			opts:   Options{PublicIP: config.PublicIPStrict},
			want:   []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusFail, class: report.ClassPublicIPUnknown}},
		},
		{
			name:   "public IP unknown, deny",
			mutate: func(f *Facts) { firstWorkload(f).AssignPublicIP = "" },
			want:   []expectRow{{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassPublicIPUnknown}},
		},
		{
			name:   "no logs endpoint, no internet path",
			mutate: func(f *Facts) { removeEndpoint(f, "vpce-logs") },
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture, errText: "time out",
				hint: "aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Interface --service-name com.amazonaws.ap-northeast-1.logs --subnet-ids subnet-a subnet-b --security-group-ids sg-vpce --private-dns-enabled"}},
		},
		{
			name:   "no logs endpoint, NAT path: still a failure by default",
			mutate: func(f *Facts) { removeEndpoint(f, "vpce-logs"); addNAT(f) },
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture, errText: "nat-1"}},
		},
		{
			name:   "--checks kms=any with a NAT path warns",
			mutate: addNAT,
			extra:  "kms=any",
			want:   []expectRow{{check: CheckEndpoint, target: "kms", status: report.StatusWarn, class: report.ClassDNSPosture}},
		},
		{
			name:  "--checks kms=any without internet fails",
			extra: "kms=any",
			want:  []expectRow{{check: CheckEndpoint, target: "kms", status: report.StatusFail, class: report.ClassDNSPosture}},
		},
		{
			name:  "--checks sts=blocked is left to the task",
			extra: "sts=blocked",
			want:  []expectRow{{check: CheckEndpoint, target: "sts", status: report.StatusSkip}},
		},
		{
			name:  "--checks sts=public needs an internet path",
			extra: "sts=public",
			want:  []expectRow{{check: CheckRoute, target: "sts", status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name:   "endpoint pending is not available",
			mutate: func(f *Facts) { endpointByID(f, "vpce-logs").State = "pendingAcceptance" },
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture, errText: "vpce-logs for logs is pendingAcceptance, not available"}},
		},
		{
			// DescribeVpcEndpoints returns a service name on
			// GatewayLoadBalancer endpoints; a need is never served by
			// an endpoint of another kind than the one it needs.
			name:   "endpoint of another type is not a path",
			mutate: func(f *Facts) { endpointByID(f, "vpce-logs").Type = "GatewayLoadBalancer" },
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
				errText: "vpce-logs for logs is a GatewayLoadBalancer endpoint, not an interface endpoint"}},
		},
		{
			name:   "endpoint state matched case-insensitively",
			mutate: func(f *Facts) { endpointByID(f, "vpce-logs").State = "Available" },
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
		},
		{
			name:   "endpoint in another VPC does not count",
			mutate: func(f *Facts) { endpointByID(f, "vpce-logs").VPCID = "vpc-2" },
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture}},
		},
		{
			name: "ECR image in another region, no internet path",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/orders:1"
			},
			want:   []expectRow{{check: CheckCrossRegion, target: "ecr.dkr", status: report.StatusFail, class: report.ClassConnect, errText: "us-west-2"}},
			absent: []expectRow{{check: CheckCrossRegion, target: "ecr.api"}, {check: CheckCrossRegion, target: "ecr.layers"}},
		},
		{
			name: "ECR image in another region, NAT path",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/orders:1"
				addNAT(f)
			},
			// ECR has a private option across Regions (a cross-Region
			// endpoint), so the one rule for public paths fails it.
			want: []expectRow{{check: CheckCrossRegion, target: "ecr.dkr", status: report.StatusFail, class: report.ClassDNSPosture, errText: "only over the public path nat-1", resources: []string{"nat-1", "rtb-task", "subnet-a", "subnet-b"},
				hint: "aws ecr put-replication-configuration --region us-west-2 --replication-configuration 'rules=[{destinations=[{region=ap-northeast-1,registryId=123456789012}]}]'"}},
		},
		{
			name: "ECR image in another region, NAT path accepted with --public-path warn",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/orders:1"
				addNAT(f)
			},
			opts: Options{PublicPath: config.PublicPathWarn},
			want: []expectRow{{check: CheckCrossRegion, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassDNSPosture, errText: "a cross-Region interface endpoint for com.amazonaws.us-west-2.ecr.dkr would keep it in the VPC"}},
		},
		{
			name: "log group in another region, NAT path: no private option, a warning",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].LogOptions["awslogs-region"] = "us-west-2"
				addNAT(f)
			},
			want: []expectRow{{check: CheckCrossRegion, target: "logs", status: report.StatusWarn, class: report.ClassConnect, errText: "PrivateLink serves it only in its own Region",
				resources: []string{"nat-1", "rtb-task", "subnet-a", "subnet-b"}}},
		},
		{
			// A cross-Region ecr.dkr endpoint alone: each of the three
			// is judged, the missing ones as public paths with the
			// --service-region command (the fix plan makes none).
			name: "ECR image in another region, cross-Region ecr.dkr endpoint only, NAT path",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/orders:1"
				ep := endpointByID(f, "vpce-dkr")
				ep.ServiceName, ep.ServiceRegion = "com.amazonaws.us-west-2.ecr.dkr", "us-west-2"
				addNAT(f)
			},
			want: []expectRow{
				{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusPass},
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassDNSPosture,
					errText: "no available interface endpoint for com.amazonaws.us-west-2.ecr.api", hint: "--service-name com.amazonaws.us-west-2.ecr.api --service-region us-west-2 --subnet-ids"},
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassDNSPosture, hint: "--private-dns-enabled --security-group-ids sg-"},
				{check: CheckCrossRegion, target: "ecr.layers", status: report.StatusFail, class: report.ClassDNSPosture,
					errText: "no available cross-Region interface endpoint for com.amazonaws.us-west-2.s3", hint: "--service-name com.amazonaws.us-west-2.s3 --service-region us-west-2"},
			},
			absent: []expectRow{{check: CheckCrossRegion, target: "ecr.dkr"}},
		},
		{
			name: "awslogs in another region, NAT path",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].LogOptions["awslogs-region"] = "us-east-1"
				addNAT(f)
			},
			want: []expectRow{{check: CheckCrossRegion, target: "logs", status: report.StatusWarn, class: report.ClassConnect, hint: "awslogs-region log option to ap-northeast-1"}},
		},
		{
			name:   "CDK default VPC (NAT, no endpoints): ECR, logs and S3 layers all fail with exit 11, naming the path",
			mutate: cdkDefaultVPC,
			want: []expectRow{
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassDNSPosture, errText: "only over the public path nat-1 via rtb-task (subnet-a,subnet-b); to accept the path, run with --public-path warn, or --checks ecr.api=any",
					resources: []string{"nat-1", "rtb-task", "subnet-a", "subnet-b", "vpc-1"}},
				{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusFail, class: report.ClassDNSPosture, errText: "nat-1 via rtb-task"},
				{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture, errText: "nat-1 via rtb-task"},
				{check: CheckEndpoint, target: "ecr.layers", status: report.StatusFail, class: report.ClassDNSPosture, errText: "only over the public path nat-1 via rtb-task (subnet-a,subnet-b)",
					resources: []string{"nat-1", "rtb-task", "vpc-1"},
					hint:      "aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-1.s3 --route-table-ids rtb-task"},
			},
		},
		{
			name:   "CDK default VPC under --public-path warn: every public path warns, naming the path, the endpoint and NAT charges",
			mutate: cdkDefaultVPC,
			opts:   Options{PublicPath: config.PublicPathWarn},
			want: []expectRow{
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusWarn, class: report.ClassDNSPosture,
					errText: "nat-1 via rtb-task (subnet-a,subnet-b) (accepted by --public-path warn): not private; an interface endpoint for com.amazonaws.ap-northeast-1.ecr.api would keep it in the VPC, and NAT gateway data processing charges apply to image pulls"},
				{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassDNSPosture, errText: "NAT gateway data processing charges",
					resources: []string{"nat-1", "rtb-task", "subnet-a", "subnet-b", "vpc-1"}},
				{check: CheckEndpoint, target: "logs", status: report.StatusWarn, class: report.ClassDNSPosture, errText: "nat-1 via rtb-task"},
				{check: CheckEndpoint, target: "ecr.layers", status: report.StatusWarn, class: report.ClassDNSPosture, errText: "a gateway endpoint for com.amazonaws.ap-northeast-1.s3 would keep it in the VPC"},
			},
		},
		{
			name:   "--checks ecr.api=any relaxes the need the image derived, and says which entry won",
			mutate: cdkDefaultVPC,
			extra:  "ecr.api=any",
			want: []expectRow{
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusWarn, class: report.ClassDNSPosture, errText: "(relaxed by --checks ecr.api=any)"},
				{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusFail, class: report.ClassDNSPosture},
			},
		},
		{
			name: "a registry on the internet has no private option: the NAT path passes as before, whatever --public-path says",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "public.example.com/orders:1"
				addNAT(f)
			},
			want: []expectRow{{check: CheckEndpoint, target: NeedInternet, status: report.StatusPass}},
		},
		{
			name:   "private DNS disabled",
			mutate: func(f *Facts) { endpointByID(f, "vpce-dkr").PrivateDNSEnabled = false },
			want: []expectRow{{check: CheckPrivateDNS, target: "ecr.dkr", status: report.StatusFail, class: report.ClassDNSPosture,
				hint: "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-dkr --private-dns-enabled"}},
		},
		{
			name:   "enableDnsSupport false",
			mutate: func(f *Facts) { f.VPCs["vpc-1"].DNSSupport = TriFalse },
			want: []expectRow{{check: CheckDNSSupport, target: "vpc-1", status: report.StatusFail, class: report.ClassDNSPosture,
				hint: `aws ec2 modify-vpc-attribute --vpc-id vpc-1 --enable-dns-support '{"Value":true}'`}},
		},
		{
			name:   "enableDnsHostnames false",
			mutate: func(f *Facts) { f.VPCs["vpc-1"].DNSHostnames = TriFalse },
			want:   []expectRow{{check: CheckDNSSupport, target: "vpc-1", status: report.StatusFail, class: report.ClassDNSPosture, errText: "enableDnsHostnames=false"}},
		},
		{
			name: "enableDnsHostnames unreadable",
			mutate: func(f *Facts) {
				f.VPCs["vpc-1"].DNSHostnames = TriUnknown
				denied(ActionDescribeVpcAttribute, "vpc-1")(f)
			},
			want: []expectRow{{check: CheckDNSSupport, target: "vpc-1", status: report.StatusWarn, class: report.ClassUndecided, hint: "ec2:DescribeVpcAttribute"}},
		},
		{
			name: "enableDnsSupport unreadable but enableDnsHostnames false",
			mutate: func(f *Facts) {
				f.VPCs["vpc-1"].DNSSupport = TriUnknown
				f.VPCs["vpc-1"].DNSHostnames = TriFalse
			},
			want: []expectRow{{check: CheckDNSSupport, target: "vpc-1", status: report.StatusFail, class: report.ClassDNSPosture, errText: "enableDnsHostnames=false"}},
		},
		{
			name: "enableDnsHostnames unreadable, --fail-undecided",
			mutate: func(f *Facts) {
				f.VPCs["vpc-1"].DNSHostnames = TriUnknown
				denied(ActionDescribeVpcAttribute, "vpc-1")(f)
			},
			opts: Options{FailUndecided: true},
			want: []expectRow{{check: CheckDNSSupport, target: "vpc-1", status: report.StatusFail, class: report.ClassUndecided}},
		},
		{
			name:   "custom DHCP resolvers",
			mutate: func(f *Facts) { f.VPCs["vpc-1"].DomainNameServers = []string{"10.9.0.2", "10.9.0.3"} },
			want:   []expectRow{{check: CheckDHCP, target: "vpc-1", status: report.StatusWarn, class: report.ClassResolver, errText: "10.9.0.2,10.9.0.3"}},
		},
		{
			name:   "DHCP options unreadable",
			mutate: func(f *Facts) { f.VPCs["vpc-1"].DomainNameServers = nil; denied(ActionDescribeDhcpOptions, "")(f) },
			want:   []expectRow{{check: CheckDHCP, target: "vpc-1", status: report.StatusWarn, class: report.ClassUndecided}},
		},
		{
			name:   "endpoint missing a task AZ",
			mutate: func(f *Facts) { endpointByID(f, "vpce-logs").SubnetIDs = []string{"subnet-ea"} },
			want: []expectRow{{check: CheckEndpointAZ, target: "logs", status: report.StatusWarn, class: report.ClassConnect, errText: "ap-northeast-1c",
				hint: "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-logs --add-subnet-ids subnet-b"}},
		},
		{
			name:   "endpoint SG without inbound 443",
			mutate: func(f *Facts) { f.SecurityGroups["sg-vpce"].Ingress = nil },
			want: []expectRow{{check: CheckSecurityGroup, target: "logs", status: report.StatusFail, class: report.ClassConnect,
				hint: "aws ec2 authorize-security-group-ingress --group-id sg-vpce --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{GroupId=sg-task}]'"}},
		},
		{
			name: "endpoint SG inbound by a CIDR covering both task subnets",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-vpce"].Ingress = []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.0.0/16")}}
			},
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
		},
		{
			name: "endpoint SG inbound by a CIDR covering one task subnet",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-vpce"].Ingress = []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.1.0/24")}}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "logs", status: report.StatusFail, class: report.ClassConnect, errText: "10.0.2.0/24"}},
		},
		{
			name: "endpoint SG inbound on the wrong port",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-vpce"].Ingress = []Rule{{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupIDs: []string{"sg-task"}}}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "logs", status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name: "endpoint SG inbound all protocols from a prefix list covering the VPC",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-vpce"].Ingress = []Rule{{Protocol: "-1", PrefixListIDs: []string{"pl-corp"}}}
			},
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
		},
		{
			name: "task SG without egress to the endpoint",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress = f.SecurityGroups["sg-task"].Egress[1:]
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
				hint: "aws ec2 authorize-security-group-egress --group-id sg-task --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{GroupId=sg-vpce}]'"}},
		},
		{
			name: "task SG egress by a CIDR covering the endpoint subnets",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 0, ToPort: 65535, CIDRs: pfxs("10.0.8.0/21")}
			},
			want: []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
		},
		{
			name: "task SG egress by a CIDR covering one endpoint subnet",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.0/24")}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect, errText: "10.0.12.0/24"}},
		},
		{
			// Coverage is a union: two /25 rules (in two groups) and a
			// /24 rule together cover both endpoint subnets.
			name: "task SG egress by CIDRs that cover the endpoint subnets only together",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.0/25", "10.0.12.0/24")}
				f.SecurityGroups["sg-0123456789abcdef0"] = &SecurityGroup{ID: "sg-0123456789abcdef0", VPCID: "vpc-1", Egress: []Rule{{Protocol: "tcp", FromPort: 0, ToPort: 1024, CIDRs: pfxs("10.0.11.128/25")}}}
				firstWorkload(f).SecurityGroups = []string{"sg-task", "sg-0123456789abcdef0"}
			},
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
			absent: []expectRow{{check: CheckSecurityGroup, target: "ecr.api"}, {check: CheckSecurityGroup, target: "logs"}},
		},
		{
			name: "task SG egress by CIDRs with a hole in an endpoint subnet",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.0/25", "10.0.11.192/26", "10.0.12.0/24")}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect, errText: "subnets 10.0.11.0/24)"}},
		},
		{
			name: "endpoint SG ingress from two /25s covering one task subnet each half",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-vpce"].Ingress = []Rule{
					{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.1.0/25", "10.0.2.0/24")},
					{Protocol: "-1", CIDRs: pfxs("10.0.1.128/25")},
				}
			},
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
			absent: []expectRow{{check: CheckSecurityGroup, target: "logs"}},
		},
		{
			name: "Docker Hub image with a NAT path and 443 out to 0.0.0.0/1 and 128.0.0.0/1",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress,
					Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/1")},
					Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("128.0.0.0/1")})
				addNAT(f)
			},
			want:   []expectRow{{check: CheckEndpoint, target: NeedInternet, status: report.StatusPass}},
			absent: []expectRow{{check: CheckSecurityGroup, target: NeedInternet}},
		},
		{
			name: "Docker Hub image with a NAT path: 443 out to ::/0 says nothing about IPv4",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress,
					Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("::/0")})
				addNAT(f)
			},
			want: []expectRow{{check: CheckSecurityGroup, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name: "all egress open by 0.0.0.0/1 and 128.0.0.0/1 in two groups",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("0.0.0.0/1")})
				f.SecurityGroups["sg-0123456789abcdef0"] = &SecurityGroup{ID: "sg-0123456789abcdef0", VPCID: "vpc-1", Egress: []Rule{{Protocol: "-1", CIDRs: pfxs("128.0.0.0/1")}}}
				firstWorkload(f).SecurityGroups = []string{"sg-task", "sg-0123456789abcdef0"}
				addNAT(f)
			},
			want: []expectRow{{check: CheckEgress, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassEgressOpen,
				errText: "sg-task,sg-0123456789abcdef0 allows all traffic to 0.0.0.0/0", hint: "allow-all egress of sg-task,sg-0123456789abcdef0"}},
		},
		{
			// Private DNS answers the endpoint ENIs' addresses: rules to
			// those /32s let the tasks reach it.
			name: "task SG egress to the endpoint ENIs' /32s",
			mutate: func(f *Facts) {
				withENIs(f)
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.7/32", "10.0.12.9/32")}
			},
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
			absent: []expectRow{{check: CheckSecurityGroup, target: "ecr.api"}},
		},
		{
			name: "task SG egress to one of the endpoint's two ENIs",
			mutate: func(f *Facts) {
				withENIs(f)
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.7/32")}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name: "endpoint ENIs unreadable: egress to /32s in its subnets is undecided",
			mutate: func(f *Facts) {
				withENIs(f)
				endpointByID(f, "vpce-api").Addrs = nil
				denied(ActionDescribeNetworkInterfaces, "vpce-api")(f)
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.11.7/32", "10.0.12.9/32")}
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusWarn, class: report.ClassUndecided, hint: "Allow ec2:DescribeNetworkInterfaces"}},
		},
		{
			name: "endpoint ENIs unreadable: egress covering its subnets still passes",
			mutate: func(f *Facts) {
				withENIs(f)
				endpointByID(f, "vpce-api").Addrs = nil
				denied(ActionDescribeNetworkInterfaces, "vpce-api")(f)
				f.SecurityGroups["sg-task"].Egress[0] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("10.0.8.0/21")}
			},
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
			absent: []expectRow{{check: CheckSecurityGroup, target: "ecr.api"}},
		},
		{
			name: "task SG without egress to the S3 prefix list",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress = f.SecurityGroups["sg-task"].Egress[:1]
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
				hint: "aws ec2 authorize-security-group-egress --group-id sg-task --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=pl-s3}]'"}},
		},
		{
			name: "task SG egress 443 to 0.0.0.0/0 covers S3",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress[1] = Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")}
			},
			want: []expectRow{{check: CheckEndpoint, target: "ecr.layers", status: report.StatusPass}},
		},
		{
			name: "S3 gateway endpoint not on the task route table",
			mutate: func(f *Facts) {
				endpointByID(f, "vpce-s3").RouteTableIDs = []string{"rtb-main"}
				routeTable(f, "rtb-task").Routes = routeTable(f, "rtb-task").Routes[:1]
			},
			want: []expectRow{{check: CheckRoute, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
				hint: "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-s3 --add-route-table-ids rtb-task"}},
		},
		{
			name: "S3 gateway endpoint not on the task route table, NAT path",
			mutate: func(f *Facts) {
				endpointByID(f, "vpce-s3").RouteTableIDs = []string{"rtb-main"}
				routeTable(f, "rtb-task").Routes = routeTable(f, "rtb-task").Routes[:1]
				addNAT(f)
			},
			// The same rule as a missing endpoint: a public path where a
			// private one exists fails with exit 11, naming the path.
			want: []expectRow{{check: CheckRoute, target: "ecr.layers", status: report.StatusFail, class: report.ClassDNSPosture,
				errText:   "not associated with vpce-s3: the tasks reach it only over the public path nat-1 via rtb-task (subnet-a,subnet-b)",
				resources: []string{"nat-1", "rtb-task", "subnet-a", "subnet-b", "vpce-s3"},
				hint:      "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-s3 --add-route-table-ids rtb-task"}},
		},
		{
			name:   "no S3 gateway endpoint at all",
			mutate: func(f *Facts) { removeEndpoint(f, "vpce-s3") },
			want: []expectRow{{check: CheckEndpoint, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
				hint: "aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-1.s3 --route-table-ids rtb-task"}},
		},
		{
			// No statement can allow the layer bucket: the implicit deny
			// answers every layer GET with 403.
			name:   "S3 endpoint policy without the layer bucket",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyNoLayers },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect, errText: "no statement allows it (implicit deny)",
				hint: `{"Sid":"AllowECRLayers","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/*"}`}},
		},
		{
			name:   "S3 endpoint policy denying the layer bucket names the statement's Sid",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDenySid },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
				errText: `statement "NoProdBuckets" denies it explicitly`, hint: `Remove statement "NoProdBuckets" of the policy of vpce-s3`}},
		},
		{
			name:   "S3 endpoint policy with a conditional deny is undecided",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDenyCond },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusWarn, class: report.ClassConnect,
				errText: `statement "OrgOnly" denies it if its Condition holds`}},
		},
		{
			name:   "S3 endpoint policy denying a named role is undecided",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDenyRole },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusWarn, class: report.ClassConnect,
				errText: `statement "NotCI" denies it if the pulling role is among its Principal`}},
		},
		{
			name:   "S3 endpoint policy: a NotAction deny that spares GetObject, an Allow with NotResource",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyNotAction },
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.layers", status: report.StatusPass}},
			absent: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers"}},
		},
		{
			name:   "S3 endpoint policy that does not parse is undecided, not passed",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyBroken },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusWarn, class: report.ClassConnect,
				errText: "policy is not valid JSON"}},
		},
		{
			name:   "S3 endpoint policy naming the layer bucket",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyLayers },
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.layers", status: report.StatusPass}},
		},
		{
			name:   "S3 endpoint policy s3:* on *",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyAllS3 },
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.layers", status: report.StatusPass}},
		},
		{
			name:   "S3 endpoint policy with a condition is not provable",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyCond },
			want:   []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusWarn, class: report.ClassConnect}},
		},
		{
			name:   "S3 endpoint policy with a matching deny",
			mutate: func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDeny },
			want: []expectRow{{check: CheckEndpointPolicy, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
				errText: "statement 2 denies it explicitly", hint: "Remove statement 2 of the policy of vpce-s3"}},
		},
		{
			name: "NACL: a lower-numbered deny shadows the allow",
			mutate: func(f *Facts) {
				acl := f.NetworkACLs[0]
				acl.Entries = append(acl.Entries, NACLEntry{RuleNumber: 50, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.8.0/21")})
			},
			want: []expectRow{{check: CheckNACL, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect, errText: "by rule 50",
				hint: "Allow TCP 443 outbound to 10.0.11.0/24 in acl-1 below rule 50, or delete rule 50"}},
		},
		{
			name: "NACL: return traffic (ephemeral ports) not allowed in",
			mutate: func(f *Facts) {
				acl := f.NetworkACLs[0]
				acl.Entries[0] = NACLEntry{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.0.0/16"), Allow: true}
			},
			want: []expectRow{{check: CheckNACL, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
				errText: "32768-60999 (return traffic to the tasks' Linux ephemeral ports", hint: "Allow TCP 32768-60999 inbound from 10.0.11.0/24 in acl-1"}},
		},
		{
			// AWS's own example ACL opens 32768-65535 for the replies:
			// Linux tasks get them on 32768-60999, on both subnets.
			name:   "NACL: return traffic on 32768-65535 works for Linux tasks",
			mutate: func(f *Facts) { f.NetworkACLs[0].Entries = naclEphemeral(32768, 65535) },
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
			absent: []expectRow{{check: CheckNACL, target: "ecr.api"}, {check: CheckNACL, target: "ecr.layers"}},
		},
		{
			name: "NACL: 32768-60999 is not enough for Windows tasks",
			mutate: func(f *Facts) {
				f.NetworkACLs[0].Entries = naclEphemeral(32768, 60999)
				firstWorkload(f).TaskDefinition.OSFamily = "WINDOWS_SERVER_2022_CORE"
			},
			want: []expectRow{{check: CheckNACL, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
				errText: "49152-65535 (return traffic to the tasks' Windows ephemeral ports; port 61000 first blocked)",
				hint:    "Allow TCP 49152-65535 inbound from 10.0.11.0/24 in acl-1"}},
		},
		{
			name: "NACL: 49152-65535 works for Windows tasks, and the endpoint subnet's way out is judged on it too",
			mutate: func(f *Facts) {
				f.NetworkACLs[0].Entries = naclEphemeral(49152, 65535)
				firstWorkload(f).TaskDefinition.OSFamily = "WINDOWS_SERVER_2019_FULL"
			},
			want:   []expectRow{{check: CheckEndpoint, target: "ecr.api", status: report.StatusPass}},
			absent: []expectRow{{check: CheckNACL, target: "ecr.api"}},
		},
		{
			name: "NACL: the endpoint subnet's reply to Linux tasks needs 32768-60999 out",
			mutate: func(f *Facts) {
				acl := f.NetworkACLs[0]
				acl.Entries = naclEphemeral(49152, 65535)
				// Inbound on the task side opens the whole Linux range;
				// the endpoint side's way out still stops at 49152.
				acl.Entries = append(acl.Entries, NACLEntry{RuleNumber: 120, Protocol: "6", PortFrom: 32768, PortTo: 49151, CIDR: pfx("0.0.0.0/0"), Allow: true})
			},
			want: []expectRow{{check: CheckNACL, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
				errText: "acl-1 of subnet-ea denies outbound TCP 32768-60999 (return traffic to the tasks' Linux ephemeral ports; port 32768 first blocked) to 10.0.1.0/24"}},
		},
		{
			// An IPv6-only task subnet has no IPv4 block: its ACL is
			// judged on its IPv6 entries, and a deny-all one fails.
			name: "IPv6-only task subnets: a deny-all NACL fails",
			mutate: func(f *Facts) {
				ipv6Only(f)
				f.NetworkACLs[0].Entries = []NACLEntry{
					{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 32768, Protocol: "-1", CIDR: pfx("::/0")},
					{RuleNumber: 32767, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 32768, Egress: true, Protocol: "-1", CIDR: pfx("::/0")},
				}
			},
			want: []expectRow{{check: CheckNACL, target: "logs", status: report.StatusFail, class: report.ClassConnect,
				errText: "acl-1 of subnet-a denies outbound TCP 443 to 2600:1f18:0:ea::/64 by the default * rule"}},
		},
		{
			name: "IPv6-only task subnets: judged on the IPv6 entries, not the IPv4 ones",
			mutate: func(f *Facts) {
				ipv6Only(f)
				f.NetworkACLs[0].Entries = []NACLEntry{
					{RuleNumber: 90, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("2600:1f18::/56"), Allow: true},
					{RuleNumber: 110, Protocol: "6", PortFrom: 32768, PortTo: 65535, CIDR: pfx("2600:1f18::/56"), Allow: true},
					{RuleNumber: 90, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("2600:1f18::/56"), Allow: true},
					{RuleNumber: 110, Egress: true, Protocol: "6", PortFrom: 32768, PortTo: 65535, CIDR: pfx("2600:1f18::/56"), Allow: true},
				}
			},
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
			absent: []expectRow{{check: CheckNACL, target: "logs"}},
		},
		{
			name:   "IPv6-only task subnets cannot use ECR's PrivateLink endpoints",
			mutate: ipv6Only,
			want: []expectRow{
				{check: CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
					errText: "serves IPv4 only", hint: "123456789012.dkr-ecr.ap-northeast-1.on.aws"},
				{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusFail, class: report.ClassConnect, errText: "serves IPv4 only"},
			},
		},
		{
			name: "IPv6-only task subnets and an endpoint without IPv6 addresses",
			mutate: func(f *Facts) {
				ipv6Only(f)
				endpointByID(f, "vpce-logs").Addrs = []netip.Addr{netip.MustParseAddr("10.0.11.20"), netip.MustParseAddr("10.0.12.20")}
			},
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassConnect,
				errText: "have no IPv6 address", hint: "--ip-address-type dualstack"}},
		},
		{
			name: "IPv6-only task subnets and an endpoint whose addresses were not read",
			mutate: func(f *Facts) {
				ipv6Only(f)
				endpointByID(f, "vpce-logs").Addrs = nil
				denied(ActionDescribeNetworkInterfaces, "vpce-logs")(f)
			},
			want: []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusWarn, class: report.ClassUndecided, hint: "ec2:DescribeNetworkInterfaces"}},
		},
		{
			// ECR's dual-stack name has no PrivateLink: an IPv6 internet
			// path (::/0 to an egress-only internet gateway, egress to
			// ::/0) serves it without any IPv4 internet path.
			name: "dual-stack ECR image over an egress-only internet gateway",
			mutate: func(f *Facts) {
				dualStackImage(f)
				addEIGW(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("::/0")})
			},
			want:   []expectRow{{check: CheckEndpoint, target: NeedInternet, status: report.StatusPass}},
			absent: []expectRow{{check: CheckRoute, target: NeedInternet}, {check: CheckSecurityGroup, target: NeedInternet}},
		},
		{
			name: "dual-stack ECR image over an egress-only internet gateway, no egress to ::/0",
			mutate: func(f *Facts) {
				dualStackImage(f)
				addEIGW(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{{check: CheckSecurityGroup, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect,
				errText: "do not allow outbound TCP 443 to ::/0", hint: "Ipv6Ranges=[{CidrIpv6=::/0}]"}},
		},
		{
			name:   "dual-stack ECR image without any internet path",
			mutate: dualStackImage,
			want: []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect,
				errText: "ECR PrivateLink does not serve", hint: "egress-only internet gateway"}},
		},
		{
			name: "dual-stack ECR image from IPv6-only subnets: a NAT route carries nothing of theirs",
			mutate: func(f *Facts) {
				dualStackImage(f)
				ipv6Only(f)
				addNAT(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect, errText: "no IPv4 internet path"}},
		},
		{
			name: "Docker Hub image from IPv6-only subnets: a NAT route is no internet path",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
				ipv6Only(f)
				addNAT(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name: "Docker Hub image from IPv6-only subnets through NAT64 needs egress to 64:ff9b::/96",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
				ipv6Only(f)
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("64:ff9b::/96"), Target: TargetNAT, TargetID: "nat-1", State: "active"})
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{{check: CheckSecurityGroup, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect,
				errText: "to 64:ff9b::/96", hint: "Ipv6Ranges=[{CidrIpv6=64:ff9b::/96}]"}},
		},
		{
			name: "all egress open with a NAT path",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")})
				addNAT(f)
			},
			want: []expectRow{{check: CheckEgress, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassEgressOpen,
				hint: "allow-all egress of sg-task with the least rule set: preflight audit --egress-rules cli"}},
		},
		{
			name: "all egress open to ::/0 with an egress-only internet gateway",
			mutate: func(f *Facts) {
				dualStackImage(f)
				addEIGW(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("::/0")})
			},
			want: []expectRow{{check: CheckEgress, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassEgressOpen,
				errText: "sg-task allows all traffic to ::/0 and the task subnets reach the IPv6 internet (subnet-a via eigw-0123456789abcdef0"}},
		},
		{
			name: "all egress open to ::/0 without an IPv6 internet path",
			mutate: func(f *Facts) {
				dualStackImage(f)
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("::/0")})
			},
			want: []expectRow{{check: CheckEgress, target: "service/prod/orders", status: report.StatusPass}},
		},
		{
			name: "all egress open without an internet path",
			mutate: func(f *Facts) {
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{{check: CheckEgress, target: "service/prod/orders", status: report.StatusPass}},
		},
		{
			name:   "endpoints unreadable: undecided, never pass",
			mutate: denied(ActionDescribeVpcEndpoints, ""),
			want: []expectRow{
				{check: CheckEndpoint, target: "logs", status: report.StatusWarn, class: report.ClassUndecided, hint: "ec2:DescribeVpcEndpoints"},
				{check: CheckEndpoint, target: "ecr.layers", status: report.StatusWarn, class: report.ClassUndecided},
			},
		},
		{
			name:   "endpoints unreadable, --fail-undecided",
			mutate: denied(ActionDescribeVpcEndpoints, ""),
			opts:   Options{FailUndecided: true},
			want:   []expectRow{{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassUndecided}},
		},
		{
			name: "security group unreadable",
			mutate: func(f *Facts) {
				delete(f.SecurityGroups, "sg-vpce")
				denied(ActionDescribeSecurityGroups, "sg-vpce")(f)
			},
			want: []expectRow{{check: CheckSecurityGroup, target: "logs", status: report.StatusWarn, class: report.ClassUndecided}},
		},
		{
			name: "task security group unreadable: open egress is undecided, not passed",
			mutate: func(f *Facts) {
				delete(f.SecurityGroups, "sg-task")
				denied(ActionDescribeSecurityGroups, "")(f)
			},
			want: []expectRow{
				{check: CheckEgress, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassUndecided},
				{check: CheckSecurityGroup, target: "ecr.api", status: report.StatusWarn, class: report.ClassUndecided},
			},
		},
		{
			name: "task definition unreadable",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition = nil
				denied(ActionDescribeTaskDefinition, "")(f)
			},
			want: []expectRow{{check: CheckUndecided, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassUndecided, hint: "ecs:DescribeTaskDefinition"}},
		},
		{
			name:   "Docker Hub image without an internet path",
			mutate: func(f *Facts) { firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27" },
			want:   []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect, hint: "pull-through cache"}},
		},
		{
			name: "Docker Hub image with a NAT path but no 443 to the internet",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
				addNAT(f)
			},
			want: []expectRow{{check: CheckSecurityGroup, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect,
				hint: "IpRanges=[{CidrIp=0.0.0.0/0}]"}},
		},
		{
			name: "Docker Hub image with a NAT path and 443 out",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.Containers[0].Image = "public.ecr.aws/nginx/nginx:1"
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
				addNAT(f)
			},
			want: []expectRow{{check: CheckEndpoint, target: NeedInternet, status: report.StatusPass}},
		},
		{
			name: "internet gateway counts only with a public IP",
			mutate: func(f *Facts) {
				w := firstWorkload(f)
				w.TaskDefinition.Containers[0].Image = "nginx:1.27"
				w.Subnets = []string{"subnet-pub"}
			},
			want: []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name: "internet gateway with a public IP is an internet path",
			mutate: func(f *Facts) {
				w := firstWorkload(f)
				w.TaskDefinition.Containers[0].Image = "nginx:1.27"
				w.Subnets = []string{"subnet-pub"}
				w.AssignPublicIP = PublicIPEnabled
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")})
			},
			want: []expectRow{
				{check: CheckEndpoint, target: NeedInternet, status: report.StatusPass},
				{check: report.CheckPublicIP, target: "service/prod/orders", status: report.StatusFail, class: report.ClassPublicIP},
			},
		},
		{
			name: "subnet without association uses the main table",
			mutate: func(f *Facts) {
				routeTable(f, "rtb-task").SubnetIDs = []string{"subnet-a"}
				main := routeTable(f, "rtb-main")
				main.Routes = append(main.Routes, Route{Destination: pfx("0.0.0.0/0"), Target: TargetNAT, TargetID: "nat-main", State: "active"})
				td := firstWorkload(f).TaskDefinition
				td.Containers = append(td.Containers, Container{Name: "proxy", Image: "nginx:1.27"})
			},
			want: []expectRow{
				// subnet-b reaches the internet through the main table,
				// subnet-a does not: the image pull fails from subnet-a.
				{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect},
				// subnet-b's layers take the main table's NAT: the public
				// path named is subnet-b's alone.
				{check: CheckRoute, target: "ecr.layers", status: report.StatusFail, class: report.ClassDNSPosture, errText: "nat-main via rtb-main (subnet-b)"},
			},
		},
		{
			name: "blackhole NAT route is no internet path",
			mutate: func(f *Facts) {
				rt := routeTable(f, "rtb-task")
				rt.Routes = append(rt.Routes, Route{Destination: pfx("0.0.0.0/0"), Target: TargetNAT, TargetID: "nat-gone", State: "blackhole"})
				firstWorkload(f).TaskDefinition.Containers[0].Image = "nginx:1.27"
			},
			want: []expectRow{{check: CheckRoute, target: NeedInternet, status: report.StatusFail, class: report.ClassConnect}},
		},
		{
			name:   "subnet that does not exist",
			mutate: func(f *Facts) { firstWorkload(f).Subnets = []string{"subnet-a", "subnet-gone"} },
			want:   []expectRow{{check: CheckRoute, target: "service/prod/orders", status: report.StatusFail, class: report.ClassConnect, errText: "subnet-gone"}},
		},
		{
			name: "EFS mount target reachable",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.EFSVolumes = []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}
				f.MountTargets = []*MountTarget{
					{ID: "fsmt-a", FileSystemID: "fs-1", SubnetID: "subnet-ea", SecurityGroupIDs: []string{"sg-efs"}},
					{ID: "fsmt-b", FileSystemID: "fs-1", SubnetID: "subnet-eb", SecurityGroupIDs: []string{"sg-efs"}},
				}
				f.SecurityGroups["sg-efs"] = &SecurityGroup{ID: "sg-efs", Ingress: []Rule{{Protocol: "tcp", FromPort: 2049, ToPort: 2049, GroupIDs: []string{"sg-task"}}}}
				f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, Rule{Protocol: "tcp", FromPort: 2049, ToPort: 2049, GroupIDs: []string{"sg-efs"}})
			},
			want: []expectRow{{check: CheckEndpoint, target: NeedEFS, status: report.StatusPass}},
		},
		{
			name: "EFS mount target SG closed",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.EFSVolumes = []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}
				f.MountTargets = []*MountTarget{{ID: "fsmt-a", FileSystemID: "fs-1", SubnetID: "subnet-ea", SecurityGroupIDs: []string{"sg-efs"}}}
				f.SecurityGroups["sg-efs"] = &SecurityGroup{ID: "sg-efs"}
			},
			want: []expectRow{
				{check: CheckSecurityGroup, target: NeedEFS, status: report.StatusFail, class: report.ClassConnect, hint: "--group-id sg-efs"},
				{check: CheckEndpointAZ, target: NeedEFS, status: report.StatusWarn, class: report.ClassConnect},
			},
		},
		{
			name: "EFS without mount target facts is undecided",
			mutate: func(f *Facts) {
				firstWorkload(f).TaskDefinition.EFSVolumes = []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}
			},
			want: []expectRow{{check: CheckEndpoint, target: NeedEFS, status: report.StatusWarn, class: report.ClassUndecided}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			opts := tt.opts
			if tt.extra != "" {
				entries, err := config.ParseEntries(tt.extra)
				if err != nil {
					t.Fatalf("ParseEntries(%q): %v", tt.extra, err)
				}
				opts.Extra = entries
			}
			// Ids of the length AWS gives: hints name only valid ids.
			renameIDs(reflect.ValueOf(f).Elem())
			rows := Evaluate(f, opts)
			for _, w := range tt.want {
				assertRow(t, rows, withFixIDs(w))
			}
			for _, a := range tt.absent {
				if got := findRows(rows, a.check, renameText(a.target)); len(got) > 0 {
					t.Errorf("got %s; want no %s row for %s", rowString(got[0]), a.check, a.target)
				}
			}
			for _, r := range rows {
				if r.Status != report.StatusPass && r.Status != report.StatusSkip && r.Class == report.ClassNone {
					t.Errorf("got %s; want a class on every warning and failure", rowString(r))
				}
			}
		})
	}
}

// withENIs gives vpce-api an ENI in each of its subnets, with the
// addresses DescribeNetworkInterfaces would give.
func withENIs(f *Facts) {
	ep := endpointByID(f, "vpce-api")
	ep.NetworkInterfaceIDs = []string{"eni-0a0a0a0a0a0a0a0a0", "eni-0b0b0b0b0b0b0b0b0"}
	ep.Addrs = []netip.Addr{netip.MustParseAddr("10.0.11.7"), netip.MustParseAddr("10.0.12.9")}
}

// ipv6Only makes the task subnets IPv6-only (no IPv4 block) and gives the
// endpoint subnets an IPv6 block beside their IPv4 one.
func ipv6Only(f *Facts) {
	for id, block := range map[string]string{"subnet-a": "2600:1f18:0:a::/64", "subnet-b": "2600:1f18:0:b::/64",
		"subnet-ea": "2600:1f18:0:ea::/64", "subnet-eb": "2600:1f18:0:eb::/64"} {
		f.Subnets[id].IPv6 = pfx(block)
	}
	f.Subnets["subnet-a"].CIDR = netip.Prefix{}
	f.Subnets["subnet-b"].CIDR = netip.Prefix{}
	f.VPCs["vpc-1"].CIDRs = append(f.VPCs["vpc-1"].CIDRs, pfx("2600:1f18::/56"))
	// The logs endpoint is dual-stack: its interfaces have IPv6 addresses.
	logs := endpointByID(f, "vpce-logs")
	logs.NetworkInterfaceIDs = []string{"eni-0a0a0a0a0a0a0a0a1", "eni-0b0b0b0b0b0b0b0b1"}
	logs.Addrs = []netip.Addr{netip.MustParseAddr("10.0.11.20"), netip.MustParseAddr("10.0.12.20"),
		netip.MustParseAddr("2600:1f18:0:ea::20"), netip.MustParseAddr("2600:1f18:0:eb::20")}
}

// dualStackImage makes the task pull from ECR's dual-stack name, and gives
// the task subnets an IPv6 block beside their IPv4 one.
func dualStackImage(f *Facts) {
	firstWorkload(f).TaskDefinition.Containers[0].Image = "123456789012.dkr-ecr.ap-northeast-1.on.aws/orders:1.4.2"
	f.Subnets["subnet-a"].IPv6 = pfx("2600:1f18:0:a::/64")
	f.Subnets["subnet-b"].IPv6 = pfx("2600:1f18:0:b::/64")
}

// addEIGW gives the task route table ::/0 to an egress-only internet
// gateway.
func addEIGW(f *Facts) {
	rt := routeTable(f, "rtb-task")
	rt.Routes = append(rt.Routes, Route{Destination: pfx("::/0"), Target: TargetEIGW, TargetID: "eigw-0123456789abcdef0", State: "active"})
}

// naclEphemeral is an ACL's entries that pass TCP 443 both ways and the
// replies on ports lo-hi, to and from anywhere.
func naclEphemeral(lo, hi int) []NACLEntry {
	return []NACLEntry{
		{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 110, Protocol: "6", PortFrom: lo, PortTo: hi, CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
		{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 110, Egress: true, Protocol: "6", PortFrom: lo, PortTo: hi, CIDR: pfx("0.0.0.0/0"), Allow: true},
		{RuleNumber: 32767, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
	}
}

func TestEvaluateExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Facts)
		opts   Options
		want   int
	}{
		{"clean", nil, Options{}, report.ExitOK},
		{"public IP", func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled }, Options{}, report.ExitPublicIP},
		{"missing endpoint", func(f *Facts) { removeEndpoint(f, "vpce-logs") }, Options{}, report.ExitDNSPosture},
		{"SG closed", func(f *Facts) { f.SecurityGroups["sg-vpce"].Ingress = nil }, Options{}, report.ExitConnect},
		{"S3 endpoint policy denies the layers", func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDenySid }, Options{}, report.ExitConnect},
		{"S3 endpoint policy with a conditional deny warns", func(f *Facts) { endpointByID(f, "vpce-s3").PolicyDocument = policyDenyCond }, Options{}, report.ExitOK},
		{"undecided warns", func(f *Facts) {
			f.Undecided = []Undecided{{Action: ActionDescribeVpcEndpoints, Code: "AccessDenied"}}
		}, Options{}, report.ExitOK},
		{"undecided fails", func(f *Facts) {
			f.Undecided = []Undecided{{Action: ActionDescribeVpcEndpoints, Code: "AccessDenied"}}
		}, Options{FailUndecided: true}, report.ExitUndecided},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			if got := report.ExitCode(Evaluate(f, tt.opts)); got != tt.want {
				t.Errorf("got exit %d; want %d", got, tt.want)
			}
		})
	}
}

func TestEvaluateNetworkTaskENI(t *testing.T) {
	// The rules judge one task's ENI as they judge a service: same facts,
	// a NetConfig of the task's subnet and groups.
	f := fixFacts()
	removeEndpoint(f, fixID("vpce-logs"))
	needs := []Need{{Service: "logs", Region: testRegion, Port: 443, Reason: "awslogs"}}
	rows := EvaluateNetwork(f, NetConfig{Name: "task/abc", Subnets: []string{fixID("subnet-a")}, SecurityGroups: []string{fixID("sg-task")}}, needs, Options{})
	assertRow(t, rows, withFixIDs(expectRow{check: CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture, hint: "--subnet-ids subnet-a "}))
}
