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
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
	"github.com/preflight-dev/preflight/audit"
)

// describeContainerInstancesBatch is DescribeContainerInstances' limit of
// instances per call.
const describeContainerInstancesBatch = 100

// describeInstancesBatch bounds the instance ids of one DescribeInstances
// call (the API takes more, but a request carries them all in its body).
const describeInstancesBatch = 100

// containerInstances reads the container instances of every cluster that
// an EC2 or EXTERNAL workload runs in. A denied or failed read becomes an
// Undecided; only an error without an AWS answer is returned.
func (s *gathering) containerInstances(ctx context.Context) error {
	var clusters []string
	for _, w := range s.f.Workloads {
		if audit.RunsOnInstances(w) && w.Cluster != "" {
			clusters = append(clusters, w.Cluster)
		}
	}
	slices.Sort(clusters)
	clusters = slices.Compact(clusters)
	if len(clusters) == 0 {
		return nil
	}
	var calls []func(context.Context)
	for _, c := range clusters {
		calls = append(calls, func(ctx context.Context) { s.clusterInstances(ctx, c) })
	}
	s.parallel(ctx, calls...)
	return s.fatal()
}

// clusterInstances lists and describes the container instances of one
// cluster, then reads the network of its EC2 instances.
func (s *gathering) clusterInstances(ctx context.Context, cluster string) {
	var arns []string
	var token *string
	var guard pageGuard
	for {
		out, err := s.api.ListContainerInstances(ctx, &ecs.ListContainerInstancesInput{
			Cluster: aws.String(cluster), MaxResults: aws.Int32(100), NextToken: token})
		if err == nil {
			arns = append(arns, out.ContainerInstanceArns...)
			token = out.NextToken
			// A repeated token or too many pages: the cluster's hosts
			// are not all known, so none is judged as if it were all.
			err = guard.next(token)
		}
		if s.failed(audit.ActionListContainerInstances, cluster, err) {
			return
		}
		if token == nil || *token == "" {
			break
		}
	}
	instances := []*audit.ContainerInstance{}
	for batch := range slices.Chunk(arns, describeContainerInstancesBatch) {
		out, err := s.api.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{
			Cluster: aws.String(cluster), ContainerInstances: batch})
		if s.failed(audit.ActionDescribeContainerInstances, cluster, err) {
			// Some instances unknown: the cluster's hosts are not
			// known, so none is judged as if it were all of them.
			return
		}
		for _, f := range out.Failures {
			// MISSING is an instance deregistered since it was listed
			// (AWS's "API failure reasons": the container instance was
			// not found): gone, so not a host of the cluster. Any other
			// reason leaves an instance unknown, and so the cluster's
			// hosts, as a failed call would.
			if reason := aws.ToString(f.Reason); reason != "MISSING" {
				s.failed(audit.ActionDescribeContainerInstances, cluster, &smithy.GenericAPIError{Code: reason,
					Message: fmt.Sprintf("container instance %s: %s", resourceName(aws.ToString(f.Arn)), aws.ToString(f.Detail))})
				return
			}
		}
		for _, ci := range out.ContainerInstances {
			instances = append(instances, &audit.ContainerInstance{
				ARN: aws.ToString(ci.ContainerInstanceArn), EC2InstanceID: aws.ToString(ci.Ec2InstanceId),
				Status: aws.ToString(ci.Status), CapacityProvider: aws.ToString(ci.CapacityProviderName),
			})
		}
	}
	slices.SortFunc(instances, func(a, b *audit.ContainerInstance) int {
		return strings.Compare(a.EC2InstanceID+a.ARN, b.EC2InstanceID+b.ARN)
	})
	s.describeInstances(ctx, instances)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f.ContainerInstances == nil {
		s.f.ContainerInstances = map[string][]*audit.ContainerInstance{}
	}
	s.f.ContainerInstances[cluster] = instances
}

