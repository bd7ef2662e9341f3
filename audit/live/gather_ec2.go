package live

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/preflight-dev/preflight/audit"
)

// ec2Pager is the shape of the SDK's EC2 paginators.
type ec2Pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}

// eachPage calls fn on every page of p. token is the page's NextToken: a
// token already followed, or pages past maxPages, stop the read with a
// *pageError (the SDK's paginators would follow a repeated token).
func eachPage[O any](ctx context.Context, p ec2Pager[O], token func(O) *string, fn func(O)) error {
	var guard pageGuard
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		fn(out)
		if err := guard.next(token(out)); err != nil {
			return err
		}
	}
	return nil
}

func vpcFilter(vpcIDs []string) []ec2types.Filter {
	return []ec2types.Filter{{Name: aws.String("vpc-id"), Values: vpcIDs}}
}

// network fills the network facts of the workloads' VPCs and of their
// container instances' VPCs. The subnets the workloads name are looked up
// once (to find their VPCs); then each kind of resource is read once for
// all those VPCs, filtered by vpc-id, so the number of calls grows with
// the number of VPCs, not of services.
func (s *gathering) network(ctx context.Context) error {
	var subnetIDs []string
	for _, w := range s.f.Workloads {
		subnetIDs = append(subnetIDs, w.Subnets...)
	}
	// Managed Instances run in their capacity provider's subnets.
	subnetIDs = append(subnetIDs, s.providerSubnets()...)
	slices.Sort(subnetIDs)
	subnetIDs = slices.Compact(subnetIDs)
	var vpcIDs []string
	if len(subnetIDs) > 0 {
		ids, err := s.subnetVPCs(ctx, subnetIDs)
		if err != nil {
			return err
		}
		if err := s.fatal(); err != nil {
			return err
		}
		if s.in.TaskDefinition != "" && len(ids) > 1 {
			return inputErr("--subnets", "subnets %s are in different VPCs (%s); a task's subnets share one VPC", strings.Join(subnetIDs, ","), strings.Join(ids, ", "))
		}
		vpcIDs = ids
	}
	taskVPCs := vpcIDs
	// The hosts' own traffic leaves through the instances' interfaces:
	// their VPCs are read too, even where no task subnet is.
	vpcIDs = audit.UniqSorted(append(slices.Clone(vpcIDs), s.instanceVPCs()...)...)
	if len(vpcIDs) == 0 {
		return s.fatal()
	}
	if err := s.vpcNetwork(ctx, vpcIDs, true); err != nil {
		return err
	}
	if len(taskVPCs) == 0 {
		return nil
	}
	return s.checkGivenSecurityGroups(taskVPCs[0])
}

// vpcNetwork reads everything the network rules need about vpcIDs: the
// VPCs and their DNS attributes and DHCP options, subnets, route tables,
// endpoints, security groups, network ACLs and prefix lists, and the
// Region's VPC Block Public Access (when bpa: a caller that has it
// already does not read it again).
func (s *gathering) vpcNetwork(ctx context.Context, vpcIDs []string, bpa bool) error {
	var prefixLists []ec2types.ManagedPrefixList
	calls := []func(context.Context){
		func(ctx context.Context) { s.describeVPCs(ctx, vpcIDs) },
		func(ctx context.Context) { s.describeSubnets(ctx, vpcIDs) },
		func(ctx context.Context) { s.describeRouteTables(ctx, vpcIDs) },
		func(ctx context.Context) { s.describeEndpoints(ctx, vpcIDs) },
		func(ctx context.Context) { s.describeSecurityGroups(ctx, vpcIDs) },
		func(ctx context.Context) { s.describeNACLs(ctx, vpcIDs) },
		func(ctx context.Context) { prefixLists = s.describePrefixLists(ctx) },
	}
	if bpa {
		calls = append(calls, s.describeBPA)
	}
	for _, id := range vpcIDs {
		for _, attr := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableDnsHostnames} {
			calls = append(calls, func(ctx context.Context) { s.describeVPCAttribute(ctx, id, attr) })
		}
	}
	s.parallel(ctx, calls...)
	if err := s.fatal(); err != nil {
		return err
	}
	// These need what the first round found: the VPCs' DHCP options
	// sets, the prefix lists that routes and rules name, and the
	// addresses of the interface endpoints' ENIs.
	s.parallel(ctx,
		s.describeDHCPOptions,
		func(ctx context.Context) { s.prefixListEntries(ctx, prefixLists) },
		s.endpointAddrs,
	)
	return s.fatal()
}

