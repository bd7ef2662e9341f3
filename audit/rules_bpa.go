package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// VPC Block Public Access (BPA) closes internet paths whatever the routes
// say. What each mode does, from the Amazon VPC User Guide:
//
//   - "Block public access to VPCs and subnets"
//     (https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html)
//     and the API's BlockPublicAccessStates: block-bidirectional blocks
//     all traffic to and from internet gateways and egress-only internet
//     gateways in the Region, except for excluded VPCs and subnets;
//     block-ingress blocks all internet traffic to the VPCs, and "only
//     traffic to and from NAT gateways and egress-only internet gateways
//     is allowed because these gateways only allow outbound connections
//     to be established"; off blocks nothing.
//   - "VPC BPA basics", AWS service impact
//     (https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa-basics.html):
//     internet gateway, all inbound and outbound traffic blocked;
//     egress-only internet gateway, all outbound traffic blocked; NAT
//     gateway, all traffic blocked, "NAT gateways require an internet
//     gateway for internet connectivity".
//   - Exclusions (same pages, and API_VpcBlockPublicAccessExclusion): one
//     VPC or one subnet exempt from the account's mode. allow-bidirectional
//     allows all internet traffic of the excluded VPC or subnet;
//     allow-egress allows outbound traffic and "only applies when VPC
//     Block Public Access is set to Bidirectional".
//   - "Advanced example"
//     (https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa-example.html),
//     whose NAT gateway sits in public subnet B and whose instances C and D
//     are in private subnet C: under block-ingress an instance with a public
//     IP in a public subnet cannot reach the internet (scenario 3) while C
//     and D still go out through the NAT gateway and the egress-only
//     gateway; an allow-bidirectional exclusion of subnet A reopens
//     instance A both ways (scenario 4); an allow-egress exclusion is
//     ignored under block-ingress (scenario 5); and under
//     block-bidirectional an allow-egress exclusion of subnet A still
//     leaves instance A, which goes straight to the internet gateway,
//     blocked, and C and D blocked, because their NAT gateway's subnet B is
//     not excluded: "unless an exclusion has access to a NAT gateway or
//     egress-only internet gateway, traffic is blocked" (scenario 6).
//   - API_DescribeVpcBlockPublicAccessExclusions: an exclusion's state is
//     create-in-progress, create-complete, update-in-progress,
//     update-complete, delete-in-progress, delete-complete,
//     disable-in-progress or disable-complete.
//
// So, for the tasks of one subnet:
//
//   - a public IP straight out through the internet gateway (IPv4), or
//     IPv6 to an internet gateway: open under off; closed under
//     block-ingress and block-bidirectional unless the task subnet or its
//     VPC has an active allow-bidirectional exclusion (allow-egress does
//     not reopen a direct internet gateway path, scenario 6);
//   - a NAT gateway (NAT64 too): the traffic reaches the internet gateway
//     from the NAT gateway's own (public) subnet, so that subnet's
//     exclusion counts, or its VPC's, not the task subnet's: open under
//     off and block-ingress; under block-bidirectional open only with an
//     active exclusion (allow-egress or allow-bidirectional) of the NAT
//     gateway's subnet or VPC. The audit does not read NAT gateways: the
//     NAT gateway is in one of the VPC's subnets that route 0.0.0.0/0 to
//     an internet gateway, so when all of those are excluded it is open,
//     when none is it is closed, and otherwise the row is undecided;
//   - an egress-only internet gateway (IPv6): it carries the task
//     subnet's own traffic: open under off and block-ingress; under
//     block-bidirectional open only with an active exclusion of the task
//     subnet or its VPC;
//   - an ENI or an instance (NAT instance, firewall appliance): it leaves
//     through the internet gateway with its own public address, from its
//     own subnet, like a direct path: open under off, else only with an
//     active allow-bidirectional exclusion of the subnet it sits in (as
//     for a NAT gateway, one of the public subnets) or of the VPC;
//   - a transit gateway or virtual private gateway: the traffic leaves
//     through another network; this VPC's BPA does not decide it (the
//     README says the audit cannot see the far side).
//
// Only active exclusions (create-complete, update-complete) count; one in
// any other state is named in the row as not in effect. Where the
// documents leave the answer open the path is undecided, never open: a
// subnet exclusion and a VPC exclusion that would decide differently (no
// precedence is documented), and an exclusion that would reopen a path
// while the organization's declarative policy makes exclusions
// not-allowed.

// bpaKind is how an internet path leaves the VPC, which decides what BPA
// does to it.
type bpaKind int

