package audit

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// taskNet is a network configuration resolved against the facts.
type taskNet struct {
	name     string
	vpcID    string
	vpc      *VPC // nil when the VPC is not in the facts
	subnets  []*Subnet
	sgIDs    []string
	publicIP bool
	// routeTable and internet are per task subnet id. internet is TriUnknown
	// when the subnet's route table is not in the facts.
	routeTable map[string]*RouteTable
	internet   map[string]Tri
	// internetVia names the route that gives the internet path (nat-..., igw-...).
	internetVia map[string]string
	// internet6 and internet6Via are the same for IPv6: a ::/0 route to an
	// egress-only internet gateway (or an internet gateway, which needs no
	// public address for IPv6) from a subnet with an IPv6 block.
	internet6    map[string]Tri
	internet6Via map[string]string
	// bpa and bpa6 are, per task subnet, what VPC Block Public Access
	// does to the IPv4 and IPv6 internet paths the routes give, when it
	// closes them (internet is then TriFalse) or may (TriUnknown).
	bpa, bpa6 map[string]*bpaVerdict
	// ephemeral are the ports the tasks' OS picks for its side of a
	// connection: the return traffic comes back to them.
	ephemeral ephemeralRange
}

// reason is the Reason of a need's rows: the workload and why it needs it.
func (tn *taskNet) reason(n Need) string {
	if tn.name == "" {
		return n.Reason
	}
	return tn.name + ": " + n.Reason
}

// subnetIDs lists the task subnet ids.
func (tn *taskNet) subnetIDs() []string {
	ids := make([]string, len(tn.subnets))
	for i, s := range tn.subnets {
		ids[i] = s.ID
	}
	return ids
}

// internetAll is TriTrue when every task subnet has an internet path,
// TriFalse when one has none, else TriUnknown.
func (tn *taskNet) internetAll() Tri {
	all := TriTrue
	for _, s := range tn.subnets {
		switch tn.internet[s.ID] {
		case TriFalse:
			return TriFalse
		case TriUnknown:
			all = TriUnknown
		}
	}
	return all
}

// internetRoutes describes the internet paths, e.g. "subnet-a via nat-1".
func (tn *taskNet) internetRoutes() string {
	var parts []string
	for _, s := range tn.subnets {
		if via := tn.internetVia[s.ID]; via != "" {
			parts = append(parts, s.ID+" via "+via)
		}
	}
	return strings.Join(parts, ", ")
}

// internet6Routes describes the IPv6 internet paths, e.g. "subnet-a via
// eigw-1".
func (tn *taskNet) internet6Routes() string {
	var parts []string
	for _, s := range tn.subnets {
		if via := tn.internet6Via[s.ID]; via != "" {
			parts = append(parts, s.ID+" via "+via)
		}
	}
	return strings.Join(parts, ", ")
}

// routeIDs are the route tables of the task subnets.
func (tn *taskNet) routeIDs() []string {
	var ids []string
	for _, rt := range tn.routeTable {
		if rt != nil {
			ids = append(ids, rt.ID)
		}
	}
	return uniqSorted(ids...)
}

// resolve looks the network configuration up in the facts. It returns nil
// and the rows saying why when the subnets cannot be found at all.
func (e *evaluator) resolve(nc NetConfig) (*taskNet, []report.Result) {
	tn := &taskNet{
		name: nc.Name, sgIDs: uniqSorted(nc.SecurityGroups...),
		publicIP:     nc.AssignPublicIP == PublicIPEnabled,
		routeTable:   map[string]*RouteTable{},
		internet:     map[string]Tri{},
		internetVia:  map[string]string{},
		internet6:    map[string]Tri{},
		internet6Via: map[string]string{},
		bpa:          map[string]*bpaVerdict{},
		bpa6:         map[string]*bpaVerdict{},
		ephemeral:    ephemeralPorts(nc.OSFamily),
	}
	var rows []report.Result
	for _, id := range uniqSorted(nc.Subnets...) {
		s, ok := e.f.Subnets[id]
		if ok {
			tn.subnets = append(tn.subnets, s)
			continue
		}
		if u := findUndecided(e.f, ActionDescribeSubnets, id); u != nil {
			rows = append(rows, undecidedRow(CheckUndecided, nc.Name, *u, "the task subnets decide every network rule", e.opts))
			continue
		}
		rows = append(rows, report.Result{
			Check: CheckRoute, Target: nc.Name, Status: report.StatusFail, Class: report.ClassConnect,
			Error:     fmt.Sprintf("subnet %s of the network configuration does not exist", id),
			Hint:      "Point the service's awsvpcConfiguration at existing subnets (aws ec2 describe-subnets).",
			Resources: []string{id},
		})
	}
	if len(tn.subnets) == 0 {
		return nil, rows
	}
	tn.vpcID = tn.subnets[0].VPCID
	tn.vpc = e.f.VPCs[tn.vpcID]
	for _, s := range tn.subnets[1:] {
		if s.VPCID != tn.vpcID {
			rows = append(rows, report.Result{
				Check: CheckRoute, Target: nc.Name, Status: report.StatusFail, Class: report.ClassConnect,
				Error:     fmt.Sprintf("subnets %s (%s) and %s (%s) are in different VPCs", tn.subnets[0].ID, tn.vpcID, s.ID, s.VPCID),
				Hint:      "All subnets of an awsvpcConfiguration must be in one VPC.",
				Resources: []string{tn.subnets[0].ID, s.ID},
			})
		}
	}
	for _, s := range tn.subnets {
		rt := routeTableFor(e.f, s)
		tn.routeTable[s.ID] = rt
		if rt == nil {
			if u := findUndecided(e.f, ActionDescribeRouteTables, s.ID, s.VPCID); u != nil {
				rows = append(rows, undecidedRow(CheckRoute, nc.Name, *u, "the route table decides whether "+s.ID+" has an internet path", e.opts))
			} else {
				rows = append(rows, report.Result{
					Check: CheckRoute, Target: nc.Name, Status: report.StatusWarn, Class: report.ClassUndecided,
					Error:     fmt.Sprintf("no route table found for %s (no explicit association and no main table of %s in the facts)", s.ID, s.VPCID),
					Resources: []string{s.ID},
				})
			}
			continue
		}
		route, ok := internetPath(rt, tn.publicIP)
		via := ""
		if ok {
			via = route.TargetID
		}
		if !s.CIDR.IsValid() {
			// An IPv6-only subnet's tasks have no IPv4 address: an IPv4
			// default route carries nothing of theirs. NAT64 (a route
			// for 64:ff9b::/96 to a NAT gateway) reaches IPv4
			// destinations, given DNS64 on the subnet.
			route, ok = nat64Path(rt)
			via = ""
			if ok {
				via = route.TargetID + " (NAT64; needs DNS64 on the subnet)"
			}
		}
		// VPC Block Public Access may close what the route opens.
		tn.internet[s.ID] = TriOf(ok)
		if ok {
			if v := e.bpaPath(s, bpaKindOf(route.Target), route.TargetID); v.open != TriTrue {
				v.gateway = route.TargetID
				tn.bpa[s.ID] = &v
				tn.internet[s.ID] = v.open
				if v.open == TriFalse {
					via = ""
				}
			}
		}
		tn.internetVia[s.ID] = via
		route6, ok6 := internet6Path(rt)
		ok6 = ok6 && s.IPv6.IsValid()
		tn.internet6[s.ID] = TriOf(ok6)
		if ok6 {
			tn.internet6Via[s.ID] = route6.TargetID
			// IPv6 to an internet gateway is the task's own address
			// going straight out (bpaDirect).
			if v := e.bpaPath(s, bpaKindOf(route6.Target), route6.TargetID); v.open != TriTrue {
				v.gateway = route6.TargetID
				tn.bpa6[s.ID] = &v
				tn.internet6[s.ID] = v.open
				if v.open == TriFalse {
					delete(tn.internet6Via, s.ID)
				}
			}
		}
	}
	return tn, rows
}

