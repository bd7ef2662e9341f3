package overlay

import (
	"maps"
	"reflect"
	"slices"

	"github.com/preflight-dev/preflight/audit"
)

// facts is a merged set of facts under construction. Its maps and slices
// are its own; the structs they point to are shared with the inputs and
// never modified (a struct that changes is copied first).
type facts struct {
	*audit.Facts
}

// clone copies f's containers, not the facts they hold.
func clone(f *audit.Facts) facts {
	c := *f
	c.VPCs = maps.Clone(f.VPCs)
	c.Subnets = maps.Clone(f.Subnets)
	c.SecurityGroups = maps.Clone(f.SecurityGroups)
	c.PrefixLists = maps.Clone(f.PrefixLists)
	c.RouteTables = slices.Clone(f.RouteTables)
	c.NetworkACLs = slices.Clone(f.NetworkACLs)
	c.Endpoints = slices.Clone(f.Endpoints)
	c.Workloads = slices.Clone(f.Workloads)
	c.Undecided = slices.Clone(f.Undecided)
	if c.VPCs == nil {
		c.VPCs = map[string]*audit.VPC{}
	}
	if c.Subnets == nil {
		c.Subnets = map[string]*audit.Subnet{}
	}
	if c.SecurityGroups == nil {
		c.SecurityGroups = map[string]*audit.SecurityGroup{}
	}
	if c.PrefixLists == nil {
		c.PrefixLists = map[string]*audit.PrefixList{}
	}
	return facts{&c}
}

// remove takes the fact k names out.
func (m facts) remove(k key) {
	switch k.kind {
	case KindVPC:
		delete(m.VPCs, k.id)
	case KindSubnet:
		delete(m.Subnets, k.id)
	case KindSecurityGroup:
		delete(m.SecurityGroups, k.id)
	case KindRouteTable:
		m.RouteTables = slices.DeleteFunc(m.RouteTables, func(rt *audit.RouteTable) bool { return rt.ID == k.id })
	case KindNACL:
		m.NetworkACLs = slices.DeleteFunc(m.NetworkACLs, func(a *audit.NetworkACL) bool { return a.ID == k.id })
	case KindEndpoint:
		m.Endpoints = slices.DeleteFunc(m.Endpoints, func(ep *audit.Endpoint) bool { return ep.ID == k.id })
	case KindWorkload:
		m.Workloads = slices.DeleteFunc(m.Workloads, func(w *audit.Workload) bool { return w.ServiceARN == k.id })
	}
}

// has says whether f holds the fact k names. A planned workload's ARN is
// its address, which idOfAddr maps to the account's ARN.
func has(f *audit.Facts, k key, idOfAddr map[string]string) bool {
	switch k.kind {
	case KindVPC:
		return f.VPCs[k.id] != nil
	case KindSubnet:
		return f.Subnets[k.id] != nil
	case KindSecurityGroup:
		return f.SecurityGroups[k.id] != nil
	case KindRouteTable:
		return slices.ContainsFunc(f.RouteTables, func(rt *audit.RouteTable) bool { return rt.ID == k.id })
	case KindNACL:
		return slices.ContainsFunc(f.NetworkACLs, func(a *audit.NetworkACL) bool { return a.ID == k.id })
	case KindEndpoint:
		return slices.ContainsFunc(f.Endpoints, func(ep *audit.Endpoint) bool { return ep.ID == k.id })
	case KindWorkload:
		return slices.ContainsFunc(f.Workloads, func(w *audit.Workload) bool {
			return w.ServiceARN == k.id || idOfAddr[w.ServiceARN] == k.id
		})
	}
	return false
}