// subnetVPCs looks the workloads' subnets up and returns their VPCs. In
// the pre-deploy form a subnet that does not exist is bad input; for a
// deployed service it is a fact the audit reports as undecided.
func (s *gathering) subnetVPCs(ctx context.Context, ids []string) ([]string, error) {
	var found []ec2types.Subnet
	err := eachPage(ctx, ec2.NewDescribeSubnetsPaginator(s.api, &ec2.DescribeSubnetsInput{SubnetIds: ids}), func(o *ec2.DescribeSubnetsOutput) *string { return o.NextToken }, func(out *ec2.DescribeSubnetsOutput) {
		found = append(found, out.Subnets...)
	})
	if err != nil {
		code := apiCode(err)
		notFound := strings.HasPrefix(code, "InvalidSubnetID.")
		switch {
		case notFound && s.in.TaskDefinition != "":
			return nil, inputErr("--subnets", "%s (DescribeSubnets in %s)", apiMessage(err), s.g.Region)
		case notFound:
			// One bad id fails the whole call: ask for each alone.
			found = nil
			var mu sync.Mutex
			var calls []func(context.Context)
			for _, id := range ids {
				calls = append(calls, func(ctx context.Context) {
					out, err := s.api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
					if s.failed(audit.ActionDescribeSubnets, id, err) {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					found = append(found, out.Subnets...)
				})
			}
			s.parallel(ctx, calls...)
		case unreachable(ctx, err) && isTaskDefinitionFile(s.in.TaskDefinition):
			// The first call of an audit of a file: nothing answers.
			return nil, &EnvironmentError{Err: fmt.Errorf("the AWS API could not be reached (%s): %s", audit.ActionDescribeSubnets, connectionMessage(err))}
		default:
			// Each subnet gets the Undecided, so that its row names it.
			s.failedEach(audit.ActionDescribeSubnets, ids, err)
			return nil, s.fatal()
		}
	}
	var vpcIDs []string
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sn := range found {
		s.addSubnet(sn)
		vpcIDs = append(vpcIDs, aws.ToString(sn.VpcId))
		if s.f.Account == "" && isAccountID(aws.ToString(sn.OwnerId)) {
			s.f.Account = aws.ToString(sn.OwnerId)
		}
	}
	slices.Sort(vpcIDs)
	return slices.Compact(vpcIDs), nil
}

// checkGivenSecurityGroups: in the pre-deploy form, a --security-groups id
// that is not in the subnets' VPC is bad input (unless the groups could
// not be read at all).
func (s *gathering) checkGivenSecurityGroups(vpcID string) error {
	if s.in.TaskDefinition == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.f.Undecided {
		if u.Action == audit.ActionDescribeSecurityGroups {
			return nil
		}
	}
	var missing []string
	for _, id := range s.in.SecurityGroups {
		if _, ok := s.f.SecurityGroups[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return inputErr("--security-groups", "%s not found in %s, the VPC of --subnets (DescribeSecurityGroups)", strings.Join(missing, ", "), vpcID)
	}
	return nil
}

// failedEach is failed for one call that read the resources of ids (the
// subnets asked for, or the VPCs a filter named): each id gets the
// Undecided, so that every row the call leaves open names the subnet or
// the VPC whose tables, ACLs or endpoints it is missing, as the rules
// look it up. Without ids the Undecided covers the whole call.
func (s *gathering) failedEach(action string, ids []string, err error) bool {
	if err == nil {
		return false
	}
	if len(ids) == 0 {
		return s.failed(action, "", err)
	}
	for _, id := range ids {
		s.failed(action, id, err)
	}
	return true
}

func (s *gathering) describeVPCs(ctx context.Context, vpcIDs []string) {
	var vpcs []ec2types.Vpc
	err := eachPage(ctx, ec2.NewDescribeVpcsPaginator(s.api, &ec2.DescribeVpcsInput{VpcIds: vpcIDs}), func(o *ec2.DescribeVpcsOutput) *string { return o.NextToken }, func(out *ec2.DescribeVpcsOutput) {
		vpcs = append(vpcs, out.Vpcs...)
	})
	failed := s.failedEach(audit.ActionDescribeVpcs, vpcIDs, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	// A VPC is listed even when it could not be described, so that the
	// attribute reads have somewhere to go.
	for _, id := range vpcIDs {
		if s.f.VPCs[id] == nil {
			s.f.VPCs[id] = &audit.VPC{ID: id}
		}
	}
	if failed {
		return
	}
	for _, v := range vpcs {
		vpc := s.f.VPCs[aws.ToString(v.VpcId)]
		if vpc == nil {
			continue
		}
		vpc.DHCPOptionsID = aws.ToString(v.DhcpOptionsId)
		vpc.CIDRs = nil
		if p, ok := parsePrefix(aws.ToString(v.CidrBlock)); ok {
			vpc.CIDRs = append(vpc.CIDRs, p)
		}
		for _, a := range v.CidrBlockAssociationSet {
			if p, ok := parsePrefix(aws.ToString(a.CidrBlock)); ok && !slices.Contains(vpc.CIDRs, p) && associated(a.CidrBlockState) {
				vpc.CIDRs = append(vpc.CIDRs, p)
			}
		}
		for _, a := range v.Ipv6CidrBlockAssociationSet {
			if p, ok := parsePrefix(aws.ToString(a.Ipv6CidrBlock)); ok && !slices.Contains(vpc.CIDRs, p) {
				vpc.CIDRs = append(vpc.CIDRs, p)
			}
		}
	}
}

func associated(st *ec2types.VpcCidrBlockState) bool {
	return st == nil || st.State == "" || st.State == ec2types.VpcCidrBlockStateCodeAssociated
}

func (s *gathering) describeVPCAttribute(ctx context.Context, vpcID string, attr ec2types.VpcAttributeName) {
	out, err := s.api.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: attr})
	if s.failed(audit.ActionDescribeVpcAttribute, vpcID, err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vpc := s.f.VPCs[vpcID]
	if vpc == nil {
		vpc = &audit.VPC{ID: vpcID}
		s.f.VPCs[vpcID] = vpc
	}
	switch attr {
	case ec2types.VpcAttributeNameEnableDnsSupport:
		if out.EnableDnsSupport != nil {
			vpc.DNSSupport = audit.TriOf(aws.ToBool(out.EnableDnsSupport.Value))
		}
	case ec2types.VpcAttributeNameEnableDnsHostnames:
		if out.EnableDnsHostnames != nil {
			vpc.DNSHostnames = audit.TriOf(aws.ToBool(out.EnableDnsHostnames.Value))
		}
	}
}

// describeDHCPOptions reads the DHCP options sets of the VPCs in one call.
// "default" is no set at all (AssociateDhcpOptions: "default to associate
// no DHCP options with the VPC"): there is nothing to read, and the rules
// judge it.
func (s *gathering) describeDHCPOptions(ctx context.Context) {
	s.mu.Lock()
	var ids []string
	for _, v := range s.f.VPCs {
		if v.DHCPOptionsID != "" && v.DHCPOptionsID != "default" {
			ids = append(ids, v.DHCPOptionsID)
		}
	}
	s.mu.Unlock()
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return
	}
	servers := map[string][]string{}
	err := eachPage(ctx, ec2.NewDescribeDhcpOptionsPaginator(s.api, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: ids}), func(o *ec2.DescribeDhcpOptionsOutput) *string { return o.NextToken }, func(out *ec2.DescribeDhcpOptionsOutput) {
		for _, o := range out.DhcpOptions {
			// A set read without domain-name-servers is recorded as
			// such (empty, not nil): it hands out no DNS server.
			if _, ok := servers[aws.ToString(o.DhcpOptionsId)]; !ok {
				servers[aws.ToString(o.DhcpOptionsId)] = []string{}
			}
			for _, c := range o.DhcpConfigurations {
				if aws.ToString(c.Key) != "domain-name-servers" {
					continue
				}
				for _, v := range c.Values {
					servers[aws.ToString(o.DhcpOptionsId)] = append(servers[aws.ToString(o.DhcpOptionsId)], aws.ToString(v.Value))
				}
			}
		}
	})
	if err != nil {
		for _, id := range ids {
			s.failed(audit.ActionDescribeDhcpOptions, id, err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.f.VPCs {
		if ns, ok := servers[v.DHCPOptionsID]; ok {
			v.DomainNameServers = ns
		}
	}
}

func (s *gathering) describeSubnets(ctx context.Context, vpcIDs []string) {
	var subnets []ec2types.Subnet
	err := eachPage(ctx, ec2.NewDescribeSubnetsPaginator(s.api, &ec2.DescribeSubnetsInput{Filters: vpcFilter(vpcIDs)}), func(o *ec2.DescribeSubnetsOutput) *string { return o.NextToken }, func(out *ec2.DescribeSubnetsOutput) {
		subnets = append(subnets, out.Subnets...)
	})
	if s.failedEach(audit.ActionDescribeSubnets, vpcIDs, err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sn := range subnets {
		s.addSubnet(sn)
	}
}

// addSubnet records sn; the caller holds s.mu.
func (s *gathering) addSubnet(sn ec2types.Subnet) {
	out := &audit.Subnet{
		ID: aws.ToString(sn.SubnetId), VPCID: aws.ToString(sn.VpcId),
		AZ: aws.ToString(sn.AvailabilityZone), AZID: aws.ToString(sn.AvailabilityZoneId),
		MapPublicIPOnLaunch: aws.ToBool(sn.MapPublicIpOnLaunch),
	}
	out.CIDR, _ = parsePrefix(aws.ToString(sn.CidrBlock))
	for _, a := range sn.Ipv6CidrBlockAssociationSet {
		if p, ok := parsePrefix(aws.ToString(a.Ipv6CidrBlock)); ok {
			out.IPv6 = p
			break
		}
	}
	s.f.Subnets[out.ID] = out
}

func (s *gathering) describeRouteTables(ctx context.Context, vpcIDs []string) {
	var tables []ec2types.RouteTable
	err := eachPage(ctx, ec2.NewDescribeRouteTablesPaginator(s.api, &ec2.DescribeRouteTablesInput{Filters: vpcFilter(vpcIDs)}), func(o *ec2.DescribeRouteTablesOutput) *string { return o.NextToken }, func(out *ec2.DescribeRouteTablesOutput) {
		tables = append(tables, out.RouteTables...)
	})
	if s.failedEach(audit.ActionDescribeRouteTables, vpcIDs, err) {
		return
	}
	var out []*audit.RouteTable
	for _, t := range tables {
		rt := &audit.RouteTable{ID: aws.ToString(t.RouteTableId), VPCID: aws.ToString(t.VpcId)}
		for _, a := range t.Associations {
			if aws.ToBool(a.Main) {
				rt.Main = true
			}
			if id := aws.ToString(a.SubnetId); id != "" {
				rt.SubnetIDs = append(rt.SubnetIDs, id)
			}
		}
		for _, r := range t.Routes {
			rt.Routes = append(rt.Routes, convertRoute(r))
		}
		out = append(out, rt)
	}
	slices.SortFunc(out, func(a, b *audit.RouteTable) int { return strings.Compare(a.ID, b.ID) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.RouteTables = out
}

func convertRoute(r ec2types.Route) audit.Route {
	out := audit.Route{DestinationPrefixListID: aws.ToString(r.DestinationPrefixListId), State: string(r.State)}
	if p, ok := parsePrefix(aws.ToString(r.DestinationCidrBlock)); ok {
		out.Destination = p
	} else if p, ok := parsePrefix(aws.ToString(r.DestinationIpv6CidrBlock)); ok {
		out.Destination = p
	}
	gw := aws.ToString(r.GatewayId)
	switch {
	case gw == "local":
		out.Target, out.TargetID = audit.TargetLocal, gw
	case strings.HasPrefix(gw, "igw-"):
		out.Target, out.TargetID = audit.TargetIGW, gw
	case strings.HasPrefix(gw, "vpce-"):
		out.Target, out.TargetID = audit.TargetVPCE, gw
	case strings.HasPrefix(gw, "vgw-"):
		out.Target, out.TargetID = audit.TargetVGW, gw
	case r.NatGatewayId != nil:
		out.Target, out.TargetID = audit.TargetNAT, aws.ToString(r.NatGatewayId)
	case r.EgressOnlyInternetGatewayId != nil:
		out.Target, out.TargetID = audit.TargetEIGW, aws.ToString(r.EgressOnlyInternetGatewayId)
	case r.TransitGatewayId != nil:
		out.Target, out.TargetID = audit.TargetTGW, aws.ToString(r.TransitGatewayId)
	case r.VpcPeeringConnectionId != nil:
		out.Target, out.TargetID = audit.TargetPCX, aws.ToString(r.VpcPeeringConnectionId)
	case r.InstanceId != nil:
		out.Target, out.TargetID = audit.TargetInstance, aws.ToString(r.InstanceId)
	case r.NetworkInterfaceId != nil:
		out.Target, out.TargetID = audit.TargetENI, aws.ToString(r.NetworkInterfaceId)
	case gw != "":
		out.Target, out.TargetID = audit.TargetOther, gw
	default:
		out.Target = audit.TargetOther
	}
	if r.State == ec2types.RouteStateBlackhole && out.TargetID == "" {
		out.Target = audit.TargetBlackhole
	}
	return out
}

func (s *gathering) describeEndpoints(ctx context.Context, vpcIDs []string) {
	var eps []ec2types.VpcEndpoint
	err := eachPage(ctx, ec2.NewDescribeVpcEndpointsPaginator(s.api, &ec2.DescribeVpcEndpointsInput{Filters: vpcFilter(vpcIDs)}), func(o *ec2.DescribeVpcEndpointsOutput) *string { return o.NextToken }, func(out *ec2.DescribeVpcEndpointsOutput) {
		eps = append(eps, out.VpcEndpoints...)
	})
	if s.failedEach(audit.ActionDescribeVpcEndpoints, vpcIDs, err) {
		return
	}
	var out []*audit.Endpoint
	for _, e := range eps {
		ep := &audit.Endpoint{
			ID: aws.ToString(e.VpcEndpointId), VPCID: aws.ToString(e.VpcId),
			ServiceName: aws.ToString(e.ServiceName), ServiceRegion: aws.ToString(e.ServiceRegion),
			Type: string(e.VpcEndpointType), State: string(e.State),
			PrivateDNSEnabled: aws.ToBool(e.PrivateDnsEnabled),
			SubnetIDs:         e.SubnetIds, RouteTableIDs: e.RouteTableIds,
			NetworkInterfaceIDs: e.NetworkInterfaceIds,
			PolicyDocument:      aws.ToString(e.PolicyDocument),
		}
		if e.DnsOptions != nil {
			ep.PrivateDNSOnlyForInbound = aws.ToBool(e.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint)
		}
		for _, g := range e.Groups {
			ep.SecurityGroupIDs = append(ep.SecurityGroupIDs, aws.ToString(g.GroupId))
		}
		out = append(out, ep)
	}
	slices.SortFunc(out, func(a, b *audit.Endpoint) int { return strings.Compare(a.ID, b.ID) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.Endpoints = out
}

func (s *gathering) describeSecurityGroups(ctx context.Context, vpcIDs []string) {
	var groups []ec2types.SecurityGroup
	err := eachPage(ctx, ec2.NewDescribeSecurityGroupsPaginator(s.api, &ec2.DescribeSecurityGroupsInput{Filters: vpcFilter(vpcIDs)}), func(o *ec2.DescribeSecurityGroupsOutput) *string { return o.NextToken }, func(out *ec2.DescribeSecurityGroupsOutput) {
		groups = append(groups, out.SecurityGroups...)
	})
	if s.failed(audit.ActionDescribeSecurityGroups, "", err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range groups {
		sg := &audit.SecurityGroup{ID: aws.ToString(g.GroupId), VPCID: aws.ToString(g.VpcId), Name: aws.ToString(g.GroupName)}
		for _, p := range g.IpPermissions {
			sg.Ingress = append(sg.Ingress, convertPermission(p))
		}
		for _, p := range g.IpPermissionsEgress {
			sg.Egress = append(sg.Egress, convertPermission(p))
		}
		s.f.SecurityGroups[sg.ID] = sg
	}
}

func convertPermission(p ec2types.IpPermission) audit.Rule {
	r := audit.Rule{Protocol: aws.ToString(p.IpProtocol), FromPort: int(aws.ToInt32(p.FromPort)), ToPort: int(aws.ToInt32(p.ToPort))}
	for _, ip := range p.IpRanges {
		if c, ok := parsePrefix(aws.ToString(ip.CidrIp)); ok {
			r.CIDRs = append(r.CIDRs, c)
		}
	}
	for _, ip := range p.Ipv6Ranges {
		if c, ok := parsePrefix(aws.ToString(ip.CidrIpv6)); ok {
			r.CIDRs = append(r.CIDRs, c)
		}
	}
	for _, pl := range p.PrefixListIds {
		r.PrefixListIDs = append(r.PrefixListIDs, aws.ToString(pl.PrefixListId))
	}
	for _, g := range p.UserIdGroupPairs {
		r.GroupIDs = append(r.GroupIDs, aws.ToString(g.GroupId))
	}
	return r
}

func (s *gathering) describeNACLs(ctx context.Context, vpcIDs []string) {
	var acls []ec2types.NetworkAcl
	err := eachPage(ctx, ec2.NewDescribeNetworkAclsPaginator(s.api, &ec2.DescribeNetworkAclsInput{Filters: vpcFilter(vpcIDs)}), func(o *ec2.DescribeNetworkAclsOutput) *string { return o.NextToken }, func(out *ec2.DescribeNetworkAclsOutput) {
		acls = append(acls, out.NetworkAcls...)
	})
	if s.failedEach(audit.ActionDescribeNetworkAcls, vpcIDs, err) {
		return
	}
	var out []*audit.NetworkACL
	for _, a := range acls {
		acl := &audit.NetworkACL{ID: aws.ToString(a.NetworkAclId), VPCID: aws.ToString(a.VpcId), Default: aws.ToBool(a.IsDefault)}
		for _, as := range a.Associations {
			if id := aws.ToString(as.SubnetId); id != "" {
				acl.SubnetIDs = append(acl.SubnetIDs, id)
			}
		}
		for _, e := range a.Entries {
			ne := audit.NACLEntry{
				RuleNumber: int(aws.ToInt32(e.RuleNumber)), Egress: aws.ToBool(e.Egress),
				Protocol: aws.ToString(e.Protocol), Allow: e.RuleAction == ec2types.RuleActionAllow,
			}
			if e.PortRange != nil {
				ne.PortFrom, ne.PortTo = int(aws.ToInt32(e.PortRange.From)), int(aws.ToInt32(e.PortRange.To))
			}
			if p, ok := parsePrefix(aws.ToString(e.CidrBlock)); ok {
				ne.CIDR = p
			} else if p, ok := parsePrefix(aws.ToString(e.Ipv6CidrBlock)); ok {
				ne.CIDR = p
			}
			acl.Entries = append(acl.Entries, ne)
		}
		slices.SortStableFunc(acl.Entries, func(a, b audit.NACLEntry) int { return a.RuleNumber - b.RuleNumber })
		out = append(out, acl)
	}
	slices.SortFunc(out, func(a, b *audit.NetworkACL) int { return strings.Compare(a.ID, b.ID) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.NetworkACLs = out
}

// describePrefixLists lists the managed prefix lists of the region (a
// handful: the AWS-managed ones and the account's own).
func (s *gathering) describePrefixLists(ctx context.Context) []ec2types.ManagedPrefixList {
	var lists []ec2types.ManagedPrefixList
	err := eachPage(ctx, ec2.NewDescribeManagedPrefixListsPaginator(s.api, &ec2.DescribeManagedPrefixListsInput{}), func(o *ec2.DescribeManagedPrefixListsOutput) *string { return o.NextToken }, func(out *ec2.DescribeManagedPrefixListsOutput) {
		lists = append(lists, out.PrefixLists...)
	})
	if s.failed(audit.ActionDescribeManagedPrefixLists, "", err) {
		return nil
	}
	return lists
}

// prefixListEntries reads the entries of the S3 prefix list and of every
// list a route or a security group rule names.
func (s *gathering) prefixListEntries(ctx context.Context, lists []ec2types.ManagedPrefixList) {
	s3Name := fmt.Sprintf("com.amazonaws.%s.s3", s.g.Region)
	s.mu.Lock()
	wanted := map[string]bool{}
	for _, rt := range s.f.RouteTables {
		for _, r := range rt.Routes {
			if r.DestinationPrefixListID != "" {
				wanted[r.DestinationPrefixListID] = true
			}
		}
	}
	for _, sg := range s.f.SecurityGroups {
		for _, r := range slices.Concat(sg.Ingress, sg.Egress) {
			for _, id := range r.PrefixListIDs {
				wanted[id] = true
			}
		}
	}
	s.mu.Unlock()
	var calls []func(context.Context)
	for _, l := range lists {
		id, name := aws.ToString(l.PrefixListId), aws.ToString(l.PrefixListName)
		if name != s3Name && !wanted[id] {
			continue
		}
		calls = append(calls, func(ctx context.Context) {
			var cidrs []netip.Prefix
			err := eachPage(ctx, ec2.NewGetManagedPrefixListEntriesPaginator(s.api, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id)}), func(o *ec2.GetManagedPrefixListEntriesOutput) *string { return o.NextToken }, func(out *ec2.GetManagedPrefixListEntriesOutput) {
				for _, e := range out.Entries {
					if p, ok := parsePrefix(aws.ToString(e.Cidr)); ok {
						cidrs = append(cidrs, p)
					}
				}
			})
			// The list is known even when its entries are not: a rule
			// naming it still names it.
			s.failed(audit.ActionGetManagedPrefixListEntries, id, err)
			s.mu.Lock()
			defer s.mu.Unlock()
			s.f.PrefixLists[id] = &audit.PrefixList{ID: id, Name: name, CIDRs: cidrs}
		})
	}
	s.parallel(ctx, calls...)
}

func parsePrefix(v string) (netip.Prefix, bool) {
	if v == "" {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}
