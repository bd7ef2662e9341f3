package report

import (
	"regexp"
	"slices"
	"strings"
)

// HopState is what the page says of one hop of a need's path.
type HopState string

// Hop states, as the page colours them.
const (
	HopPass      HopState = "pass"
	HopFail      HopState = "fail"
	HopWarn      HopState = "warn"
	HopUndecided HopState = "undecided"
	// HopNotJudged: no row decides the hop (the traffic takes another
	// path, or the audit does not judge it).
	HopNotJudged HopState = "notjudged"
	// HopUnreached: the hop does not exist because an earlier one is
	// missing (no endpoint, so no endpoint security group).
	HopUnreached HopState = "unreached"
)

// HopKind names a hop of the path from a task to what it needs.
type HopKind string

// Hop kinds, in path order.
const (
	HopTasks      HopKind = "tasks"
	HopRoute      HopKind = "route"
	HopNACL       HopKind = "nacl"
	HopTaskSG     HopKind = "task-sg"
	HopEndpointSG HopKind = "endpoint-sg"
	HopEndpoint   HopKind = "endpoint"
	HopService    HopKind = "service"
)

// Hop is one step of a need's path as the HTML page draws it: derived from
// the rows about the need (their check kinds, resources, status and
// wording), since rows carry no path of their own.
type Hop struct {
	Kind  HopKind
	Label string
	State HopState
	// IDs are the resource ids the hop's rows name.
	IDs []string
	// Rows are the rows the hop's state comes from.
	Rows []Result
}

// needChecks are the control-plane kinds whose rows are about one need
// of a workload (their target is the need); the others (public_ip,
// dns_support, dhcp, egress) are about the workload or its VPC.
var needChecks = map[Check]HopKind{
	"endpoint": HopEndpoint, "endpoint_az": HopEndpoint, "private_dns": HopEndpoint,
	"route": HopRoute, "nacl": HopNACL, "security_group": HopTaskSG,
	"endpoint_policy": HopService, "cross_region": HopService,
}

// subnetPattern finds the task subnets a workload's rows name.
var subnetPattern = regexp.MustCompile(`\bsubnet-[0-9a-z]+\b`)

// Need is one need of a workload with its path.
type Need struct {
	Target string
	Rows   []Result
	Hops   []Hop
	// Status is the worst status of the need's rows.
	Status Status
}

// NeedsOf groups a workload's rows by need, in the order the rows first
// name each, and derives each need's path as the HTML page draws it.
func NeedsOf(wl *Workload, rows []Result) []Need {
	var order []string
	byTarget := map[string][]Result{}
	var subnets []string
	for _, r := range rows {
		for _, s := range subnetPattern.FindAllString(r.Error+" "+r.Detail+" "+r.Hint+" "+strings.Join(r.Resources, " "), -1) {
			if !slices.Contains(subnets, s) {
				subnets = append(subnets, s)
			}
		}
		if _, ok := needChecks[r.Check]; !ok || r.Target == "" || (wl != nil && r.Target == wl.Name) {
			continue
		}
		if _, seen := byTarget[r.Target]; !seen {
			order = append(order, r.Target)
		}
		byTarget[r.Target] = append(byTarget[r.Target], r)
	}
	slices.Sort(subnets)
	needs := make([]Need, 0, len(order))
	for _, target := range order {
		rs := byTarget[target]
		needs = append(needs, Need{Target: target, Rows: rs, Hops: pathOf(target, rs, subnets), Status: worst(rs)})
	}
	return needs
}

