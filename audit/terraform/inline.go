package terraform

import (
	"slices"

	"github.com/preflight-dev/preflight/audit"
)

// inlineSettings are, for a resource type, the rules and associations the
// aws provider lets a resource manage either inline or by separate
// resources, not both. Its documentation says so on each side (the
// pages of registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/
// security_group, network_acl, route_table, vpc_endpoint and the rule and
// association resources; read in the provider docs' mirror, Pulumi's
// aws.ec2 pages, which carry the same notes):
//   - aws_security_group: "You should not use the aws_security_group
//     resource with in-line rules (using the ingress and egress arguments)
//     in conjunction with the aws_vpc_security_group_egress_rule and
//     aws_vpc_security_group_ingress_rule resources or the
//     aws_security_group_rule resource. Doing so may cause rule
//     conflicts, perpetual differences, and result in rules being
//     overwritten."
//   - aws_network_acl: "you cannot use a Network ACL with in-line rules in
//     conjunction with any Network ACL Rule resources. Doing so will cause
//     a conflict of rule settings and will overwrite rules."
//   - aws_route_table: the same of in-line routes and aws_route.
//   - aws_vpc_endpoint: "Do not use the same subnet ID in both a VPC
//     Endpoint resource and a VPC Endpoint Subnet Association resource.
//     Doing so will cause a conflict of associations and will overwrite
//     the association" (aws_vpc_endpoint_subnet_association), and likewise
//     route_table_ids and security_group_ids with
//     aws_vpc_endpoint_route_table_association and
//     aws_vpc_endpoint_security_group_association.
//
// Each of these is optional and computed: left out of the configuration,
// the provider reads it back without managing it, and a separate
// resource is safe. Written in it, even empty (egress = []), the
// resource manages it, and an apply removes what a separate resource
// added.
func inlineSettings(typ string) []string {
	switch typ {
	case "aws_security_group", "aws_network_acl":
		return []string{audit.InlineIngress, audit.InlineEgress}
	case "aws_route_table":
		return []string{audit.InlineRoutes}
	case "aws_vpc_endpoint":
		return []string{audit.InlineRouteTableIDs, audit.InlineSubnetIDs, audit.InlineSecurityGroupIDs}
	}
	return nil
}

// inline records, for each fact of a resource whose declaration the
// configuration holds, which of its inlineSettings it sets
// (audit.Facts.Inline). A resource whose configuration the reader does
// not find (a module it cannot follow) has no entry: not known.
func (b *builder) inline() {
	for _, typ := range []string{"aws_security_group", "aws_network_acl", "aws_route_table", "aws_vpc_endpoint"} {
		settings := inlineSettings(typ)
		for _, in := range b.byType[typ] {
			if in.cfg == nil || !b.isFact(typ, b.idOf(in)) {
				continue
			}
			id := b.idOf(in)
			set := []string{}
			for _, s := range settings {
				if _, ok := in.cfg.Expressions[s]; ok {
					set = append(set, s)
				}
			}
			if b.f.Inline == nil {
				b.f.Inline = map[string][]string{}
			}
			b.f.Inline[id] = set
		}
	}
}

// isFact reports whether the facts hold the resource of type typ with
// fact id id.
func (b *builder) isFact(typ, id string) bool {
	switch typ {
	case "aws_security_group":
		return b.f.SecurityGroups[id] != nil
	case "aws_network_acl":
		return b.aclOf[id] != nil && slices.Contains(b.f.NetworkACLs, b.aclOf[id])
	case "aws_route_table":
		return b.rtOf[id] != nil && slices.Contains(b.f.RouteTables, b.rtOf[id])
	case "aws_vpc_endpoint":
		return slices.ContainsFunc(b.f.Endpoints, func(e *audit.Endpoint) bool { return e.ID == id })
	}
	return false
}
