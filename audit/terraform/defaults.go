package terraform

import (
	"net/netip"

	"github.com/preflight-dev/preflight/audit"
)

// The provider's defaults, as the resources will really be created. Each
// is written once here, with the documentation that states it.

const (
	// providerDefaultDNSSupport: aws_vpc enable_dns_support "Defaults to
	// true." (registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc)
	providerDefaultDNSSupport = true
	// providerDefaultDNSHostnames: aws_vpc enable_dns_hostnames "Defaults
	// false." (same page)
	providerDefaultDNSHostnames = false
	// providerDefaultPrivateDNS: aws_vpc_endpoint private_dns_enabled
	// "Defaults to false." (.../docs/resources/vpc_endpoint)
	providerDefaultPrivateDNS = false
	// providerDefaultEndpointType: aws_vpc_endpoint vpc_endpoint_type
	// "Defaults to Gateway." (same page)
	providerDefaultEndpointType = audit.EndpointGateway
)

// defaultACLEntries are the rules of the default network ACL AWS creates
// with a VPC: allow all in and out (rule 100, and 101 for IPv6 when the
// VPC has an IPv6 block), then the implicit deny. "The default network
// ACL is configured to allow all traffic to flow in and out of the
// subnets with which it is associated."
// (docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html)
// An aws_default_network_acl replaces them with its own blocks: "Terraform
// removes all rules in the default network ACL" it adopts and writes only
// those in the configuration, none when it has none
// (.../docs/resources/default_network_acl).
func defaultACLEntries(v *audit.VPC) []audit.NACLEntry {
	var out []audit.NACLEntry
	all4 := netip.MustParsePrefix("0.0.0.0/0")
	all6 := netip.MustParsePrefix("::/0")
	for _, egress := range []bool{false, true} {
		out = append(out, audit.NACLEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", CIDR: all4, Allow: true})
		if hasIPv6(v) {
			out = append(out, audit.NACLEntry{RuleNumber: 101, Egress: egress, Protocol: "-1", CIDR: all6, Allow: true})
		}
		out = append(out, denyAll(egress))
	}
	return out
}

// defaultGroup is the default security group AWS creates with a VPC:
// inbound from its own members only, outbound to everything (IPv4, and
// IPv6 when the VPC has an IPv6 block).
// (docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html)
// An endpoint or service given no security group gets this group: "If
// you don't specify a security group, the default security group for the
// VPC is used" (ECS AwsVpcConfiguration.securityGroups, and the
// aws_vpc_endpoint security_group_ids argument: "If no security groups
// are specified, the VPC's default security group is associated").
// An aws_default_security_group adopts the group and "removes all ingress
// and egress rules" it does not declare
// (.../docs/resources/default_security_group).
func defaultGroup(id string, v *audit.VPC) *audit.SecurityGroup {
	sg := &audit.SecurityGroup{ID: id, VPCID: v.ID, Name: "default",
		Ingress: []audit.Rule{{Protocol: "-1", GroupIDs: []string{id}}},
		Egress:  []audit.Rule{{Protocol: "-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}},
	}
	if hasIPv6(v) {
		sg.Egress[0].CIDRs = append(sg.Egress[0].CIDRs, netip.MustParsePrefix("::/0"))
	}
	return sg
}

// An aws_security_group's rules are exactly its ingress and egress
// blocks: "By default, AWS creates an ALLOW ALL egress rule when creating
// a new Security Group inside of a VPC. When creating a new Security
// Group inside a VPC, Terraform will remove this default rule, and
// require you specifically re-create it if you desire that rule."
// (.../docs/resources/security_group) So a group without egress blocks
// (and no aws_security_group_rule or aws_vpc_security_group_egress_rule
// for it) has no egress at all; securityGroups does not add one.

func hasIPv6(v *audit.VPC) bool {
	if v == nil {
		return false
	}
	for _, c := range v.CIDRs {
		if c.Addr().Is6() {
			return true
		}
	}
	return false
}

// defaultDHCPOptions is the DHCP options set of a VPC the plan creates:
// AWS associates the Region's default set, whose domain-name-servers is
// AmazonProvidedDNS ("When you create a VPC, we automatically associate
// the default DHCP option set", docs.aws.amazon.com/vpc/latest/userguide/
// DHCPOptionSetConcepts.html). Its id is ADDRESS.dhcp_options_id until
// apply.
func defaultDHCPOptions(vpcAddr string) (string, []string) {
	return vpcAddr + ".dhcp_options_id", []string{"AmazonProvidedDNS"}
}

// computedUnset says whether a block set the plan marks unknown is one
// the configuration does not write: the provider reads back what the
// separate resources (aws_route, aws_security_group_rule, ...) add, which
// the reader merges itself. A dynamic block whose for_each is known only
// after apply looks the same in the plan (Terraform's configuration JSON
// leaves dynamic blocks out): it too counts as no rules, which can fail a
// finding (nothing allowed, no route) but never pass one.
func computedUnset(in *instance, block string) bool {
	return in.unsetInConfig(path{block})
}