// pathOf lays a need's rows on the hops of its path: the task subnets,
// their route tables, network ACLs, the task security groups' egress, the
// endpoint's security groups' ingress (interface endpoints), the endpoint
// (its interface in the tasks' AZs, or the gateway's route and prefix
// list), the service. A hop no row is about is passed when the endpoint
// row passed (that verdict covered it: its detail says so), not reached
// behind a missing endpoint, and not judged otherwise.
func pathOf(target string, rows []Result, subnets []string) []Hop {
	var endpoint *Result
	gateway := false
	for i, r := range rows {
		if r.Check == "endpoint" && endpoint == nil {
			endpoint = &rows[i]
		}
		if r.Check == "route" || strings.Contains(r.Detail, "routed from") || strings.Contains(r.Error, "gateway endpoint") {
			gateway = true
		}
	}
	hops := []Hop{
		{Kind: HopTasks, Label: "task subnets", State: HopPass, IDs: subnets},
		{Kind: HopRoute, Label: "route tables"},
		{Kind: HopNACL, Label: "NACL out+return"},
		{Kind: HopTaskSG, Label: "task SG egress"},
	}
	switch {
	case endpoint != nil && gateway:
		hops = append(hops, Hop{Kind: HopEndpoint, Label: "gateway + prefix list"})
	case endpoint != nil:
		hops = append(hops, Hop{Kind: HopEndpointSG, Label: "endpoint SG ingress"}, Hop{Kind: HopEndpoint, Label: "endpoint ENI per AZ"})
	}
	hops = append(hops, Hop{Kind: HopService, Label: target})
	at := func(k HopKind) *Hop {
		for i := range hops {
			if hops[i].Kind == k {
				return &hops[i]
			}
		}
		return nil
	}
	for _, r := range rows {
		kind := needChecks[r.Check]
		if r.Check == "security_group" && isIngress(r) {
			kind = HopEndpointSG
		}
		h := at(kind)
		if h == nil {
			// An endpoint-SG row without an interface endpoint row:
			// the task egress hop is the closest.
			h = at(HopTaskSG)
		}
		h.Rows = append(h.Rows, r)
		for _, id := range r.Resources {
			idHop := h
			if k, ok := hopOfID(r, id); ok && at(k) != nil {
				idHop = at(k)
			}
			if !slices.Contains(idHop.IDs, id) {
				idHop.IDs = append(idHop.IDs, id)
			}
		}
	}
	missing := endpoint != nil && endpoint.Status == StatusFail && endpoint.Class != ClassUndecided
	reachedEndpoint := false
	for i := range hops {
		h := &hops[i]
		if h.Kind == HopEndpoint {
			reachedEndpoint = true
		}
		switch {
		case h.Kind == HopTasks:
		case len(h.Rows) > 0:
			h.State = stateOf(h.Rows)
		case missing && (reachedEndpoint || h.Kind == HopEndpointSG):
			h.State = HopUnreached
		case endpoint != nil && endpoint.Status == StatusPass:
			h.State = HopPass
		default:
			h.State = HopNotJudged
		}
	}
	return hops
}

// sgRole finds the security groups an endpoint row's detail names as
// admitting the tasks ("sg-1 ingress from sg-2") or letting them out
// ("sg-2 egress to sg-1").
var sgRole = regexp.MustCompile(`\b(sg-[0-9a-z]+) (ingress|egress)\b`)

// hopOfID is the hop a resource id of row r belongs on, by its kind: a
// route table on the routes, an ACL on the ACLs, an endpoint or prefix
// list on the endpoint, a security group on the side the row says it is
// on. ok is false when the id stays on the row's own hop.
func hopOfID(r Result, id string) (HopKind, bool) {
	switch {
	case strings.HasPrefix(id, "subnet-"):
		return HopTasks, true
	case strings.HasPrefix(id, "rtb-"):
		return HopRoute, true
	case strings.HasPrefix(id, "acl-"):
		return HopNACL, true
	case strings.HasPrefix(id, "vpce-"), strings.HasPrefix(id, "pl-"):
		return HopEndpoint, true
	case strings.HasPrefix(id, "sg-") && r.Check != "security_group":
		for _, m := range sgRole.FindAllStringSubmatch(r.Detail, -1) {
			if m[1] == id && m[2] == "ingress" {
				return HopEndpointSG, true
			}
			if m[1] == id {
				return HopTaskSG, true
			}
		}
	}
	return "", false
}

// isIngress tells an endpoint security group's ingress row from a task
// security group's egress row, by the fix it asks for or, for an
// undecided row, what it says decides.
func isIngress(r Result) bool {
	text := r.Hint + " " + r.Error
	return strings.Contains(text, "authorize-security-group-ingress") || strings.Contains(text, "inbound") ||
		strings.Contains(text, "endpoint's security groups")
}

// stateOf is the state of a hop with rows: a failure blocks, an
// undecided row (warning or, with --fail-undecided, failure) leaves it
// undecided.
func stateOf(rows []Result) HopState {
	state := HopPass
	rank := map[HopState]int{HopPass: 0, HopNotJudged: 1, HopWarn: 2, HopUndecided: 3, HopFail: 4}
	for _, r := range rows {
		s := HopPass
		switch {
		case r.Class == ClassUndecided:
			s = HopUndecided
		case r.Status == StatusFail:
			s = HopFail
		case r.Status == StatusWarn:
			s = HopWarn
		case r.Status == StatusSkip:
			s = HopNotJudged
		}
		if rank[s] > rank[state] {
			state = s
		}
	}
	return state
}

// worst is the worst status among rows.
func worst(rows []Result) Status {
	rank := map[Status]int{StatusPass: 0, StatusSkip: 1, StatusWarn: 2, StatusFail: 3}
	s := StatusPass
	for _, r := range rows {
		if rank[r.Status] > rank[s] {
			s = r.Status
		}
	}
	return s
}
