package audit

import (
	"fmt"
	"slices"
	"strings"
)

// stackOf is the stack that declares the resource id names, from a plan
// made from an input of several CloudFormation stacks: Plan.Stacks, else
// the stack an id shared by two stacks is qualified with (Orders/Vpc).
// ok is false for anything else: an AWS id, a CIDR, a lone template's
// logical id.
func (p *Plan) stackOf(id string) (Stack, bool) {
	if p.Source != SourceCloudFormation {
		return Stack{}, false
	}
	c, ok := parseLogicalID(id)
	if !ok {
		return Stack{}, false
	}
	if st, ok := p.Stacks[c.resource()]; ok {
		return st, true
	}
	if c.stack != "" {
		return Stack{Name: c.stack}, true
	}
	return Stack{}, false
}

// stackIDs are the ids of c that can name a resource of a stack: every
// id but the service name and the VPC attribute (enableDnsSupport reads
// as a logical id).
func (p *Plan) stackIDs(c Change) []string {
	if p.Source != SourceCloudFormation {
		return nil
	}
	var out []string
	for _, f := range c.fields() {
		if v := *f.val; v != "" && refName(v) == "" && f.re != reService && f.re != reAttribute {
			out = append(out, v)
		}
	}
	return out
}

// cfnPlace is where a step of a plan made from several stacks is written.
type cfnPlace struct {
	// stack is the stack whose template takes the step; "" when the step
	// names no resource of the input (any template can take it).
	stack string
	// across, when the step's resources lie in more than one stack, are
	// their names by stack (the stacks sorted); the step is said in words.
	across [][2]string
}

// cfnStacks places the steps of a plan made from an input of several
// CloudFormation stacks (a cdk.out): !Ref and !GetAtt name only the
// resources of their own template, so a step goes in the template of the
// stack its resources are in, and a resource the plan creates lives in
// the stack of the step that creates it. It returns nil for a plan whose
// ids name no stack (one template), which is written as one template.
func cfnStacks(p *Plan) []cfnPlace {
	places := make([]cfnPlace, len(p.Changes))
	// created are the stacks of the resources the plan creates, by name.
	created := map[string][]string{}
	named := false
	for i, c := range p.Changes {
		names := map[string][]string{}
		for _, id := range p.stackIDs(c) {
			if st, ok := p.stackOf(id); ok {
				named = true
				names[st.Name] = append(names[st.Name], cfnLogical(id))
			}
		}
		for _, r := range c.refs() {
			for _, st := range created[r] {
				names[st] = append(names[st], logicalName(r)+" (created by this plan)")
			}
		}
		stacks := make([]string, 0, len(names))
		for st := range names {
			stacks = append(stacks, st)
		}
		slices.Sort(stacks)
		switch {
		case len(stacks) == 1:
			places[i].stack = stacks[0]
		case len(stacks) > 1:
			for _, st := range stacks {
				places[i].across = append(places[i].across, [2]string{st, joinComma(uniqStable(names[st]))})
			}
		}
		if c.creates() {
			created[refName(c.Endpoint+c.Group)] = stacks
		}
	}
	if !named {
		return nil
	}
	return places
}

// cfnLogical is the logical id (with its attribute) an id names inside
// its own stack's template: Orders/Vpc → Vpc.
func cfnLogical(id string) string {
	c, ok := parseLogicalID(id)
	if !ok || c.stack == "" {
		return id
	}
	return strings.TrimPrefix(id, c.stack+"/")
}

// acrossStacks says why a step whose resources lie in several stacks is
// not written as a resource; acrossHow, said once after such steps, how
// to take them.
func acrossStacks(across [][2]string) string {
	parts := make([]string, len(across))
	for i, a := range across {
		parts[i] = fmt.Sprintf("%s in stack %s", a[1], a[0])
	}
	return "not written as a resource: it names " + strings.Join(parts, " and ") + "."
}

// acrossHow is how to take a step across stacks.
const acrossHow = "!Ref and !GetAtt name only the resources of their own stack's template. " +
	"Take such a step in the stack that already imports from the other (no two stacks may import from each other): " +
	"export the id from the stack that declares it (an Output with Export) and read it there with Fn::ImportValue, " +
	"or in CDK hand the construct to that stack (a cross-stack reference: CDK writes the export and the import)."

// stackTemplates are the template files of the stacks of p, by name.
func stackTemplates(p *Plan) map[string]string {
	out := map[string]string{}
	for _, st := range p.Stacks {
		if st.Template != "" {
			out[st.Name] = st.Template
		}
	}
	return out
}