// routeTableFor resolves a subnet's route table: its explicit association,
// else the main table of its VPC.
func routeTableFor(f *Facts, s *Subnet) *RouteTable {
	var main *RouteTable
	for _, rt := range f.RouteTables {
		for _, id := range rt.SubnetIDs {
			if id == s.ID {
				return rt
			}
		}
		if rt.Main && rt.VPCID == s.VPCID {
			main = rt
		}
	}
	return main
}

var defaultRoute4 = netip.MustParsePrefix("0.0.0.0/0")

// internetPath returns the route by which rt sends IPv4 internet traffic
// somewhere that reaches the internet. An internet gateway only counts
// when the task has a public IP: without one its packets are not
// translated. NAT gateways, transit gateways, virtual private gateways
// and appliance ENIs/instances are assumed to lead out (an inspection VPC
// or on-premises egress); peering connections do not forward to the
// internet. VPC Block Public Access is judged apart (bpaPath).
func internetPath(rt *RouteTable, publicIP bool) (Route, bool) {
	for _, r := range rt.Routes {
		if r.Destination != defaultRoute4 || strings.EqualFold(r.State, "blackhole") {
			continue
		}
		switch r.Target {
		case TargetIGW:
			if publicIP {
				return r, true
			}
		case TargetNAT, TargetTGW, TargetVGW, TargetENI, TargetInstance:
			return r, true
		}
	}
	return Route{}, false
}

var (
	defaultRoute6 = netip.MustParsePrefix("::/0")
	nat64Prefix   = netip.MustParsePrefix("64:ff9b::/96")
)

// internet6Path returns the route by which rt sends IPv6 internet traffic
// out: to an egress-only internet gateway or an internet gateway (IPv6
// addresses are global, nothing to translate), or, as for IPv4, a transit
// gateway or an appliance assumed to lead out.
func internet6Path(rt *RouteTable) (Route, bool) {
	for _, r := range rt.Routes {
		if r.Destination != defaultRoute6 || strings.EqualFold(r.State, "blackhole") {
			continue
		}
		switch r.Target {
		case TargetEIGW, TargetIGW, TargetTGW, TargetENI, TargetInstance:
			return r, true
		}
	}
	return Route{}, false
}

// nat64Path returns the route by which rt sends the NAT64 prefix to a NAT
// gateway, which translates an IPv6-only task's traffic to IPv4
// destinations.
func nat64Path(rt *RouteTable) (Route, bool) {
	for _, r := range rt.Routes {
		if r.Destination == nat64Prefix && r.Target == TargetNAT && !strings.EqualFold(r.State, "blackhole") {
			return r, true
		}
	}
	return Route{}, false
}

// azSubnets picks one task subnet per AZ, sorted by AZ, for hints that
// create an endpoint.
func (tn *taskNet) azSubnets() []string {
	byAZ := map[string]string{}
	for _, s := range tn.subnets {
		if _, ok := byAZ[s.AZ]; !ok {
			byAZ[s.AZ] = s.ID
		}
	}
	azs := make([]string, 0, len(byAZ))
	for az := range byAZ {
		azs = append(azs, az)
	}
	sort.Strings(azs)
	out := make([]string, len(azs))
	for i, az := range azs {
		out[i] = byAZ[az]
	}
	return out
}
