package live

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/preflight-dev/preflight/audit"
)

// describeCapacityProvidersBatch is DescribeCapacityProviders' limit of
// names per call (its answer still pages, 10 providers a page).
const describeCapacityProvidersBatch = 100

// launchOf classifies what runs a deployment's tasks from its launch type
// and capacity provider strategy (the deployment's, else the service's,
// else the cluster's default, resolved by the caller): the launch type
// when there is one; a strategy of Fargate providers alone is Fargate;
// any other provider is LaunchUnknown until DescribeCapacityProviders
// says what it is (see classifyCapacity). Neither a launch type nor a
// strategy is LaunchUnknown too: ECS records one of them on every
// deployment, so their absence is no evidence of EC2.
func launchOf(lt ecstypes.LaunchType, strategy []ecstypes.CapacityProviderStrategyItem) (string, []string) {
	if lt != "" {
		return string(lt), nil
	}
	providers := strategyProviders(strategy)
	if len(providers) == 0 {
		return audit.LaunchUnknown, nil
	}
	for _, p := range providers {
		if !audit.IsFargateProvider(p) {
			return audit.LaunchUnknown, providers
		}
	}
	return audit.LaunchFargate, providers
}

// strategyProviders are the providers of strategy that place tasks: a
// weight or a base above 0 (a provider with neither gets none while
// another has weight), sorted; every named provider when all are 0.
func strategyProviders(strategy []ecstypes.CapacityProviderStrategyItem) []string {
	var placing, all []string
	for _, item := range strategy {
		name := aws.ToString(item.CapacityProvider)
		all = append(all, name)
		if item.Weight > 0 || item.Base > 0 {
			placing = append(placing, name)
		}
	}
	if len(placing) == 0 {
		placing = all
	}
	return audit.UniqSorted(placing...)
}

// capacityProviders describes the capacity providers, other than
// FARGATE and FARGATE_SPOT, that the workloads' strategies name: one
// DescribeCapacityProviders per cluster for the names it needs (100 a
// call, every page), then classifies each such workload by what its
// providers are. A provider that could not be described leaves its
// workloads LaunchUnknown, with an Undecided naming the provider.
func (s *gathering) capacityProviders(ctx context.Context) error {
	names := map[string][]string{}
	for _, w := range s.f.Workloads {
		if w.LaunchType != audit.LaunchUnknown && w.LaunchType != audit.LaunchManagedInstances {
			continue
		}
		for _, p := range w.CapacityProviders {
			if !audit.IsFargateProvider(p) {
				names[w.Cluster] = append(names[w.Cluster], p)
			}
		}
	}
	var calls []func(context.Context)
	for cluster, list := range names {
		list = audit.UniqSorted(list...)
		for batch := range slices.Chunk(list, describeCapacityProvidersBatch) {
			calls = append(calls, func(ctx context.Context) { s.describeCapacityProviders(ctx, cluster, batch) })
		}
	}
	s.parallel(ctx, calls...)
	if err := s.fatal(); err != nil {
		return err
	}
	for _, w := range s.f.Workloads {
		switch {
		case w.LaunchType == audit.LaunchUnknown && len(w.CapacityProviders) > 0:
			w.LaunchType = classifyCapacity(s.f.CapacityProviders, w.Cluster, w.CapacityProviders)
		case w.LaunchType == audit.LaunchManagedInstances:
			// The launch type named no provider: the cluster's
			// Managed Instances providers are where its tasks run.
			// One that could not be described stays, so that the
			// rules say it is unknown instead of judging without it.
			w.CapacityProviders = slices.DeleteFunc(w.CapacityProviders, func(name string) bool {
				p := s.f.CapacityProviders[audit.ProviderKey(w.Cluster, name)]
				return p != nil && p.Kind != audit.ProviderManagedInstances
			})
		}
	}
	return nil
}

