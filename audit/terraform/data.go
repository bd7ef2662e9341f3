package terraform

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"

	"github.com/preflight-dev/preflight/audit/overlay"
	"github.com/preflight-dev/preflight/internal/awsid"
)

// data resolves data.TYPE.NAME[KEY].ATTR in module instance mod. A data
// source Terraform read at plan time is in the plan's prior_state with
// the values AWS gave: its ids are literal ids of the account, which the
// plan does not create (a plan laid over the account reads their facts
// there). One Terraform reads only at apply (listed in resource_changes,
// or missing from prior_state) stays open, naming the data source and its
// attribute.
func (r *resolver) data(mod, ref string, parts []string, self any, selfIndex bool) ([]value, error) {
	if len(parts) < 3 {
		return nil, &unresolved{why: "it comes from " + ref}
	}
	name, key, hasKey := cutIndex(parts[2])
	res := joinAddr(mod, "data."+parts[1]+"."+name)
	attr, elem, hasElem := "id", "", false
	if len(parts) > 3 {
		// ids[0]: an element of a list attribute.
		attr, elem, hasElem = cutIndex(parts[3])
	}
	switch {
	case r.p.DataDeferred[res]:
		return nil, &unresolved{why: "it comes from " + ref + ", a data source read at apply"}
	case !dataRead(parts[1]):
		return nil, &unresolved{why: "it comes from " + ref + ", a data source whose values the reader does not read (it reads the ids of network and ECS data sources)"}
	case len(parts) > 4:
		return nil, &unresolved{why: "it comes from " + ref + ", a nested attribute of a data source"}
	}
	insts := r.p.Data[res]
	if len(insts) == 0 {
		return nil, &unresolved{why: "it comes from " + ref + ", a data source read at apply (the plan's prior_state does not hold it)"}
	}
	pick := pickInstances(insts, func(d *dataSource) any { return d.index }, key, hasKey, self, selfIndex)
	if len(pick) == 0 {
		return nil, &unresolved{why: "it comes from " + ref + ", an instance the plan's prior_state does not hold"}
	}
	var out []value
	for _, d := range pick {
		var v any
		if raw, ok := d.values[attr]; ok {
			_ = json.Unmarshal(raw, &v)
		}
		if l, ok := v.([]any); ok && hasElem {
			i, err := strconv.Atoi(elem)
			if err != nil || i < 0 || i >= len(l) {
				return nil, &unresolved{why: "it comes from " + ref + ", an element the list Terraform read does not have"}
			}
			v = l[i]
		}
		if v == nil || v == "" {
			return nil, &unresolved{why: "it comes from " + ref + ", which Terraform read as empty"}
		}
		vs, err := literals(v)
		if err != nil {
			return nil, &unresolved{why: "it comes from " + ref + ", which is not a string or a list of strings"}
		}
		out = append(out, vs...)
	}
	return out, nil
}

// dataIDs says, for a data source type, the kind of fact its ids name,
// the attribute that holds them and their pattern.
func dataIDs(typ string) (overlay.Kind, string, *regexp.Regexp) {
	switch typ {
	case "aws_vpc":
		return overlay.KindVPC, "id", awsid.VPC
	case "aws_vpcs":
		return overlay.KindVPC, "ids", awsid.VPC
	case "aws_subnet":
		return overlay.KindSubnet, "id", awsid.Subnet
	case "aws_subnets", "aws_subnet_ids":
		return overlay.KindSubnet, "ids", awsid.Subnet
	case "aws_security_group":
		return overlay.KindSecurityGroup, "id", awsid.SecurityGroup
	case "aws_security_groups":
		return overlay.KindSecurityGroup, "ids", awsid.SecurityGroup
	case "aws_route_table":
		return overlay.KindRouteTable, "id", awsid.RouteTable
	case "aws_route_tables":
		return overlay.KindRouteTable, "ids", awsid.RouteTable
	case "aws_network_acls":
		return overlay.KindNACL, "ids", awsid.NetworkACL
	case "aws_vpc_endpoint":
		return overlay.KindEndpoint, "id", awsid.VPCEndpoint
	}
	return 0, "", nil
}

// reads are the data sources of prior_state as the account's facts they
// name: a change that keeps (overlay.NoOp) the fact of each id, under the
// data source's address, so rows name both (data.aws_vpc.main
// (vpc-0abc)). In address order, then id order.
func (p *plan) reads() []overlay.Change {
	var all []*dataSource
	for _, insts := range p.Data {
		all = append(all, insts...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].addr < all[j].addr })
	var out []overlay.Change
	for _, d := range all {
		kind, attr, re := dataIDs(d.typ)
		if kind == 0 {
			continue
		}
		var v any
		if raw, ok := d.values[attr]; ok {
			_ = json.Unmarshal(raw, &v)
		}
		vs, _ := literals(v)
		var ids []string
		for _, id := range vs {
			if re.MatchString(id.s) {
				ids = append(ids, id.s)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, overlay.Change{Address: d.addr, Kind: kind, Action: overlay.NoOp, ID: id, Read: true})
		}
	}
	return out
}

// readAs maps each id a data source of prior_state read to its address
// (the first in address order).
func readAs(reads []overlay.Change) map[string]string {
	m := map[string]string{}
	for _, c := range reads {
		if _, ok := m[c.ID]; !ok {
			m[c.ID] = c.Address
		}
	}
	return m
}
