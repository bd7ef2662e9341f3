package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// describeClustersBatch is DescribeClusters' limit of clusters per call.
const describeClustersBatch = 100

// listClustersPage is the most clusters ListClusters returns in a page
// (its maxResults, 1 to 100).
const listClustersPage = 100

// sweepCluster is one cluster whose services a sweep reads.
type sweepCluster struct {
	// ref names the cluster in the calls: the name or ARN given, or the
	// ARN ListClusters listed.
	ref string
	// name is the cluster's name in the report.
	name string
	// defaultStrategy is the cluster's default capacity provider
	// strategy (nil when DescribeClusters failed).
	defaultStrategy []ecstypes.CapacityProviderStrategyItem
	// providers are the capacity providers associated with the cluster
	// (its Managed Instances providers serve a MANAGED_INSTANCES launch
	// type without a strategy); nil when DescribeClusters failed.
	providers []string
}

// serviceWorkloads fills Workloads from the services of the clusters
// --cluster names (one, or a comma-separated list) or, with
// --all-clusters, of every cluster ListClusters lists: DescribeClusters
// 100 at a time, then every cluster's services in parallel (each cluster
// as clusterServices reads it), the calls bounded by s.api. The task
// definitions and the network are read once for all of them afterwards.
func (s *gathering) serviceWorkloads(ctx context.Context) error {
	refs := clusterRefs(s.in.Cluster)
	if s.in.AllClusters {
		var err error
		if refs, err = s.listClusters(ctx); err != nil {
			return err
		}
	}
	clusters, err := s.describeClusters(ctx, refs)
	if err != nil {
		return err
	}
	errs := make([]error, len(clusters))
	var reads []func(context.Context)
	for i, c := range clusters {
		reads = append(reads, func(ctx context.Context) { errs[i] = s.clusterServices(ctx, c) })
	}
	s.parallel(ctx, reads...)
	if err := s.fatal(); err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// The clusters answered in any order: the report lists them by name,
	// each cluster's workloads in the order clusterServices added them.
	slices.SortStableFunc(s.f.Workloads, func(a, b *audit.Workload) int { return strings.Compare(a.Cluster, b.Cluster) })
	return nil
}

// clusterRefs splits a --cluster list into distinct names or ARNs.
func clusterRefs(list string) []string {
	var refs []string
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return refs
}

// validateClusters checks what --cluster and --all-clusters combine with.
func (in Input) validateClusters() []error {
	var errs []error
	several := len(clusterRefs(in.Cluster)) > 1
	switch {
	case in.AllClusters && in.Cluster != "":
		errs = append(errs, inputErr("--all-clusters", "sweeps every cluster of the Region; it does not combine with --cluster"))
	case in.AllClusters && in.TaskDefinition != "":
		errs = append(errs, inputErr("--all-clusters", "sweeps deployed services; it does not combine with --task-definition"))
	case several && in.TaskDefinition != "":
		errs = append(errs, inputErr("--cluster", "with --task-definition names the one cluster the task will run in, not a list"))
	}
	if len(in.Services) > 0 && (in.AllClusters || several) {
		errs = append(errs, inputErr("--service", "names services of one cluster: give one --cluster"))
	}
	return errs
}

// listClusters pages ListClusters: the first call of a sweep, so no
// answer at all ends the audit as the first DescribeClusters would. A
// list that fails after its retries leaves one placeholder workload for
// every cluster, undecided, and nothing else to read.
func (s *gathering) listClusters(ctx context.Context) ([]string, error) {
	var arns []string
	var token *string
	var guard pageGuard
	for {
		out, err := s.api.ListClusters(ctx, &ecs.ListClustersInput{MaxResults: aws.Int32(listClustersPage), NextToken: token})
		if err == nil {
			arns = append(arns, out.ClusterArns...)
			token = out.NextToken
			err = guard.next(token)
		}
		if err != nil {
			if len(arns) == 0 && unreachable(ctx, err) {
				return nil, &EnvironmentError{Err: fmt.Errorf("the AWS API could not be reached (%s): %s", audit.ActionListClusters, connectionMessage(err))}
			}
			s.failed(audit.ActionListClusters, "", err)
			// The clusters not listed are unknown: one placeholder
			// stands for them, so the report says so instead of passing
			// what was listed (or nothing).
			s.addWorkloads(audit.UnreadService("*", "*"))
			return arns, s.fatal()
		}
		if token == nil || *token == "" {
			return arns, nil
		}
	}
}

