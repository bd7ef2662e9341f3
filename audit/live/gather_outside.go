package live

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/preflight-dev/preflight/audit"
)

// maxOutsideVPCs bounds the VPCs GatherOutside reads: a change that names
// more VPCs than this outside the running services' is judged on the
// first ones (in id order), the others stay undecided. A VPC read is
// about ten calls.
const maxOutsideVPCs = 20

// maxOutsideIDs bounds the ids GatherOutside looks up.
const maxOutsideIDs = 1000

// idsPerCall bounds the ids of one Describe call (EC2 takes at most 200
// values in a filter; the id lists are cut alike).
const idsPerCall = 200

// GatherOutside adds to f, the facts Gather read, the network of the VPCs
// that hold ids: resources a change names (a plan's literal subnet-0abc,
// an id a data source read) in VPCs no audited service uses, which Gather
// did not read. A VPC id is its own VPC; a subnet, security group, route
// table, endpoint or network ACL id is looked up with its Describe call
// (by id, idsPerCall at a time). Each VPC f does not hold is then read
// once with GatherNetwork (at most maxOutsideVPCs), and its facts merged
// into f. Ids of other kinds, and those f holds, are left alone.
//
// A lookup that fails is an Undecided on that id naming the call, as in
// Gather; so is a read of the VPCs that fails for a whole kind (denied
// ec2:DescribeSubnets): its Undecided is scoped to the VPCs read and the
// ids in them, not to the resources f already had. An error is an
// interrupted gathering or a failure outside any call.
func (g *Gatherer) GatherOutside(ctx context.Context, f *audit.Facts, ids []string) error {
	if g.Region == "" {
		return inputErr("--region", "no region")
	}
	byKind := map[string][]string{}
	var vpcs []string
	n := 0
	for _, id := range audit.UniqSorted(ids...) {
		kind := outsideKind(id)
		if kind == "" || held(f, id) || n >= maxOutsideIDs {
			continue
		}
		n++
		if kind == audit.ActionDescribeVpcs {
			vpcs = append(vpcs, id)
			continue
		}
		byKind[kind] = append(byKind[kind], id)
	}
	s, lctx, cancel := g.start(ctx, Input{})
	defer cancel(nil)
	vpcOf := s.lookupVPCs(lctx, byKind)
	if err := s.fatal(); err != nil {
		return err
	}
	for _, v := range vpcOf {
		vpcs = append(vpcs, v)
	}
	vpcs = slices.DeleteFunc(audit.UniqSorted(vpcs...), func(v string) bool { return f.VPCs[v] != nil })
	var notRead []string
	if len(vpcs) > maxOutsideVPCs {
		vpcs, notRead = vpcs[:maxOutsideVPCs], vpcs[maxOutsideVPCs:]
	}
	// The ids each VPC read stands for, so that a kind the read could
	// not read leaves them undecided, and only them.
	scope := slices.Clone(vpcs)
	idsIn := map[string][]string{}
	for id, v := range vpcOf {
		if slices.Contains(vpcs, v) {
			scope = append(scope, id)
			idsIn[v] = append(idsIn[v], id)
		}
	}
	lookups := s.f.Undecided
	if len(vpcs) > 0 {
		// Block Public Access is the Region's: f's read, or its failure,
		// stands for these VPCs too.
		hadBPA := f.BPA != nil || slices.ContainsFunc(f.Undecided, func(u audit.Undecided) bool {
			return u.Action == audit.ActionDescribeBPAOptions || u.Action == audit.ActionDescribeBPAExclusions
		})
		nf, err := g.network(ctx, vpcs, !hadBPA)
		if err != nil {
			return err
		}
		merge(f, nf, vpcs, audit.UniqSorted(scope...), idsIn)
	}
	for _, u := range lookups {
		addUndecided(f, u)
	}
	for _, v := range notRead {
		addUndecided(f, audit.Undecided{Action: audit.ActionDescribeVpcs, Resource: v, Code: audit.CodeUnknownInSource,
			Err: fmt.Sprintf("is not read: the change names more than %d VPCs that the audited services do not use", maxOutsideVPCs)})
	}
	f.Undecided = sortedUndecided(f.Undecided)
	return nil
}

// outsideKind is the Describe action that finds the VPC of id, by its
// prefix (DescribeVpcs for a VPC id, which is its own), or "".
func outsideKind(id string) string {
	prefix, _, ok := strings.Cut(id, "-")
	if !ok {
		return ""
	}
	switch prefix {
	case "vpc":
		return audit.ActionDescribeVpcs
	case "subnet":
		return audit.ActionDescribeSubnets
	case "sg":
		return audit.ActionDescribeSecurityGroups
	case "rtb":
		return audit.ActionDescribeRouteTables
	case "vpce":
		return audit.ActionDescribeVpcEndpoints
	case "acl":
		return audit.ActionDescribeNetworkAcls
	}
	return ""
}

