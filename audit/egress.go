package audit

import (
	"cmp"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
)

// EgressRule is one rule of the minimal egress set a task security group
// needs (--egress-rules): TCP to an endpoint's security group, to a
// prefix list, or to a CIDR. Exactly one destination is set.
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
// Needs without an endpoint to reference are left out: the audit's
// findings say to create the endpoint first. The result is deduplicated
// (descriptions merged) and sorted.
func EgressRules(f *Facts) []EgressRule {
	type key struct {
		group, proto string
		from, to     int
		dest         string
	}
	merged := map[key]*EgressRule{}
	reasons := map[key][]string{}
	for _, w := range f.Workloads {
		groups := uniqSorted(w.SecurityGroups...)
		if len(groups) == 0 || len(w.Subnets) == 0 {
			continue
		}
		vpcID := workloadVPC(f, w)
		for _, n := range Needs(w, f.Region, f.Account, nil) {
			r, ok := egressRuleFor(f, vpcID, n)
			if !ok {
				continue
			}
			r.GroupID, r.Protocol = groups[0], "tcp"
			k := key{r.GroupID, r.Protocol, r.FromPort, r.ToPort, r.destination()}
			if _, ok := merged[k]; !ok {
				merged[k] = &r
			}
			reasons[k] = append(reasons[k], n.Service)
		}
	}
	out := make([]EgressRule, 0, len(merged))
	for k, r := range merged {
		r.Description = "preflight: " + strings.Join(uniqSorted(reasons[k]...), ", ")
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b EgressRule) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.FromPort, b.FromPort),
			cmp.Compare(a.destination(), b.destination()))
	})
	return out
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
