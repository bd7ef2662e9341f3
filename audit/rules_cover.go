package audit

import (
	"net/netip"
	"slices"
)

// Coverage is a union: two security group rules to 10.0.10.0/25 and
// 10.0.10.128/25 let traffic to all of 10.0.10.0/24 out, 0.0.0.0/1 and
// 128.0.0.0/1 together are the whole IPv4 internet, and network ACL
// entries in a row can pass a peer block between them. The rules compare
// inclusive address ranges, which prefixes of any length reduce to.

// addrRange is an inclusive range of addresses of one family.
type addrRange struct{ lo, hi netip.Addr }

// rangeOf is the addresses of p, first to last.
func rangeOf(p netip.Prefix) addrRange {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	last, _ := netip.AddrFromSlice(b)
	return addrRange{p.Addr(), last}
}

// intersect is the addresses r and o share; ok is false when none.
func (r addrRange) intersect(o addrRange) (addrRange, bool) {
	if r.lo.Is4() != o.lo.Is4() {
		return addrRange{}, false
	}
	lo, hi := r.lo, r.hi
	if lo.Less(o.lo) {
		lo = o.lo
	}
	if o.hi.Less(hi) {
		hi = o.hi
	}
	return addrRange{lo, hi}, !hi.Less(lo)
}

// minus is r without the addresses of o: none, one or two ranges.
func (r addrRange) minus(o addrRange) []addrRange {
	in, ok := r.intersect(o)
	if !ok {
		return []addrRange{r}
	}
	var out []addrRange
	if r.lo.Less(in.lo) {
		out = append(out, addrRange{r.lo, in.lo.Prev()})
	}
	if in.hi.Less(r.hi) {
		out = append(out, addrRange{in.hi.Next(), r.hi})
	}
	return out
}

// unionCovers reports whether the blocks together hold every address of
// c. Blocks of the other family never count: an IPv6 rule says nothing
// about IPv4 traffic.
func unionCovers(blocks []netip.Prefix, c netip.Prefix) bool {
	if !c.IsValid() {
		return false
	}
	want := rangeOf(c)
	var rs []addrRange
	for _, b := range blocks {
		if !b.IsValid() || b.Addr().Is4() != c.Addr().Is4() {
			continue
		}
		if in, ok := rangeOf(b).intersect(want); ok {
			rs = append(rs, in)
		}
	}
	slices.SortFunc(rs, func(a, b addrRange) int { return a.lo.Compare(b.lo) })
	next := want.lo // the first address not yet covered
	for _, r := range rs {
		if r.hi.Less(next) {
			continue
		}
		if next.Less(r.lo) {
			return false // a gap before r
		}
		if !r.hi.Less(want.hi) {
			return true
		}
		next = r.hi.Next()
	}
	return false
}
