package probe

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Environment is what the run learned about the task's network; hints are
// filled from it so that they name the real subnet and resolver.
type Environment struct {
	// SubnetCIDR is the task ENI's subnet from TMDS, if known: the IPv4
	// subnet, or the IPv6 one for an IPv6-only ENI (Network.HintSubnetCIDR).
	SubnetCIDR string
	// Resolvers are the DNS servers in use.
	Resolvers []string
	// Region is the task's region; hints name its partition's domain.
	Region string
}

// hintInput is everything a hint may mention.
type hintInput struct {
	target config.Target
	// addrs are the addresses the failure concerns.
	addrs []string
	env   Environment
	// situation refines the class: "timeout", "NXDOMAIN", "wrong_name"...
	situation string
}

func (in hintInput) subnet() string {
	if in.env.SubnetCIDR != "" {
		return "the task subnet " + in.env.SubnetCIDR
	}
	return "the task's subnet CIDR"
}

func (in hintInput) endpointName() string {
	name := in.target.EndpointService
	if in.target.Region != "" && config.PartitionOf(in.target.Region).Name == "aws-cn" {
		name += " (confirm the name with `aws ec2 describe-vpc-endpoint-services`: China regions prefix most names with cn.)"
	}
	return name
}

func (in hintInput) isGateway() bool {
	return in.target.Service != nil && in.target.Service.Kind == config.Gateway
}

func (in hintInput) isInterface() bool {
	return in.target.Service != nil && in.target.Service.Kind == config.Interface
}

func (in hintInput) resolvers() string {
	if len(in.env.Resolvers) == 0 {
		return "the task's resolver"
	}
	return strings.Join(in.env.Resolvers, ", ")
}

func (in hintInput) prefixList() string {
	return fmt.Sprintf("the %s managed prefix list (`aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=%s`)", in.target.EndpointService, in.target.EndpointService)
}

// hintRule is one row of the hint table: when match holds for the input,
// text gives the remediation. Rows are tried in order; the first match wins.
type hintRule struct {
	class report.Class
	match func(hintInput) bool
	text  func(hintInput) string
}

func always(hintInput) bool { return true }

func situationIs(s string) func(hintInput) bool {
	return func(in hintInput) bool { return in.situation == s }
}