const (
	bpaDirect     bpaKind = iota // the task's own address through an internet gateway
	bpaNAT                       // a NAT gateway, from its public subnet
	bpaEgressOnly                // an egress-only internet gateway (IPv6)
	bpaAppliance                 // an ENI or instance of the VPC, through its internet gateway
	bpaElsewhere                 // a transit or virtual private gateway
)

// bpaKindOf is the kind of a route target (Target*).
func bpaKindOf(target string) bpaKind {
	switch target {
	case TargetIGW:
		return bpaDirect
	case TargetNAT:
		return bpaNAT
	case TargetEIGW:
		return bpaEgressOnly
	case TargetENI, TargetInstance:
		return bpaAppliance
	}
	return bpaElsewhere
}

// bpaVerdict is what BPA does to one internet path: open, closed (why
// names the mode and the exclusion that is missing; hint creates it), or
// unknown (why says what is missing; undecided is the failed read, when
// one is the cause).
type bpaVerdict struct {
	open      Tri
	why       string
	hint      string
	undecided *Undecided
	// gateway is the route's target the verdict is about (nat-...,
	// igw-..., eigw-...), which why names: a resource of the rows that
	// say it.
	gateway string
}

// bpaPath judges the internet path of subnet s's tasks through gateway via
// (igw-..., nat-..., eigw-...), of kind k.
func (e *evaluator) bpaPath(s *Subnet, k bpaKind, via string) bpaVerdict {
	b := e.f.BPA
	if k == bpaElsewhere {
		return bpaVerdict{open: TriTrue}
	}
	if b == nil {
		if u := findUndecided(e.f, ActionDescribeBPAOptions); u != nil {
			return bpaVerdict{open: TriUnknown, undecided: u,
				why: fmt.Sprintf("VPC Block Public Access could not be read (%s failed: %s), and it may close %s", u.Action, u.what(), via)}
		}
		return bpaVerdict{open: TriTrue}
	}
	mode := b.Mode
	switch mode {
	case BPAOff, "":
		return bpaVerdict{open: TriTrue}
	case BPABlockBidirectional, BPABlockIngress:
	default:
		return bpaVerdict{open: TriUnknown, why: fmt.Sprintf("VPC Block Public Access is %q in %s, a mode preflight does not know, and it may close %s", mode, e.f.Region, via)}
	}
	// The subnets whose exclusion counts: the task subnet for its own
	// traffic, else the VPC's public subnets, one of which holds the NAT
	// gateway or appliance.
	where := []*Subnet{s}
	if k == bpaNAT || k == bpaAppliance {
		where = e.publicSubnets(s.VPCID)
		if len(where) == 0 {
			where = []*Subnet{{VPCID: s.VPCID}}
		}
	}
	lead := fmt.Sprintf("VPC Block Public Access is %s in %s", mode, e.f.Region)
	if b.State == "update-in-progress" {
		lead += " (being updated)"
	}
	var open, closed, unsure []string
	var notes []string
	for _, x := range where {
		ok, note := e.bpaSubnet(b, x, k)
		notes = append(notes, note...)
		name := x.ID
		if name == "" {
			name = x.VPCID
		}
		switch ok {
		case TriTrue:
			open = append(open, name)
		case TriFalse:
			closed = append(closed, name)
		default:
			unsure = append(unsure, name)
		}
	}
	notes = uniqSorted(notes...)
	extra := ""
	if len(notes) > 0 {
		extra = "; " + strings.Join(notes, "; ")
	}
	switch {
	case len(closed) == 0 && len(unsure) == 0:
		return bpaVerdict{open: TriTrue}
	case !b.ExclusionsRead:
		u := findUndecided(e.f, ActionDescribeBPAExclusions)
		v := bpaVerdict{open: TriUnknown, undecided: u, why: fmt.Sprintf("%s and closes %s unless an exclusion reopens it, and the exclusions could not be read", lead, via)}
		if u != nil {
			v.why = fmt.Sprintf("%s and closes %s unless an exclusion reopens it, and %s failed (%s)", lead, via, u.Action, u.what())
		}
		return v
	case len(unsure) > 0 || len(open) > 0:
		what := "whether it closes " + via
		if k == bpaNAT || k == bpaAppliance {
			what = fmt.Sprintf("whether it closes %s depends on which public subnet holds it (open from %s, closed from %s), and the audit does not read where it is",
				via, orNone(open), orNone(append(closed, unsure...)))
		}
		return bpaVerdict{open: TriUnknown, why: lead + "; " + what + extra}
	}
	v := bpaVerdict{open: TriFalse}
	needed := BPAAllowEgress
	if k == bpaDirect || k == bpaAppliance {
		needed = BPAAllowBidirectional
	}
	switch k {
	case bpaNAT:
		v.why = fmt.Sprintf("%s and closes %s: no active exclusion covers its public subnet (%s) or %s", lead, via, joinComma(closed), s.VPCID)
	case bpaAppliance:
		v.why = fmt.Sprintf("%s and closes %s: it leaves through the internet gateway from a public subnet (%s), and no active %s exclusion covers it or %s", lead, via, joinComma(closed), needed, s.VPCID)
	case bpaDirect:
		v.why = fmt.Sprintf("%s and closes %s for the tasks' own address: no active %s exclusion covers %s or %s", lead, via, needed, s.ID, s.VPCID)
	default:
		v.why = fmt.Sprintf("%s and closes %s: no active exclusion covers %s or %s", lead, via, s.ID, s.VPCID)
	}
	v.why += extra
	v.hint = bpaHint(b, k, where, s.VPCID, needed)
	return v
}

