package audit

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
)

// EgressRule is one change of the least egress set a task security group
// needs (--egress-rules): a TCP rule to add, to an endpoint's security
// group, to a prefix list, or to a CIDR (exactly one destination is set),
// or, with Revoke, the allow-all rule the set replaces.
type EgressRule struct {
	// GroupID is the task security group the rule goes on.
	GroupID  string `json:"group_id"`
	Protocol string `json:"protocol"`
	FromPort int    `json:"from_port"`
	ToPort   int    `json:"to_port"`
	// DestinationGroupID is an endpoint's (or mount target's) security group.
	DestinationGroupID string `json:"destination_group_id,omitempty"`
	// PrefixListID is a managed prefix list (S3 for ECR layers).
	PrefixListID string `json:"prefix_list_id,omitempty"`
	// CIDR is an IPv4 or IPv6 block: 0.0.0.0/0 for registries on the
	// internet and host names, an IP entry's own address (/32, /128).
	CIDR string `json:"cidr,omitempty"`
	// Description says which needs the rule serves.
	Description string `json:"description"`
	// Note says what the rule cannot know (a host name's addresses), for
	// a comment line; empty for most rules.
	Note string `json:"note,omitempty"`
	// Revoke marks the allow-all rule (protocol -1) to remove once the
	// rules above it are in place.
	Revoke bool `json:"revoke,omitempty"`
}

// destination is the rule's one destination, for sorting and naming.
func (r EgressRule) destination() string {
	return r.DestinationGroupID + r.PrefixListID + r.CIDR
}

// EgressRules derives, for every workload, the egress rules its tasks
// need and nothing more, for every need the audit judges (the task
// definition's and opts.Extra, the --checks entries, except what a
// container instance does for its EC2 tasks): TCP to each needed
// interface endpoint's security group (a reference, so the rule follows
// the endpoint's ENIs), to the prefix list of each gateway service (S3,
// DynamoDB), to EFS mount target groups, to an IP entry's own address
// (/32, /128), and to 0.0.0.0/0 only for what no endpoint serves (other
// registries, other regions, =public entries; ::/0 as well for an ECR
// dual-stack registry when a task subnet has IPv6) and for host names, whose
// addresses only DNS inside the task knows (the rule's Note says so). Each
// rule is on the need's own port (443, a registry's :5000, an entry's
// :PORT, 2049). Needs that ask for no rule are =blocked entries, the
// loopback (localhost:5000 registries) and the Amazon DNS server, which
// security groups do not filter. Rules go on the
// workload's first security group (rules of all groups on an ENI add up).
// A rule the group already has is left out; the allow-all egress rules of
// the workloads' groups follow as revokes, which is what makes the set
// the least one. A group some of whose needs have no endpoint to
// reference yet keeps its allow-all (revoking it would cut those needs
// off): the audit's findings say to create the endpoints first. So a
// second run against groups that hold exactly the set returns nothing.
// The result is deduplicated (descriptions and notes merged) and sorted,
// revokes last.
func EgressRules(f *Facts, opts Options) []EgressRule {
	type key struct {
		group, proto string
		from, to     int
		dest         string
	}
	merged := map[key]*EgressRule{}
	reasons := map[key][]string{}
	notes := map[key][]string{}
	groupsOf := map[string]bool{}  // every group of a workload with rules
	uncovered := map[string]bool{} // groups of workloads with a need left out
	for _, w := range f.Workloads {
		groups := uniqSorted(w.SecurityGroups...)
		if len(groups) == 0 || len(w.Subnets) == 0 {
			continue
		}
		vpcID := workloadVPC(f, w)
		complete := true
		for _, n := range Needs(w, f.Region, f.Account, opts.Extra) {
			if n.ViaInstance {
				// The container instance makes this connection (an EC2
				// task's image pull, awslogs, secrets, the agent's
				// endpoints): its groups carry it, judged on its network,
				// and the task group needs no rule for it.
				continue
			}
			r, ok := egressRuleFor(f, vpcID, n)
			if !ok {
				complete = false
				continue
			}
			if r.destination() == "" {
				continue // the need asks for no rule
			}
			rules := []EgressRule{r}
			if n.DualStack && hasIPv6Subnet(f, w) {
				// A dual-stack registry is reached over IPv6 from subnets
				// that have it (the only way from IPv6-only ones): ::/0 too.
				r6 := r
				r6.CIDR = defaultRoute6.String()
				rules = append(rules, r6)
			}
			for _, r := range rules {
				r.GroupID, r.Protocol = groups[0], "tcp"
				k := key{r.GroupID, r.Protocol, r.FromPort, r.ToPort, r.destination()}
				if _, ok := merged[k]; !ok {
					merged[k] = &r
				}
				reasons[k] = append(reasons[k], needLabel(n))
				if r.Note != "" {
					notes[k] = append(notes[k], r.Note)
				}
			}
		}
		for _, g := range groups {
			groupsOf[g] = true
			if !complete {
				uncovered[g] = true
			}
		}
	}
	out := make([]EgressRule, 0, len(merged))
	for k, r := range merged {
		if sg := f.SecurityGroups[r.GroupID]; sg != nil && slices.ContainsFunc(sg.Egress, func(x Rule) bool { return ruleHolds(x, r.rule()) }) {
			continue // already there
		}
		r.Description = "preflight: " + strings.Join(uniqSorted(reasons[k]...), ", ")
		r.Note = strings.Join(uniqSorted(notes[k]...), "; ")
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b EgressRule) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.FromPort, b.FromPort),
			cmp.Compare(a.destination(), b.destination()))
	})
	for _, g := range uniqSorted(slices.Collect(maps.Keys(groupsOf))...) {
		sg := f.SecurityGroups[g]
		if sg == nil || uncovered[g] {
			continue
		}
		for _, r := range sg.Egress {
			if p := strings.ToLower(r.Protocol); p != "-1" && p != "all" {
				continue
			}
			for _, c := range r.CIDRs {
				if c.Bits() == 0 {
					out = append(out, EgressRule{GroupID: g, Protocol: "-1", CIDR: c.String(), Revoke: true,
						Description: "preflight: the allow-all the rules above replace"})
				}
			}
		}
	}
	return out
}

