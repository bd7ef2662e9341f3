package live

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/preflight-dev/preflight/audit"
)

// outsideAPI is an account of VPCs vpc-0X, each with subnet-0X1, sg-0X,
// rtb-0X, acl-0X and a gateway endpoint vpce-0X, answering the EC2 calls
// of GatherOutside by id and by vpc-id filter. It records each call's ids
// or filter values, and denies the calls deny names ("byID:ACTION" or
// "byVPC:ACTION"). Any other call panics (nil API).
type outsideAPI struct {
	API
	vpcs map[string]bool
	deny map[string]bool

	mu    sync.Mutex
	calls map[string][][]string
	// actions are every action called, for the policy check.
	actions []string
}

// called records action.
func (a *outsideAPI) called(action string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !slices.Contains(a.actions, action) {
		a.actions = append(a.actions, action)
	}
}

func newOutsideAPI(deny ...string) *outsideAPI {
	a := &outsideAPI{vpcs: map[string]bool{}, deny: map[string]bool{}, calls: map[string][][]string{}}
	for _, d := range deny {
		a.deny[d] = true
	}
	return a
}

var errDenied = &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}

// ask records a call of action with ids or filter values, and returns
// the VPCs it names (by id, each id's) and its error.
func (a *outsideAPI) ask(action, prefix string, ids []string, filters []ec2types.Filter) ([]string, error) {
	a.called(action)
	a.mu.Lock()
	defer a.mu.Unlock()
	var vpcs []string
	how := "byVPC:"
	if len(ids) > 0 {
		how = "byID:"
		a.calls[how+action] = append(a.calls[how+action], ids)
		for _, id := range ids {
			v := "vpc-" + strings.TrimSuffix(strings.TrimPrefix(id, prefix+"-"), "1")
			if prefix == "vpc" {
				v = id
			}
			if !a.vpcs[v] {
				return nil, &smithy.GenericAPIError{Code: "InvalidID.NotFound", Message: "The ID '" + id + "' does not exist"}
			}
			vpcs = append(vpcs, v)
		}
	} else {
		for _, f := range filters {
			if aws.ToString(f.Name) == "vpc-id" {
				vpcs = f.Values
			}
		}
		a.calls[how+action] = append(a.calls[how+action], vpcs)
	}
	if a.deny[how+action] {
		return nil, errDenied
	}
	return vpcs, nil
}

func suffix(vpc string) string { return strings.TrimPrefix(vpc, "vpc-") }

func (a *outsideAPI) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeVpcs, "vpc", in.VpcIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcsOutput{}
	for _, v := range vpcs {
		out.Vpcs = append(out.Vpcs, ec2types.Vpc{VpcId: aws.String(v), CidrBlock: aws.String("10.0.0.0/16"), DhcpOptionsId: aws.String("default")})
	}
	return out, nil
}

func (a *outsideAPI) DescribeVpcAttribute(_ context.Context, in *ec2.DescribeVpcAttributeInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	a.called(audit.ActionDescribeVpcAttribute)
	on := &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}
	return &ec2.DescribeVpcAttributeOutput{VpcId: in.VpcId, EnableDnsSupport: on, EnableDnsHostnames: on}, nil
}

func (a *outsideAPI) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeSubnets, "subnet", in.SubnetIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSubnetsOutput{}
	for _, v := range vpcs {
		out.Subnets = append(out.Subnets, ec2types.Subnet{SubnetId: aws.String("subnet-" + suffix(v) + "1"), VpcId: aws.String(v),
			CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	}
	return out, nil
}

func (a *outsideAPI) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeSecurityGroups, "sg", in.GroupIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSecurityGroupsOutput{}
	for _, v := range vpcs {
		out.SecurityGroups = append(out.SecurityGroups, ec2types.SecurityGroup{GroupId: aws.String("sg-" + suffix(v)), VpcId: aws.String(v), GroupName: aws.String("task")})
	}
	return out, nil
}

