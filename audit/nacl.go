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
// entry that matches a packet decides; no match denies. An allow entry
// only settles the ports it covers when its block contains all of peer
// (otherwise some addresses fall through to later entries, so it proves
// nothing for the whole block); a deny entry that overlaps peer at all
// blocks those ports for some addresses, which is enough to fail.
func naclAllowsTCP(acl *NetworkACL, egress bool, peer netip.Prefix, lo, hi int) naclVerdict {
	open := []portSpan{{lo, hi}} // ports not yet decided
	for _, m := range naclTCPEntries(acl, egress, peer) {
		if len(open) == 0 {
			break
		}
		if !m.Allow {
			for _, o := range open {
				if l, h := max(o.lo, m.span.lo), min(o.hi, m.span.hi); l <= h {
					return naclVerdict{Rule: m.RuleNumber, Port: l}
				}
			}
			continue
		}
		if !prefixContains(m.CIDR, peer) {
			continue
		}
		open = subtractSpan(open, m.span)
	}
	if len(open) > 0 {
		return naclVerdict{Port: open[0].lo}
	}
	return naclVerdict{Allowed: true}
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