// bpaHint is the exclusion that would reopen a closed path: of the one
// subnet whose exclusion counts, else of the VPC.
func bpaHint(b *BlockPublicAccess, k bpaKind, where []*Subnet, vpcID, mode string) string {
	if b.ExclusionsAllowed == "not-allowed" {
		return "The organization's declarative policy does not allow VPC Block Public Access exclusions: ask its administrators for one, or give the tasks a path that needs no internet gateway."
	}
	if len(where) == 1 && where[0].ID != "" {
		return checked(fmt.Sprintf("aws ec2 create-vpc-block-public-access-exclusion --subnet-id %s --internet-gateway-exclusion-mode %s", where[0].ID, mode), subnetIDs(where[0].ID))
	}
	what := "the VPC"
	if k == bpaNAT {
		what = "the VPC (or only the NAT gateway's subnet, which aws ec2 describe-nat-gateways shows, with --subnet-id)"
	}
	return checked(fmt.Sprintf("Exclude %s from VPC Block Public Access: aws ec2 create-vpc-block-public-access-exclusion --vpc-id %s --internet-gateway-exclusion-mode %s", what, vpcID, mode), vpcIDs(vpcID))
}

// bpaSubnet judges one subnet's exclusions under b's blocking mode: the
// active ones of the subnet (x.ID, when known) and of its VPC. notes name
// the exclusions that are not in effect, or that do not apply.
func (e *evaluator) bpaSubnet(b *BlockPublicAccess, x *Subnet, k bpaKind) (Tri, []string) {
	var modes []string
	var notes []string
	var ids []string
	for _, ex := range b.Exclusions {
		if ex.ResourceID == "" || ex.ResourceID != x.ID && ex.ResourceID != x.VPCID {
			continue
		}
		if !ex.Active() {
			notes = append(notes, fmt.Sprintf("exclusion %s of %s is %s, not in effect", ex.ID, ex.ResourceID, ex.State))
			continue
		}
		if ex.Mode == BPAAllowEgress && b.Mode == BPABlockIngress {
			notes = append(notes, fmt.Sprintf("allow-egress exclusion %s of %s does not apply under block-ingress", ex.ID, ex.ResourceID))
		}
		modes = append(modes, ex.Mode)
		ids = append(ids, ex.ID)
	}
	base := bpaAllows(b.Mode, "", k)
	if len(modes) == 0 {
		return TriOf(base), notes
	}
	got := bpaAllows(b.Mode, modes[0], k)
	for _, m := range modes[1:] {
		if bpaAllows(b.Mode, m, k) != got {
			return TriUnknown, append(notes, fmt.Sprintf("exclusions %s of %s and %s decide differently, and AWS documents no precedence between a subnet's and its VPC's", joinComma(ids), x.ID, x.VPCID))
		}
	}
	if got && !base && b.ExclusionsAllowed == "not-allowed" {
		return TriUnknown, append(notes, fmt.Sprintf("exclusion %s would reopen it, but the organization's declarative policy makes exclusions not-allowed, and AWS does not document whether an existing one still applies", joinComma(ids)))
	}
	return TriOf(got), notes
}

// bpaAllows says whether a path of kind k is open under account mode
// and an active exclusion of mode excl ("" for none).
func bpaAllows(mode, excl string, k bpaKind) bool {
	switch excl {
	case BPAAllowBidirectional:
		return true
	case BPAAllowEgress:
		if mode == BPABlockBidirectional {
			mode = BPABlockIngress
		}
	}
	switch mode {
	case BPAOff:
		return true
	case BPABlockIngress:
		return k == bpaNAT || k == bpaEgressOnly
	}
	return false
}

