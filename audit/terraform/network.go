package terraform

import (
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// vpcs reads aws_vpc and the DHCP options associated with it.
func (b *builder) vpcs() {
	for _, in := range b.byType["aws_vpc"] {
		id := b.idOf(in)
		v := &audit.VPC{ID: id}
		v.DHCPOptionsID, v.DomainNameServers = defaultDHCPOptions(in.addr)
		for _, attr := range []string{"cidr_block", "ipv6_cidr_block"} {
			if p, ok := prefix(in.str(attr)); ok {
				v.CIDRs = append(v.CIDRs, p)
			}
		}
		v.DNSSupport = b.tri(in, "enable_dns_support", providerDefaultDNSSupport, id)
		v.DNSHostnames = b.tri(in, "enable_dns_hostnames", providerDefaultDNSHostnames, id)
		if !in.create {
			// An existing VPC keeps its DHCP options set, which the plan
			// does not show unless it associates one.
			if d := in.str("dhcp_options_id"); safeID(d) {
				v.DHCPOptionsID, v.DomainNameServers = d, nil
			}
		}
		b.f.VPCs[id] = v
		b.byID[id] = in
	}
	options := map[string][]string{}
	for _, in := range b.byType["aws_vpc_dhcp_options"] {
		servers := in.strs("domain_name_servers")
		if servers == nil {
			servers = []string{}
		}
		options[b.idOf(in)] = servers
	}
	for _, in := range b.byType["aws_vpc_dhcp_options_association"] {
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeDhcpOptions, "")
		if !ok || b.f.VPCs[vpc] == nil {
			continue
		}
		dopt, ok := b.id(in, path{"dhcp_options_id"}, audit.ActionDescribeDhcpOptions, vpc)
		if !ok {
			continue
		}
		b.f.VPCs[vpc].DHCPOptionsID = dopt
		b.f.VPCs[vpc].DomainNameServers = options[dopt]
	}
	for id, v := range b.f.VPCs {
		if v.DomainNameServers == nil {
			b.noteOutside(audit.Undecided{Action: audit.ActionDescribeDhcpOptions, Resource: id, Code: audit.CodeUnknownInSource,
				Err: "dhcp_options_id names a DHCP options set the plan does not show: its servers are in the account"})
		}
	}
}

// tri reads a VPC attribute the plan may leave open.
func (b *builder) tri(in *instance, attr string, def bool, id string) audit.Tri {
	if in.unknownAt(path{attr}) && !in.unsetInConfig(path{attr}) {
		b.undecided(audit.ActionDescribeVpcAttribute, id, in, path{attr}, &unresolved{why: "it is computed by the provider"})
		return audit.TriUnknown
	}
	if v, ok := in.boolean(attr); ok {
		return audit.TriOf(v)
	}
	return audit.TriOf(def)
}

// subnets reads aws_subnet.
func (b *builder) subnets() {
	for _, in := range b.byType["aws_subnet"] {
		id := b.idOf(in)
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeSubnets, id)
		if !ok {
			continue
		}
		s := &audit.Subnet{ID: id, VPCID: vpc, AZ: in.str("availability_zone"), AZID: in.str("availability_zone_id")}
		s.CIDR, _ = prefix(in.str("cidr_block"))
		s.IPv6, _ = prefix(in.str("ipv6_cidr_block"))
		s.MapPublicIPOnLaunch, _ = in.boolean("map_public_ip_on_launch")
		if !s.CIDR.IsValid() && in.unknownAt(path{"cidr_block"}) {
			b.undecided(audit.ActionDescribeSubnets, id, in, path{"cidr_block"}, &unresolved{why: "it is computed (an IPAM pool)"})
			continue
		}
		b.f.Subnets[id] = s
	}
}