// add lays planned's facts in: those replace marks, and those m does not
// hold (the change creates them, or keeps them outside what live read).
// A planned workload joins only when it is created or replaces a live
// one: the services the change keeps elsewhere are outside the audit's
// scope.
func (m facts) add(live, planned *audit.Facts, idOfAddr map[string]string, replace map[key]bool, res *Result) {
	for id, v := range planned.VPCs {
		if replace[key{KindVPC, id}] || m.VPCs[id] == nil {
			m.VPCs[id] = v
		}
	}
	for id, s := range planned.Subnets {
		if replace[key{KindSubnet, id}] || m.Subnets[id] == nil {
			m.Subnets[id] = s
		}
	}
	for id, g := range planned.SecurityGroups {
		if replace[key{KindSecurityGroup, id}] || m.SecurityGroups[id] == nil {
			m.SecurityGroups[id] = g
		}
	}
	for id, pl := range planned.PrefixLists {
		if m.PrefixLists[id] == nil {
			m.PrefixLists[id] = pl
		}
	}
	for _, rt := range planned.RouteTables {
		if !has(m.Facts, key{KindRouteTable, rt.ID}, nil) {
			m.RouteTables = append(m.RouteTables, rt)
		}
	}
	for _, a := range planned.NetworkACLs {
		if !has(m.Facts, key{KindNACL, a.ID}, nil) {
			m.NetworkACLs = append(m.NetworkACLs, a)
		}
	}
	for _, ep := range planned.Endpoints {
		if !has(m.Facts, key{KindEndpoint, ep.ID}, nil) {
			m.Endpoints = append(m.Endpoints, ep)
		}
	}
	for _, w := range planned.Workloads {
		id, known := idOfAddr[w.ServiceARN]
		if !known {
			// Created by the change: its address is its name.
			m.Workloads = append(m.Workloads, w)
			continue
		}
		if !replace[key{KindWorkload, id}] {
			continue
		}
		for _, lw := range live.Workloads {
			if lw.ServiceARN != id || lw.Rollout {
				continue
			}
			// The service as the change leaves it, under the name the
			// account's rows give it.
			nw := *w
			nw.Name, nw.Cluster, nw.Service, nw.ServiceARN = lw.Name, lw.Cluster, lw.Service, lw.ServiceARN
			if nw.TaskDefinition == nil {
				nw.TaskDefinition = lw.TaskDefinition
			}
			if !sameConfig(&nw, lw) {
				res.reconfigured[id] = true
			}
			m.Workloads = append(m.Workloads, &nw)
			break
		}
	}
}

// note adds u once.
func (m facts) note(u audit.Undecided) {
	if !slices.Contains(m.Undecided, u) {
		m.Undecided = append(m.Undecided, u)
	}
}

// inAccount says whether live holds the fact an "outside the change"
// Undecided asks for. A part the change alters on a fact it does not
// show is judged by Apply itself; one it keeps is as the account has it.
func (m facts) inAccount(u audit.Undecided, live *audit.Facts, idOfAddr map[string]string) bool {
	if u.Resource == "" {
		// The whole kind: live read it (a failed read is in live's own
		// Undecided).
		return true
	}
	switch u.Action {
	case audit.ActionDescribeDhcpOptions:
		v := live.VPCs[u.Resource]
		return v != nil && (v.DomainNameServers != nil || v.DHCPOptionsID == "default")
	case audit.ActionGetManagedPrefixListEntries:
		pl := live.PrefixLists[u.Resource]
		return pl != nil && len(pl.CIDRs) > 0
	case audit.ActionDescribeTaskDefinition:
		// A service's task definition outside the plan: the live
		// service's (Resource is the service's address).
		id, ok := idOfAddr[u.Resource]
		return ok && slices.ContainsFunc(live.Workloads, func(w *audit.Workload) bool {
			return w.ServiceARN == id && w.TaskDefinition != nil
		})
	case audit.ActionDescribeSubnets:
		return live.Subnets[u.Resource] != nil
	case audit.ActionDescribeSecurityGroups:
		return live.SecurityGroups[u.Resource] != nil
	case audit.ActionDescribeVpcs, audit.ActionDescribeVpcEndpoints, audit.ActionDescribeRouteTables, audit.ActionDescribeNetworkAcls:
		// Read with the VPC (or the subnet): its tables, ACLs and
		// endpoints came with it.
		return live.VPCs[u.Resource] != nil || live.Subnets[u.Resource] != nil
	}
	return false
}