func (a *outsideAPI) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeRouteTables, "rtb", in.RouteTableIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeRouteTablesOutput{}
	for _, v := range vpcs {
		out.RouteTables = append(out.RouteTables, ec2types.RouteTable{RouteTableId: aws.String("rtb-" + suffix(v)), VpcId: aws.String(v),
			Associations: []ec2types.RouteTableAssociation{{Main: aws.Bool(true)}}})
	}
	return out, nil
}

func (a *outsideAPI) DescribeNetworkAcls(_ context.Context, in *ec2.DescribeNetworkAclsInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeNetworkAcls, "acl", in.NetworkAclIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkAclsOutput{}
	for _, v := range vpcs {
		out.NetworkAcls = append(out.NetworkAcls, ec2types.NetworkAcl{NetworkAclId: aws.String("acl-" + suffix(v)), VpcId: aws.String(v), IsDefault: aws.Bool(true)})
	}
	return out, nil
}

func (a *outsideAPI) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	vpcs, err := a.ask(audit.ActionDescribeVpcEndpoints, "vpce", in.VpcEndpointIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointsOutput{}
	for _, v := range vpcs {
		out.VpcEndpoints = append(out.VpcEndpoints, ec2types.VpcEndpoint{VpcEndpointId: aws.String("vpce-" + suffix(v)), VpcId: aws.String(v),
			ServiceName: aws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: ec2types.VpcEndpointTypeGateway, State: ec2types.StateAvailable})
	}
	return out, nil
}

func (a *outsideAPI) DescribeManagedPrefixLists(context.Context, *ec2.DescribeManagedPrefixListsInput, ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	a.called(audit.ActionDescribeManagedPrefixLists)
	return &ec2.DescribeManagedPrefixListsOutput{}, nil
}

func (a *outsideAPI) DescribeVpcBlockPublicAccessOptions(context.Context, *ec2.DescribeVpcBlockPublicAccessOptionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessOptionsOutput, error) {
	a.called(audit.ActionDescribeBPAOptions)
	return &ec2.DescribeVpcBlockPublicAccessOptionsOutput{}, nil
}

func (a *outsideAPI) DescribeVpcBlockPublicAccessExclusions(context.Context, *ec2.DescribeVpcBlockPublicAccessExclusionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessExclusionsOutput, error) {
	a.called(audit.ActionDescribeBPAExclusions)
	return &ec2.DescribeVpcBlockPublicAccessExclusionsOutput{}, nil
}

// accountRead is the facts of a Gather that read vpc-0a.
func accountRead() *audit.Facts {
	return &audit.Facts{
		Region:  "us-east-1",
		VPCs:    map[string]*audit.VPC{"vpc-0a": {ID: "vpc-0a"}},
		Subnets: map[string]*audit.Subnet{"subnet-0a1": {ID: "subnet-0a1", VPCID: "vpc-0a"}}, SecurityGroups: map[string]*audit.SecurityGroup{},
		PrefixLists: map[string]*audit.PrefixList{},
		RouteTables: []*audit.RouteTable{{ID: "rtb-0a", VPCID: "vpc-0a", Main: true}},
	}
}

func undecidedOn(f *audit.Facts, action, resource string) *audit.Undecided {
	for i, u := range f.Undecided {
		if u.Action == action && u.Resource == resource {
			return &f.Undecided[i]
		}
	}
	return nil
}

