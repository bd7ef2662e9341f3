package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// publicPath judges, with one rule for interface and gateway endpoints
// alike, a need that a VPC endpoint would serve privately but that the
// tasks reach only over a public path (a NAT or internet gateway route in
// every task subnet). Tasks there do start (AWS documents NAT as a way to
// pull images), so the finding is about posture: it fails with
// ClassDNSPosture (exit 11) unless the user accepted the path, by an entry
// NAME=any for this need (the row names the entry that won) or by
// --public-path warn. r carries the finding's opening ("no available
// interface endpoint for ..."), and how says how the tasks get there ("the
// tasks resolve the public name and reach it"); endpoint names the endpoint
// that would keep the traffic private. A need with no private option (a registry on the
// internet, a log group in another region) is not judged here. The row's
// resources gain the gateways and route tables of the path, so that a
// reader filtering by resource finds the NAT gateway the text names: the
// caller sets its own resources first.
func (e *evaluator) publicPath(r *report.Result, tn *taskNet, n Need, how, endpoint string) {
	paths, viaNAT := tn.publicPaths()
	addResources(r, tn.publicPathIDs()...)
	r.Status, r.Class = report.StatusFail, report.ClassDNSPosture
	msg := r.Error + ": " + how + " only over the public path " + paths
	accepted := ""
	switch {
	case n.Expect == config.ExpectAny:
		accepted = "relaxed by " + n.ExpectBy
	case e.opts.PublicPath == config.PublicPathWarn:
		accepted = "accepted by --public-path warn"
	}
	if accepted == "" {
		msg += fmt.Sprintf("; to accept the path, run with --public-path warn, or --checks %s=any for this need alone", n.Service)
		r.Error = msg
		return
	}
	r.Status = report.StatusWarn
	msg += fmt.Sprintf(" (%s): not private; %s would keep it in the VPC", accepted, endpoint)
	if viaNAT {
		msg += ", and NAT gateway data processing charges apply to image pulls"
	}
	r.Error = msg
	r.Detail = "public path " + accepted
}

// publicPaths describes the task subnets' internet paths by gateway and
// route table, e.g. "nat-0abc via rtb-1 (subnet-a, subnet-b)", and
// reports whether one of them is a NAT gateway.
func (tn *taskNet) publicPaths() (string, bool) {
	type key struct{ via, rt string }
	var order []key
	subnets := map[key][]string{}
	viaNAT := false
	for _, s := range tn.subnets {
		via := tn.internetVia[s.ID]
		if via == "" {
			continue
		}
		viaNAT = viaNAT || strings.HasPrefix(via, "nat-")
		k := key{via: via}
		if rt := tn.routeTable[s.ID]; rt != nil {
			k.rt = rt.ID
		}
		if _, ok := subnets[k]; !ok {
			order = append(order, k)
		}
		subnets[k] = append(subnets[k], s.ID)
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].via != order[j].via {
			return order[i].via < order[j].via
		}
		return order[i].rt < order[j].rt
	})
	parts := make([]string, len(order))
	for i, k := range order {
		p := k.via
		if k.rt != "" {
			p += " via " + k.rt
		}
		parts[i] = p + " (" + joinComma(subnets[k]) + ")"
	}
	return strings.Join(parts, ", "), viaNAT
}

// publicPathIDs are the gateways (nat-..., igw-..., or the ENI, instance
// or transit gateway the route names) and the route tables of the task
// subnets' IPv4 internet paths, as publicPaths and internetRoutes name
// them: the resources of a row about those paths.
func (tn *taskNet) publicPathIDs() []string {
	var ids []string
	for _, s := range tn.subnets {
		via := tn.internetVia[s.ID]
		if via == "" {
			continue
		}
		// "nat-0abc (NAT64; needs DNS64 on the subnet)": the id only.
		gw, _, _ := strings.Cut(via, " ")
		ids = append(ids, gw)
		if rt := tn.routeTable[s.ID]; rt != nil {
			ids = append(ids, rt.ID)
		}
	}
	return uniqSorted(ids...)
}

// addResources adds ids to r's resources, which stay distinct and sorted.
func addResources(r *report.Result, ids ...string) {
	r.Resources = uniqSorted(append(r.Resources, ids...)...)
}

// only is tn narrowed to the subnets ids names (a shallow copy), for a
// row about some of the task subnets.
func (tn *taskNet) only(ids []string) *taskNet {
	c := *tn
	c.subnets = nil
	for _, s := range tn.subnets {
		if contains(ids, s.ID) {
			c.subnets = append(c.subnets, s)
		}
	}
	return &c
}