// vpcOf is the VPC of the fact k names (live's first, else planned's by
// id or address), or "".
func vpcOf(live, planned *audit.Facts, k key, addr string) string {
	for _, f := range []*audit.Facts{live, planned} {
		for _, id := range []string{k.id, addr} {
			if id == "" {
				continue
			}
			if v := vpcIn(f, k.kind, id); v != "" {
				return v
			}
		}
	}
	return ""
}

func vpcIn(f *audit.Facts, kind Kind, id string) string {
	switch kind {
	case KindVPC:
		if f.VPCs[id] != nil {
			return id
		}
	case KindSubnet:
		if s := f.Subnets[id]; s != nil {
			return s.VPCID
		}
	case KindSecurityGroup:
		if g := f.SecurityGroups[id]; g != nil {
			return g.VPCID
		}
	case KindRouteTable:
		for _, rt := range f.RouteTables {
			if rt.ID == id {
				return rt.VPCID
			}
		}
	case KindNACL:
		for _, a := range f.NetworkACLs {
			if a.ID == id {
				return a.VPCID
			}
		}
	case KindEndpoint:
		for _, ep := range f.Endpoints {
			if ep.ID == id {
				return ep.VPCID
			}
		}
	case KindWorkload:
		for _, w := range f.Workloads {
			if (w.ServiceARN == id || w.Name == id) && len(w.Subnets) > 0 {
				if s := f.Subnets[w.Subnets[0]]; s != nil {
					return s.VPCID
				}
			}
		}
	}
	return ""
}

// gatewayRoutes keeps the routes a gateway endpoint installs in step with
// it: AWS removes them with the endpoint, and from the tables an update
// disassociates. Only endpoints live read and the change altered are
// looked at; a route to an endpoint nobody read stays as it is.
func gatewayRoutes(m facts, live *audit.Facts) {
	liveEP := map[string]*audit.Endpoint{}
	for _, ep := range live.Endpoints {
		liveEP[ep.ID] = ep
	}
	nowEP := map[string]*audit.Endpoint{}
	for _, ep := range m.Endpoints {
		nowEP[ep.ID] = ep
	}
	stale := func(rt *audit.RouteTable, r audit.Route) bool {
		if r.Target != audit.TargetVPCE || liveEP[r.TargetID] == nil {
			return false
		}
		now := nowEP[r.TargetID]
		if now == nil {
			return true // deleted
		}
		return now != liveEP[r.TargetID] && !slices.Contains(now.RouteTableIDs, rt.ID)
	}
	for i, rt := range m.RouteTables {
		if !slices.ContainsFunc(rt.Routes, func(r audit.Route) bool { return stale(rt, r) }) {
			continue
		}
		c := *rt
		c.Routes = slices.DeleteFunc(slices.Clone(rt.Routes), func(r audit.Route) bool { return stale(rt, r) })
		m.RouteTables[i] = &c
	}
}

// sameConfig says whether a and b run alike for the rules: the same
// network configuration, launch type and task definition. A service
// update that changes nothing of it (a drifted attribute the audit does
// not read) is not named on the service's rows.
func sameConfig(a, b *audit.Workload) bool {
	return sameSet(a.Subnets, b.Subnets) && sameSet(a.SecurityGroups, b.SecurityGroups) &&
		a.AssignPublicIP == b.AssignPublicIP && a.LaunchType == b.LaunchType &&
		(a.TaskDefinition == b.TaskDefinition || reflect.DeepEqual(a.TaskDefinition, b.TaskDefinition))
}

// sameSet says whether a and b hold the same ids, in any order (the plan
// lists a service's subnets in its own order, ECS in another).
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
