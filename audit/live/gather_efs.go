package live

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/preflight-dev/preflight/audit"
)

// describeMountTargets reads the mount targets of every EFS file system
// the task definitions mount (one paginated DescribeMountTargets per file
// system, one DescribeMountTargetSecurityGroups per mount target). No EFS
// volume, no call. Their subnets and groups are in the VPCs read already.
func (s *gathering) describeMountTargets(ctx context.Context) {
	s.mu.Lock()
	var fsIDs []string
	for _, w := range s.f.Workloads {
		if w.TaskDefinition == nil {
			continue
		}
		for _, v := range w.TaskDefinition.EFSVolumes {
			if v.FileSystemID != "" {
				fsIDs = append(fsIDs, v.FileSystemID)
			}
		}
	}
	s.mu.Unlock()
	slices.Sort(fsIDs)
	fsIDs = slices.Compact(fsIDs)

	var calls []func(context.Context)
	for _, fsID := range fsIDs {
		calls = append(calls, func(ctx context.Context) {
			var mts []*audit.MountTarget
			pages := efs.NewDescribeMountTargetsPaginator(s.api, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
			var guard pageGuard
			for pages.HasMorePages() {
				out, err := pages.NextPage(ctx)
				if err == nil {
					err = guard.next(out.NextMarker)
				}
				if s.failed(audit.ActionDescribeMountTargets, fsID, err) {
					return
				}
				for _, mt := range out.MountTargets {
					mts = append(mts, &audit.MountTarget{
						ID: aws.ToString(mt.MountTargetId), FileSystemID: fsID,
						SubnetID: aws.ToString(mt.SubnetId), AZ: aws.ToString(mt.AvailabilityZoneName),
					})
				}
			}
			var groups []func(context.Context)
			for _, mt := range mts {
				groups = append(groups, func(ctx context.Context) {
					out, err := s.api.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mt.ID)})
					if !s.failed(audit.ActionDescribeMountTargetSecGroups, mt.ID, err) {
						mt.SecurityGroupIDs = out.SecurityGroups
					}
				})
			}
			s.parallel(ctx, groups...)
			s.mu.Lock()
			defer s.mu.Unlock()
			s.f.MountTargets = append(s.f.MountTargets, mts...)
		})
	}
	s.parallel(ctx, calls...)
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.SortFunc(s.f.MountTargets, func(a, b *audit.MountTarget) int { return strings.Compare(a.ID, b.ID) })
}