// routeTables reads route tables, their routes and associations, and
// gives each VPC the plan creates its main table.
func (b *builder) routeTables() {
	// The main route table AWS creates with a VPC holds only the local
	// route; aws_default_route_table or aws_main_route_table_association
	// replace it below.
	for _, in := range b.byType["aws_vpc"] {
		if !in.create {
			continue
		}
		vpc := b.idOf(in)
		b.addTable(&audit.RouteTable{ID: b.vpcDefault(in, "main_route_table_id"), VPCID: vpc, Main: true})
	}
	for _, in := range b.byType["aws_route_table"] {
		id := b.idOf(in)
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeRouteTables, "")
		if !ok {
			continue
		}
		rt := &audit.RouteTable{ID: id, VPCID: vpc}
		b.addTable(rt)
		b.inlineRoutes(in, rt, "route")
	}
	for _, in := range b.byType["aws_default_route_table"] {
		id := b.canonical(in)
		rt := b.rtOf[id]
		if rt == nil {
			// The main table of a VPC that exists: the plan now writes
			// all of its routes.
			rt = &audit.RouteTable{ID: id, VPCID: in.str("vpc_id"), Main: true}
			if rt.VPCID == "" {
				b.undecided(audit.ActionDescribeRouteTables, "", in, path{"default_route_table_id"}, &unresolved{why: "it names a table of a VPC the plan does not show"})
				continue
			}
			b.addTable(rt)
		}
		rt.Routes = nil
		b.inlineRoutes(in, rt, "route")
	}
	for _, in := range b.byType["aws_route"] {
		id, ok := b.id(in, path{"route_table_id"}, audit.ActionDescribeRouteTables, "")
		if !ok {
			continue
		}
		rt := b.rtOf[id]
		if rt == nil {
			b.noteOutside(audit.Undecided{Action: audit.ActionDescribeRouteTables, Resource: "", Code: audit.CodeUnknownInSource,
				Err: "depends on " + in.addr + ": route_table_id names a table the plan does not show"})
			continue
		}
		r, ok := b.route(in, rt.VPCID, "destination_cidr_block", "destination_ipv6_cidr_block")
		if ok {
			rt.Routes = append(rt.Routes, r...)
		}
	}
	for _, in := range b.byType["aws_route_table_association"] {
		if in.str("gateway_id") != "" {
			continue // an edge association: no subnet's table
		}
		rtID, ok := b.id(in, path{"route_table_id"}, audit.ActionDescribeRouteTables, "")
		if !ok {
			continue
		}
		rt := b.rtOf[rtID]
		scope := ""
		if rt != nil {
			scope = rt.VPCID
		}
		subnet, ok := b.id(in, path{"subnet_id"}, audit.ActionDescribeRouteTables, scope)
		if !ok {
			b.rtOpen[scope] = true
			continue
		}
		if rt == nil {
			b.noteOutside(audit.Undecided{Action: audit.ActionDescribeRouteTables, Resource: subnet, Code: audit.CodeUnknownInSource,
				Err: "depends on " + in.addr + ": route_table_id names a table the plan does not show"})
			continue
		}
		rt.SubnetIDs = append(rt.SubnetIDs, subnet)
	}
	for _, in := range b.byType["aws_main_route_table_association"] {
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeRouteTables, "")
		if !ok {
			continue
		}
		rtID, ok := b.id(in, path{"route_table_id"}, audit.ActionDescribeRouteTables, vpc)
		if !ok {
			b.rtOpen[vpc] = true
			continue
		}
		for _, rt := range b.f.RouteTables {
			if rt.VPCID == vpc {
				rt.Main = rt.ID == rtID
			}
		}
	}
	// Every table carries the local route of its VPC's blocks.
	for _, rt := range b.f.RouteTables {
		if v := b.f.VPCs[rt.VPCID]; v != nil {
			var local []audit.Route
			for _, c := range v.CIDRs {
				local = append(local, audit.Route{Destination: c, Target: audit.TargetLocal, TargetID: "local", State: "active"})
			}
			rt.Routes = append(local, rt.Routes...)
		}
	}
}

func (b *builder) addTable(rt *audit.RouteTable) {
	b.f.RouteTables = append(b.f.RouteTables, rt)
	b.rtOf[rt.ID] = rt
}

