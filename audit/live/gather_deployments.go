package live

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// clusterCapacity is what DescribeClusters says of the cluster's
// capacity: its default strategy and its providers (both empty when the
// call failed).
type clusterCapacity struct {
	defaultStrategy []ecstypes.CapacityProviderStrategyItem
	providers       []string
}

// rollout is one thing that runs a service's tasks, or is rolling them
// out: a deployment (the ECS deployment controller) or a task set
// (CODE_DEPLOY and EXTERNAL), each with its own task definition, network
// configuration and launch type or strategy.
type rollout struct {
	// kind is "deployment" or "task set"; id its id (ecs-svc/...).
	kind, id string
	// status is PRIMARY or ACTIVE.
	status         string
	taskDefinition string
	network        *ecstypes.NetworkConfiguration
	launchType     ecstypes.LaunchType
	strategy       []ecstypes.CapacityProviderStrategyItem
	serviceConnect bool
}

// runningStatus reports whether a deployment or task set of this status
// runs tasks the audit judges: PRIMARY and ACTIVE. An INACTIVE
// deployment is over; a DRAINING task set is being removed.
func runningStatus(status string) bool {
	return status == "PRIMARY" || status == "ACTIVE"
}

// rollouts lists what runs svc's tasks, PRIMARY first: its task sets when
// its deployment controller is CODE_DEPLOY or EXTERNAL (DescribeServices
// gives them in taskSets, and its deployments list is empty), else its
// deployments, the PRIMARY with the service's own fields where it has
// them. A field a deployment leaves empty is the service's; with
// neither, the service itself stands as the one rollout. When nothing
// that runs can be judged, unjudged says why and the list is empty: a
// task-set service without a PRIMARY or ACTIVE task set (the service's
// own fields are then null or its task sets' echo, AWS documents), or
// a rollout without a task definition.
func rollouts(svc ecstypes.Service) (out []rollout, unjudged string) {
	controller := ecstypes.DeploymentControllerTypeEcs
	if dc := svc.DeploymentController; dc != nil && dc.Type != "" {
		controller = dc.Type
	}
	if controller == ecstypes.DeploymentControllerTypeCodeDeploy || controller == ecstypes.DeploymentControllerTypeExternal {
		var others []string
		for _, ts := range svc.TaskSets {
			st := aws.ToString(ts.Status)
			if !runningStatus(st) {
				others = append(others, fmt.Sprintf("%s (%s)", aws.ToString(ts.Id), st))
				continue
			}
			out = append(out, rollout{kind: "task set", id: aws.ToString(ts.Id), status: st,
				taskDefinition: aws.ToString(ts.TaskDefinition), network: ts.NetworkConfiguration,
				launchType: ts.LaunchType, strategy: ts.CapacityProviderStrategy})
		}
		if len(out) == 0 {
			listed := "lists no task set"
			if len(others) > 0 {
				listed = "lists no PRIMARY or ACTIVE task set, only " + strings.Join(others, ", ")
			}
			return nil, fmt.Sprintf("service uses the %s deployment controller and DescribeServices %s: "+
				"the task definition, network configuration and launch type of its tasks are its task sets'", controller, listed)
		}
	} else {
		for _, d := range svc.Deployments {
			if st := aws.ToString(d.Status); runningStatus(st) {
				out = append(out, rollout{kind: "deployment", id: aws.ToString(d.Id), status: st,
					taskDefinition: aws.ToString(d.TaskDefinition), network: d.NetworkConfiguration,
					launchType: d.LaunchType, strategy: d.CapacityProviderStrategy,
					serviceConnect: d.ServiceConnectConfiguration != nil && d.ServiceConnectConfiguration.Enabled})
			}
		}
	}
	if len(out) == 0 {
		out = []rollout{{status: "PRIMARY"}}
	}
	for i := range out {
		r := &out[i]
		if r.kind != "task set" && r.status == "PRIMARY" {
			// The service's own fields are its desired configuration,
			// which AWS gives its PRIMARY deployment: they decide where
			// they are set (moto, unlike AWS, leaves the deployment as
			// it was created after an update-service).
			r.taskDefinition = cmp.Or(aws.ToString(svc.TaskDefinition), r.taskDefinition)
			if svc.NetworkConfiguration != nil && svc.NetworkConfiguration.AwsvpcConfiguration != nil {
				r.network = svc.NetworkConfiguration
			}
			if svc.LaunchType != "" || len(svc.CapacityProviderStrategy) > 0 {
				r.launchType, r.strategy = svc.LaunchType, svc.CapacityProviderStrategy
			}
		}
		r.taskDefinition = cmp.Or(r.taskDefinition, aws.ToString(svc.TaskDefinition))
		if r.network == nil {
			r.network = svc.NetworkConfiguration
		}
		if r.launchType == "" && len(r.strategy) == 0 {
			r.launchType, r.strategy = svc.LaunchType, svc.CapacityProviderStrategy
		}
	}
	for _, r := range out {
		if r.taskDefinition == "" {
			what := "the service"
			if r.kind != "" {
				what = fmt.Sprintf("%s %s (%s)", r.kind, r.id, r.status)
			}
			return nil, what + " names no task definition, and the task definition decides what the tasks need"
		}
	}
	rank := func(r rollout) int {
		if r.status == "PRIMARY" {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b rollout) int { return cmp.Compare(rank(a), rank(b)) })
	return out, ""
}

