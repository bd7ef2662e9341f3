package terraform

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/overlay"
)

// Plan is a plan read to be laid over the live account
// (overlay.Apply): its facts, its changes as the facts they touch, and
// the Undecided entries of its facts that only say a fact is in the
// account, outside the plan.
type Plan struct {
	Facts   *audit.Facts
	Changes []overlay.Change
	Outside []audit.Undecided
	// Reads are the account's ids the plan's data sources read at plan
	// time (prior_state), each as a change that keeps its fact
	// (overlay.NoOp) under the data source's address: laid over the
	// account with Changes, rows name them (data.aws_vpc.main
	// (vpc-0abc)).
	Reads []overlay.Change
}

// ReadPlanFile is ReadFile, keeping the plan's changes.
func ReadPlanFile(path string, opts Options) (*Plan, error) {
	var p *Plan
	_, err := readFile(path, opts, func(r io.Reader) (*audit.Facts, error) {
		var err error
		p, err = ReadPlan(r, opts)
		if err != nil {
			return nil, err
		}
		return p.Facts, nil
	})
	return p, err
}

// ReadPlan is Read, keeping the plan's changes.
func ReadPlan(r io.Reader, opts Options) (*Plan, error) {
	b, err := read(r, opts)
	if err != nil {
		return nil, err
	}
	return &Plan{Facts: b.f, Changes: changes(b.p), Outside: b.outside, Reads: b.reads}, nil
}

// factKind is the kind of fact a resource type is, and for a part of a
// fact (a route, a rule, an association) the attribute naming that fact.
func factKind(typ string) (overlay.Kind, string) {
	switch typ {
	case "aws_vpc":
		return overlay.KindVPC, ""
	case "aws_subnet":
		return overlay.KindSubnet, ""
	case "aws_route_table", "aws_default_route_table":
		return overlay.KindRouteTable, ""
	case "aws_network_acl", "aws_default_network_acl":
		return overlay.KindNACL, ""
	case "aws_security_group", "aws_default_security_group":
		return overlay.KindSecurityGroup, ""
	case "aws_vpc_endpoint":
		return overlay.KindEndpoint, ""
	case "aws_ecs_service":
		return overlay.KindWorkload, ""
	case "aws_route", "aws_route_table_association", "aws_main_route_table_association":
		return overlay.KindRouteTable, "route_table_id"
	case "aws_network_acl_rule", "aws_network_acl_association":
		return overlay.KindNACL, "network_acl_id"
	case "aws_security_group_rule", "aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule":
		return overlay.KindSecurityGroup, "security_group_id"
	case "aws_vpc_endpoint_route_table_association", "aws_vpc_endpoint_subnet_association", "aws_vpc_endpoint_security_group_association":
		return overlay.KindEndpoint, "vpc_endpoint_id"
	case "aws_vpc_dhcp_options_association":
		return overlay.KindVPC, "vpc_id"
	}
	return 0, ""
}

// action is what a change's actions do in the account. forget removes
// the instance from the state only: the account keeps it.
func action(actions []string) overlay.Action {
	del, create := slices.Contains(actions, "delete"), slices.Contains(actions, "create")
	switch {
	case del && create:
		return overlay.Replace
	case del:
		return overlay.Delete
	case create:
		return overlay.Create
	case slices.Contains(actions, "update"):
		return overlay.Update
	}
	return overlay.NoOp
}

// changes are the plan's changes to the facts the audit reads, with the
// account's ids from each change's before (a part names its parent's; a
// part moved to another parent touches both).
func changes(p *plan) []overlay.Change {
	var out []overlay.Change
	for _, rc := range p.Changes {
		kind, parent := factKind(rc.Type)
		if kind == 0 || !safeID(rc.Address) {
			continue
		}
		c := overlay.Change{Address: rc.Address, Kind: kind, Action: action(rc.Change.Actions), Part: parent != ""}
		if !c.Part {
			c.ID = rawID(rc.Change.Before["id"])
			out = append(out, c)
			continue
		}
		before := rawID(rc.Change.Before[parent])
		after := ""
		if c.Action != overlay.Delete && !unknownRaw(rc.Change.AfterUnknown[parent]) {
			after = rawID(rc.Change.After[parent])
		}
		for _, id := range []string{before, after} {
			if id == "" || slices.ContainsFunc(out, func(o overlay.Change) bool { return o.Address == c.Address && o.ID == id }) {
				continue
			}
			c.ID = id
			out = append(out, c)
		}
		if before == "" && after == "" {
			// A part of a fact the plan creates: the created fact holds it.
			c.ID = ""
			out = append(out, c)
		}
	}
	return out
}

// rawID is the id a raw JSON string holds, or "" when it holds none.
func rawID(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil || !safeID(s) {
		return ""
	}
	return s
}

// unknownRaw says whether an after_unknown value marks the attribute
// unknown.
func unknownRaw(raw json.RawMessage) bool {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return false
	}
	return anyTrue(v)
}