// describeClusters describes refs, 100 a call, and returns the clusters
// whose services to read: ACTIVE or PROVISIONING ones. A named cluster
// that does not exist, or is in another state, is an *InputError, as
// for one --cluster; in a sweep a cluster deleted since it was listed is
// an undecided placeholder (CodeClusterGone) and one being deleted is
// left out, as DRAINING services are. A call that fails after its
// retries leaves its clusters without their default capacity provider
// strategy, and their services are read all the same.
func (s *gathering) describeClusters(ctx context.Context, refs []string) ([]sweepCluster, error) {
	var clusters []sweepCluster
	var errs []error
	// A name and an ARN may name one cluster: it is read once.
	add := func(c sweepCluster) {
		if !slices.ContainsFunc(clusters, func(o sweepCluster) bool { return o.name == c.name }) {
			clusters = append(clusters, c)
		}
	}
	for i, batch := range slices.Collect(slices.Chunk(refs, describeClustersBatch)) {
		out, err := s.api.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: batch})
		switch {
		case i == 0 && !s.in.AllClusters && unreachable(ctx, err):
			// The first call: nothing answers, so every other call
			// would fail the same way.
			return nil, &EnvironmentError{Err: fmt.Errorf("the AWS API could not be reached (%s): %s", audit.ActionDescribeClusters, connectionMessage(err))}
		case err != nil:
			for _, ref := range batch {
				s.failed(audit.ActionDescribeClusters, resourceName(ref), err)
				add(sweepCluster{ref: ref, name: resourceName(ref)})
			}
			if err := s.fatal(); err != nil {
				return nil, err
			}
			continue
		}
		for _, ref := range batch {
			c, err := s.describedCluster(ref, len(batch) == 1, out)
			switch {
			case err != nil:
				errs = append(errs, err)
			case c != nil:
				add(*c)
			}
		}
	}
	return clusters, errors.Join(errs...)
}

// describedCluster finds ref in a DescribeClusters answer (alone says it
// was the only cluster asked for): the cluster to sweep, nil for one a
// sweep leaves out, or an *InputError for a named one that cannot be
// audited.
func (s *gathering) describedCluster(ref string, alone bool, out *ecs.DescribeClustersOutput) (*sweepCluster, error) {
	name := resourceName(ref)
	i := slices.IndexFunc(out.Clusters, func(c ecstypes.Cluster) bool {
		return aws.ToString(c.ClusterArn) == ref || aws.ToString(c.ClusterName) == name
	})
	if i < 0 && alone && len(out.Clusters) == 1 {
		i = 0 // the one cluster asked for, whatever form of its name came back
	}
	if i < 0 {
		reason := "MISSING"
		if j := slices.IndexFunc(out.Failures, func(f ecstypes.Failure) bool { return resourceName(aws.ToString(f.Arn)) == name }); j >= 0 {
			reason = aws.ToString(out.Failures[j].Reason)
		}
		if !s.in.AllClusters {
			return nil, inputErr("--cluster", "cluster %q not found in %s (DescribeClusters: %s)", ref, s.g.Region, reason)
		}
		s.mu.Lock()
		s.f.Undecided = append(s.f.Undecided, audit.Undecided{Action: audit.ActionDescribeClusters, Resource: name, Code: audit.CodeClusterGone,
			Err: fmt.Sprintf("ecs:ListClusters listed it, then DescribeClusters answered %s: deleted during the sweep", reason)})
		s.mu.Unlock()
		s.addWorkloads(audit.UnreadService(name, "*"))
		return nil, nil
	}
	c := out.Clusters[i]
	if st := aws.ToString(c.Status); st != "" && st != "ACTIVE" && st != "PROVISIONING" {
		if s.in.AllClusters {
			return nil, nil // INACTIVE (deleted), DEPROVISIONING or FAILED: nothing runs there to audit
		}
		return nil, inputErr("--cluster", "cluster %q is %s", ref, st)
	}
	s.setAccountFromARN(aws.ToString(c.ClusterArn))
	return &sweepCluster{ref: ref, name: report.CutName(aws.ToString(c.ClusterName)), defaultStrategy: c.DefaultCapacityProviderStrategy, providers: c.CapacityProviders}, nil
}

// addWorkloads adds workloads under the lock that lets the clusters of a
// sweep be read in parallel.
func (s *gathering) addWorkloads(ws ...*audit.Workload) {
	s.clusterMu.Lock()
	defer s.clusterMu.Unlock()
	s.f.Workloads = append(s.f.Workloads, ws...)
}
