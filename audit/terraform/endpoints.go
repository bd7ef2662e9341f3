package terraform

import (
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// endpoints reads VPC endpoints and merges their association resources.
func (b *builder) endpoints() {
	byID := map[string]*audit.Endpoint{}
	for _, in := range b.byType["aws_vpc_endpoint"] {
		id := b.idOf(in)
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeVpcEndpoints, "")
		if !ok {
			continue
		}
		name := in.str("service_name")
		if name == "" || !safeID(name) {
			b.undecided(audit.ActionDescribeVpcEndpoints, vpc, in, path{"service_name"}, &unresolved{why: "is not a service name the plan knows"})
			continue
		}
		ep := &audit.Endpoint{ID: id, VPCID: vpc, ServiceName: name, Type: providerDefaultEndpointType,
			State: "available", PrivateDNSEnabled: providerDefaultPrivateDNS}
		if t := in.str("vpc_endpoint_type"); t != "" {
			ep.Type = t
		}
		// Unset, the plan shows it as computed: the provider's default
		// applies (see providerDefaultPrivateDNS).
		if in.unknownAt(path{"private_dns_enabled"}) && in.expr(path{"private_dns_enabled"}) != nil {
			b.undecided(audit.ActionDescribeVpcEndpoints, vpc, in, path{"private_dns_enabled"}, &unresolved{why: "is computed at apply"})
			continue
		}
		if v, ok := in.boolean("private_dns_enabled"); ok {
			ep.PrivateDNSEnabled = v
		}
		if policy := in.str("policy"); policy != "" && !in.unknownAt(path{"policy"}) {
			ep.PolicyDocument = policy
		} else if in.unknownAt(path{"policy"}) && in.expr(path{"policy"}) != nil {
			// Written in the configuration, known only after apply: a
			// policy the reader cannot judge. Unset, the provider reads
			// back the default full-access policy.
			b.undecided(audit.ActionDescribeVpcEndpoints, vpc, in, path{"policy"}, &unresolved{why: "is computed at apply"})
			continue
		}
		var lists [3][]string
		for i, attr := range []string{"subnet_ids", "security_group_ids", "route_table_ids"} {
			if in.str(attr) == "" && !in.unknownAt(path{attr}) && in.expr(path{attr}) == nil && len(in.strs(attr)) == 0 {
				continue
			}
			if in.unknownAt(path{attr}) && in.expr(path{attr}) == nil {
				// Computed by the provider from the association
				// resources, merged below.
				continue
			}
			l, ok := b.ids(in, path{attr}, false, audit.ActionDescribeVpcEndpoints, vpc)
			if !ok {
				ep = nil
				break
			}
			lists[i] = l
		}
		if ep == nil {
			continue
		}
		ep.SubnetIDs, ep.SecurityGroupIDs, ep.RouteTableIDs = lists[0], lists[1], lists[2]
		b.f.Endpoints = append(b.f.Endpoints, ep)
		byID[id] = ep
		if pl := in.addr + ".prefix_list_id"; strings.EqualFold(ep.Type, audit.EndpointGateway) {
			b.gatewayPrefixList(in, ep, pl)
		}
	}
	for _, assoc := range []struct{ typ, attr string }{
		{"aws_vpc_endpoint_subnet_association", "subnet_id"},
		{"aws_vpc_endpoint_security_group_association", "security_group_id"},
		{"aws_vpc_endpoint_route_table_association", "route_table_id"},
	} {
		for _, in := range b.byType[assoc.typ] {
			epID, ok := b.id(in, path{"vpc_endpoint_id"}, audit.ActionDescribeVpcEndpoints, "")
			if !ok {
				continue
			}
			ep := byID[epID]
			if ep == nil {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeVpcEndpoints, Code: audit.CodeUnknownInSource,
					Err: "depends on " + in.addr + ": vpc_endpoint_id names an endpoint the plan does not show"})
				continue
			}
			id, ok := b.id(in, path{assoc.attr}, audit.ActionDescribeVpcEndpoints, ep.VPCID)
			if !ok {
				b.dropEndpoint(ep)
				continue
			}
			switch assoc.attr {
			case "subnet_id":
				ep.SubnetIDs = append(ep.SubnetIDs, id)
			case "security_group_id":
				if replace, _ := in.boolean("replace_default_association"); replace {
					ep.SecurityGroupIDs = nil
				}
				ep.SecurityGroupIDs = append(ep.SecurityGroupIDs, id)
			default:
				ep.RouteTableIDs = append(ep.RouteTableIDs, id)
			}
		}
	}
	// An interface endpoint with no group gets the VPC's default group
	// (see defaultGroup).
	for _, ep := range b.f.Endpoints {
		if strings.EqualFold(ep.Type, audit.EndpointInterface) && len(ep.SecurityGroupIDs) == 0 {
			if def := b.defaultGroupID(ep.VPCID); def != "" {
				ep.SecurityGroupIDs = []string{def}
			}
		}
	}
}

// dropEndpoint removes an endpoint an association leaves open: the
// undecided on its VPC stands for it.
func (b *builder) dropEndpoint(ep *audit.Endpoint) {
	for i, e := range b.f.Endpoints {
		if e == ep {
			b.f.Endpoints = append(b.f.Endpoints[:i], b.f.Endpoints[i+1:]...)
			return
		}
	}
}

// gatewayPrefixList gives a gateway endpoint's service its prefix list:
// its id is the endpoint's prefix_list_id (ADDRESS.prefix_list_id before
// apply); its addresses are AWS's, which the plan does not carry.
func (b *builder) gatewayPrefixList(in *instance, ep *audit.Endpoint, id string) {
	if known := in.str("prefix_list_id"); known != "" && !in.unknownAt(path{"prefix_list_id"}) && safeID(known) {
		id = known
	}
	for _, pl := range b.f.PrefixLists {
		if pl.Name == ep.ServiceName {
			return
		}
	}
	b.f.PrefixLists[id] = &audit.PrefixList{ID: id, Name: ep.ServiceName}
	b.noteOutside(audit.Undecided{Action: audit.ActionGetManagedPrefixListEntries, Resource: id, Code: audit.CodeUnknownInSource,
		Err: "holds addresses AWS publishes for " + ep.ServiceName + ", which a plan does not carry"})
}

// defaultGroupID is the id of the default security group of a VPC the
// plan shows ("" when it does not).
func (b *builder) defaultGroupID(vpc string) string {
	in := b.byID[vpc]
	if in == nil {
		return ""
	}
	return b.vpcDefault(in, "default_security_group_id")
}
