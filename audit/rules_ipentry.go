package audit

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Entries that name a host or an IP address rather than a catalogue
// service have no endpoint service to look for. A host name's addresses
// are known only to DNS inside the task, so the control plane says so and
// leaves it to `preflight check`. An IP address can be followed from the
// task subnets: the route its longest match picks, the task security
// groups' egress, and the network ACLs on the way (the task subnet's, and
// the destination subnet's when the route is local). What lies beyond, the
// security groups of whatever interface holds the address, or the network
// behind a NAT, transit or peering hop, is not in the facts: a row says so
// and never passes on it.

// addrPath is how one task subnet's route table treats an address.
type addrPath struct {
	subnet *Subnet
	// rt is the subnet's route table; nil when it is not in the facts.
	rt *RouteTable
	// route is the longest match for the address; nil when none covers it.
	route *Route
	// dest is the VPC subnet that holds the address (local route only).
	dest *Subnet
	// open: packets leave the task subnet towards the address.
	open bool
	// how says what the route does, for details and errors.
	how string
	// undecided is set when the VPC's subnets could not be read.
	undecided *Undecided
	// noFamily: the task subnet has no block of the address's family.
	noFamily bool
	// bpa is what VPC Block Public Access does to a route through an
	// internet, egress-only internet or NAT gateway (or an appliance) to
	// a public address, when it closes it or may.
	bpa *bpaVerdict
}

// hostNeed judges a NeedHost need: a host name is skipped with the reason,
// an IP address is judged as far as the facts go.
func (e *evaluator) hostNeed(tn *taskNet, n Need) []report.Result {
	base := report.Result{Target: n.Host, Port: n.Port, Reason: tn.reason(n)}
	blocked := n.Expect == config.ExpectBlocked
	skip := base
	skip.Check, skip.Status = CheckEndpoint, report.StatusSkip
	inTask := "resolves and connects to it"
	if blocked {
		inTask = "proves the block by connecting"
	}
	switch {
	case isLoopback(n):
		skip.Detail = fmt.Sprintf("not judged: %s is the host itself (loopback), so no route, security group or network ACL is on the path; `preflight check` inside the task %s", n.Host, inTask)
		return []report.Result{skip}
	case !n.Addr.IsValid():
		skip.Detail = fmt.Sprintf("not judged from the control plane: no endpoint service for %s, and only DNS inside the task knows its addresses; `preflight check` inside the task %s", n.Host, inTask)
		return []report.Result{skip}
	case isAmazonDNS(tn.vpc, n.Addr):
		skip.Detail = fmt.Sprintf("%s is the Amazon-provided DNS server, not an interface the control plane describes; `preflight check` inside the task judges it (its resolver row)", n.Addr)
		return []report.Result{skip}
	}
	paths := e.addrPaths(tn, n.Addr)
	if blocked {
		return e.blockedAddrRows(tn, n, base, paths)
	}
	return e.reachAddrRows(tn, n, base, paths)
}

// isAmazonDNS reports whether a is the VPC resolver: base + 2 of one of the
// VPC's IPv4 blocks, 169.254.169.253 or fd00:ec2::253.
func isAmazonDNS(vpc *VPC, a netip.Addr) bool {
	if a == netip.MustParseAddr("169.254.169.253") || a == netip.MustParseAddr("fd00:ec2::253") {
		return true
	}
	if vpc == nil {
		return false
	}
	for _, c := range vpc.CIDRs {
		if c.Addr().Is4() && c.Addr().Next().Next() == a {
			return true
		}
	}
	return false
}