// inlineRoutes reads the route blocks of an aws_route_table or
// aws_default_route_table. A block with a value known only after apply
// (a gateway the plan creates) is matched to its block in the
// configuration, whose references say what it names: by its destination,
// or as the only block.
func (b *builder) inlineRoutes(in *instance, rt *audit.RouteTable, block string) {
	n := in.blocks(block)
	if n == 0 && in.unknownAt(path{block}) && !computedUnset(in, block) {
		b.undecided(audit.ActionDescribeRouteTables, rt.VPCID, in, path{block}, &unresolved{why: "it is a dynamic block or a computed set"})
		b.rtOpen[rt.VPCID] = true
		return
	}
	for i := 0; i < n; i++ {
		sub := in.block(block, i)
		if in.unknownAt(path{block, i}) {
			cb := blockExpressions(in, block, n, sub)
			if cb == nil {
				b.undecided(audit.ActionDescribeRouteTables, rt.VPCID, in, path{block}, &unresolved{why: "it holds a route computed at apply that matches no one block of the configuration"})
				b.rtOpen[rt.VPCID] = true
				return
			}
			sub.cfg = &configResource{Expressions: cb}
		}
		r, ok := b.route(sub, rt.VPCID, "cidr_block", "ipv6_cidr_block")
		if ok {
			rt.Routes = append(rt.Routes, r...)
		}
	}
}

// block is the instance of the i-th element of a nested block set.
func (in *instance) block(name string, i int) *instance {
	return &instance{addr: in.addr, module: in.module, typ: in.typ, index: in.index, create: in.create,
		after: in.mapAt(false, path{name, i}), unknown: in.mapAt(true, path{name, i})}
}

// blockExpressions finds the configuration expressions of one element
// (sub) of a block set of n elements. Written as blocks, it is matched
// by matchBlock; written as an attribute (route = [...], ingress = [...],
// how Terraform shows these "attributes as blocks"), the attribute's
// references are those of sub's one value known only after apply, when
// the set has one element with one such value.
func blockExpressions(in *instance, block string, n int, sub *instance) map[string]any {
	switch raw := lookupAny(in.cfg.exprs(), block).(type) {
	case []any:
		return matchBlock(raw, n, sub)
	case map[string]any:
		var open []string
		for k, v := range sub.unknown {
			if anyTrue(v) {
				open = append(open, k)
			}
		}
		if n == 1 && len(open) == 1 {
			return map[string]any{open[0]: raw}
		}
	}
	return nil
}

// matchBlock finds the configuration block of a route block: the one
// block when there is one, else the only block whose destination is the
// same constant.
func matchBlock(cfgBlocks []any, n int, sub *instance) map[string]any {
	if len(cfgBlocks) == 1 && n == 1 {
		m, _ := cfgBlocks[0].(map[string]any)
		return m
	}
	var found map[string]any
	for _, raw := range cfgBlocks {
		m, _ := raw.(map[string]any)
		same := false
		for _, attr := range []string{"cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"} {
			e, _ := m[attr].(map[string]any)
			if c, ok := e["constant_value"].(string); ok && c != "" && c == sub.str(attr) {
				same = true
			}
		}
		if same {
			if found != nil {
				return nil
			}
			found = m
		}
	}
	return found
}

