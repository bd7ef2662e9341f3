// Package overlay lays a change set over the facts of a live account: the
// live facts, then the change's deletes, updates and creates on top. It is
// a pure function over audit.Facts, whatever the change's source (a
// Terraform plan today), so that the audit's rules answer the question a
// reviewer has: which services already running would this change break?
//
// A change names the fact it touches by the id the account gave it (the
// plan's change.before.id), so the merged facts keep the account's ids and
// the result keeps the map id ↔ address: rows name both.
package overlay

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// Kind is the kind of fact a change touches.
type Kind int8

// Kinds of facts.
const (
	KindVPC Kind = iota + 1
	KindSubnet
	KindRouteTable
	KindNACL
	KindSecurityGroup
	KindEndpoint
	KindWorkload
)

// Action is what a change does to its resource in the account.
type Action int8

// Actions. Replace is a delete and a create (either order): the old id
// goes, the new resource comes with its address as id.
const (
	NoOp Action = iota
	Create
	Update
	Delete
	Replace
)

// verb is the action in a row's words.
func (a Action) verb() string {
	switch a {
	case Create:
		return "creates"
	case Update:
		return "updates"
	case Delete:
		return "deletes"
	case Replace:
		return "replaces"
	}
	return "keeps"
}

// Change is one resource instance of a change set, as the fact it
// touches. A data source the change reads is a NoOp change of the fact
// it read, under its address: rows name it beside the id.
type Change struct {
	// Address is the resource instance's address in the change
	// (module.net.aws_vpc_endpoint.ecr_dkr).
	Address string
	Kind    Kind
	Action  Action
	// ID is the account's id of the fact before the change (a workload's
	// service ARN); empty for a create or an id the change does not know.
	ID string
	// Part is true for a change to a part of the fact ID names, not the
	// fact itself: a route, a security group rule, an association. Any
	// action on a part changes the fact: its value after the change is
	// the change set's own (planned) fact.
	Part bool
	// Read is true for a fact the change reads with a data source
	// (data.aws_vpc.main) but does not declare: a fix cannot edit it
	// there, so it keeps its AWS id in a fix (outside the change).
	Read bool
}

// Touched is a change that alters the account, with the VPC of the fact
// it touches (empty when unknown), so rows of that VPC can name it.
type Touched struct {
	Change
	VPCID string
}

// Result is the facts after the change, and how the change maps to them.
type Result struct {
	Facts *audit.Facts
	// Addresses maps each account id the change touches or keeps to its
	// addresses in the change: the resource's own first, then those of
	// its parts (routes, rules, associations).
	Addresses map[string][]string
	// Names maps each account id whose resource the change declares
	// (itself, not only a part of it) and keeps (neither deletes nor
	// replaces) to that resource's own address: what a fix written in
	// the change's format names it by (audit.Facts.Names). A resource
	// the change does not declare has no entry, nor one it only changes
	// a part of.
	Names map[string]string
	// Touched are the changes that alter the account, in change order.
	Touched []Touched
	// reconfigured are the ARNs of the live services whose update
	// changes what the rules judge of them.
	reconfigured map[string]bool
	// reads are the addresses of the change's data sources (Change.Read).
	reads map[string]bool
}

// key names one fact.
type key struct {
	kind Kind
	id   string
}