// held says whether f holds the fact id names.
func held(f *audit.Facts, id string) bool {
	switch outsideKind(id) {
	case audit.ActionDescribeVpcs:
		return f.VPCs[id] != nil
	case audit.ActionDescribeSubnets:
		return f.Subnets[id] != nil
	case audit.ActionDescribeSecurityGroups:
		return f.SecurityGroups[id] != nil
	case audit.ActionDescribeRouteTables:
		return slices.ContainsFunc(f.RouteTables, func(rt *audit.RouteTable) bool { return rt.ID == id })
	case audit.ActionDescribeVpcEndpoints:
		return slices.ContainsFunc(f.Endpoints, func(ep *audit.Endpoint) bool { return ep.ID == id })
	case audit.ActionDescribeNetworkAcls:
		return slices.ContainsFunc(f.NetworkACLs, func(a *audit.NetworkACL) bool { return a.ID == id })
	}
	return false
}

// lookupVPCs finds the VPC of each id, by kind (the Describe action that
// reads it), the kinds in parallel. An id that cannot be found is an
// Undecided in s.f.
func (s *gathering) lookupVPCs(ctx context.Context, byKind map[string][]string) map[string]string {
	vpcOf := map[string]string{}
	var mu sync.Mutex
	var calls []func(context.Context)
	for kind, ids := range byKind {
		for chunk := range slices.Chunk(ids, idsPerCall) {
			calls = append(calls, func(ctx context.Context) {
				found := s.lookup(ctx, kind, chunk)
				mu.Lock()
				defer mu.Unlock()
				for id, v := range found {
					vpcOf[id] = v
				}
			})
		}
	}
	s.parallel(ctx, calls...)
	return vpcOf
}

// lookup asks kind's Describe call for ids. One id AWS does not know
// (InvalidSubnetID.NotFound) fails the whole call: then each is asked
// alone, so the others are still found.
func (s *gathering) lookup(ctx context.Context, kind string, ids []string) map[string]string {
	found, err := s.describeVPCOf(ctx, kind, ids)
	if err == nil {
		return found
	}
	if len(ids) == 1 || !strings.HasPrefix(apiCode(err), "Invalid") {
		for _, id := range ids {
			s.failed(kind, id, err)
		}
		return nil
	}
	found = map[string]string{}
	var mu sync.Mutex
	var calls []func(context.Context)
	for _, id := range ids {
		calls = append(calls, func(ctx context.Context) {
			one, err := s.describeVPCOf(ctx, kind, []string{id})
			if s.failed(kind, id, err) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range one {
				found[k] = v
			}
		})
	}
	s.parallel(ctx, calls...)
	return found
}

// describeVPCOf calls kind's Describe with ids and returns each id's VPC.
func (s *gathering) describeVPCOf(ctx context.Context, kind string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	var err error
	switch kind {
	case audit.ActionDescribeSubnets:
		err = eachPage(ctx, ec2.NewDescribeSubnetsPaginator(s.api, &ec2.DescribeSubnetsInput{SubnetIds: ids}), func(o *ec2.DescribeSubnetsOutput) *string { return o.NextToken }, func(o *ec2.DescribeSubnetsOutput) {
			for _, r := range o.Subnets {
				out[aws.ToString(r.SubnetId)] = aws.ToString(r.VpcId)
			}
		})
	case audit.ActionDescribeSecurityGroups:
		err = eachPage(ctx, ec2.NewDescribeSecurityGroupsPaginator(s.api, &ec2.DescribeSecurityGroupsInput{GroupIds: ids}), func(o *ec2.DescribeSecurityGroupsOutput) *string { return o.NextToken }, func(o *ec2.DescribeSecurityGroupsOutput) {
			for _, r := range o.SecurityGroups {
				out[aws.ToString(r.GroupId)] = aws.ToString(r.VpcId)
			}
		})
	case audit.ActionDescribeRouteTables:
		err = eachPage(ctx, ec2.NewDescribeRouteTablesPaginator(s.api, &ec2.DescribeRouteTablesInput{RouteTableIds: ids}), func(o *ec2.DescribeRouteTablesOutput) *string { return o.NextToken }, func(o *ec2.DescribeRouteTablesOutput) {
			for _, r := range o.RouteTables {
				out[aws.ToString(r.RouteTableId)] = aws.ToString(r.VpcId)
			}
		})
	case audit.ActionDescribeVpcEndpoints:
		err = eachPage(ctx, ec2.NewDescribeVpcEndpointsPaginator(s.api, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: ids}), func(o *ec2.DescribeVpcEndpointsOutput) *string { return o.NextToken }, func(o *ec2.DescribeVpcEndpointsOutput) {
			for _, r := range o.VpcEndpoints {
				out[aws.ToString(r.VpcEndpointId)] = aws.ToString(r.VpcId)
			}
		})
	case audit.ActionDescribeNetworkAcls:
		err = eachPage(ctx, ec2.NewDescribeNetworkAclsPaginator(s.api, &ec2.DescribeNetworkAclsInput{NetworkAclIds: ids}), func(o *ec2.DescribeNetworkAclsOutput) *string { return o.NextToken }, func(o *ec2.DescribeNetworkAclsOutput) {
			for _, r := range o.NetworkAcls {
				out[aws.ToString(r.NetworkAclId)] = aws.ToString(r.VpcId)
			}
		})
	}
	if err != nil {
		return nil, err
	}
	// Only the ids asked for, with a VPC: an answer naming others is not
	// taken.
	for id, v := range out {
		if !slices.Contains(ids, id) || v == "" {
			delete(out, id)
		}
	}
	return out, nil
}

