package terraform

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/overlay"
)

// builder turns the plan's instances into facts.
type builder struct {
	p      *plan
	r      *resolver
	f      *audit.Facts
	byType map[string][]*instance
	// byID finds the instance a fact id names.
	byID map[string]*instance
	// rtOf and aclOf find route tables and ACLs by id.
	rtOf  map[string]*audit.RouteTable
	aclOf map[string]*audit.NetworkACL
	// undecidedVPC marks VPCs whose route tables (or ACLs) the plan leaves
	// open: every table (ACL) of that VPC is left out of the facts, so no
	// subnet falls back to a main table or default ACL that may not apply.
	rtOpen, aclOpen map[string]bool
	// seen de-duplicates Undecided entries.
	seen map[audit.Undecided]bool
	// outside are the Undecided entries that only say a fact is in the
	// account, outside the plan.
	outside []audit.Undecided
	// reads are the ids the plan's data sources read (see plan.reads),
	// and readAs the address that read each id.
	reads  []overlay.Change
	readAs map[string]string
}

func newBuilder(p *plan) *builder {
	b := &builder{
		p: p, r: &resolver{p: p, byResource: map[string][]*instance{}},
		f: &audit.Facts{
			Source: audit.SourceTerraform,
			VPCs:   map[string]*audit.VPC{}, Subnets: map[string]*audit.Subnet{}, SecurityGroups: map[string]*audit.SecurityGroup{},
			PrefixLists: map[string]*audit.PrefixList{},
		},
		byType: map[string][]*instance{}, byID: map[string]*instance{},
		rtOf: map[string]*audit.RouteTable{}, aclOf: map[string]*audit.NetworkACL{},
		rtOpen: map[string]bool{}, aclOpen: map[string]bool{}, seen: map[audit.Undecided]bool{},
	}
	b.reads = p.reads()
	b.readAs = readAs(b.reads)
	for _, rc := range p.Changes {
		if !kept(rc.Change.Actions) || !safeID(rc.Address) {
			continue
		}
		mod := moduleOf(rc)
		in := &instance{
			addr: rc.Address, module: mod, resource: rc.Type + "." + rc.Name, typ: rc.Type,
			create:   created(rc.Change.Actions),
			afterRaw: rc.Change.After, unknownRaw: rc.Change.AfterUnknown,
		}
		if len(rc.Index) > 0 {
			_ = json.Unmarshal(rc.Index, &in.index)
		}
		if m := b.r.configModule(mod); m != nil {
			for _, cr := range m.Resources {
				if cr.Mode == "managed" && cr.Type == rc.Type && cr.Name == rc.Name {
					in.cfg = cr
				}
			}
		}
		key := joinAddr(mod, in.resource)
		b.r.byResource[key] = append(b.r.byResource[key], in)
		if handled(rc.Type) {
			b.byType[rc.Type] = append(b.byType[rc.Type], in)
		}
	}
	return b
}

// build fills b.f, parents before the resources that attach to them.
func (b *builder) build() {
	b.vpcs()
	b.subnets()
	b.routeTables()
	b.networkACLs()
	b.securityGroups()
	b.endpoints()
	b.workloads()
	b.outsidePlan()
	b.dropOpen()
	b.inline()
}

// undecided records a fact the plan leaves open. scope is the id the
// rules look the fact up by; when it is not in's own, the message names
// in's address first.
func (b *builder) undecided(action, scope string, in *instance, p path, err error) {
	why := strings.TrimPrefix(err.Error(), "it ")
	msg := fmt.Sprintf("%s is known only after apply and %s", p, why)
	switch {
	case !in.unknownAt(p) && strings.HasPrefix(why, "is "):
		// Known, but not what the reader can use ("is not an id").
		msg = fmt.Sprintf("%s %s", p, why)
	case !strings.HasPrefix(why, "comes from") && !strings.HasPrefix(why, "is "):
		msg = fmt.Sprintf("%s is known only after apply: %s", p, why)
	}
	if scope != b.idOf(in) {
		msg = "depends on " + in.addr + ": " + msg
	}
	b.note(audit.Undecided{Action: action, Resource: scope, Code: audit.CodeUnknownInSource, Err: msg})
}