// route reads one route (an aws_route, or one block of a table).
func (b *builder) route(in *instance, vpc, dst4, dst6 string) ([]audit.Route, bool) {
	r := audit.Route{State: "active"}
	switch {
	case in.str(dst4) != "":
		r.Destination, _ = prefix(in.str(dst4))
	case in.str(dst6) != "":
		r.Destination, _ = prefix(in.str(dst6))
	default:
		pl, ok := b.id(in, path{"destination_prefix_list_id"}, audit.ActionDescribeRouteTables, vpc)
		if !ok {
			b.rtOpen[vpc] = true
			return nil, false
		}
		r.DestinationPrefixListID = pl
	}
	if !r.Destination.IsValid() && r.DestinationPrefixListID == "" {
		b.undecided(audit.ActionDescribeRouteTables, vpc, in, path{dst4}, &unresolved{why: "it has no destination the plan knows"})
		b.rtOpen[vpc] = true
		return nil, false
	}
	for _, t := range routeTargetList() {
		if in.str(t.attr) == "" && !in.unknownAt(path{t.attr}) {
			continue
		}
		vs, err := b.r.values(in, path{t.attr}, true)
		if err != nil || len(vs) != 1 {
			if err == nil {
				err = &unresolved{why: "it is not one target"}
			}
			b.undecided(audit.ActionDescribeRouteTables, vpc, in, path{t.attr}, err)
			b.rtOpen[vpc] = true
			return nil, false
		}
		kind := t.kind
		if vs[0].of != nil {
			kind = targetOfType(vs[0].of.typ, kind)
		} else {
			kind = targetOfID(vs[0].s, kind)
		}
		if kind == "" {
			b.undecided(audit.ActionDescribeRouteTables, vpc, in, path{t.attr}, &unresolved{why: "its kind of target is not known"})
			b.rtOpen[vpc] = true
			return nil, false
		}
		id, err := b.valueID(vs[0])
		if err != nil {
			b.undecided(audit.ActionDescribeRouteTables, vpc, in, path{t.attr}, err)
			b.rtOpen[vpc] = true
			return nil, false
		}
		r.Target, r.TargetID = kind, id
		return []audit.Route{r}, true
	}
	// A route with no target the reader knows (carrier, local or core
	// network gateways): it carries traffic somewhere, not to the
	// endpoints or the internet the rules look for.
	r.Target = audit.TargetOther
	return []audit.Route{r}, true
}

// routeTarget is a target attribute of a route, with the kind it names
// when its value does not say (gateway_id holds igw- or vgw-).
type routeTarget struct{ attr, kind string }

// routeTargetList lists them; a function, not a package variable, so
// that nothing is built at package initialisation.
func routeTargetList() []routeTarget {
	return []routeTarget{
		{"gateway_id", ""}, {"nat_gateway_id", audit.TargetNAT}, {"transit_gateway_id", audit.TargetTGW},
		{"vpc_peering_connection_id", audit.TargetPCX}, {"network_interface_id", audit.TargetENI},
		{"egress_only_gateway_id", audit.TargetEIGW}, {"vpc_endpoint_id", audit.TargetVPCE},
		{"instance_id", audit.TargetInstance},
	}
}

// targetOfType is the route target kind of a resource type.
func targetOfType(typ, def string) string {
	switch typ {
	case "aws_internet_gateway":
		return audit.TargetIGW
	case "aws_vpn_gateway":
		return audit.TargetVGW
	case "aws_nat_gateway":
		return audit.TargetNAT
	case "aws_egress_only_internet_gateway":
		return audit.TargetEIGW
	case "aws_ec2_transit_gateway":
		return audit.TargetTGW
	case "aws_vpc_peering_connection":
		return audit.TargetPCX
	case "aws_vpc_endpoint":
		return audit.TargetVPCE
	case "aws_network_interface":
		return audit.TargetENI
	case "aws_instance":
		return audit.TargetInstance
	}
	return def
}

// targetOfID is the route target kind of an id the plan knows.
func targetOfID(id, def string) string {
	for _, p := range []struct{ prefix, kind string }{
		{"igw-", audit.TargetIGW}, {"vgw-", audit.TargetVGW}, {"nat-", audit.TargetNAT}, {"eigw-", audit.TargetEIGW},
		{"tgw-", audit.TargetTGW}, {"pcx-", audit.TargetPCX}, {"vpce-", audit.TargetVPCE}, {"eni-", audit.TargetENI}, {"i-", audit.TargetInstance},
	} {
		if strings.HasPrefix(id, p.prefix) {
			return p.kind
		}
	}
	if id == "local" {
		return audit.TargetLocal
	}
	return def
}