// Apply lays the change over live: deletes remove the account's fact,
// updates replace it with planned's, creates add planned's (which keep
// their addresses as ids); a fact the change does not alter stays as the
// account has it. outside are planned's Undecided entries that only say
// a fact is in the account, not in the change: they are dropped where
// live has the fact. A part changed on a fact planned does not hold
// cannot be merged: that fact becomes undecided, never kept as it was.
// Neither live nor planned is modified.
func Apply(live, planned *audit.Facts, changes []Change, outside []audit.Undecided) *Result {
	m := clone(live)
	// The merged facts hold the change's names for what it creates.
	m.Source = planned.Source
	// And which rules and associations the change's resources set
	// inline, by the ids the merged facts give them (an account id for
	// what the account has, an address for what the change creates), for
	// a fix written in the change's format to edit them there.
	m.Inline = maps.Clone(planned.Inline)
	res := &Result{Facts: m.Facts, Addresses: map[string][]string{}, Names: map[string]string{}, reconfigured: map[string]bool{}, reads: map[string]bool{}}
	// The planned facts of resources the account already has use the
	// account's ids, except a service, whose planned ARN is its address.
	idOfAddr := map[string]string{}
	replace := map[key]bool{}
	var gone []key
	for _, c := range changes {
		if c.Read {
			res.reads[c.Address] = true
		}
		if c.ID != "" && !slices.Contains(res.Addresses[c.ID], c.Address) {
			if c.Part {
				res.Addresses[c.ID] = append(res.Addresses[c.ID], c.Address)
			} else {
				// The resource's own address first, before its parts'.
				res.Addresses[c.ID] = append([]string{c.Address}, res.Addresses[c.ID]...)
				idOfAddr[c.Address] = c.ID
			}
		}
		if c.ID != "" && !c.Part && c.Action != Delete && c.Action != Replace && !c.Read {
			res.Names[c.ID] = c.Address
		}
		if c.Action == NoOp {
			continue
		}
		t := Touched{Change: c, VPCID: vpcOf(live, planned, key{c.Kind, c.ID}, c.Address)}
		res.Touched = append(res.Touched, t)
		if c.ID == "" {
			continue
		}
		k := key{c.Kind, c.ID}
		switch {
		case c.Part || c.Action == Update:
			replace[k] = true
		case c.Action == Delete || c.Action == Replace:
			gone = append(gone, k)
		}
	}
	for _, k := range gone {
		m.remove(k)
	}
	// A fact the change alters but does not describe (a part of a fact it
	// does not manage, or an update the planned facts had to leave out)
	// is not known after the change: undecided, never kept as it was.
	var unknown []Touched
	for _, t := range res.Touched {
		k := key{t.Kind, t.ID}
		if t.ID == "" || !replace[k] || has(planned, k, idOfAddr) || slices.Contains(gone, k) {
			continue
		}
		if !slices.ContainsFunc(unknown, func(u Touched) bool { return u.Kind == t.Kind && u.ID == t.ID }) {
			unknown = append(unknown, t)
		}
	}
	for k := range replace {
		if k.kind == KindWorkload && !has(planned, k, idOfAddr) {
			// The service stays, judged undecided as a whole (below).
			continue
		}
		m.remove(k)
	}
	m.add(live, planned, idOfAddr, replace, res)
	for _, u := range planned.Undecided {
		if slices.Contains(outside, u) && m.inAccount(u, live, idOfAddr) {
			continue
		}
		if addrs := res.Addresses[u.Resource]; len(addrs) > 0 && !strings.Contains(u.Err, addrs[0]) {
			// Name the address too: the reviewer finds the block by it.
			u.Err = addrs[0] + " (" + u.Resource + "): " + u.Err
		}
		m.note(u)
	}
	for _, t := range unknown {
		action, scope := undecidedScope(t)
		if t.Kind == KindWorkload {
			scope = workloadName(live, t.ID)
		}
		if slices.ContainsFunc(m.Undecided, func(u audit.Undecided) bool { return u.Action == action && u.Resource == scope }) {
			// The plan's own reason (the attribute it leaves open) says it.
			continue
		}
		what := "a part of " + t.ID + ", which the change does not manage"
		if !t.Part {
			what = t.ID + " and does not say its value after the change"
		}
		m.note(audit.Undecided{Action: action, Resource: scope, Code: audit.CodeUnknownInSource,
			Err: fmt.Sprintf("%s %s %s: what %s is after the change is not known", t.Address, t.Action.verb(), what, t.ID)})
	}
	gatewayRoutes(m, live)
	return res
}

// undecidedScope is the action and resource an Undecided for t's fact
// names, as the rules look them up.
func undecidedScope(t Touched) (string, string) {
	vpcOr := func(id string) string {
		if t.VPCID != "" {
			return t.VPCID
		}
		return id
	}
	switch t.Kind {
	case KindVPC:
		return audit.ActionDescribeVpcs, t.ID
	case KindSubnet:
		return audit.ActionDescribeSubnets, t.ID
	case KindRouteTable:
		return audit.ActionDescribeRouteTables, vpcOr(t.ID)
	case KindNACL:
		return audit.ActionDescribeNetworkAcls, vpcOr(t.ID)
	case KindSecurityGroup:
		return audit.ActionDescribeSecurityGroups, t.ID
	case KindEndpoint:
		return audit.ActionDescribeVpcEndpoints, vpcOr(t.ID)
	}
	return audit.ActionDescribeServices, t.ID
}

// workloadName is the row name of the live service with ARN arn.
func workloadName(live *audit.Facts, arn string) string {
	for _, w := range live.Workloads {
		if w.ServiceARN == arn {
			return w.Name
		}
	}
	return arn
}