// hasIPv6Subnet reports whether a task subnet of w has an IPv6 block.
func hasIPv6Subnet(f *Facts, w *Workload) bool {
	for _, id := range w.Subnets {
		if s, ok := f.Subnets[id]; ok && s.IPv6.IsValid() {
			return true
		}
	}
	return false
}

// needLabel names a need in a rule's description: its service, or the
// host or address of a host need.
func needLabel(n Need) string {
	if n.Service == NeedHost {
		return n.Host
	}
	return n.Service
}

// rule is r as a security group rule of the facts.
func (r EgressRule) rule() Rule {
	return ruleOf(r.change())
}

// change is r as a step of a fix plan.
func (r EgressRule) change() Change {
	c := Change{Kind: ChangeAuthorizeEgress, Group: r.GroupID, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
		PeerGroup: r.DestinationGroupID, PeerPrefixList: r.PrefixListID, CIDR: r.CIDR, Description: r.Description, Note: r.Note}
	if r.Revoke {
		c.Kind, c.FromPort, c.ToPort, c.Description, c.Note = ChangeRevokeEgress, 0, 0, "", ""
	}
	return c
}

// workloadVPC is the VPC of a workload's first known subnet.
func workloadVPC(f *Facts, w *Workload) string {
	for _, id := range uniqSorted(w.Subnets...) {
		if s, ok := f.Subnets[id]; ok {
			return s.VPCID
		}
	}
	return ""
}

// egressRuleFor is the rule one need asks for, without its group. It
// follows the verdict's own dispatch (evaluator.need), so the rule opens
// the path the audit judged. ok is false when no rule can carry the need
// yet (no endpoint or mount target group to reference); a rule without a
// destination means the need asks for none.
func egressRuleFor(f *Facts, vpcID string, n Need) (EgressRule, bool) {
	r := EgressRule{FromPort: n.Port, ToPort: n.Port}
	switch {
	case n.Expect == config.ExpectBlocked:
		// A block asks for no rule: leaving it out is what blocks.
		return EgressRule{}, true
	case n.Service == NeedHost && isLoopback(n):
		return EgressRule{}, true // never leaves the host
	case n.Service == NeedHost && n.Addr.IsValid():
		if isAmazonDNS(f.VPCs[vpcID], n.Addr) {
			// Security groups do not filter traffic to the Amazon DNS
			// server (VPC User Guide, "Security group basics").
			return EgressRule{}, true
		}
		r.CIDR = hostPrefix(n.Addr).String()
		return r, true
	case n.Service == NeedHost:
		// The control plane cannot resolve a name as the task does (an
		// endpoint's private DNS, a split-horizon zone), and its
		// addresses change: only the whole internet covers them.
		r.CIDR = defaultRoute4.String()
		r.Note = fmt.Sprintf("%s: a host name's addresses are known only to DNS inside the task, not to the control plane, so TCP %d goes to 0.0.0.0/0; narrow it to the addresses the task resolves if they are fixed", n.Host, n.Port)
		return r, true
	case n.Service == NeedEFS:
		for _, mt := range f.MountTargets {
			if mt.FileSystemID == n.FileSystemID && len(mt.SecurityGroupIDs) > 0 {
				r.DestinationGroupID = uniqSorted(mt.SecurityGroupIDs...)[0]
				return r, true
			}
		}
		return r, false
	case n.Internet || n.Expect == config.ExpectPublic:
		r.CIDR = defaultRoute4.String()
		return r, true
	case n.CrossRegion(f.Region):
		// A cross-Region interface endpoint keeps it in the VPC.
		if ep := crossRegionEndpoint(f, vpcID, n); ep != nil && len(ep.SecurityGroupIDs) > 0 {
			r.DestinationGroupID = uniqSorted(ep.SecurityGroupIDs...)[0]
			return r, true
		}
		r.CIDR = defaultRoute4.String()
		return r, true
	}
	svc, ok := config.LookupService(n.Service)
	if !ok {
		return r, false
	}
	name := config.EndpointServiceName(svc, n.Region)
	if svc.Kind == config.Gateway {
		pl := prefixListNamed(f, name)
		if pl == nil {
			return r, false
		}
		r.PrefixListID = pl.ID
		return r, true
	}
	ep, _ := findEndpoint(f, vpcID, name, EndpointInterface, n.Service)
	if ep == nil || len(ep.SecurityGroupIDs) == 0 {
		return r, false
	}
	r.DestinationGroupID = uniqSorted(ep.SecurityGroupIDs...)[0]
	return r, true
}