func (b *builder) note(u audit.Undecided) {
	if b.seen[u] {
		return
	}
	b.seen[u] = true
	b.f.Undecided = append(b.f.Undecided, u)
}

// idOf is an instance's id: the one the account gave it when the plan
// knows it (the resource exists), else its address.
func (b *builder) idOf(in *instance) string {
	if id := in.str("id"); id != "" && !in.unknownAt(path{"id"}) && safeID(id) {
		return id
	}
	return in.addr
}

// ids resolves in's attribute at p to fact ids. On failure it records
// an undecided for action on scope and returns false.
func (b *builder) ids(in *instance, p path, scalar bool, action, scope string) ([]string, bool) {
	vs, err := b.r.values(in, p, scalar)
	if err != nil {
		b.undecided(action, scope, in, p, err)
		return nil, false
	}
	var out []string
	for _, v := range vs {
		id, err := b.valueID(v)
		if err != nil {
			b.undecided(action, scope, in, p, err)
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}

// id is ids for a single-valued attribute ("" when unset).
func (b *builder) id(in *instance, p path, action, scope string) (string, bool) {
	l, ok := b.ids(in, p, true, action, scope)
	if !ok || len(l) == 0 {
		return "", ok
	}
	return l[0], true
}

// valueID is the fact id a resolved value names: a literal id as it is,
// a resource's id or address, or one of the VPC's defaults.
func (b *builder) valueID(v value) (string, error) {
	if v.of == nil {
		if !safeID(v.s) {
			return "", &unresolved{why: "it is not an id"}
		}
		return v.s, nil
	}
	in := v.of
	switch v.attr {
	case "id", "arn", "":
		return b.canonical(in), nil
	case "main_route_table_id", "default_route_table_id", "default_security_group_id", "default_network_acl_id", "prefix_list_id":
		if known := in.str(v.attr); known != "" && !in.unknownAt(path{v.attr}) && safeID(known) {
			return known, nil
		}
		attr := v.attr
		if attr == "default_route_table_id" {
			attr = "main_route_table_id"
		}
		return in.addr + "." + attr, nil
	}
	if s := in.str(v.attr); s != "" && !in.unknownAt(path{v.attr}) && safeID(s) {
		return s, nil
	}
	return "", &unresolved{why: "it comes from " + in.addr + "." + v.attr + ", known only after apply"}
}

// canonical is the id facts use for in: a VPC default resource managed
// with aws_default_* is the VPC's default itself.
func (b *builder) canonical(in *instance) string {
	switch in.typ {
	case "aws_default_security_group", "aws_default_network_acl", "aws_default_route_table":
		if id := b.defaultOf(in); id != "" {
			return id
		}
	}
	return b.idOf(in)
}

// defaultOf is the VPC default an aws_default_* instance manages.
func (b *builder) defaultOf(in *instance) string {
	var attr, scopeAction string
	switch in.typ {
	case "aws_default_security_group":
		// It names the VPC, not the group.
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeSecurityGroups, "")
		if !ok || vpc == "" {
			return ""
		}
		if v := b.byID[vpc]; v != nil {
			return b.vpcDefault(v, "default_security_group_id")
		}
		return ""
	case "aws_default_network_acl":
		attr, scopeAction = "default_network_acl_id", audit.ActionDescribeNetworkAcls
	case "aws_default_route_table":
		attr, scopeAction = "default_route_table_id", audit.ActionDescribeRouteTables
	}
	id, _ := b.id(in, path{attr}, scopeAction, "")
	return id
}

// vpcDefault is the id of one of a VPC's defaults (its main route table,
// default group or ACL): the account's when the VPC exists, else
// ADDRESS.ATTRIBUTE.
func (b *builder) vpcDefault(vpc *instance, attr string) string {
	if known := vpc.str(attr); known != "" && !vpc.unknownAt(path{attr}) && safeID(known) {
		return known
	}
	return vpc.addr + "." + attr
}

// prefix parses a CIDR the plan knows.
func prefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}
