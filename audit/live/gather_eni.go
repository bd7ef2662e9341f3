package live

import (
	"context"
	"net/netip"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/preflight-dev/preflight/audit"
)

// eniBatch bounds the interface ids one DescribeNetworkInterfaces asks
// for (EC2 takes at most 1,000 values in a request; a VPC's endpoints
// rarely have more than a few dozen ENIs).
const eniBatch = 200

// endpointAddrs reads the private addresses of the interface endpoints'
// network interfaces, so that a task group's egress to those /32s counts
// as egress to the endpoint. A failed read leaves Addrs nil with an
// Undecided per endpoint; the rules then judge the endpoint subnets'
// blocks alone.
func (s *gathering) endpointAddrs(ctx context.Context) {
	s.mu.Lock()
	owner := map[string]*audit.Endpoint{}
	var ids []string
	for _, ep := range s.f.Endpoints {
		for _, id := range ep.NetworkInterfaceIDs {
			owner[id] = ep
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	slices.Sort(ids)
	ids = slices.Compact(ids)
	addrs := map[string][]netip.Addr{}
	for batch := range slices.Chunk(ids, eniBatch) {
		var enis []ec2types.NetworkInterface
		err := eachPage(ctx, ec2.NewDescribeNetworkInterfacesPaginator(s.api, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: batch}),
			func(o *ec2.DescribeNetworkInterfacesOutput) *string { return o.NextToken },
			func(out *ec2.DescribeNetworkInterfacesOutput) { enis = append(enis, out.NetworkInterfaces...) })
		if err != nil {
			failed := map[string]bool{}
			for _, id := range batch {
				if ep := owner[id]; !failed[ep.ID] {
					failed[ep.ID] = true
					s.failed(audit.ActionDescribeNetworkInterfaces, ep.ID, err)
				}
			}
			continue
		}
		for _, eni := range enis {
			id := aws.ToString(eni.NetworkInterfaceId)
			for _, p := range eni.PrivateIpAddresses {
				if a, err := netip.ParseAddr(aws.ToString(p.PrivateIpAddress)); err == nil {
					addrs[id] = append(addrs[id], a)
				}
			}
			if a, err := netip.ParseAddr(aws.ToString(eni.PrivateIpAddress)); err == nil && !slices.Contains(addrs[id], a) {
				addrs[id] = append(addrs[id], a)
			}
			for _, p := range eni.Ipv6Addresses {
				if a, err := netip.ParseAddr(aws.ToString(p.Ipv6Address)); err == nil {
					addrs[id] = append(addrs[id], a)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ep := range s.f.Endpoints {
		if len(ep.NetworkInterfaceIDs) == 0 {
			continue
		}
		var got []netip.Addr
		complete := true
		for _, id := range ep.NetworkInterfaceIDs {
			a, ok := addrs[id]
			complete = complete && ok
			got = append(got, a...)
		}
		// An endpoint whose interfaces were not all answered keeps no
		// addresses: a partial list would cover part of it.
		if complete {
			slices.SortFunc(got, netip.Addr.Compare)
			ep.Addrs = slices.Compact(got)
		}
	}
}
