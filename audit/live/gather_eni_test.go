package live

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/preflight-dev/preflight/audit"
)

// eniFaultAPI fails DescribeNetworkInterfaces with err.
type eniFaultAPI struct {
	API
	err error
}

func (f eniFaultAPI) DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	return nil, f.err
}

// TestGatherEndpointAddrs: the interface endpoints' ENI addresses are
// read (moto creates one ENI per endpoint subnet); a denied read leaves
// them unknown with an Undecided per endpoint, and the rest is gathered.
func TestGatherEndpointAddrs(t *testing.T) {
	m := moto(t)
	w := m.scenario(t)
	api, region := m.api(t, "test", "test")
	f, err := (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var iface []*audit.Endpoint
	for _, ep := range f.Endpoints {
		if ep.Type == audit.EndpointInterface {
			iface = append(iface, ep)
		}
	}
	if len(iface) == 0 {
		t.Fatalf("endpoints %+v; want the scenario's interface endpoints", f.Endpoints)
	}
	for _, ep := range iface {
		if len(ep.NetworkInterfaceIDs) != len(ep.SubnetIDs) {
			t.Errorf("%s: got interfaces %v; want one per subnet %v", ep.ID, ep.NetworkInterfaceIDs, ep.SubnetIDs)
			continue
		}
		// What the EC2 API itself says about those interfaces.
		out, err := api.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ep.NetworkInterfaceIDs})
		if err != nil {
			t.Fatalf("DescribeNetworkInterfaces: %v", err)
		}
		var want []netip.Addr
		for _, eni := range out.NetworkInterfaces {
			want = append(want, netip.MustParseAddr(aws.ToString(eni.PrivateIpAddress)))
		}
		slices.SortFunc(want, netip.Addr.Compare)
		if !slices.Equal(ep.Addrs, want) || len(want) == 0 {
			t.Errorf("%s: got addresses %v; want %v", ep.ID, ep.Addrs, want)
		}
	}

	denied := &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}
	f, err = (&Gatherer{API: eniFaultAPI{API: api, err: denied}, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatalf("gather with DescribeNetworkInterfaces denied: %v", err)
	}
	for _, ep := range f.Endpoints {
		if ep.Type != audit.EndpointInterface {
			continue
		}
		if ep.Addrs != nil {
			t.Errorf("%s: got addresses %v; want none when the read is denied", ep.ID, ep.Addrs)
		}
		if u := audit.FindUndecided(f, audit.ActionDescribeNetworkInterfaces, ep.ID); u == nil || u.Resource != ep.ID || u.Code != "UnauthorizedOperation" {
			t.Errorf("undecided %+v; want %s on %s UnauthorizedOperation", f.Undecided, audit.ActionDescribeNetworkInterfaces, ep.ID)
		}
	}
	if len(f.Endpoints) == 0 || len(f.SecurityGroups) == 0 || len(f.Workloads) != 1 {
		t.Errorf("%d endpoints, %d groups, %d workloads; want the rest gathered", len(f.Endpoints), len(f.SecurityGroups), len(f.Workloads))
	}
}