// TestGatherOutside: the ids a plan names outside the VPCs Gather read
// have their VPCs found (a VPC id directly, the others by their Describe
// call) and read once each with GatherNetwork, the facts merged into the
// account's; what cannot be read stays undecided and says which call
// failed, on those ids only.
func TestGatherOutside(t *testing.T) {
	t.Run("each VPC read once", func(t *testing.T) {
		api := newOutsideAPI()
		api.vpcs = map[string]bool{"vpc-0a": true, "vpc-0b": true, "vpc-0c": true}
		f := accountRead()
		ids := []string{"subnet-0b1", "sg-0b", "vpc-0b", "rtb-0c", "vpce-0c", "acl-0c", "subnet-0a1", "pl-0a", "aws_subnet.x[0]"}
		if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, ids); err != nil {
			t.Fatal(err)
		}
		for action, want := range map[string][][]string{
			"byID:" + audit.ActionDescribeVpcs:            {{"vpc-0b", "vpc-0c"}},
			"byVPC:" + audit.ActionDescribeSubnets:        {{"vpc-0b", "vpc-0c"}},
			"byID:" + audit.ActionDescribeSubnets:         {{"subnet-0b1"}},
			"byID:" + audit.ActionDescribeSecurityGroups:  {{"sg-0b"}},
			"byID:" + audit.ActionDescribeRouteTables:     {{"rtb-0c"}},
			"byID:" + audit.ActionDescribeVpcEndpoints:    {{"vpce-0c"}},
			"byID:" + audit.ActionDescribeNetworkAcls:     {{"acl-0c"}},
			"byVPC:" + audit.ActionDescribeNetworkAcls:    {{"vpc-0b", "vpc-0c"}},
			"byVPC:" + audit.ActionDescribeSecurityGroups: {{"vpc-0b", "vpc-0c"}},
		} {
			if got := api.calls[action]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s calls %v; want %v", action, got, want)
			}
		}
		for _, id := range []string{"vpc-0b", "vpc-0c"} {
			if f.VPCs[id] == nil || f.Subnets["subnet-"+suffix(id)+"1"] == nil || f.SecurityGroups["sg-"+suffix(id)] == nil ||
				!held(f, "rtb-"+suffix(id)) || !held(f, "acl-"+suffix(id)) || !held(f, "vpce-"+suffix(id)) {
				t.Errorf("facts of %s not merged: %+v", id, f)
			}
		}
		if len(f.RouteTables) != 3 || f.RouteTables[0].ID != "rtb-0a" {
			t.Errorf("route tables %v; want rtb-0a kept and rtb-0b, rtb-0c added", f.RouteTables)
		}
		if len(f.Undecided) != 0 {
			t.Errorf("undecided %v; want none", f.Undecided)
		}
		// Every call it made is a read audit-policy.json allows.
		assertReadOnlyPolicyActions(t, api.actions)
	})
	t.Run("a lookup denied", func(t *testing.T) {
		api := newOutsideAPI("byID:" + audit.ActionDescribeSecurityGroups)
		api.vpcs = map[string]bool{"vpc-0b": true}
		f := accountRead()
		if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, []string{"sg-0b"}); err != nil {
			t.Fatal(err)
		}
		if u := undecidedOn(f, audit.ActionDescribeSecurityGroups, "sg-0b"); u == nil || u.Code != "UnauthorizedOperation" {
			t.Errorf("undecided %v; want %s on sg-0b UnauthorizedOperation", f.Undecided, audit.ActionDescribeSecurityGroups)
		}
		if f.SecurityGroups["sg-0b"] != nil || len(api.calls["byID:"+audit.ActionDescribeVpcs]) != 0 {
			t.Errorf("sg-0b %v, VPC reads %v; want nothing read", f.SecurityGroups["sg-0b"], api.calls["byID:"+audit.ActionDescribeVpcs])
		}
	})
	t.Run("Block Public Access read once", func(t *testing.T) {
		// It is the Region's: what f has (read, or failed) stands for
		// the VPCs read outside; without it, it is read with them.
		for _, tt := range []struct {
			name     string
			had      func(*audit.Facts)
			wantRead bool
		}{
			{"f has it", func(f *audit.Facts) { f.BPA = &audit.BlockPublicAccess{Mode: audit.BPAOff} }, false},
			{"f's read failed", func(f *audit.Facts) {
				f.Undecided = append(f.Undecided, audit.Undecided{Action: audit.ActionDescribeBPAOptions, Code: "UnauthorizedOperation"})
			}, false},
			{"f has not read it", func(*audit.Facts) {}, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				api := newOutsideAPI()
				api.vpcs = map[string]bool{"vpc-0b": true}
				f := accountRead()
				tt.had(f)
				if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, []string{"vpc-0b"}); err != nil {
					t.Fatal(err)
				}
				if f.VPCs["vpc-0b"] == nil {
					t.Fatalf("vpc-0b not read: %+v", f)
				}
				if got := slices.Contains(api.actions, audit.ActionDescribeBPAOptions); got != tt.wantRead {
					t.Errorf("got %s called %v; want %v", audit.ActionDescribeBPAOptions, got, tt.wantRead)
				}
				if tt.wantRead && f.BPA == nil {
					t.Errorf("got no Block Public Access; want the one read with vpc-0b")
				}
			})
		}
	})
	t.Run("a kind the VPC read is denied", func(t *testing.T) {
		api := newOutsideAPI("byVPC:" + audit.ActionDescribeNetworkAcls)
		api.vpcs = map[string]bool{"vpc-0b": true}
		f := accountRead()
		if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, []string{"subnet-0b1"}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"vpc-0b", "subnet-0b1"} {
			if u := undecidedOn(f, audit.ActionDescribeNetworkAcls, id); u == nil || u.Code != "UnauthorizedOperation" {
				t.Errorf("undecided %v; want %s on %s UnauthorizedOperation", f.Undecided, audit.ActionDescribeNetworkAcls, id)
			}
		}
		// The account's own VPC was read: it stays decided.
		if u := audit.FindUndecided(f, audit.ActionDescribeNetworkAcls, "vpc-0a", "subnet-0a1"); u != nil {
			t.Errorf("got %+v for vpc-0a; want the denial scoped to vpc-0b", u)
		}
		if f.Subnets["subnet-0b1"] == nil {
			t.Errorf("subnet-0b1 not merged; want the rest of vpc-0b read")
		}
	})
	t.Run("an id AWS does not know", func(t *testing.T) {
		api := newOutsideAPI()
		api.vpcs = map[string]bool{"vpc-0b": true}
		f := accountRead()
		if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, []string{"subnet-0b1", "subnet-0z1"}); err != nil {
			t.Fatal(err)
		}
		if u := undecidedOn(f, audit.ActionDescribeSubnets, "subnet-0z1"); u == nil || u.Code != "InvalidID.NotFound" {
			t.Errorf("undecided %v; want %s on subnet-0z1 InvalidID.NotFound", f.Undecided, audit.ActionDescribeSubnets)
		}
		if f.VPCs["vpc-0b"] == nil || f.Subnets["subnet-0b1"] == nil {
			t.Errorf("vpc-0b not read; want the known id's VPC read")
		}
	})
	t.Run("bounded", func(t *testing.T) {
		api := newOutsideAPI()
		var ids []string
		for i := range maxOutsideVPCs + 3 {
			id := fmt.Sprintf("vpc-%03d", i)
			api.vpcs[id] = true
			ids = append(ids, id)
		}
		f := accountRead()
		if err := (&Gatherer{API: api, Region: "us-east-1"}).GatherOutside(context.Background(), f, ids); err != nil {
			t.Fatal(err)
		}
		reads := api.calls["byID:"+audit.ActionDescribeVpcs]
		if len(reads) != 1 || len(reads[0]) != maxOutsideVPCs {
			t.Errorf("VPC reads %v; want one of %d VPCs", reads, maxOutsideVPCs)
		}
		for _, id := range ids[maxOutsideVPCs:] {
			if u := undecidedOn(f, audit.ActionDescribeVpcs, id); u == nil || !strings.Contains(u.Err, "is not read") {
				t.Errorf("undecided %v; want %s on %s: not read", f.Undecided, audit.ActionDescribeVpcs, id)
			}
		}
		if slices.ContainsFunc(f.Undecided, func(u audit.Undecided) bool { return u.Resource == ids[0] }) {
			t.Errorf("undecided %v on %s; want it read", f.Undecided, ids[0])
		}
	})
}