var hintRules = []hintRule{
	// DNS failures.
	{report.ClassDNS, situationIs("NXDOMAIN"), func(in hintInput) string {
		return fmt.Sprintf("The resolver says %s does not exist: check the name and region; for a private hosted zone, associate it with the task's VPC.", in.target.Host)
	}},
	{report.ClassDNS, situationIs("SERVFAIL"), func(in hintInput) string {
		return fmt.Sprintf("%s could not resolve %s: if it is a custom DNS server, make it forward %s (or everything) to the VPC resolver (VPC base address + 2, or 169.254.169.253); check Route 53 Resolver rules and DNS Firewall.", in.resolvers(), in.target.Host, config.DNSSuffix(cmp.Or(in.target.Region, in.env.Region)))
	}},
	{report.ClassDNS, situationIs("cname"), func(in hintInput) string {
		return fmt.Sprintf("The CNAME records of %s never reach an address (a loop, or more than %d links): fix the record set; a private hosted zone whose CNAME points back into itself, or into a zone that points back, is the usual cause.", in.target.Host, maxCNAMELinks)
	}},
	{report.ClassDNS, situationIs("NOERROR"), func(in hintInput) string {
		return fmt.Sprintf("%s exists but has no A or AAAA records: check the record set (a private hosted zone can shadow the public zone).", in.target.Host)
	}},
	{report.ClassDNS, situationIs("refused"), func(in hintInput) string {
		return fmt.Sprintf("%s refused the DNS query (nothing listens on port 53 there): point the task at a running resolver, normally the VPC resolver (VPC base address + 2, or 169.254.169.253).", in.resolvers())
	}},
	{report.ClassDNS, situationIs("timeout"), func(in hintInput) string {
		return fmt.Sprintf("No answer from %s: the task's security group and the subnet's network ACL must allow outbound UDP and TCP 53 to the resolver, and the VPC needs enableDnsSupport; a custom resolver must be up and reachable from %s.", in.resolvers(), in.subnet())
	}},
	{report.ClassDNS, always, func(in hintInput) string {
		return fmt.Sprintf("Resolving %s through %s failed: check that the resolver is reachable on port 53 and answers well-formed replies.", in.target.Host, in.resolvers())
	}},

	// An address of the wrong class.
	{report.ClassDNSPosture, func(in hintInput) bool {
		return (in.target.Expect == config.ExpectPrivate || in.situation == "public-path") && in.isInterface()
	}, func(in hintInput) string {
		return fmt.Sprintf("%s resolves to public address %s, so traffic takes the NAT/internet path (or none). Create the interface VPC endpoint %s in this VPC with private DNS enabled, in the task's subnets; the VPC needs enableDnsSupport and enableDnsHostnames, and the task must use the AWS-provided resolver (VPC base + 2 or 169.254.169.253).", in.target.Host, strings.Join(in.addrs, ", "), in.endpointName())
	}},
	{report.ClassDNSPosture, func(in hintInput) bool { return in.target.Expect == config.ExpectPrivate }, func(in hintInput) string {
		return fmt.Sprintf("%s resolves to public address %s where a private one was expected: check the private hosted zone record and that the zone is associated with this VPC, and that the task uses the VPC resolver.", in.target.Host, strings.Join(in.addrs, ", "))
	}},
	{report.ClassDNSPosture, always, func(in hintInput) string {
		return fmt.Sprintf("%s resolves to private address %s where a public one was expected: an interface endpoint's private DNS or a private hosted zone overrides the public name in this VPC; adjust --private-cidrs if this range is not private to you.", in.target.Host, strings.Join(in.addrs, ", "))
	}},

	// Connect failures.
	{report.ClassConnect, situationIs("refused"), func(in hintInput) string {
		return fmt.Sprintf("%s refused TCP %d (a reset came back, so the path is open but nothing accepts on that port, or a firewall rejects): check the port and the service behind the address.", strings.Join(in.addrs, ", "), in.target.Port)
	}},
	{report.ClassConnect, func(in hintInput) bool { return in.isGateway() }, func(in hintInput) string {
		return fmt.Sprintf("%s (%s) is unreachable on TCP %d: add a gateway VPC endpoint %s to the route table of %s, and allow outbound TCP %d in the task's security group to %s.", in.target.Host, strings.Join(in.addrs, ", "), in.target.Port, in.endpointName(), in.subnet(), in.target.Port, in.prefixList())
	}},
	{report.ClassConnect, func(in hintInput) bool { return in.situation == "private" && in.isInterface() }, func(in hintInput) string {
		return fmt.Sprintf("Endpoint %s address %s does not accept TCP %d. The endpoint's security group must allow inbound TCP %d from %s, and the task's security group must allow outbound TCP %d to it (security groups drop silently: a timeout). If only some addresses fail, check the endpoint's subnet in that AZ (network ACL, the endpoint ENI).", in.endpointName(), strings.Join(in.addrs, ", "), in.target.Port, in.target.Port, in.subnet(), in.target.Port)
	}},
	{report.ClassConnect, situationIs("private"), func(in hintInput) string {
		return fmt.Sprintf("%s does not accept TCP %d from this task: the target's security group must allow inbound TCP %d from %s, the task's security group must allow outbound TCP %d to it, and the network ACLs must allow both directions.", strings.Join(in.addrs, ", "), in.target.Port, in.target.Port, in.subnet(), in.target.Port)
	}},
	{report.ClassConnect, func(in hintInput) bool { return in.isInterface() }, func(in hintInput) string {
		return fmt.Sprintf("%s resolves to public address %s, which this task cannot reach on TCP %d: create the interface endpoint %s with private DNS enabled, or give %s a route to a NAT gateway and allow outbound TCP %d.", in.target.Host, strings.Join(in.addrs, ", "), in.target.Port, in.endpointName(), in.subnet(), in.target.Port)
	}},
	{report.ClassConnect, always, func(in hintInput) string {
		return fmt.Sprintf("%s does not accept TCP %d from this task: %s needs a route to it (NAT gateway or internet gateway) and the task's security group must allow outbound TCP %d.", strings.Join(in.addrs, ", "), in.target.Port, in.subnet(), in.target.Port)
	}},

	// TLS failures.
	{report.ClassTLS, situationIs(string(tlsWrongName)), func(in hintInput) string {
		return fmt.Sprintf("%s presented a certificate that is not valid for %s: the name leads to something other than the service (a wrong private hosted zone record, another endpoint, or a TLS-intercepting proxy).", strings.Join(in.addrs, ", "), in.target.Host)
	}},
	{report.ClassTLS, situationIs(string(tlsUntrusted)), func(in hintInput) string {
		return fmt.Sprintf("The certificate chain from %s is not trusted: a TLS-inspecting firewall or proxy is likely in the path; exempt %s from inspection or add its CA to the image (SSL_CERT_FILE).", strings.Join(in.addrs, ", "), in.target.Host)
	}},
	{report.ClassTLS, situationIs(string(tlsExpired)), func(in hintInput) string {
		return fmt.Sprintf("%s presented an expired certificate (or the task's clock is wrong): renew it, and compare the clock with the TMDS ClockDrift.", strings.Join(in.addrs, ", "))
	}},
	{report.ClassTLS, situationIs(string(tlsOversized)), func(in hintInput) string {
		return fmt.Sprintf("%s sent a certificate chain too large to accept (too many certificates or over 64 KiB): the server or a TLS-inspecting proxy in front of it must send only the leaf certificate and its intermediates; this is not a firewall or MTU problem.", strings.Join(in.addrs, ", "))
	}},
	{report.ClassTLS, always, func(in hintInput) string {
		return fmt.Sprintf("TCP %d to %s opens but the TLS handshake fails: look for a firewall or proxy that inspects TLS, or an MTU problem on the path.", in.target.Port, strings.Join(in.addrs, ", "))
	}},

	// Egress that should be closed.
	{report.ClassEgressOpen, always, func(in hintInput) string {
		return fmt.Sprintf("%s accepted TCP %d from this task, but egress there should be blocked: narrow the task security group's outbound rules (remove 0.0.0.0/0 and ::/0; allow only the endpoint security groups and the S3 prefix list), or remove the NAT/internet route from %s.", strings.Join(in.addrs, ", "), in.target.Port, in.subnet())
	}},
}