// regionWide are the reads of a VPC read that are the Region's, not the
// VPC's: when f has them, nf's are not needed.
func regionWide(action string) bool {
	switch action {
	case audit.ActionDescribeManagedPrefixLists, audit.ActionDescribeBPAOptions, audit.ActionDescribeBPAExclusions:
		return true
	}
	return false
}

// merge adds nf, the network of vpcs read apart, to f. A failure of nf's
// on a whole kind is scoped to the ids of scope (vpcs and the ids looked
// up in them), and one on a VPC also to the ids looked up in that VPC
// (idsIn), since a rule looks the failure up by the id it judges; the
// Region's prefix lists are taken from nf only where f has none, and its
// Block Public Access is nf's only when f has none (nf read it only
// when f had neither it nor its failure).
func merge(f, nf *audit.Facts, vpcs, scope []string, idsIn map[string][]string) {
	if f.Account == "" {
		f.Account = nf.Account
	}
	f.VPCs = addNew(f.VPCs, nf.VPCs, nil)
	f.Subnets = addNew(f.Subnets, nf.Subnets, nil)
	f.SecurityGroups = addNew(f.SecurityGroups, nf.SecurityGroups, nil)
	hadLists := len(f.PrefixLists) > 0
	// A list f holds without its entries takes nf's entries.
	f.PrefixLists = addNew(f.PrefixLists, nf.PrefixLists, func(old, pl *audit.PrefixList) bool { return len(old.CIDRs) == 0 && len(pl.CIDRs) > 0 })
	inRead := func(vpc, id string) bool { return slices.Contains(vpcs, vpc) && !held(f, id) }
	for _, rt := range nf.RouteTables {
		if inRead(rt.VPCID, rt.ID) {
			f.RouteTables = append(f.RouteTables, rt)
		}
	}
	for _, a := range nf.NetworkACLs {
		if inRead(a.VPCID, a.ID) {
			f.NetworkACLs = append(f.NetworkACLs, a)
		}
	}
	for _, ep := range nf.Endpoints {
		if inRead(ep.VPCID, ep.ID) {
			f.Endpoints = append(f.Endpoints, ep)
		}
	}
	if f.BPA == nil {
		// nf read it only when f had neither it nor its failure.
		f.BPA = nf.BPA
	}
	for _, u := range nf.Undecided {
		switch {
		case u.Action == audit.ActionDescribeManagedPrefixLists && hadLists:
			// f read them.
		case u.Resource == "" && !regionWide(u.Action):
			for _, id := range scope {
				u.Resource = id
				addUndecided(f, u)
			}
		case slices.Contains(vpcs, u.Resource) && !regionWide(u.Action):
			addUndecided(f, u)
			for _, id := range audit.UniqSorted(idsIn[u.Resource]...) {
				u.Resource = id
				addUndecided(f, u)
			}
		default:
			addUndecided(f, u)
		}
	}
}

// addNew adds to into the entries of from it does not hold (or whose
// held entry replace says to replace), making into when nil.
func addNew[V any](into, from map[string]V, replace func(old, v V) bool) map[string]V {
	if into == nil {
		into = map[string]V{}
	}
	for id, v := range from {
		if old, ok := into[id]; !ok || replace != nil && replace(old, v) {
			into[id] = v
		}
	}
	return into
}

// addUndecided adds u to f once.
func addUndecided(f *audit.Facts, u audit.Undecided) {
	if !slices.Contains(f.Undecided, u) {
		f.Undecided = append(f.Undecided, u)
	}
}
