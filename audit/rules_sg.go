package audit

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// sgPeer is the other side of a connection as security group rules can
// name it: a reference to any of groups covers it whole; otherwise every
// block in cidrs must fall inside the union of the rules' CIDRs and
// prefix lists (two /25 rules cover their /24).
type sgPeer struct {
	groups     []string
	prefixList string
	cidrs      []netip.Prefix
}

// sgVerdict is what a set of security groups does to one connection.
type sgVerdict struct {
	allowed bool
	// by names what allowed it ("sg-1 egress to sg-2").
	by string
	// uncovered are the peer blocks no rule covers.
	uncovered []netip.Prefix
	// missing are groups not in the facts; undecided is set when they are
	// missing because the read was denied.
	missing   []string
	undecided *Undecided
}

// group looks up security group id in the facts. A group that is not
// there is added to missing, and the first denied read that explains a
// missing group is kept in undecided, so a verdict can name the call.
func (e *evaluator) group(id string, missing *[]string, undecided **Undecided) (*SecurityGroup, bool) {
	if sg, ok := e.f.SecurityGroups[id]; ok {
		return sg, true
	}
	*missing = append(*missing, id)
	if u := findUndecided(e.f, ActionDescribeSecurityGroups, id); u != nil && *undecided == nil {
		*undecided = u
	}
	return nil, false
}

// undecidedRow is the row of a verdict left open by groups that could
// not be read: it names the call and, among its resources, the groups.
func (v sgVerdict) undecidedRow(why string, opts Options) report.Result {
	r := undecidedRow(CheckSecurityGroup, "", *v.undecided, why, opts)
	r.Resources = uniqSorted(append(r.Resources, v.missing...)...)
	return r
}

// sgAllowsTCP decides whether groups let TCP to port through in one
// direction (egress: from the groups' ENIs to peer; ingress: from peer).
// Security groups are stateful, so the return traffic needs no rule. The
// rules of every group add up: a connection passes when any rule of any
// group allows it, so a peer block is covered by their union.
func (e *evaluator) sgAllowsTCP(groups []string, egress bool, port int, peer sgPeer) sgVerdict {
	var v sgVerdict
	var blocks []netip.Prefix
	for _, id := range groups {
		sg, ok := e.group(id, &v.missing, &v.undecided)
		if !ok {
			continue
		}
		rules := sg.Ingress
		dir := " ingress from "
		if egress {
			rules, dir = sg.Egress, " egress to "
		}
		for _, r := range rules {
			if !ruleCoversTCP(r, port) {
				continue
			}
			for _, g := range r.GroupIDs {
				if contains(peer.groups, g) {
					return sgVerdict{allowed: true, by: id + dir + g}
				}
			}
			for _, pl := range r.PrefixListIDs {
				if pl != "" && pl == peer.prefixList {
					return sgVerdict{allowed: true, by: id + dir + pl}
				}
			}
			blocks = append(blocks, e.ruleBlocks(r)...)
		}
	}
	for _, c := range peer.cidrs {
		if !unionCovers(blocks, c) {
			v.uncovered = append(v.uncovered, c)
		}
	}
	if len(peer.cidrs) > 0 && len(v.uncovered) == 0 {
		return sgVerdict{allowed: true, by: strings.Join(groups, ",") + " by CIDR"}
	}
	return v
}

// ruleCoversTCP reports whether r allows TCP to port.
func ruleCoversTCP(r Rule, port int) bool {
	switch strings.ToLower(r.Protocol) {
	case "-1", "all":
		return true
	case "tcp", "6":
		return r.FromPort <= port && port <= r.ToPort
	}
	return false
}

// ruleBlocks are the address blocks r names: its CIDRs and the entries of
// its prefix lists that are in the facts.
func (e *evaluator) ruleBlocks(r Rule) []netip.Prefix {
	out := slices.Clone(r.CIDRs)
	for _, id := range r.PrefixListIDs {
		if pl, ok := e.f.PrefixLists[id]; ok {
			out = append(out, pl.CIDRs...)
		}
	}
	return out
}

// allEgressOpen reports whether groups allow all traffic to every address
// of all (0.0.0.0/0 or ::/0, or rules that add up to it such as 0.0.0.0/1
// and 128.0.0.0/1), and which groups do: the first that does alone, else
// every group whose all-traffic rules take part.
func (e *evaluator) allEgressOpen(groups []string, all netip.Prefix) ([]string, bool) {
	var union []netip.Prefix
	var by []string
	for _, id := range groups {
		sg, ok := e.f.SecurityGroups[id]
		if !ok {
			continue
		}
		var blocks []netip.Prefix
		for _, r := range sg.Egress {
			if p := strings.ToLower(r.Protocol); p == "-1" || p == "all" {
				blocks = append(blocks, e.ruleBlocks(r)...)
			}
		}
		if unionCovers(blocks, all) {
			return []string{id}, true
		}
		if len(blocks) > 0 {
			union = append(union, blocks...)
			by = append(by, id)
		}
	}
	if unionCovers(union, all) {
		return by, true
	}
	return nil, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