// describeCapacityProviders reads names (at most 100) of cluster's
// capacity providers into the facts. A failed call makes each name
// undecided; a name in failures[] (MISSING, ...) is undecided with its
// reason.
func (s *gathering) describeCapacityProviders(ctx context.Context, cluster string, names []string) {
	var found []ecstypes.CapacityProvider
	var failures []ecstypes.Failure
	var token *string
	var guard pageGuard
	for {
		out, err := s.api.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{
			CapacityProviders: names, Cluster: aws.String(cluster), NextToken: token})
		if err == nil {
			found = append(found, out.CapacityProviders...)
			failures = append(failures, out.Failures...)
			token = out.NextToken
			err = guard.next(token)
		}
		if err != nil {
			for _, n := range names {
				s.failed(audit.ActionDescribeCapacityProviders, n, err)
			}
			return
		}
		if token == nil || *token == "" {
			break
		}
	}
	seen := map[string]bool{}
	for _, cp := range found {
		name := aws.ToString(cp.Name)
		if name == "" {
			name = resourceName(aws.ToString(cp.CapacityProviderArn))
		}
		p := convertCapacityProvider(name, cp)
		if p == nil {
			s.failed(audit.ActionDescribeCapacityProviders, name, &smithy.GenericAPIError{Code: "UnknownType",
				Message: fmt.Sprintf("capacity provider %s: type %q, neither an Auto Scaling group nor Managed Instances", name, cp.Type)})
			seen[name] = true
			continue
		}
		seen[name] = true
		s.mu.Lock()
		if s.f.CapacityProviders == nil {
			s.f.CapacityProviders = map[string]*audit.CapacityProvider{}
		}
		s.f.CapacityProviders[audit.ProviderKey(cluster, name)] = p
		s.mu.Unlock()
	}
	for _, f := range failures {
		name := resourceName(aws.ToString(f.Arn))
		seen[name] = true
		s.failed(audit.ActionDescribeCapacityProviders, name, &smithy.GenericAPIError{Code: aws.ToString(f.Reason),
			Message: strings.TrimSpace(fmt.Sprintf("capacity provider %s: %s %s", name, aws.ToString(f.Reason), aws.ToString(f.Detail)))})
	}
	for _, n := range names {
		if !seen[n] {
			s.failed(audit.ActionDescribeCapacityProviders, n, &smithy.GenericAPIError{Code: "MISSING",
				Message: "capacity provider " + n + " not in the answer"})
		}
	}
}

// convertCapacityProvider is what audit keeps of cp, or nil when its type
// is neither an Auto Scaling group nor Managed Instances. The type
// decides; the provider blocks stand in for an answer without one.
func convertCapacityProvider(name string, cp ecstypes.CapacityProvider) *audit.CapacityProvider {
	p := &audit.CapacityProvider{Name: name}
	mi := cp.ManagedInstancesProvider
	switch {
	case cp.Type == ecstypes.CapacityProviderTypeManagedInstances, cp.Type == "" && mi != nil:
		p.Kind = audit.ProviderManagedInstances
		if mi != nil && mi.InstanceLaunchTemplate != nil && mi.InstanceLaunchTemplate.NetworkConfiguration != nil {
			nc := mi.InstanceLaunchTemplate.NetworkConfiguration
			p.Subnets, p.SecurityGroups = slices.Clone(nc.Subnets), slices.Clone(nc.SecurityGroups)
		}
	case cp.Type == ecstypes.CapacityProviderTypeEc2Autoscaling, cp.Type == "" && cp.AutoScalingGroupProvider != nil:
		p.Kind = audit.ProviderASG
	default:
		return nil
	}
	return p
}

// classifyCapacity is the launch type of a strategy of providers in
// cluster, given what was described of them: Fargate, EC2 (Auto Scaling
// groups), Managed Instances, or LaunchUnknown when a provider is not
// known or the providers are of different kinds (which audit does not
// split into networks).
func classifyCapacity(known map[string]*audit.CapacityProvider, cluster string, providers []string) string {
	kinds := map[string]bool{}
	for _, name := range providers {
		if audit.IsFargateProvider(name) {
			kinds[audit.LaunchFargate] = true
			continue
		}
		p := known[audit.ProviderKey(cluster, name)]
		if p == nil {
			return audit.LaunchUnknown
		}
		switch p.Kind {
		case audit.ProviderASG:
			kinds[audit.LaunchEC2] = true
		case audit.ProviderManagedInstances:
			kinds[audit.LaunchManagedInstances] = true
		}
	}
	if len(kinds) != 1 {
		return audit.LaunchUnknown
	}
	for k := range kinds {
		return k
	}
	return audit.LaunchUnknown
}

// providerSubnets are the subnets of the Managed Instances providers the
// workloads run on: the hosts' network, read like the task subnets.
func (s *gathering) providerSubnets() []string {
	var ids []string
	for _, w := range s.f.Workloads {
		if w.LaunchType != audit.LaunchManagedInstances {
			continue
		}
		for _, name := range w.CapacityProviders {
			if p := s.f.CapacityProviders[audit.ProviderKey(w.Cluster, name)]; p != nil {
				ids = append(ids, p.Subnets...)
			}
		}
	}
	return ids
}
