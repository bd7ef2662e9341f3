package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// splitsHost reports whether part of what w's tasks need is done by a
// host outside the task (image pulls, awslogs, secrets, the agent), or
// may be: EC2, EXTERNAL and Managed Instances, and a launch type that
// could not be learned.
func splitsHost(w *Workload) bool {
	switch w.LaunchType {
	case LaunchEC2, LaunchExternal, LaunchManagedInstances, LaunchUnknown:
		return true
	}
	return false
}

// splitNeeds separates what the host does for the tasks from what the
// tasks do themselves.
func splitNeeds(needs []Need) (host, task []Need) {
	for _, n := range needs {
		if n.ViaInstance {
			host = append(host, n)
		} else {
			task = append(task, n)
		}
	}
	return host, task
}

// managedInstancesOpen is what the rows of a host need on Managed
// Instances say when AWS does not document its path: "Allocate a network
// interface for tasks on Amazon ECS Managed Instances" lists image
// downloads from Amazon ECR, secrets and credentials retrieval and log
// uploads as using the instance's primary network interface (which is in
// the capacity provider's subnets and security groups), and no other
// traffic of the host.
const managedInstancesOpen = "AWS documents image downloads from ECR, secrets retrieval and log uploads of Managed Instances as using the instance's primary network interface, " +
	"but not this traffic of the host"

// documentedOnPrimaryENI reports whether AWS documents that a host need
// of Managed Instances leaves by the instance's primary network
// interface (see managedInstancesOpen): ECR image downloads (ecr.api,
// ecr.dkr and the layers in S3), secrets and credentials (Secrets
// Manager, SSM parameters) and awslogs uploads. Not the agent's own
// endpoints, a registry on the internet or a FireLens file in S3.
func documentedOnPrimaryENI(n Need) bool {
	if n.Internet || n.Service == NeedHost {
		return false
	}
	switch n.Service {
	case "ecr.api", "ecr.dkr", "ecr.layers", "secretsmanager", "ssm", "logs":
		return true
	}
	return false
}

