package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// describeServicesBatch is DescribeServices' limit of services per call.
const describeServicesBatch = 10

// maxPages bounds every paginated read, so that a service that keeps
// returning a token cannot keep the audit going forever.
const maxPages = 1000

// clusterServices fills Workloads from one cluster's services:
// ListServices pages when no service was named, then DescribeServices in
// batches of 10 (a service during a rollout gives one workload per
// distinct task definition and network, see serviceWorkloadsOf;
// serviceWorkloads runs it for each cluster; the task definitions are
// read afterwards, once for every cluster).
func (s *gathering) clusterServices(ctx context.Context, c sweepCluster) error {
	// in is the input narrowed to this cluster.
	in := s.in
	in.Cluster = c.ref
	clusterName, defaultStrategy, clusterProviders := c.name, c.defaultStrategy, c.providers

	names := in.Services
	explicit := len(names) > 0
	// listed is false when ListServices stopped before its last page.
	listed := true
	if !explicit {
		var token *string
		var guard pageGuard
		for {
			out, err := s.api.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(in.Cluster), MaxResults: aws.Int32(100), NextToken: token})
			if err == nil {
				for _, arn := range out.ServiceArns {
					names = append(names, resourceName(arn))
				}
				token = out.NextToken
				err = guard.next(token)
			}
			if err != nil {
				if apiCode(err) == "ClusterNotFoundException" && !in.AllClusters {
					return inputErr("--cluster", "cluster %q not found in %s (ListServices: %s)", in.Cluster, s.g.Region, apiMessage(err))
				}
				s.failed(audit.ActionListServices, clusterName, err)
				if err := s.fatal(); err != nil {
					return err
				}
				// The rest of the services are unknown: one placeholder
				// stands for them, so the report says so instead of
				// passing what was listed (or nothing).
				listed = false
				if len(names) == 0 {
					s.addWorkloads(audit.UnreadService(clusterName, "*"))
					return nil
				}
				break
			}
			if token == nil || *token == "" {
				break
			}
		}
	}

	var (
		mu       sync.Mutex
		services []ecstypes.Service
		unread   []*audit.Workload
		errs     []error
	)
	var batches []func(context.Context)
	for batch := range slices.Chunk(names, describeServicesBatch) {
		batches = append(batches, func(ctx context.Context) {
			out, err := s.api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(in.Cluster), Services: batch})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if apiCode(err) == "ClusterNotFoundException" && !in.AllClusters {
					errs = append(errs, inputErr("--cluster", "cluster %q not found in %s (DescribeServices: %s)", in.Cluster, s.g.Region, apiMessage(err)))
					return
				}
				for _, name := range batch {
					s.failed(audit.ActionDescribeServices, audit.ServiceTarget(clusterName, name), err)
					unread = append(unread, audit.UnreadService(clusterName, name))
				}
				return
			}
			for _, f := range out.Failures {
				name, reason := resourceName(aws.ToString(f.Arn)), aws.ToString(f.Reason)
				switch {
				case explicit && reason == "MISSING":
					errs = append(errs, inputErr("--service", "service %q not found in cluster %q (DescribeServices: %s)", name, clusterName, reason))
				case reason != "MISSING":
					// Not a service deleted since it was listed (the
					// one reason AWS documents): what it runs is
					// unknown, and its row says so.
					s.failed(audit.ActionDescribeServices, audit.ServiceTarget(clusterName, name), &smithy.GenericAPIError{Code: reason,
						Message: strings.TrimSpace(fmt.Sprintf("service %s: %s %s", name, reason, aws.ToString(f.Detail)))})
					unread = append(unread, audit.UnreadService(clusterName, name))
				}
			}
			for _, svc := range out.Services {
				if explicit && aws.ToString(svc.Status) == "INACTIVE" {
					errs = append(errs, inputErr("--service", "service %q in cluster %q is INACTIVE (deleted)", aws.ToString(svc.ServiceName), clusterName))
					continue
				}
				if !explicit && !auditedStatus(aws.ToString(svc.Status)) {
					// A sweep audits what runs: a DRAINING service is
					// being deleted, an INACTIVE one is gone (AWS stops
					// listing it; moto does not).
					continue
				}
				services = append(services, svc)
			}
		})
	}
	s.parallel(ctx, batches...)
	s.clusterMu.Lock()
	defer s.clusterMu.Unlock()
	if err := s.fatal(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	slices.SortFunc(services, func(a, b ecstypes.Service) int {
		return strings.Compare(aws.ToString(a.ServiceName), aws.ToString(b.ServiceName))
	})
	for _, svc := range services {
		s.setAccountFromARN(aws.ToString(svc.ServiceArn))
		s.f.Workloads = append(s.f.Workloads, serviceWorkloadsOf(svc, clusterName, clusterCapacity{defaultStrategy, clusterProviders})...)
	}
	slices.SortFunc(unread, func(a, b *audit.Workload) int { return strings.Compare(a.Name, b.Name) })
	if !listed {
		unread = append(unread, audit.UnreadService(clusterName, "*"))
	}
	s.f.Workloads = append(s.f.Workloads, unread...)
	return nil
}