// hint returns the remediation for a failure of class with the given input.
func hint(class report.Class, in hintInput) string {
	for _, r := range hintRules {
		if r.class == class && r.match(in) {
			return r.text(in)
		}
	}
	return ""
}

// MetadataHint explains a metadata failure; it names uri without its
// password or query.
func MetadataHint(uri string) string {
	return fmt.Sprintf("%s is set (%s) but the task metadata endpoint did not give a valid document: on EC2 use ECS agent 1.39.0 or later, on Fargate platform 1.4.0 or later, and make sure nothing in the task (proxy settings, iptables) intercepts 169.254.170.2.", MetadataEnv, RedactURI(uri))
}

// resolverHint explains a resolver posture warning; region picks the
// partition's service domain.
func resolverHint(servers []string, region string) string {
	return fmt.Sprintf("The task resolves names through %s, not the AWS-provided resolver: private DNS for interface endpoints only works if it forwards %s (or everything) to the VPC resolver (VPC base address + 2, or 169.254.169.253). Prefer AmazonProvidedDNS in the VPC's DHCP options set and Route 53 Resolver rules for other domains.", strings.Join(servers, ", "), config.DNSSuffix(region))
}

// publicIPHints are the remediations for the public-IP verdict, by how it
// was reached. %[1]s is the region.
var publicIPHints = map[string]string{
	"task":            "Security Hub ECS.2: set assignPublicIp to DISABLED in the service's networkConfiguration.awsvpcConfiguration, run the task in private subnets, use a NAT gateway or VPC endpoints for egress and a load balancer for ingress.",
	"instance":        "The container instance has a public IPv4 and bridge/host tasks share it: launch instances in private subnets (auto-assign public IPv4 off, AssociatePublicIpAddress=false in the launch template), or use the awsvpc network mode.",
	"ec2-permission":  "Allow ec2:DescribeNetworkInterfaces in the task role (taskRoleArn) so that preflight can read the task ENI's association; or set --public-ip=warn.",
	"ec2-credentials": "The task has no AWS credentials for the EC2 API: give it a task role (taskRoleArn) that allows ec2:DescribeNetworkInterfaces; or set --public-ip=warn.",
	"ec2-path":        "The EC2 API (%[2]s) was not reachable: create the interface endpoint %[3]s with private DNS and allow outbound TCP 443 to it; the task role needs ec2:DescribeNetworkInterfaces. Or set --public-ip=warn.",
	"ec2-not-found":   "The EC2 API shows no interface for the task's address: check that the region (%[1]s) is the task's and that the task role can describe this account's interfaces (ec2:DescribeNetworkInterfaces).",
	"ec2-ambiguous":   "Several interfaces share the task's private address: the metadata's MAC address is needed to pick one; check the Networks section of the task metadata.",
	"imds":            "The instance metadata service is blocked for containers (ECS_AWSVPC_BLOCK_IMDS, or an IMDSv2 hop limit of 1): allow IMDSv2 with hop limit 2 for bridge-mode tasks, or check the instance with aws ec2 describe-instances; or set --public-ip=warn.",
	"metadata":        "The verdict needs the task metadata: fix the metadata failure above.",
	"no-eni":          "The task metadata shows no task ENI address: on Fargate this means the metadata is incomplete; check the platform version (1.4.0 or later).",
}

func publicIPHint(situation, region string) string {
	h, ok := publicIPHints[situation]
	if !ok {
		return ""
	}
	if !strings.Contains(h, "%[") {
		return h
	}
	// The EC2 API's host and endpoint service come from the catalogue, so
	// that China and the ISO partitions get their own names.
	host, err := config.HostFor("ec2", region, "")
	if err != nil {
		host = "the EC2 API endpoint of " + region
	}
	service, err := config.EndpointServiceNameFor("ec2", region)
	if err != nil {
		service = "for ec2 in " + region
	}
	return fmt.Sprintf(h, region, host, service)
}