// serviceWorkloadsOf converts one described service into the workloads
// the rules judge: one per distinct task definition, network
// configuration and launch type among its running deployments or task
// sets. A service running one of them keeps its plain name
// (service/CLUSTER/NAME); during a rollout each workload's name says
// which deployments or task sets it stands for, so that every row of a
// rollout names what it is about.
func serviceWorkloadsOf(svc ecstypes.Service, cluster string, capacity clusterCapacity) []*audit.Workload {
	name := report.CutName(aws.ToString(svc.ServiceName))
	type group struct {
		w     *audit.Workload
		units []rollout
	}
	var groups []*group
	byKey := map[string]*group{}
	units, unjudged := rollouts(svc)
	if unjudged != "" {
		return []*audit.Workload{{
			Name: audit.ServiceTarget(cluster, name), Cluster: cluster, Service: name,
			ServiceARN: aws.ToString(svc.ServiceArn), Status: aws.ToString(svc.Status),
			LaunchType: audit.LaunchUnknown, Unjudged: unjudged,
		}}
	}
	for _, r := range units {
		strategy := r.strategy
		if r.launchType == "" && len(strategy) == 0 {
			strategy = capacity.defaultStrategy
		}
		lt, providers := launchOf(r.launchType, strategy)
		var launchNote string
		if lt != audit.LaunchUnknown && !knownLaunchType(lt) {
			launchNote = fmt.Sprintf("launchType %q is none the audit knows (%s)", lt, strings.Join(knownLaunchTypes(), ", "))
			lt = audit.LaunchUnknown
		}
		if lt == audit.LaunchManagedInstances && len(providers) == 0 {
			// The launch type alone: ECS places the tasks on the
			// cluster's Managed Instances providers, which
			// capacityProviders picks out once described.
			for _, p := range capacity.providers {
				if !audit.IsFargateProvider(p) {
					providers = append(providers, p)
				}
			}
			providers = audit.UniqSorted(providers...)
		}
		w := &audit.Workload{
			Name: audit.ServiceTarget(cluster, name), Cluster: cluster, Service: name,
			ServiceARN: aws.ToString(svc.ServiceArn), Status: aws.ToString(svc.Status),
			LaunchType: lt, CapacityProviders: providers,
			EnableExecuteCommand: svc.EnableExecuteCommand,
			TaskDefinition:       &audit.TaskDefinition{ARN: r.taskDefinition},
			ServiceConnect:       r.serviceConnect,
			LaunchNote:           launchNote,
		}
		if nc := r.network; nc != nil && nc.AwsvpcConfiguration != nil {
			w.Subnets = nc.AwsvpcConfiguration.Subnets
			w.SecurityGroups = nc.AwsvpcConfiguration.SecurityGroups
			w.AssignPublicIP = string(nc.AwsvpcConfiguration.AssignPublicIp)
			if w.AssignPublicIP == "" {
				w.AssignPublicIP = audit.PublicIPDisabled // the API's default
			}
		}
		// Fargate and Fargate Spot run on the same network: a strategy
		// change between them is no new thing to judge. Other
		// providers decide the hosts, so they are part of what runs.
		keyProviders := strings.Join(providers, ",")
		if lt == audit.LaunchFargate {
			keyProviders = ""
		}
		key := strings.Join([]string{r.taskDefinition, strings.Join(audit.UniqSorted(w.Subnets...), ","), strings.Join(audit.UniqSorted(w.SecurityGroups...), ","),
			w.AssignPublicIP, lt, keyProviders}, "|")
		g := byKey[key]
		if g == nil {
			g = &group{w: w}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.w.ServiceConnect = g.w.ServiceConnect || r.serviceConnect
		g.units = append(g.units, r)
	}
	out := make([]*audit.Workload, 0, len(groups))
	for _, g := range groups {
		w := g.w
		w.Rollout = !slices.ContainsFunc(g.units, func(r rollout) bool { return r.status == "PRIMARY" })
		if len(groups) > 1 {
			w.Deployment = rolloutLabel(g.units)
			w.Name += " (" + w.Deployment + ")"
		}
		out = append(out, w)
	}
	return out
}

// rolloutLabel names the deployments or task sets of one workload:
// "deployment ecs-svc/123, ACTIVE", or for several that share a task
// definition and network, "deployments ecs-svc/1 (ACTIVE), ecs-svc/2
// (ACTIVE)".
func rolloutLabel(units []rollout) string {
	if len(units) == 1 {
		return fmt.Sprintf("%s %s, %s", units[0].kind, units[0].id, units[0].status)
	}
	parts := make([]string, len(units))
	for i, u := range units {
		parts[i] = fmt.Sprintf("%s (%s)", u.id, u.status)
	}
	return units[0].kind + "s " + strings.Join(parts, ", ")
}

// knownLaunchTypes are the launch types the audit judges (the ECS API's
// LaunchType values when it was written): a value outside them is a kind
// of host the rules do not know, and is never judged as one they do.
func knownLaunchTypes() []string {
	return []string{audit.LaunchEC2, audit.LaunchFargate, audit.LaunchExternal, audit.LaunchManagedInstances}
}

func knownLaunchType(lt string) bool { return slices.Contains(knownLaunchTypes(), lt) }