// auditedStatus says whether a sweep audits a service of this status:
// not when it is DRAINING (being deleted: ECS stops its tasks) or
// INACTIVE (deleted).
func auditedStatus(status string) bool {
	return status != audit.ServiceDraining && status != "INACTIVE"
}

// describeTaskDefinitions reads each distinct task definition of the
// workloads once and shares it among them. A workload whose definition
// could not be read gets a nil TaskDefinition (and an Undecided).
func (s *gathering) describeTaskDefinitions(ctx context.Context) {
	byARN := map[string][]*audit.Workload{}
	for _, w := range s.f.Workloads {
		if w.TaskDefinition != nil && w.TaskDefinition.Containers == nil && w.TaskDefinition.ARN != "" {
			byARN[w.TaskDefinition.ARN] = append(byARN[w.TaskDefinition.ARN], w)
		}
	}
	var calls []func(context.Context)
	for arn, ws := range byARN {
		calls = append(calls, func(ctx context.Context) {
			out, err := s.api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
			var td *audit.TaskDefinition
			if !s.failed(audit.ActionDescribeTaskDefinition, arn, err) && out.TaskDefinition != nil {
				td = convertTaskDefinition(out.TaskDefinition)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, w := range ws {
				w.TaskDefinition = td
			}
		})
	}
	s.parallel(ctx, calls...)
}

// taskDefinitionWorkload builds the one workload of the pre-deploy form:
// a task definition (from a file or from ECS) with the network
// configuration given on the command line.
func (s *gathering) taskDefinitionWorkload(ctx context.Context) error {
	in := s.in
	w := &audit.Workload{
		Cluster:        resourceName(in.Cluster),
		Subnets:        in.Subnets,
		SecurityGroups: in.SecurityGroups,
		AssignPublicIP: in.AssignPublicIP,
	}
	if w.AssignPublicIP == "" {
		w.AssignPublicIP = audit.PublicIPDisabled
	}
	if isTaskDefinitionFile(in.TaskDefinition) {
		td, compat, err := s.readTaskDefinitionFile(ctx, in.TaskDefinition)
		if err != nil {
			return err
		}
		w.TaskDefinition = td
		w.Name = "taskdef/" + td.Family
		w.LaunchType = launchTypeOfCompat(compat)
	} else {
		out, err := s.api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(in.TaskDefinition)})
		switch {
		case unreachable(ctx, err):
			return &EnvironmentError{Err: fmt.Errorf("the AWS API could not be reached (%s): %s", audit.ActionDescribeTaskDefinition, connectionMessage(err))}
		case err != nil && apiCode(err) == "ClientException":
			return inputErr("--task-definition", "%q: not found in %s (DescribeTaskDefinition: %s)", in.TaskDefinition, s.g.Region, apiMessage(err))
		case err != nil:
			s.failed(audit.ActionDescribeTaskDefinition, in.TaskDefinition, err)
			if err := s.fatal(); err != nil {
				return err
			}
			w.Name = "taskdef/" + resourceName(in.TaskDefinition)
			w.LaunchType = audit.LaunchFargate
		default:
			td := convertTaskDefinition(out.TaskDefinition)
			s.setAccountFromARN(td.ARN)
			w.TaskDefinition = td
			w.Name = fmt.Sprintf("taskdef/%s:%d", td.Family, td.Revision)
			compat := out.TaskDefinition.RequiresCompatibilities
			if len(compat) == 0 {
				compat = out.TaskDefinition.Compatibilities
			}
			var names []string
			for _, c := range compat {
				names = append(names, string(c))
			}
			w.LaunchType = launchTypeOfCompat(names)
		}
	}
	s.f.Workloads = []*audit.Workload{w}
	return nil
}

