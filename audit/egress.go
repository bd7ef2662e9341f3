package audit

import (
	"cmp"
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
	// CIDR is an IPv4 block (0.0.0.0/0 for registries on the internet).
	CIDR string `json:"cidr,omitempty"`
	// Description says which needs the rule serves.
	Description string `json:"description"`
	// Revoke marks the allow-all rule (protocol -1) to remove once the
	// rules above it are in place.
	Revoke bool `json:"revoke,omitempty"`
}

// destination is the rule's one destination, for sorting and naming.
func (r EgressRule) destination() string {
	return r.DestinationGroupID + r.PrefixListID + r.CIDR
}

// EgressRules derives, for every workload, the egress rules its tasks
// need and nothing more: TCP 443 to each needed interface endpoint's
// security group (a reference, so the rule follows the endpoint's ENIs),
// TCP 443 to the prefix list of each gateway service, TCP 2049 to EFS
// mount target groups, and TCP 443 to 0.0.0.0/0 only for what no
// endpoint serves (other registries, other regions). Rules go on the
// workload's first security group (rules of all groups on an ENI add up).
// A rule the group already has is left out; the allow-all egress rules of
// the workloads' groups follow as revokes, which is what makes the set
// the least one. A group some of whose needs have no endpoint to
// reference yet keeps its allow-all (revoking it would cut those needs
// off): the audit's findings say to create the endpoints first. So a
// second run against groups that hold exactly the set returns nothing.
// The result is deduplicated (descriptions merged) and sorted, revokes
// last.
func EgressRules(f *Facts) []EgressRule {
	type key struct {
		group, proto string
		from, to     int
		dest         string
	}
	merged := map[key]*EgressRule{}
	reasons := map[key][]string{}
	groupsOf := map[string]bool{}  // every group of a workload with rules
	uncovered := map[string]bool{} // groups of workloads with a need left out
	for _, w := range f.Workloads {
		groups := uniqSorted(w.SecurityGroups...)
		if len(groups) == 0 || len(w.Subnets) == 0 {
			continue
		}
		vpcID := workloadVPC(f, w)
		complete := true
		for _, n := range Needs(w, f.Region, f.Account, nil) {
			r, ok := egressRuleFor(f, vpcID, n)
			if !ok {
				complete = complete && n.Expect == config.ExpectBlocked
				continue
			}
			r.GroupID, r.Protocol = groups[0], "tcp"
			k := key{r.GroupID, r.Protocol, r.FromPort, r.ToPort, r.destination()}
			if _, ok := merged[k]; !ok {
				merged[k] = &r
			}
			reasons[k] = append(reasons[k], n.Service)
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

// rule is r as a security group rule of the facts.
func (r EgressRule) rule() Rule {
	return ruleOf(r.change())
}

// change is r as a step of a fix plan.
func (r EgressRule) change() Change {
	c := Change{Kind: ChangeAuthorizeEgress, Group: r.GroupID, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
		PeerGroup: r.DestinationGroupID, PeerPrefixList: r.PrefixListID, CIDR: r.CIDR, Description: r.Description}
	if r.Revoke {
		c.Kind, c.FromPort, c.ToPort, c.Description = ChangeRevokeEgress, 0, 0, ""
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

// egressRuleFor is the rule one need asks for, without its group.
func egressRuleFor(f *Facts, vpcID string, n Need) (EgressRule, bool) {
	r := EgressRule{FromPort: n.Port, ToPort: n.Port}
	switch {
	case n.Internet || n.CrossRegion(f.Region):
		r.CIDR = defaultRoute4.String()
		return r, true
	case n.Service == NeedEFS:
		for _, mt := range f.MountTargets {
			if mt.FileSystemID == n.FileSystemID && len(mt.SecurityGroupIDs) > 0 {
				r.DestinationGroupID = uniqSorted(mt.SecurityGroupIDs...)[0]
				return r, true
			}
		}
		return r, false
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
	ep, _ := findEndpoint(f, vpcID, name, EndpointInterface)
	if ep == nil || len(ep.SecurityGroupIDs) == 0 {
		return r, false
	}
	r.DestinationGroupID = uniqSorted(ep.SecurityGroupIDs...)[0]
	return r, true
}
