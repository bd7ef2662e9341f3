package audit

import (
	"net/netip"
	"sort"
	"strings"
)

// naclVerdict is what a network ACL does to TCP traffic between a subnet
// and a peer block on a port range.
type naclVerdict struct {
	Allowed bool
	// Rule is the entry that denied the first blocked port; 0 means the
	// default "*" entry (no entry matched).
	Rule int
	// Port is the first blocked port (when !Allowed).
	Port int
}

// portSpan is an inclusive port range.
type portSpan struct{ lo, hi int }

// naclAllowsTCP decides whether acl lets TCP traffic on every port in
// [lo, hi] pass in one direction (egress: from the subnet to peer;
// ingress: from peer into the subnet) for every address of peer.
//
// Entries are evaluated in rule-number order, lowest first, and the first
// entry that matches a packet decides; no match denies. What is still
// undecided is a set of (addresses, ports) pieces: an allow entry settles
// the part of them it matches, so several allows in a row can pass a peer
// block none of them holds alone; a deny entry that matches any
// undecided piece blocks that traffic, which is enough to fail, even when
// allows around it cover the rest.
func naclAllowsTCP(acl *NetworkACL, egress bool, peer netip.Prefix, lo, hi int) naclVerdict {
	open := []naclPiece{{rangeOf(peer), portSpan{lo, hi}}} // traffic not yet decided
	for _, m := range naclTCPEntries(acl, egress, peer) {
		if len(open) == 0 {
			break
		}
		hit := naclPiece{rangeOf(m.CIDR), m.span}
		if !m.Allow {
			if port, ok := firstOverlap(open, hit); ok {
				return naclVerdict{Rule: m.RuleNumber, Port: port}
			}
			continue
		}
		open = subtractPiece(open, hit)
	}
	if len(open) > 0 {
		port := open[0].ports.lo
		for _, o := range open[1:] {
			port = min(port, o.ports.lo)
		}
		return naclVerdict{Port: port}
	}
	return naclVerdict{Allowed: true}
}

// naclPiece is traffic to or from a range of addresses on a range of
// ports.
type naclPiece struct {
	addrs addrRange
	ports portSpan
}

// firstOverlap is the lowest port on which hit matches some piece of
// open.
func firstOverlap(open []naclPiece, hit naclPiece) (int, bool) {
	port, found := 0, false
	for _, o := range open {
		if _, ok := o.addrs.intersect(hit.addrs); !ok {
			continue
		}
		if l, h := max(o.ports.lo, hit.ports.lo), min(o.ports.hi, hit.ports.hi); l <= h && (!found || l < port) {
			port, found = l, true
		}
	}
	return port, found
}

// subtractPiece removes hit from every piece of open.
func subtractPiece(open []naclPiece, hit naclPiece) []naclPiece {
	var out []naclPiece
	for _, o := range open {
		in, ok := o.addrs.intersect(hit.addrs)
		if !ok || hit.ports.hi < o.ports.lo || hit.ports.lo > o.ports.hi {
			out = append(out, o)
			continue
		}
		// The addresses outside hit keep every port; those inside keep
		// the ports outside hit's.
		for _, a := range o.addrs.minus(hit.addrs) {
			out = append(out, naclPiece{a, o.ports})
		}
		for _, p := range subtractSpan([]portSpan{o.ports}, hit.ports) {
			out = append(out, naclPiece{in, p})
		}
	}
	return out
}

// naclMatch is an entry that may match TCP traffic with a peer block, and
// the ports it matches on.
type naclMatch struct {
	NACLEntry
	span portSpan
}

// naclTCPEntries are acl's entries of one direction that can match TCP
// traffic with some address of peer, in evaluation order (rule number,
// lowest first), each with its port span (every port for "all
// protocols" or an entry without a range).
func naclTCPEntries(acl *NetworkACL, egress bool, peer netip.Prefix) []naclMatch {
	var out []naclMatch
	for _, e := range acl.Entries {
		if e.Egress != egress || !naclProtoTCP(e.Protocol) || !e.CIDR.IsValid() ||
			e.CIDR.Addr().Is4() != peer.Addr().Is4() || !e.CIDR.Overlaps(peer) {
			continue
		}
		span := portSpan{0, 65535}
		if !naclAllProtocols(e.Protocol) && (e.PortFrom != 0 || e.PortTo != 0) {
			span = portSpan{e.PortFrom, e.PortTo}
		}
		out = append(out, naclMatch{NACLEntry: e, span: span})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RuleNumber < out[j].RuleNumber })
	return out
}

// subtractSpan removes s from every span of open.
func subtractSpan(open []portSpan, s portSpan) []portSpan {
	var out []portSpan
	for _, o := range open {
		if s.hi < o.lo || s.lo > o.hi {
			out = append(out, o)
			continue
		}
		if o.lo < s.lo {
			out = append(out, portSpan{o.lo, s.lo - 1})
		}
		if o.hi > s.hi {
			out = append(out, portSpan{s.hi + 1, o.hi})
		}
	}
	return out
}

// naclProtoTCP reports whether an entry's protocol matches TCP.
func naclProtoTCP(p string) bool {
	return naclAllProtocols(p) || p == "6" || strings.EqualFold(p, "tcp")
}

func naclAllProtocols(p string) bool { return p == "-1" || strings.EqualFold(p, "all") }

// prefixContains reports whether outer contains every address of inner.
func prefixContains(outer, inner netip.Prefix) bool {
	return outer.IsValid() && inner.IsValid() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// aclForSubnet is the network ACL associated with subnet: the explicit
// association, else the VPC's default ACL; nil when the facts have none.
func aclForSubnet(f *Facts, s *Subnet) *NetworkACL {
	var def *NetworkACL
	for _, acl := range f.NetworkACLs {
		for _, id := range acl.SubnetIDs {
			if id == s.ID {
				return acl
			}
		}
		if acl.Default && acl.VPCID == s.VPCID {
			def = acl
		}
	}
	return def
}