// addrPaths follows a from every task subnet through its route table.
func (e *evaluator) addrPaths(tn *taskNet, a netip.Addr) []addrPath {
	out := make([]addrPath, 0, len(tn.subnets))
	for _, s := range tn.subnets {
		p := addrPath{subnet: s, rt: tn.routeTable[s.ID]}
		switch {
		case !subnetBlock(s, a).IsValid():
			// A task's addresses come from its subnet: without a block of
			// the address's family it has no source address to send from.
			p.noFamily = true
			p.how = fmt.Sprintf("%s has no IPv%d block, so the tasks have no IPv%d address", s.ID, familyOf(a), familyOf(a))
		case p.rt == nil:
			p.how = "its route table is not in the facts"
		default:
			p.route = longestRoute(e.f, p.rt, a)
			switch r := p.route; {
			case r == nil:
				p.how = fmt.Sprintf("%s has no route that covers %s", p.rt.ID, a)
			case strings.EqualFold(r.State, "blackhole") || r.Target == TargetBlackhole:
				p.how = fmt.Sprintf("the route for %s in %s is a blackhole", routeDestination(r), p.rt.ID)
			case r.Target == TargetLocal:
				p.dest = e.subnetHolding(tn.vpcID, a)
				switch {
				case p.dest != nil:
					p.open = true
					p.how = fmt.Sprintf("local route to %s (%s)", p.dest.ID, subnetBlock(p.dest, a))
				default:
					p.undecided = findUndecided(e.f, ActionDescribeSubnets, tn.vpcID)
					p.how = fmt.Sprintf("%s is inside %s (local route) but in none of its subnets: no network interface can hold it", a, tn.vpcID)
					if p.undecided != nil {
						p.how = fmt.Sprintf("%s is inside %s (local route) and the VPC's subnets could not be read", a, tn.vpcID)
					}
				}
			case r.Target == TargetIGW && a.Is4() && !tn.publicIP:
				// IPv6 addresses need no translation; IPv4 needs the
				// task's public IP.
				p.how = fmt.Sprintf("%s sends it to %s and the tasks have no public IP: the internet gateway drops what it cannot translate", p.rt.ID, r.TargetID)
			default:
				p.open = true
				p.how = fmt.Sprintf("%s sends it via %s", p.rt.ID, routeHop(r))
				// A public address through a gateway to the internet is
				// an internet path: BPA may close it.
				if k := bpaKindOf(r.Target); k != bpaElsewhere && !a.IsPrivate() {
					if v := e.bpaPath(s, k, r.TargetID); v.open != TriTrue {
						p.open, p.bpa, p.how = false, &v, v.why
					}
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// longestRoute is the route of rt that carries a: the longest prefix that
// contains it, prefix-list routes counted by their entries. Blackhole
// routes take part (a longer blackhole drops what a shorter route would
// carry).
func longestRoute(f *Facts, rt *RouteTable, a netip.Addr) *Route {
	var best *Route
	bestBits := -1
	for i := range rt.Routes {
		r := &rt.Routes[i]
		bits := -1
		if r.Destination.IsValid() {
			if r.Destination.Contains(a) {
				bits = r.Destination.Bits()
			}
		} else if pl, ok := f.PrefixLists[r.DestinationPrefixListID]; ok {
			for _, c := range pl.CIDRs {
				if c.Contains(a) && c.Bits() > bits {
					bits = c.Bits()
				}
			}
		}
		if bits > bestBits {
			best, bestBits = r, bits
		}
	}
	return best
}

func routeDestination(r *Route) string {
	if r.DestinationPrefixListID != "" {
		return r.DestinationPrefixListID
	}
	return r.Destination.String()
}

func routeHop(r *Route) string {
	if r.TargetID != "" {
		return r.TargetID
	}
	return r.Target
}

// subnetHolding is the subnet of vpcID whose IPv4 or IPv6 block holds a.
func (e *evaluator) subnetHolding(vpcID string, a netip.Addr) *Subnet {
	ids := make([]string, 0, len(e.f.Subnets))
	for id := range e.f.Subnets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := e.f.Subnets[id]
		if s.VPCID == vpcID && (s.CIDR.Contains(a) || s.IPv6.Contains(a)) {
			return s
		}
	}
	return nil
}

func subnetBlock(s *Subnet, a netip.Addr) netip.Prefix {
	if a.Is4() {
		return s.CIDR
	}
	return s.IPv6
}

func familyOf(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// hostPrefix is a as a one-address block.
func hostPrefix(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// reachAddrRows judges an IP entry the tasks must reach: the route, the
// task groups' egress and the network ACLs, then a skip row for the side
// the facts do not show.
func (e *evaluator) reachAddrRows(tn *taskNet, n Need, base report.Result, paths []addrPath) []report.Result {
	host := hostPrefix(n.Addr)
	rows := []report.Result{e.addrRouteRow(tn, n.Addr, paths), e.addrEgressRow(tn, n.Addr, n.Port)}
	var peers []naclPeer
	var dests []*Subnet
	var hops []string
	for _, p := range paths {
		switch {
		case !p.open:
		case p.dest != nil:
			if !containsSubnet(dests, p.dest) {
				dests = append(dests, p.dest)
				if n.Addr.Is4() {
					// The destination subnet's own ACL is judged as well
					// (inbound request, outbound reply).
					peers = append(peers, naclPeer{subnet: p.dest, cidr: host})
				}
			}
		default:
			hops = append(hops, routeHop(p.route))
		}
	}
	if len(peers) == 0 && (len(dests) > 0 || len(hops) > 0) {
		peers = []naclPeer{{cidr: host}}
	}
	rows = append(rows, e.naclRow(tn, peers, n.Port))
	if len(dests) > 0 {
		var ids, blocks []string
		for _, d := range dests {
			ids = append(ids, d.ID)
		}
		for _, s := range tn.subnets {
			blocks = append(blocks, subnetBlock(s, n.Addr).String())
		}
		detail := fmt.Sprintf("not judged: which network interface holds %s (in %s), and so its security groups, is not read; they must admit TCP %d from %s or %s",
			n.Addr, joinComma(ids), n.Port, joinComma(tn.sgIDs), joinComma(blocks))
		if n.Addr.Is6() {
			detail += "; nor is the network ACL of " + joinComma(ids) + " judged for IPv6"
		}
		rows = append(rows, report.Result{Check: CheckSecurityGroup, Status: report.StatusSkip, Resources: ids,
			Detail: detail + "; `preflight check` inside the task connects to it"})
	}
	if len(hops) > 0 {
		hops = uniqSorted(hops...)
		rows = append(rows, report.Result{Check: CheckRoute, Status: report.StatusSkip, Resources: hops,
			Detail: fmt.Sprintf("not judged: beyond %s (the far side of the path and the destination's own firewall) is outside this VPC's facts; `preflight check` inside the task connects to it", joinComma(hops))})
	}
	var out []report.Result
	for _, r := range rows {
		if r.Status != "" {
			out = append(out, withBase(base, r))
		}
	}
	return out
}

// bySubnet is a list of (task subnet, what happens there); String groups
// the subnets that share one explanation: "subnet-a, subnet-b: ...".
type bySubnet [][2]string

func (b bySubnet) String() string {
	var order []string
	subnets := map[string][]string{}
	for _, x := range b {
		if _, ok := subnets[x[1]]; !ok {
			order = append(order, x[1])
		}
		subnets[x[1]] = append(subnets[x[1]], x[0])
	}
	parts := make([]string, len(order))
	for i, how := range order {
		parts[i] = strings.Join(subnets[how], ", ") + ": " + how
	}
	return strings.Join(parts, "; ")
}

func containsSubnet(list []*Subnet, s *Subnet) bool {
	for _, x := range list {
		if x.ID == s.ID {
			return true
		}
	}
	return false
}

// addrRouteRow: every task subnet's route must lead towards a.
func (e *evaluator) addrRouteRow(tn *taskNet, a netip.Addr, paths []addrPath) report.Result {
	r := report.Result{Check: CheckRoute}
	var closed, open, unknown bySubnet
	var ids []string
	noSubnet, noFamily := false, false
	for _, p := range paths {
		ids = append(ids, p.subnet.ID)
		if p.rt != nil {
			ids = append(ids, p.rt.ID)
		}
		if p.dest != nil {
			ids = append(ids, p.dest.ID)
		}
		if p.route != nil && bpaKindOf(p.route.Target) != bpaElsewhere {
			// The gateway or appliance the text names (nat-..., igw-...).
			ids = append(ids, p.route.TargetID)
		}
		line := [2]string{p.subnet.ID, p.how}
		switch {
		case p.noFamily:
			closed = append(closed, line)
			noFamily = true
		case p.rt == nil:
			if u := findUndecided(e.f, ActionDescribeRouteTables, p.subnet.ID, p.subnet.VPCID); u != nil {
				return undecidedRow(CheckRoute, "", *u, "the route table of "+p.subnet.ID+" decides whether "+a.String()+" is reachable", e.opts)
			}
			unknown = append(unknown, line)
		case p.undecided != nil:
			return undecidedRow(CheckRoute, "", *p.undecided, "the VPC's subnets decide whether an interface can hold "+a.String(), e.opts)
		case p.bpa != nil && p.bpa.open == TriUnknown && p.bpa.undecided != nil:
			return undecidedRow(CheckRoute, "", *p.bpa.undecided, "VPC Block Public Access decides whether "+a.String()+" is reachable over "+p.route.TargetID, e.opts)
		case p.bpa != nil && p.bpa.open == TriUnknown:
			unknown = append(unknown, line)
		case p.open:
			open = append(open, line)
		default:
			closed = append(closed, line)
			noSubnet = noSubnet || p.route != nil && p.route.Target == TargetLocal
		}
	}
	r.Resources = uniqSorted(ids...)
	switch {
	case len(closed) > 0:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("no path from the task subnets to %s (%s): connections time out", a, closed)
		var bpaHints []string
		for _, p := range paths {
			if p.bpa != nil && p.bpa.hint != "" && !contains(bpaHints, p.bpa.hint) {
				bpaHints = append(bpaHints, p.bpa.hint)
			}
		}
		switch {
		case len(bpaHints) > 0:
			r.Hint = "Reopen the path VPC Block Public Access closes: " + strings.Join(bpaHints, "; ")
		case noSubnet:
			r.Hint = checked(fmt.Sprintf("Check the address: no subnet of %s contains %s.", tn.vpcID, a), vpcIDs(tn.vpcID))
		case noFamily:
			r.Hint = fmt.Sprintf("Run the tasks in subnets with an IPv%d block (aws ec2 associate-subnet-cidr-block), or name an address the tasks can reach.", familyOf(a))
		default:
			r.Hint = checked(fmt.Sprintf("Add a route for %s to route tables %s through a NAT gateway, transit gateway or peering connection that reaches it (or give the tasks a public IP for an internet gateway route), or check the address.", a, joinComma(tn.routeIDs())),
				routeIDs(tn.routeIDs()...))
		}
	case len(unknown) > 0:
		r.Status, r.Class = report.StatusWarn, report.ClassUndecided
		r.Error = fmt.Sprintf("could not decide the route to %s: %s", a, unknown)
	default:
		r.Status, r.Detail = report.StatusPass, "routed: "+open.String()
	}
	return r
}

// sgAddrVerdict is what the task groups' egress does to TCP to one
// address.
type sgAddrVerdict struct {
	// by names the rule that allows it; empty when none does.
	by string
	// maybe lists rules that could allow it, but the facts cannot say:
	// a reference to another group (who is in it is not read) or a prefix
	// list whose entries are not in the facts.
	maybe []string
	// missing are groups not in the facts; undecided is set when a read
	// was denied.
	missing   []string
	undecided *Undecided
}

// blocked reports whether no rule of any group can let the traffic out.
func (v sgAddrVerdict) blocked() bool {
	return v.by == "" && len(v.maybe) == 0 && len(v.missing) == 0
}

// sgToAddr judges the egress of groups towards a on TCP port.
func (e *evaluator) sgToAddr(groups []string, a netip.Addr, port int) sgAddrVerdict {
	var v sgAddrVerdict
	for _, id := range groups {
		sg, ok := e.group(id, &v.missing, &v.undecided)
		if !ok {
			continue
		}
		for _, r := range sg.Egress {
			if !ruleCoversTCP(r, port) {
				continue
			}
			for _, c := range r.CIDRs {
				if c.Contains(a) {
					return sgAddrVerdict{by: id + " egress to " + c.String()}
				}
			}
			for _, plID := range r.PrefixListIDs {
				pl, ok := e.f.PrefixLists[plID]
				if !ok {
					v.maybe = append(v.maybe, id+" egress to prefix list "+plID+" (entries not read)")
					continue
				}
				for _, c := range pl.CIDRs {
					if c.Contains(a) {
						return sgAddrVerdict{by: id + " egress to " + plID + " (" + c.String() + ")"}
					}
				}
			}
			for _, g := range r.GroupIDs {
				v.maybe = append(v.maybe, id+" egress to group "+g)
			}
		}
	}
	return v
}

// addrEgressRow: a task group must let TCP port out to a.
func (e *evaluator) addrEgressRow(tn *taskNet, a netip.Addr, port int) report.Result {
	v := e.sgToAddr(tn.sgIDs, a, port)
	r := report.Result{Check: CheckSecurityGroup, Resources: tn.sgIDs}
	switch {
	case v.by != "":
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("tasks may send TCP %d to %s (%s)", port, a, v.by)
	case v.undecided != nil:
		return undecidedRow(CheckSecurityGroup, "", *v.undecided, "the task security groups decide whether the tasks get out", e.opts)
	case len(v.missing) > 0:
		r.Status, r.Class = report.StatusWarn, report.ClassUndecided
		r.Error = fmt.Sprintf("task security groups %s are not in the facts: whether TCP %d to %s gets out is unknown", joinComma(v.missing), port, a)
	case len(v.maybe) > 0:
		r.Status = report.StatusSkip
		r.Detail = fmt.Sprintf("not judged: the task groups let TCP %d out to %s only if it is in %s, which the facts do not show", port, a, strings.Join(v.maybe, ", "))
	default:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("task security groups %s do not allow outbound TCP %d to %s: connections time out", joinComma(tn.sgIDs), port, a)
		switch {
		case len(tn.sgIDs) == 0:
		case a.Is4():
			r.Hint = hintSGCIDR("egress", tn.sgIDs[0], port, hostPrefix(a).String())
		default:
			r.Hint = fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,Ipv6Ranges=[{CidrIpv6=%s}]'",
				tn.sgIDs[0], port, port, hostPrefix(a))
			r.Hint = checked(r.Hint, groupIDs(tn.sgIDs[0]))
		}
	}
	return r
}

// blockedAddrRows judges a =blocked IP entry: a pass for each task subnet
// the facts prove blocked (no route, the task groups, a network ACL), and
// a skip naming what lets the traffic through from the others.
func (e *evaluator) blockedAddrRows(tn *taskNet, n Need, base report.Result, paths []addrPath) []report.Result {
	a, port := n.Addr, n.Port
	sg := e.sgToAddr(tn.sgIDs, a, port)
	if sg.blocked() && len(tn.sgIDs) > 0 {
		return []report.Result{withBase(base, report.Result{
			Check: CheckSecurityGroup, Status: report.StatusPass, Resources: tn.sgIDs,
			Detail: fmt.Sprintf("blocked: no egress rule of the task security groups %s can match TCP %d to %s", joinComma(tn.sgIDs), port, a),
		})}
	}
	var byRoute, byACL bySubnet
	var open, routeIDs, aclIDs, openIDs []string
	for _, p := range paths {
		if (p.rt != nil || p.noFamily) && !p.open && p.undecided == nil && (p.bpa == nil || p.bpa.open == TriFalse) {
			byRoute = append(byRoute, [2]string{p.subnet.ID, p.how})
			routeIDs = append(routeIDs, p.subnet.ID)
			if p.rt != nil {
				routeIDs = append(routeIDs, p.rt.ID)
			}
			continue
		}
		if why, acl, ok := e.naclProvesBlock(p, a, port, tn.ephemeral); ok {
			byACL = append(byACL, [2]string{p.subnet.ID, why})
			aclIDs = append(aclIDs, p.subnet.ID, acl)
			continue
		}
		how := p.how
		if p.open {
			how = "routed: " + how
		}
		open = append(open, p.subnet.ID+" ("+how+")")
		openIDs = append(openIDs, p.subnet.ID)
	}
	var rows []report.Result
	if len(byRoute) > 0 {
		rows = append(rows, report.Result{Check: CheckRoute, Status: report.StatusPass, Resources: uniqSorted(routeIDs...),
			Detail: "blocked: " + byRoute.String()})
	}
	if len(byACL) > 0 {
		rows = append(rows, report.Result{Check: CheckNACL, Status: report.StatusPass, Resources: uniqSorted(aclIDs...),
			Detail: "blocked: " + byACL.String()})
	}
	if len(open) > 0 {
		egress := "the task security groups let it out (" + sg.by + ")"
		switch {
		case len(sg.missing) > 0:
			egress = "the task security groups " + joinComma(sg.missing) + " are not in the facts"
		case sg.by == "":
			egress = "the task security groups may let it out (" + strings.Join(sg.maybe, ", ") + ")"
		}
		rows = append(rows, report.Result{Check: CheckEndpoint, Status: report.StatusSkip, Resources: uniqSorted(append(openIDs, tn.sgIDs...)...),
			Detail: fmt.Sprintf("not proven blocked from %s: %s, and no network ACL denies it; only what the control plane does not show (the destination's own security groups or firewall) could block it: `preflight check` inside the task proves a block by connecting",
				strings.Join(open, ", "), egress)})
	}
	for i := range rows {
		rows[i] = withBase(base, rows[i])
	}
	return rows
}

// naclProvesBlock reports whether a network ACL on p's path drops every
// TCP connection to a:port from p's subnet: the task subnet's ACL out
// (request) or in (reply), or, on a local route to another subnet, that
// subnet's ACL in (request) or out (reply).
func (e *evaluator) naclProvesBlock(p addrPath, a netip.Addr, port int, eph ephemeralRange) (why, aclID string, ok bool) {
	if p.dest != nil && p.dest.ID == p.subnet.ID {
		return "", "", false // traffic inside one subnet crosses no network ACL
	}
	host := hostPrefix(a)
	type leg struct {
		subnet *Subnet
		egress bool
		peer   netip.Prefix
		lo, hi int
		what   string
	}
	legs := []leg{
		{p.subnet, true, host, port, port, fmt.Sprintf("outbound TCP %d to %s", port, a)},
		{p.subnet, false, host, eph.lo, eph.hi, fmt.Sprintf("the return traffic from %s (inbound TCP %d-%d, the tasks' %s ephemeral ports)", a, eph.lo, eph.hi, eph.os)},
	}
	if p.open && p.dest != nil && p.dest.ID != p.subnet.ID {
		src := subnetBlock(p.subnet, a)
		if src.IsValid() {
			legs = append(legs,
				leg{p.dest, false, src, port, port, fmt.Sprintf("inbound TCP %d from %s", port, src)},
				leg{p.dest, true, src, eph.lo, eph.hi, fmt.Sprintf("the return traffic to %s (outbound TCP %d-%d, the tasks' %s ephemeral ports)", src, eph.lo, eph.hi, eph.os)})
		}
	}
	for _, l := range legs {
		acl := aclForSubnet(e.f, l.subnet)
		if acl == nil {
			continue
		}
		if rule, denied := naclDeniesAll(acl, l.egress, l.peer, l.lo, l.hi); denied {
			by := fmt.Sprintf("rule %d", rule)
			if rule == 0 {
				by = "the default * rule (no entry matches)"
			}
			return fmt.Sprintf("%s of %s denies %s by %s", acl.ID, l.subnet.ID, l.what, by), acl.ID, true
		}
	}
	return "", "", false
}

// naclDeniesAll reports whether acl drops TCP on every port in [lo, hi] for
// every address of peer in one direction: no allow entry can match any of
// that traffic before a deny entry (or the implicit deny) does. It is the
// proof a =blocked entry needs, the converse of naclAllowsTCP. rule is the
// first deny entry that settled a port, 0 for the implicit deny.
func naclDeniesAll(acl *NetworkACL, egress bool, peer netip.Prefix, lo, hi int) (rule int, denied bool) {
	// Traffic some packet may still match on; deny entries in a row
	// settle it between them, as allows do in naclAllowsTCP.
	open := []naclPiece{{rangeOf(peer), portSpan{lo, hi}}}
	for _, m := range naclTCPEntries(acl, egress, peer) {
		if len(open) == 0 {
			break
		}
		hit := naclPiece{rangeOf(m.CIDR), m.span}
		if _, ok := firstOverlap(open, hit); !ok {
			continue
		}
		if m.Allow {
			return 0, false // some of the traffic matches an allow first
		}
		open = subtractPiece(open, hit)
		if rule == 0 {
			rule = m.RuleNumber
		}
	}
	return rule, true // what is left falls to the implicit deny
}