// onManagedInstances judges a Managed Instances workload: what the tasks
// do on their task ENI (awsvpc), or with the host network mode on the
// instances' network; what the host does (ViaInstance needs) on the
// network of each of its capacity providers' instance launch template.
// A host need whose path AWS does not document (the agent's endpoints, a
// registry on the internet) warns instead of passing there, saying so.
func (e *evaluator) onManagedInstances(w *Workload, needs []Need) []report.Result {
	host, task := splitNeeds(needs)
	var rows []report.Result
	open := map[string]bool{}
	for _, n := range host {
		if !documentedOnPrimaryENI(n) {
			open[needTarget(n)] = true
		}
	}
	onHost := host
	if len(w.Subnets) > 0 {
		nc := NetConfig{Name: w.Name + " (task ENI)", Subnets: w.Subnets, SecurityGroups: w.SecurityGroups, AssignPublicIP: w.AssignPublicIP, OSFamily: w.osFamily()}
		rows = append(rows, e.network(nc, task)...)
	} else {
		// Host mode: the containers share the instance's network, as
		// the documents say, so the tasks' own needs are judged there
		// as they are.
		for _, n := range task {
			delete(open, needTarget(n))
		}
		onHost = oneNetworkNeeds(e.f.Region, host, task)
	}
	if len(onHost) == 0 {
		return rows
	}
	var providers []*CapacityProvider
	var unknown []string
	for _, name := range w.CapacityProviders {
		if p := e.f.CapacityProviders[ProviderKey(w.Cluster, name)]; p != nil {
			providers = append(providers, p)
		} else {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		// Named, but not described: each may launch Managed Instances
		// on a network nobody read; never a silent nothing.
		why := "capacity providers " + joinComma(unknown) + " could not be described, so which of them launch Managed Instances, and on which subnets and security groups, is unknown"
		hint := "See the undecided row of " + w.Name + " for the read that failed."
		if u := findUndecided(e.f, ActionDescribeCapacityProviders, unknown...); u != nil {
			why += " (" + u.Action + " failed: " + u.what() + ")"
			hint = u.hint()
		}
		for _, r := range e.undecidedNeeds(w, "managed instances", onHost, why, hint) {
			r.Resources = slices.Clone(unknown)
			rows = append(rows, r)
		}
	}
	if len(providers) == 0 && len(w.CapacityProviders) > 0 {
		return rows
	}
	if len(providers) == 0 {
		why := "no capacity provider known: the Managed Instances capacity provider's subnets and security groups decide image pulls, logs and secrets"
		hint := "Audit the deployed service (--cluster, --service) so that its capacity provider's network is read."
		var res []string
		if u := findUndecided(e.f, ActionDescribeClusters, w.Cluster); u != nil {
			// launchType MANAGED_INSTANCES names no provider: the
			// cluster's list was to say which, and was not read.
			why = "the capacity providers of cluster " + w.Cluster + " could not be read (" + u.Action + " failed: " + u.what() + "), and they say where launchType MANAGED_INSTANCES places the tasks"
			hint, res = u.hint(), []string{w.Cluster}
		}
		for _, r := range e.undecidedNeeds(w, "managed instances", onHost, why, hint) {
			r.Resources = res
			rows = append(rows, r)
		}
		return rows
	}
	for _, p := range providers {
		if len(p.Subnets) == 0 {
			rows = append(rows, e.undecidedNeeds(w, "managed instances of capacity provider "+p.Name, onHost,
				"capacity provider "+p.Name+" gives no subnets in its instance launch template",
				"Set subnets and security groups in the capacity provider's instanceLaunchTemplate.networkConfiguration.")...)
			continue
		}
		nc := NetConfig{Name: w.Name + " via " + p.label(), Subnets: p.Subnets, SecurityGroups: p.SecurityGroups,
			AssignPublicIP: e.launchPublicIP(p.Subnets), OSFamily: w.osFamily()}
		for _, r := range e.judge(nc, onHost, false) {
			if open[r.Target] && r.Status == report.StatusPass {
				r.Status, r.Class = e.opts.UndecidedStatus(), report.ClassUndecided
				r.Error = "judged on capacity provider " + p.Name + "'s network, where it passes; not passed: " + managedInstancesOpen
				r.Hint = "Run preflight check with the host network mode on these instances to see the path the host takes."
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// label names a Managed Instances provider's network in the rows'
// reasons: "managed instances of capacity provider mi-cp (subnet-1,
// subnet-2; sg-1)".
func (p *CapacityProvider) label() string {
	groups := joinComma(p.SecurityGroups)
	if groups == "" {
		groups = "no security group"
	}
	return fmt.Sprintf("managed instances of capacity provider %s (%s; %s)", p.Name,
		strings.ReplaceAll(joinComma(p.Subnets), ",", ", "), strings.ReplaceAll(groups, ",", ", "))
}

// launchPublicIP is whether instances launched in subnets get a public
// IPv4 address: the launch template of a Managed Instances provider has
// no such setting, so the subnets' auto-assign decides. Only when every
// subnet assigns one is an internet gateway taken as a path.
func (e *evaluator) launchPublicIP(subnets []string) string {
	for _, id := range subnets {
		if s := e.f.Subnets[id]; s == nil || !s.MapPublicIPOnLaunch {
			return PublicIPDisabled
		}
	}
	return PublicIPEnabled
}

// unknownLaunch judges a workload whose launch type could not be learned:
// one undecided row naming what could not be read; the tasks' own needs
// on their task ENI (awsvpc carries them whatever the host is); every
// host need undecided, since Fargate would carry it on the task ENI and
// an instance on its own.
func (e *evaluator) unknownLaunch(w *Workload, needs []Need) []report.Result {
	rows := []report.Result{e.launchUndecidedRow(w)}
	host, task := splitNeeds(needs)
	if len(w.Subnets) > 0 {
		nc := NetConfig{Name: w.Name + " (task ENI)", Subnets: w.Subnets, SecurityGroups: w.SecurityGroups, AssignPublicIP: w.AssignPublicIP, OSFamily: w.osFamily()}
		rows = append(rows, e.network(nc, task)...)
	} else {
		host = oneNetworkNeeds(e.f.Region, host, task)
	}
	return append(rows, e.undecidedNeeds(w, "host", host,
		"what runs the tasks (Fargate, EC2 instances, Managed Instances) is unknown, and it decides which network carries image pulls, logs and secrets",
		"See the undecided row of "+w.Name+" for the read that failed.")...)
}

// launchUndecidedRow says why w's launch type is unknown: a capacity
// provider that could not be described (named in Resources), providers
// of different kinds, or a deployment that names neither a launch type
// nor a strategy (with the cluster's default unread or empty).
func (e *evaluator) launchUndecidedRow(w *Workload) report.Result {
	const why = "what runs the tasks decides which network is judged, and it is never taken as EC2"
	var unknown, kinds []string
	for _, name := range w.CapacityProviders {
		if IsFargateProvider(name) {
			kinds = append(kinds, name+" (Fargate)")
			continue
		}
		p := e.f.CapacityProviders[ProviderKey(w.Cluster, name)]
		if p == nil {
			unknown = append(unknown, name)
			continue
		}
		kinds = append(kinds, fmt.Sprintf("%s (%s)", name, p.Kind))
	}
	switch {
	case len(unknown) > 0:
		u := findUndecided(e.f, ActionDescribeCapacityProviders, unknown[0])
		if u == nil {
			u = &Undecided{Action: ActionDescribeCapacityProviders, Resource: unknown[0], Err: "capacity provider not in the facts"}
		}
		r := undecidedRow(CheckUndecided, w.Name, *u, fmt.Sprintf("capacity provider %s is not known to be Fargate, an Auto Scaling group or Managed Instances; %s", unknown[0], why), e.opts)
		r.Resources = uniqSorted(append(r.Resources, unknown...)...)
		return r
	case len(w.CapacityProviders) > 0:
		status := e.opts.UndecidedStatus()
		return report.Result{
			Check: CheckUndecided, Target: w.Name, Status: status, Class: report.ClassUndecided,
			Error:     "could not decide: the capacity provider strategy mixes kinds of host (" + strings.Join(kinds, ", ") + "); the audit judges one kind per workload",
			Hint:      "Audit each capacity provider's tasks on its own network, or run preflight check in a task of each.",
			Resources: slices.Clone(w.CapacityProviders),
		}
	}
	if w.LaunchNote != "" {
		status := e.opts.UndecidedStatus()
		return report.Result{
			Check: CheckUndecided, Target: w.Name, Status: status, Class: report.ClassUndecided,
			Error:     "could not decide: " + w.LaunchNote + "; " + why,
			Hint:      "Run preflight check inside one of its tasks: it sees the network the tasks really use.",
			Resources: uniqSorted(w.ServiceARN),
		}
	}
	u := findUndecided(e.f, ActionDescribeClusters, w.Cluster)
	if u == nil {
		u = &Undecided{Action: ActionDescribeServices, Resource: w.Name, Code: CodeUnknownInSource,
			Err: "gives neither launchType nor capacityProviderStrategy, and the cluster has no default capacity provider strategy"}
	}
	return undecidedRow(CheckUndecided, w.Name, *u, why, e.opts)
}

// undecidedNeeds is one undecided row per need, saying why the network
// where (container instances, managed instances, host) could not be
// judged.
func (e *evaluator) undecidedNeeds(w *Workload, where string, needs []Need, why, hint string) []report.Result {
	status := e.opts.UndecidedStatus()
	var rows []report.Result
	for _, n := range needs {
		rows = append(rows, report.Result{
			Check: CheckEndpoint, Target: needTarget(n), Port: n.Port, Status: status, Class: report.ClassUndecided,
			Reason: w.Name + " (" + where + "): " + n.Reason,
			Error:  "could not decide: " + why, Hint: hint,
		})
	}
	return rows
}

// placesOn reports whether w's tasks may be placed on ci: any instance
// of the cluster under the EC2 launch type, only those its Auto Scaling
// group providers launched under a capacity provider strategy.
func (w *Workload) placesOn(ci *ContainerInstance) bool {
	return len(w.CapacityProviders) == 0 || slices.Contains(w.CapacityProviders, ci.CapacityProvider)
}

// managedPublicIPRow judges the public IPv4 of a Managed Instances
// workload without a task ENI (host mode): its tasks use the instance's
// address, which AWS documents as assigned by the subnet's IPv4 public
// addressing (the launch template has no such setting). r is the row
// publicIPRow made, whose task-side verdict does not apply.
func (e *evaluator) managedPublicIPRow(w *Workload, r report.Result) report.Result {
	r.Reason = "the managed instances' public IPv4: in host mode the tasks use the instance's address"
	r.Detail, r.Error, r.Hint, r.Class, r.PublicIP = "", "", "", "", nil
	var public, unread, subnets []string
	for _, name := range w.CapacityProviders {
		p := e.f.CapacityProviders[ProviderKey(w.Cluster, name)]
		if p == nil {
			continue
		}
		for _, id := range p.Subnets {
			subnets = append(subnets, id)
			switch s := e.f.Subnets[id]; {
			case s == nil:
				unread = append(unread, id)
			case s.MapPublicIPOnLaunch:
				public = append(public, id)
			}
		}
	}
	switch {
	case len(public) > 0:
		r.Status, r.Class = report.StatusFail, report.ClassPublicIP
		if e.opts.PublicIP == config.PublicIPWarn {
			r.Status = report.StatusWarn
		}
		public = uniqSorted(public...)
		r.Error = fmt.Sprintf("subnets %s of the Managed Instances capacity provider assign a public IPv4 address to the instances launched in them, which host-mode tasks share", joinComma(public))
		r.Resources = append(r.Resources, public...)
		r.Hint = checked(fmt.Sprintf("Turn auto-assign off (aws ec2 modify-subnet-attribute --subnet-id %s --no-map-public-ip-on-launch) or give the capacity provider private subnets.", public[0]), subnetIDs(public...))
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictPresent, Evidence: "MapPublicIpOnLaunch on " + joinComma(public), Source: "ec2"}
	case len(subnets) == 0 || len(unread) > 0:
		r.Status, r.Class = report.StatusWarn, report.ClassPublicIPUnknown
		if e.opts.PublicIP == config.PublicIPStrict {
			r.Status = report.StatusFail
		}
		r.Error = "the capacity provider's subnets could not be read: whether the managed instances have a public IPv4 address is unknown"
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictUnknown, Evidence: "capacity provider subnets not read", Source: "ec2"}
	default:
		r.Status, r.Detail = report.StatusPass, "subnets "+joinComma(uniqSorted(subnets...))+" of the capacity provider assign no public IPv4 address"
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictNone, Evidence: r.Detail, Source: "ec2"}
	}
	return r
}
