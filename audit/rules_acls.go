// This file is not rules_nacl.go because Go reads a _nacl suffix as the
// retired Native Client GOOS and would never build it.

package audit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// ephemeralRange is the range a client OS picks a connection's local
// (source) port from: the return traffic of a TCP connection comes back to
// one of these, and a stateless network ACL needs a rule for it on both
// subnets it crosses (the client's inbound, the server's outbound).
type ephemeralRange struct {
	portSpan
	// os names the range in findings ("Linux", "Windows").
	os string
}

// ephemeralPorts is the range of the tasks' OS, from the task
// definition's runtimePlatform.operatingSystemFamily (LINUX when unset,
// WINDOWS_SERVER_* for Windows). The AWS VPC user guide's network ACL
// section "Ephemeral ports" lists the ranges by client
// (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html):
// Windows Server 2008 and later use 49152-65535; "many Linux kernels"
// 32768-61000. Fargate and the ECS-optimized AMIs run Linux tasks with the
// kernel's default net.ipv4.ip_local_port_range, "32768 60999"
// (Documentation/networking/ip-sysctl.rst; net/ipv4/af_inet.c), which the
// tasks cannot change from inside an awsvpc task. An ACL that allows
// 32768-65535 back in therefore works for Linux tasks, and demanding
// 1024-65535 would fail ACLs that work.
func ephemeralPorts(osFamily string) ephemeralRange {
	if strings.HasPrefix(strings.ToUpper(osFamily), "WINDOWS") {
		return ephemeralRange{portSpan{49152, 65535}, "Windows"}
	}
	return ephemeralRange{portSpan{32768, 60999}, "Linux"}
}

// naclPeer is the far side of a connection: a subnet (whose own NACL is
// then judged too) or a bare block such as an S3 prefix-list CIDR. cidr6
// is the peer's IPv6 block, if any: an IPv6-only task subnet reaches the
// peer over it.
type naclPeer struct {
	subnet *Subnet
	cidr   netip.Prefix
	cidr6  netip.Prefix
}

// blocks picks the blocks of one family that a connection from the task
// subnet ts to p uses: IPv4 when both sides have it, else IPv6 when both
// have that (an IPv6-only subnet's tasks have no IPv4 address). ok is
// false when they share no family.
func (p naclPeer) blocks(ts *Subnet) (task, peer netip.Prefix, ok bool) {
	for _, c := range []netip.Prefix{p.cidr, p.cidr6} {
		if !c.IsValid() {
			continue
		}
		if t := subnetBlock(ts, c.Addr()); t.IsValid() {
			return t, c, true
		}
	}
	return netip.Prefix{}, netip.Prefix{}, false
}

// naclLeg is one direction of traffic through one subnet's ACL.
type naclLeg struct {
	subnet *Subnet
	egress bool
	peer   netip.Prefix
	lo, hi int
}

// naclRow judges the network ACLs on the path from the task subnets to
// peers on port, both ways: the request out of the task subnet and into a
// peer subnet, and the reply on the ephemeral ports back. Traffic inside
// one subnet does not cross a NACL, so a peer in a task subnet is skipped.
func (e *evaluator) naclRow(tn *taskNet, peers []naclPeer, port int) report.Result {
	if len(peers) == 0 {
		return report.Result{}
	}
	var legs []naclLeg
	for _, ts := range tn.subnets {
		for _, p := range peers {
			if p.subnet != nil && p.subnet.ID == ts.ID {
				continue
			}
			// An IPv6-only task subnet is judged on its IPv6 entries.
			task, peer, ok := p.blocks(ts)
			if !ok {
				continue
			}
			// The reply goes to the task's ephemeral port: the same
			// range on the task subnet's way in and the peer's way out.
			eph := tn.ephemeral
			legs = append(legs,
				naclLeg{ts, true, peer, port, port},
				naclLeg{ts, false, peer, eph.lo, eph.hi})
			if p.subnet != nil {
				legs = append(legs,
					naclLeg{p.subnet, false, task, port, port},
					naclLeg{p.subnet, true, task, eph.lo, eph.hi})
			}
		}
	}
	if len(legs) == 0 {
		return report.Result{} // every peer is inside a task subnet
	}
	var problems, ids []string
	var hint string
	seen := map[string]bool{}
	r := report.Result{Check: CheckNACL}
	for _, l := range legs {
		acl := aclForSubnet(e.f, l.subnet)
		if acl == nil {
			if u := findUndecided(e.f, ActionDescribeNetworkAcls, l.subnet.ID, l.subnet.VPCID); u != nil {
				return undecidedRow(CheckNACL, "", *u, "the network ACL of "+l.subnet.ID+" decides whether TCP passes", e.opts)
			}
			return report.Result{
				Check: CheckNACL, Status: report.StatusWarn, Class: report.ClassUndecided,
				Error:     "no network ACL found for " + l.subnet.ID + " in the facts",
				Resources: []string{l.subnet.ID},
			}
		}
		ids = append(ids, acl.ID)
		v := naclAllowsTCP(acl, l.egress, l.peer, l.lo, l.hi)
		if v.Allowed {
			continue
		}
		dir, prep := "inbound", "from"
		if l.egress {
			dir, prep = "outbound", "to"
		}
		rule := fmt.Sprintf("rule %d", v.Rule)
		switch {
		case v.Rule == 0:
			rule = "the default * rule (no entry matches)"
		case v.Rule >= 32767:
			// The API lists the "*" entries as 32767 (IPv4) and 32768
			// (IPv6); they cannot be changed.
			rule = "the default * rule"
		}
		ports := fmt.Sprint(l.lo)
		if l.lo != l.hi {
			ports = fmt.Sprintf("%d-%d (return traffic to the tasks' %s ephemeral ports; port %d first blocked)", l.lo, l.hi, tn.ephemeral.os, v.Port)
		}
		p := fmt.Sprintf("%s of %s denies %s TCP %s %s %s by %s", acl.ID, l.subnet.ID, dir, ports, prep, l.peer, rule)
		if seen[p] {
			continue
		}
		seen[p] = true
		problems = append(problems, p)
		ids = append(ids, l.subnet.ID)
		if hint == "" {
			hint = hintNACL(acl.ID, l.egress, l.peer.String(), l.lo, l.hi, v.Rule)
		}
		e.propose(&r, Change{Kind: changeNACLAllow, ACL: acl.ID, Egress: l.egress, CIDR: l.peer.String(),
			FromPort: l.lo, ToPort: l.hi, Blocker: v.Rule})
	}
	r.Resources = uniqSorted(ids...)
	if len(problems) == 0 {
		r.Status = report.StatusPass
		r.Detail = fmt.Sprintf("network ACLs %s pass TCP %d and the return ports", joinComma(r.Resources), port)
		return r
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Error = strings.Join(problems, "; ") + ": network ACLs are stateless and drop silently, so connections time out"
	r.Hint = hint
	return r
}