// networkACLs reads network ACLs, their rules and associations, and gives
// each VPC the plan creates its default ACL.
func (b *builder) networkACLs() {
	managed := map[string]bool{}
	for _, in := range b.byType["aws_default_network_acl"] {
		if id := b.canonical(in); id != "" {
			managed[id] = true
		}
	}
	for _, in := range b.byType["aws_vpc"] {
		if !in.create {
			continue
		}
		id := b.vpcDefault(in, "default_network_acl_id")
		if managed[id] {
			continue
		}
		b.addACL(&audit.NetworkACL{ID: id, VPCID: b.idOf(in), Default: true, Entries: defaultACLEntries(b.f.VPCs[b.idOf(in)])})
	}
	for _, in := range b.byType["aws_network_acl"] {
		b.aclBlocks(in, &audit.NetworkACL{ID: b.idOf(in)}, "vpc_id")
	}
	for _, in := range b.byType["aws_default_network_acl"] {
		id := b.canonical(in)
		if id == "" {
			continue
		}
		vpc := ""
		for _, v := range b.byType["aws_vpc"] {
			if b.vpcDefault(v, "default_network_acl_id") == id {
				vpc = b.idOf(v)
			}
		}
		if vpc == "" {
			vpc = in.str("vpc_id")
		}
		b.aclBlocks(in, &audit.NetworkACL{ID: id, VPCID: vpc, Default: true}, "")
	}
	for _, in := range b.byType["aws_network_acl_rule"] {
		id, ok := b.id(in, path{"network_acl_id"}, audit.ActionDescribeNetworkAcls, "")
		if !ok {
			continue
		}
		acl := b.aclOf[id]
		if acl == nil {
			b.note(audit.Undecided{Action: audit.ActionDescribeNetworkAcls, Code: audit.CodeUnknownInSource,
				Err: "depends on " + in.addr + ": network_acl_id names an ACL the plan does not show"})
			continue
		}
		if e, ok := b.aclEntry(in, acl.VPCID, "rule_number", "rule_action"); ok {
			e.Egress, _ = in.boolean("egress")
			acl.Entries = append(acl.Entries, e)
		}
	}
	for _, in := range b.byType["aws_network_acl_association"] {
		id, ok := b.id(in, path{"network_acl_id"}, audit.ActionDescribeNetworkAcls, "")
		if !ok {
			continue
		}
		acl := b.aclOf[id]
		scope := ""
		if acl != nil {
			scope = acl.VPCID
		}
		subnet, ok := b.id(in, path{"subnet_id"}, audit.ActionDescribeNetworkAcls, scope)
		if !ok {
			b.aclOpen[scope] = true
			continue
		}
		if acl == nil {
			b.note(audit.Undecided{Action: audit.ActionDescribeNetworkAcls, Resource: subnet, Code: audit.CodeUnknownInSource,
				Err: "depends on " + in.addr + ": network_acl_id names an ACL the plan does not show"})
			continue
		}
		b.associate(acl, subnet)
	}
}

// associate moves subnet to acl: a subnet has exactly one ACL.
func (b *builder) associate(acl *audit.NetworkACL, subnet string) {
	for _, other := range b.f.NetworkACLs {
		other.SubnetIDs = removeString(other.SubnetIDs, subnet)
	}
	acl.SubnetIDs = append(acl.SubnetIDs, subnet)
}

func (b *builder) addACL(acl *audit.NetworkACL) {
	b.f.NetworkACLs = append(b.f.NetworkACLs, acl)
	b.aclOf[acl.ID] = acl
}

