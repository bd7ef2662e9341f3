package audit

import (
	"fmt"
	"slices"
	"strings"
)

// A change laid over the account (audit/overlay) keeps the account's ids
// on the resources it declares, so that the rules and --fix cli see what
// exists. Written in the change's own format, a fix must name those
// resources as the change does (aws_security_group.task.id, not
// "sg-0abc"), or the reviewer cannot paste it into the change: Plan.Names
// (Facts.Names) holds those names, and named puts them in. The planner
// never reads them.

// named returns p with every id of its steps that p.Names holds replaced
// by that name, and a service whose public IP is turned off named by its
// own (ServiceARN): the plan as the writer of p.Source's own format
// writes it. An id Names does not hold is outside the change and stays
// an id. Each name used is checked as the input's own ids are, by the
// source's strict grammar, and must name a resource (no attribute): a
// pull request can carry a crafted plan, so one that does not is refused
// naming the step, the field, the id and the name, and nothing is
// written. p is not modified.
func (p *Plan) named() (*Plan, error) {
	if len(p.Names) == 0 {
		return p, nil
	}
	q := *p
	q.Changes = make([]Change, len(p.Changes))
	for i, c := range p.Changes {
		c.Subnets, c.Groups = slices.Clone(c.Subnets), slices.Clone(c.Groups)
		c.RemoveGroups, c.RouteTables = slices.Clone(c.RemoveGroups), slices.Clone(c.RouteTables)
		rename := func(field, id string) (string, error) {
			n, ok := p.Names[id]
			if !ok || id == "" {
				return id, nil
			}
			if !isResourceName(p.Source, n) {
				return "", fmt.Errorf("fix plan: step %d (%s): %s %s: its name in the change %q is not %s of a resource",
					i+1, c.Kind, field, id, n, sourceName(p.Source))
			}
			return n, nil
		}
		for _, f := range c.fields() {
			if !isResourceField(f) {
				continue
			}
			n, err := rename(f.name, *f.val)
			if err != nil {
				return nil, err
			}
			*f.val = n
		}
		if c.Kind == ChangeDisablePublicIP {
			n, err := rename("service", c.ServiceARN)
			if err != nil {
				return nil, err
			}
			if n != c.ServiceARN {
				c.Workload = n
			}
		}
		q.Changes[i] = c
	}
	if p.Inline != nil {
		// Keyed as the steps now name the resources.
		q.Inline = make(map[string][]string, len(p.Inline))
		for id, s := range p.Inline {
			if n, ok := p.Names[id]; ok {
				id = n
			}
			q.Inline[id] = s
		}
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return &q, nil
}

// isResourceField reports whether f holds a resource's id (a VPC, a
// subnet, a group...), which a change can declare; not an endpoint
// service, a cluster or service name, or an attribute.
func isResourceField(f idField) bool {
	return f.re != reService && f.re != reECSName && f.re != reAttribute
}

// isResourceName reports whether n is a resource's own name in source,
// by its strict grammar: an address or logical id without an attribute.
func isResourceName(source, n string) bool {
	switch source {
	case SourceTerraform:
		a, ok := parseTFAddress(n)
		return ok && a.attr == ""
	case SourceCloudFormation:
		c, ok := parseLogicalID(n)
		return ok && c.stack == "" && c.attr == ""
	}
	return false
}

// outside lists the ids of c, once named (see named), that name account
// resources the change does not declare: they stay AWS ids. A prefix
// list is not listed: the managed ones a fix names (S3's) are AWS's,
// which no change declares. For a service's public IP only the service
// counts (its subnets and groups are kept as they are).
func (c *Change) outside() []string {
	if c.Kind == ChangeDisablePublicIP {
		if _, ok := parseTFAddress(c.Workload); ok {
			return nil
		}
		return []string{"service " + c.ECSService}
	}
	var out []string
	for _, f := range c.fields() {
		v := *f.val
		if v != "" && isResourceField(f) && f.re != rePL && refName(v) == "" && f.re.MatchString(v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// outsideNote says which resources of a step lie outside the change laid
// over the account, "" when none do.
func outsideNote(c Change) string {
	ids := c.outside()
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "Outside the change: " + ids[0] + " is not declared in it and keeps its AWS id."
	}
	return "Outside the change: " + strings.Join(ids, ", ") + " are not declared in it and keep their AWS ids."
}

// inlineNote warns, for a step that adds a rule or an association as a
// resource of its own to a resource the change declares (named by its
// address), that the provider lets one of the two manage it, never both:
// a declared resource that sets the same thing inline (ingress and egress
// blocks, route_table_ids, subnet_ids, security_group_ids) would take it
// off again at the next apply. The writer edits the declaration instead
// where the reader saw it (Plan.Inline, see writeInlineEdit); this note
// is for a resource whose declaration it did not see, and says where the
// step goes then; "" for other steps.
func inlineNote(c Change) string {
	owner, setting := inlineSetting(c)
	if owner == "" || !isResourceName(SourceTerraform, owner) {
		return ""
	}
	inline := setting
	if setting == InlineIngress || setting == InlineEgress {
		inline = "ingress and egress blocks"
	}
	return "If " + owner + " sets its " + inline + " itself, make this change there instead: the provider lets either those or separate resources manage them, not both."
}