// publicSubnets are the subnets of vpcID whose route table sends
// 0.0.0.0/0 to an internet gateway: where a NAT gateway or an appliance
// that reaches the internet sits.
func (e *evaluator) publicSubnets(vpcID string) []*Subnet {
	var out []*Subnet
	for _, s := range e.f.Subnets {
		if s.VPCID != vpcID {
			continue
		}
		rt := routeTableFor(e.f, s)
		if rt == nil {
			continue
		}
		for _, r := range rt.Routes {
			if r.Destination == defaultRoute4 && r.Target == TargetIGW && !strings.EqualFold(r.State, "blackhole") {
				out = append(out, s)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *Subnet) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return joinComma(ids)
}

// bpaWhy joins the distinct reasons BPA gives for the task subnets'
// paths: those it closes, or, with unknown, those it may close.
func (tn *taskNet) bpaWhy(unknown bool) string {
	var out []string
	for _, s := range tn.subnets {
		for _, v := range []*bpaVerdict{tn.bpa[s.ID], tn.bpa6[s.ID]} {
			if v != nil && (v.open == TriUnknown) == unknown && !slices.Contains(out, v.why) {
				out = append(out, v.why)
			}
		}
	}
	return strings.Join(out, "; ")
}

// bpaIDs are the gateways and route tables of the task subnets' paths
// that BPA closes, or, with unknown, may close: the resources of a row
// that says bpaWhy(unknown).
func (tn *taskNet) bpaIDs(unknown bool) []string {
	var ids []string
	for _, s := range tn.subnets {
		for _, v := range []*bpaVerdict{tn.bpa[s.ID], tn.bpa6[s.ID]} {
			if v == nil || (v.open == TriUnknown) != unknown {
				continue
			}
			ids = append(ids, v.gateway)
			if rt := tn.routeTable[s.ID]; rt != nil {
				ids = append(ids, rt.ID)
			}
		}
	}
	return uniqSorted(ids...)
}

// bpaHints joins the distinct exclusions that would reopen closed paths.
func (tn *taskNet) bpaHints() string {
	var out []string
	for _, s := range tn.subnets {
		for _, v := range []*bpaVerdict{tn.bpa[s.ID], tn.bpa6[s.ID]} {
			if v != nil && v.open == TriFalse && v.hint != "" && !slices.Contains(out, v.hint) {
				out = append(out, v.hint)
			}
		}
	}
	return strings.Join(out, "; ")
}

// bpaUndecided is the failed BPA read behind an unknown path, or nil.
func (tn *taskNet) bpaUndecided() *Undecided {
	for _, s := range tn.subnets {
		for _, v := range []*bpaVerdict{tn.bpa[s.ID], tn.bpa6[s.ID]} {
			if v != nil && v.open == TriUnknown && v.undecided != nil {
				return v.undecided
			}
		}
	}
	return nil
}

// bpaNote is "; " and why BPA closes the paths, or "".
func (tn *taskNet) bpaNote() string {
	if why := tn.bpaWhy(false); why != "" {
		return "; " + why
	}
	return ""
}

// bpaOnly reports whether every task subnet without an internet path has
// one its routes give and BPA closes, so that reopening it is the remedy.
func (tn *taskNet) bpaOnly() bool {
	closed := false
	for _, s := range tn.subnets {
		if tn.internet[s.ID] != TriFalse {
			continue
		}
		v := tn.bpa[s.ID]
		if v == nil || v.hint == "" {
			return false
		}
		closed = true
	}
	return closed
}

// unknownInternetRow is the row of a rule that needs to know whether
// what (e.g. "the task subnets have an internet path") holds and cannot:
// the failed BPA read, BPA's own open question, or route tables missing
// from the facts.
func (e *evaluator) unknownInternetRow(tn *taskNet, check report.Check, what string) report.Result {
	if u := tn.bpaUndecided(); u != nil {
		r := undecidedRow(check, "", *u, "VPC Block Public Access decides whether "+what+" (it may close NAT, internet gateway and egress-only internet gateway paths)", e.opts)
		// The read is Region-wide and names no resource: the row names
		// the VPC, subnets and paths it is about.
		r.Resources = uniqSorted(append(tn.subnetIDs(), tn.routeIDs()...)...)
		addResources(&r, tn.vpcID)
		addResources(&r, tn.bpaIDs(true)...)
		return r
	}
	// Undecided either way: --fail-undecided fails it, whichever fact
	// is missing.
	r := report.Result{Check: check, Status: e.opts.UndecidedStatus(), Class: report.ClassUndecided,
		Resources: uniqSorted(append(tn.subnetIDs(), tn.routeIDs()...)...)}
	if why := tn.bpaWhy(true); why != "" {
		r.Error = "could not decide whether " + what + ": " + why
		addResources(&r, tn.bpaIDs(true)...)
		return r
	}
	r.Error = "could not decide whether " + what + " (route tables not in the facts)"
	return r
}