// aclBlocks reads an ACL with its inline ingress and egress blocks and
// subnet_ids.
func (b *builder) aclBlocks(in *instance, acl *audit.NetworkACL, vpcAttr string) {
	if vpcAttr != "" {
		vpc, ok := b.id(in, path{vpcAttr}, audit.ActionDescribeNetworkAcls, "")
		if !ok {
			return
		}
		acl.VPCID = vpc
	}
	b.addACL(acl)
	for _, dir := range []string{"ingress", "egress"} {
		if in.unknownAt(path{dir}) && !computedUnset(in, dir) {
			b.undecided(audit.ActionDescribeNetworkAcls, acl.VPCID, in, path{dir}, &unresolved{why: "it is a dynamic block or holds a value computed at apply"})
			b.aclOpen[acl.VPCID] = true
			return
		}
		for i := 0; i < in.blocks(dir); i++ {
			sub := &instance{addr: in.addr, module: in.module, typ: in.typ, after: in.mapAt(false, path{dir, i})}
			if e, ok := b.aclEntry(sub, acl.VPCID, "rule_no", "action"); ok {
				e.Egress = dir == "egress"
				acl.Entries = append(acl.Entries, e)
			}
		}
	}
	// The implicit deny of every ACL (rule *), which AWS lists too.
	acl.Entries = append(acl.Entries, denyAll(false), denyAll(true))
	subnets, ok := b.ids(in, path{"subnet_ids"}, false, audit.ActionDescribeNetworkAcls, acl.VPCID)
	if !ok {
		b.aclOpen[acl.VPCID] = true
		return
	}
	for _, s := range subnets {
		b.associate(acl, s)
	}
}

// aclEntry reads one ACL rule.
func (b *builder) aclEntry(in *instance, vpc, numberAttr, actionAttr string) (audit.NACLEntry, bool) {
	for _, attr := range []string{numberAttr, actionAttr, "protocol", "cidr_block", "ipv6_cidr_block", "from_port", "to_port"} {
		if in.unknownAt(path{attr}) {
			b.undecided(audit.ActionDescribeNetworkAcls, vpc, in, path{attr}, &unresolved{why: "it is computed at apply"})
			b.aclOpen[vpc] = true
			return audit.NACLEntry{}, false
		}
	}
	n, _ := in.number(numberAttr)
	e := audit.NACLEntry{RuleNumber: n, Protocol: protocol(in.str("protocol")), Allow: strings.EqualFold(in.str(actionAttr), "allow")}
	e.PortFrom, _ = in.number("from_port")
	e.PortTo, _ = in.number("to_port")
	var ok bool
	if e.CIDR, ok = prefix(in.str("cidr_block")); !ok {
		e.CIDR, ok = prefix(in.str("ipv6_cidr_block"))
	}
	if !ok {
		b.undecided(audit.ActionDescribeNetworkAcls, vpc, in, path{"cidr_block"}, &unresolved{why: "it is not a CIDR the plan knows"})
		b.aclOpen[vpc] = true
		return audit.NACLEntry{}, false
	}
	return e, true
}

// protocol writes the provider's "all" as the API's "-1".
func protocol(p string) string {
	if strings.EqualFold(p, "all") {
		return "-1"
	}
	return p
}

func denyAll(egress bool) audit.NACLEntry {
	return audit.NACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", CIDR: netip.MustParsePrefix("0.0.0.0/0")}
}

// dropOpen leaves out the route tables and ACLs of the VPCs whose tables
// or ACLs the plan leaves open, and says so for each VPC.
func (b *builder) dropOpen() {
	if len(b.rtOpen) > 0 {
		var keep []*audit.RouteTable
		for _, rt := range b.f.RouteTables {
			if !b.rtOpen[rt.VPCID] && !b.rtOpen[""] {
				keep = append(keep, rt)
			}
		}
		b.f.RouteTables = keep
	}
	if len(b.aclOpen) > 0 {
		var keep []*audit.NetworkACL
		for _, acl := range b.f.NetworkACLs {
			if !b.aclOpen[acl.VPCID] && !b.aclOpen[""] {
				keep = append(keep, acl)
			}
		}
		b.f.NetworkACLs = keep
	}
}

func removeString(l []string, s string) []string {
	out := l[:0]
	for _, e := range l {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

func lookupAny(v any, p ...any) any {
	x, _ := lookup(v, p)
	return x
}

// mapAt is the object at p of the planned values (or after_unknown): a
// nested block.
func (in *instance) mapAt(unknown bool, p path) map[string]any {
	v, _ := in.at(unknown, p)
	m, _ := v.(map[string]any)
	return m
}