// isTaskDefinitionFile tells a file path from FAMILY[:REV] and ARNs.
func isTaskDefinitionFile(v string) bool {
	if strings.HasPrefix(v, "arn:") {
		return false
	}
	return strings.HasSuffix(strings.ToLower(v), ".json") || strings.ContainsAny(v, `/\`)
}

func launchTypeOfCompat(compat []string) string {
	for _, c := range compat {
		if c == "FARGATE" {
			return audit.LaunchFargate
		}
	}
	for _, c := range compat {
		if c == "EXTERNAL" {
			return audit.LaunchExternal
		}
	}
	if len(compat) == 1 && compat[0] == audit.LaunchManagedInstances {
		// No capacity provider is named before deploy: the hosts'
		// network is unknown, and the rules say so.
		return audit.LaunchManagedInstances
	}
	if len(compat) == 0 {
		return audit.LaunchFargate // what a RegisterTaskDefinition file usually means; the rules are strictest for it
	}
	return audit.LaunchEC2
}

func convertTaskDefinition(td *ecstypes.TaskDefinition) *audit.TaskDefinition {
	out := &audit.TaskDefinition{
		ARN:         aws.ToString(td.TaskDefinitionArn),
		Family:      report.CutName(aws.ToString(td.Family)),
		Revision:    int(td.Revision),
		NetworkMode: string(td.NetworkMode),
		Containers:  []audit.Container{},
	}
	if rp := td.RuntimePlatform; rp != nil {
		out.OSFamily = string(rp.OperatingSystemFamily)
	}
	for _, c := range td.ContainerDefinitions {
		ct := audit.Container{Name: report.CutName(aws.ToString(c.Name)), Image: aws.ToString(c.Image), EntryPoint: c.EntryPoint, Command: c.Command}
		for _, kv := range c.Environment {
			if name := aws.ToString(kv.Name); strings.HasPrefix(name, audit.PreflightEnvPrefix) {
				if ct.Environment == nil {
					ct.Environment = map[string]string{}
				}
				ct.Environment[name] = aws.ToString(kv.Value)
			}
		}
		if c.RepositoryCredentials != nil {
			ct.RepositoryCredentials = aws.ToString(c.RepositoryCredentials.CredentialsParameter)
		}
		for _, sec := range c.Secrets {
			ct.Secrets = append(ct.Secrets, aws.ToString(sec.ValueFrom))
		}
		if fl := c.FirelensConfiguration; fl != nil {
			ct.FireLens = &audit.FireLens{Type: string(fl.Type), Options: fl.Options}
		}
		if lc := c.LogConfiguration; lc != nil {
			ct.LogDriver = string(lc.LogDriver)
			ct.LogOptions = lc.Options
			for _, sec := range lc.SecretOptions {
				ct.Secrets = append(ct.Secrets, aws.ToString(sec.ValueFrom))
			}
		}
		out.Containers = append(out.Containers, ct)
	}
	for _, v := range td.Volumes {
		if v.EfsVolumeConfiguration != nil {
			out.EFSVolumes = append(out.EFSVolumes, audit.EFSVolume{
				Name:              aws.ToString(v.Name),
				FileSystemID:      aws.ToString(v.EfsVolumeConfiguration.FileSystemId),
				TransitEncryption: v.EfsVolumeConfiguration.TransitEncryption == ecstypes.EFSTransitEncryptionEnabled,
			})
		}
	}
	return out
}

// resourceName is the last element of an ARN's resource part ("orders"
// from arn:aws:ecs:...:service/prod/orders), or v itself.
func resourceName(v string) string {
	if _, _, res, ok := arnParts(v); ok {
		v = res
	}
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		v = v[i+1:]
	}
	return report.CutName(v)
}

func (s *gathering) setAccountFromARN(arn string) {
	partition, account, _, ok := arnParts(arn)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f.Account == "" && isAccountID(account) {
		s.f.Account = account
	}
	if partition != "" {
		s.f.Partition = partition
	}
}

// isAccountID reports whether v is a 12-digit account id.
func isAccountID(v string) bool {
	if len(v) != 12 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