// describeInstances fills the network of the EC2 instances among
// instances from ec2:DescribeInstances. An instance that could not be
// read keeps an empty SubnetID, with an Undecided naming it.
func (s *gathering) describeInstances(ctx context.Context, instances []*audit.ContainerInstance) {
	byID := map[string][]*audit.ContainerInstance{}
	var ids []string
	for _, ci := range instances {
		if ci.External() {
			continue
		}
		if byID[ci.EC2InstanceID] == nil {
			ids = append(ids, ci.EC2InstanceID)
		}
		byID[ci.EC2InstanceID] = append(byID[ci.EC2InstanceID], ci)
	}
	var mu sync.Mutex
	var calls []func(context.Context)
	for batch := range slices.Chunk(ids, describeInstancesBatch) {
		calls = append(calls, func(ctx context.Context) {
			var found []ec2types.Instance
			err := eachPage(ctx, ec2.NewDescribeInstancesPaginator(s.api, &ec2.DescribeInstancesInput{InstanceIds: batch}), func(o *ec2.DescribeInstancesOutput) *string { return o.NextToken }, func(out *ec2.DescribeInstancesOutput) {
				for _, r := range out.Reservations {
					found = append(found, r.Instances...)
				}
			})
			if err != nil {
				for _, id := range batch {
					s.failed(audit.ActionDescribeInstances, id, err)
				}
				return
			}
			mu.Lock()
			defer mu.Unlock()
			seen := map[string]bool{}
			for _, inst := range found {
				id := aws.ToString(inst.InstanceId)
				seen[id] = true
				for _, ci := range byID[id] {
					setInstanceNetwork(ci, inst)
				}
			}
			for _, id := range batch {
				if !seen[id] {
					s.mu.Lock()
					s.f.Undecided = append(s.f.Undecided, audit.Undecided{Action: audit.ActionDescribeInstances, Resource: id,
						Err: "instance not in the answer (terminated?)"})
					s.mu.Unlock()
				}
			}
		})
	}
	s.parallel(ctx, calls...)
}

// setInstanceNetwork copies the network of inst's primary interface
// (device index 0) into ci; the instance-level fields stand in when the
// answer lists no interfaces. The primary interface is what the host's
// own traffic leaves by: the groups of task ENIs attached to the same
// instance do not apply to it.
func setInstanceNetwork(ci *audit.ContainerInstance, inst ec2types.Instance) {
	ci.VPCID, ci.SubnetID = aws.ToString(inst.VpcId), aws.ToString(inst.SubnetId)
	if inst.Placement != nil {
		ci.AZ = aws.ToString(inst.Placement.AvailabilityZone)
	}
	var groups []string
	for _, g := range inst.SecurityGroups {
		groups = append(groups, aws.ToString(g.GroupId))
	}
	public := aws.ToString(inst.PublicIpAddress)
	for _, ni := range inst.NetworkInterfaces {
		if ni.Attachment == nil || aws.ToInt32(ni.Attachment.DeviceIndex) != 0 {
			continue
		}
		if id := aws.ToString(ni.SubnetId); id != "" {
			ci.SubnetID = id
		}
		if id := aws.ToString(ni.VpcId); id != "" {
			ci.VPCID = id
		}
		groups = nil
		for _, g := range ni.Groups {
			groups = append(groups, aws.ToString(g.GroupId))
		}
		if ni.Association != nil {
			public = aws.ToString(ni.Association.PublicIp)
		} else {
			public = ""
		}
	}
	ci.SecurityGroupIDs = audit.UniqSorted(groups...)
	if a, err := netip.ParseAddr(public); err == nil {
		ci.PublicIPv4 = a.Unmap()
	}
}

// instanceVPCs are the VPCs of the container instances read so far.
func (s *gathering) instanceVPCs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, list := range s.f.ContainerInstances {
		for _, ci := range list {
			if ci.VPCID != "" {
				ids = append(ids, ci.VPCID)
			}
		}
	}
	return audit.UniqSorted(ids...)
}
