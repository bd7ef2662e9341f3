package terraform

import (
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// securityGroups reads security groups with their inline rules, the
// rule resources merged into their groups, and the default group of each
// VPC the plan creates.
func (b *builder) securityGroups() {
	open := map[string]bool{}
	managed := map[string]bool{}
	for _, in := range b.byType["aws_default_security_group"] {
		id := b.canonical(in)
		if id == "" {
			continue
		}
		managed[id] = true
		vpc, _ := b.id(in, path{"vpc_id"}, audit.ActionDescribeSecurityGroups, id)
		sg := &audit.SecurityGroup{ID: id, VPCID: vpc, Name: "default"}
		if !b.inlineRules(in, sg, open) {
			continue
		}
		b.f.SecurityGroups[id] = sg
	}
	for _, in := range b.byType["aws_vpc"] {
		id := b.vpcDefault(in, "default_security_group_id")
		if !in.create || managed[id] {
			continue
		}
		b.f.SecurityGroups[id] = defaultGroup(id, b.f.VPCs[b.idOf(in)])
	}
	for _, in := range b.byType["aws_security_group"] {
		id := b.idOf(in)
		vpc, ok := b.id(in, path{"vpc_id"}, audit.ActionDescribeSecurityGroups, id)
		if !ok {
			continue
		}
		if vpc == "" {
			b.note(audit.Undecided{Action: audit.ActionDescribeSecurityGroups, Resource: id, Code: audit.CodeUnknownInSource,
				Err: "vpc_id is not set: the group goes to the Region's default VPC, which the plan does not show"})
			continue
		}
		sg := &audit.SecurityGroup{ID: id, VPCID: vpc, Name: in.str("name")}
		if !b.inlineRules(in, sg, open) {
			continue
		}
		b.f.SecurityGroups[id] = sg
	}
	for _, in := range b.byType["aws_security_group_rule"] {
		b.ruleResource(in, open, in.str("type") == "egress", "protocol", "source_security_group_id", "", "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids")
	}
	for _, in := range b.byType["aws_vpc_security_group_egress_rule"] {
		b.ruleResource(in, open, true, "ip_protocol", "referenced_security_group_id", "prefix_list_id", "cidr_ipv4", "cidr_ipv6", "")
	}
	for _, in := range b.byType["aws_vpc_security_group_ingress_rule"] {
		b.ruleResource(in, open, false, "ip_protocol", "referenced_security_group_id", "prefix_list_id", "cidr_ipv4", "cidr_ipv6", "")
	}
	for id := range open {
		delete(b.f.SecurityGroups, id)
	}
}

// inlineRules reads a group's ingress and egress blocks; false when the
// plan leaves them open (the group is then undecided).
func (b *builder) inlineRules(in *instance, sg *audit.SecurityGroup, open map[string]bool) bool {
	for _, dir := range []string{"ingress", "egress"} {
		n := in.blocks(dir)
		if n == 0 && in.unknownAt(path{dir}) && !computedUnset(in, dir) {
			b.undecided(audit.ActionDescribeSecurityGroups, sg.ID, in, path{dir}, &unresolved{why: "is a dynamic block or a computed set"})
			open[sg.ID] = true
			return false
		}
		for i := 0; i < n; i++ {
			sub := in.block(dir, i)
			if in.unknownAt(path{dir, i}) {
				// Sets do not keep the configuration's order: a rule with
				// a value known only after apply is matched to its
				// expressions only when it is the one rule of its kind.
				cb := blockExpressions(in, dir, n, sub)
				if cb == nil {
					b.undecided(audit.ActionDescribeSecurityGroups, sg.ID, in, path{dir}, &unresolved{why: "holds a rule with a value computed at apply"})
					open[sg.ID] = true
					return false
				}
				sub.cfg = &configResource{Expressions: cb}
			}
			r, ok := b.rule(sub, sg.ID, nil, "protocol", "security_groups", "", "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids")
			if !ok {
				open[sg.ID] = true
				return false
			}
			if self, _ := sub.boolean("self"); self {
				r.GroupIDs = append(r.GroupIDs, sg.ID)
			}
			if dir == "egress" {
				sg.Egress = append(sg.Egress, r)
			} else {
				sg.Ingress = append(sg.Ingress, r)
			}
		}
	}
	return true
}

// exprs is a configuration resource's expressions (nil-safe).
func (c *configResource) exprs() map[string]any {
	if c == nil {
		return nil
	}
	return c.Expressions
}

// rule reads one permission at base: the protocol, ports and the peers
// (groups, one prefix list, CIDR lists or single CIDRs).
func (b *builder) rule(in *instance, sgID string, base path, protoAttr, groupsAttr, plAttr, cidr4Attr, cidr6Attr, plsAttr string) (audit.Rule, bool) {
	at := func(attr string) path { return append(append(path{}, base...), attr) }
	r := audit.Rule{Protocol: protocol(strFrom(in, at(protoAttr)))}
	r.FromPort, _ = numberFrom(in, at("from_port"))
	r.ToPort, _ = numberFrom(in, at("to_port"))
	if r.Protocol == "-1" {
		r.FromPort, r.ToPort = 0, 0
	}
	for _, attr := range []string{cidr4Attr, cidr6Attr} {
		if attr == "" {
			continue
		}
		vs, err := b.r.values(in, at(attr), false)
		if err != nil {
			b.undecided(audit.ActionDescribeSecurityGroups, sgID, in, at(attr), err)
			return r, false
		}
		for _, v := range vs {
			s := v.s
			if v.of != nil {
				s = v.of.str(v.attr)
			}
			p, ok := prefix(s)
			if !ok {
				b.undecided(audit.ActionDescribeSecurityGroups, sgID, in, at(attr), &unresolved{why: "is not a CIDR the plan knows"})
				return r, false
			}
			r.CIDRs = append(r.CIDRs, p)
		}
	}
	for _, attr := range []string{groupsAttr, plAttr, plsAttr} {
		if attr == "" {
			continue
		}
		ids, ok := b.ids(in, at(attr), false, audit.ActionDescribeSecurityGroups, sgID)
		if !ok {
			return r, false
		}
		if attr == groupsAttr {
			r.GroupIDs = append(r.GroupIDs, ids...)
		} else {
			r.PrefixListIDs = append(r.PrefixListIDs, ids...)
		}
	}
	return r, true
}

// ruleResource merges one aws_security_group_rule or
// aws_vpc_security_group_*_rule into its group.
func (b *builder) ruleResource(in *instance, open map[string]bool, egress bool, protoAttr, groupAttr, plAttr, cidr4Attr, cidr6Attr, plsAttr string) {
	sgID, ok := b.id(in, path{"security_group_id"}, audit.ActionDescribeSecurityGroups, "")
	if !ok || open[sgID] {
		return
	}
	sg := b.f.SecurityGroups[sgID]
	if sg == nil {
		// A rule added to a group the plan does not show: the group is
		// in the account, with rules the plan does not know.
		b.noteOutside(audit.Undecided{Action: audit.ActionDescribeSecurityGroups, Resource: sgID, Code: audit.CodeUnknownInSource,
			Err: "depends on " + in.addr + ": the plan adds a rule to a group it does not show"})
		return
	}
	r, ok := b.rule(in, sgID, nil, protoAttr, groupAttr, plAttr, cidr4Attr, cidr6Attr, plsAttr)
	if !ok {
		open[sgID] = true
		return
	}
	if self, _ := in.boolean("self"); self {
		r.GroupIDs = append(r.GroupIDs, sgID)
	}
	if egress {
		sg.Egress = append(sg.Egress, r)
	} else {
		sg.Ingress = append(sg.Ingress, r)
	}
}

func strFrom(in *instance, p path) string {
	v, _ := in.afterAt(p)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func numberFrom(in *instance, p path) (int, bool) {
	v, _ := in.afterAt(p)
	f, ok := v.(float64)
	return int(f), ok
}
