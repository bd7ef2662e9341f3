package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Check kinds of the control plane. public_ip is shared with the data
// plane (report.CheckPublicIP).
const (
	// CheckEndpoint: an available VPC endpoint serves a need.
	CheckEndpoint report.Check = "endpoint"
	// CheckPrivateDNS: the interface endpoint has private DNS enabled.
	CheckPrivateDNS report.Check = "private_dns"
	// CheckDNSSupport: the VPC's enableDnsSupport and enableDnsHostnames.
	CheckDNSSupport report.Check = "dns_support"
	// CheckDHCP: the VPC's DHCP options point at the Amazon resolver.
	CheckDHCP report.Check = "dhcp"
	// CheckEndpointAZ: the endpoint has an ENI in every task AZ.
	CheckEndpointAZ report.Check = "endpoint_az"
	// CheckSecurityGroup: the endpoint's and the task's security groups
	// let TCP through.
	CheckSecurityGroup report.Check = "security_group"
	// CheckRoute: the task subnets' routes reach the destination.
	CheckRoute report.Check = "route"
	// CheckNACL: the network ACLs pass the traffic and its return.
	CheckNACL report.Check = "nacl"
	// CheckEndpointPolicy: the S3 gateway endpoint policy allows ECR layers.
	CheckEndpointPolicy report.Check = "endpoint_policy"
	// CheckEgress: the task security groups are not open to the internet.
	CheckEgress report.Check = "egress"
	// CheckCrossRegion: a need in another region that no cross-Region
	// interface endpoint of the VPC serves.
	CheckCrossRegion report.Check = "cross_region"
	// CheckServiceStatus: a service named with --service is DRAINING, so
	// it is not audited (a sweep leaves it out).
	CheckServiceStatus report.Check = "service_status"
	// CheckUndecided: a fact the audit needs could not be read.
	CheckUndecided report.Check = "undecided"
)

// Options tunes Evaluate.
type Options struct {
	// PublicIP is the --public-ip policy; empty means deny.
	PublicIP config.PublicIPPolicy
	// FailUndecided turns "could not decide" warnings into failures
	// (exit 18).
	FailUndecided bool
	// Extra are --checks entries whose needs are added to every workload.
	Extra []config.Entry
	// PublicPath is the --public-path policy (config.PublicPathFail or
	// config.PublicPathWarn); empty means fail.
	PublicPath string
}

// UndecidedStatus is the status of a row that could not be decided: a
// warning, or a failure under FailUndecided.
func (o Options) UndecidedStatus() report.Status {
	if o.FailUndecided {
		return report.StatusFail
	}
	return report.StatusWarn
}

// NetConfig is the network configuration tasks run with: a service's
// awsvpcConfiguration, or one running task's network interface.
type NetConfig struct {
	// Name labels the rows' reasons, e.g. "service/prod/orders".
	Name           string
	Subnets        []string
	SecurityGroups []string
	// AssignPublicIP is PublicIPEnabled, PublicIPDisabled or "" (unknown);
	// it decides whether an internet gateway route is an internet path.
	AssignPublicIP string
	// OSFamily is the tasks' runtimePlatform.operatingSystemFamily; empty
	// means Linux. The network ACLs' return traffic is judged on its
	// ephemeral ports.
	OSFamily string
}

// Evaluate judges every workload in f: its public IP, then every need
// against its network configuration. Rows come workload by workload, in
// the order of f.Workloads. When no need could be judged (a cluster
// without services, every read failed) a last CheckCoverage row says so:
// nothing judged is never a pass (see ExitCode).
func Evaluate(f *Facts, opts Options) []report.Result {
	e := &evaluator{f: f, opts: opts}
	rows := e.evaluate()
	if !e.judged {
		rows = append(rows, coverageRow(f, opts))
	}
	return rows
}

// EvaluateWorkload judges one workload.
func EvaluateWorkload(f *Facts, w *Workload, opts Options) []report.Result {
	return (&evaluator{f: f, opts: opts}).workload(w)
}

// EvaluateNetwork judges needs against one network configuration. It is
// the part of the audit that also explains one task's failures: pass the
// task's ENI subnet and security groups as nc.
func EvaluateNetwork(f *Facts, nc NetConfig, needs []Need, opts Options) []report.Result {
	return (&evaluator{f: f, opts: opts}).network(nc, needs)
}

func (e *evaluator) evaluate() []report.Result {
	var out []report.Result
	for _, w := range e.f.Workloads {
		out = append(out, e.workload(w)...)
	}
	return out
}

func (e *evaluator) workload(w *Workload) []report.Result {
	f, opts := e.f, e.opts
	if w.Status == ServiceDraining {
		// Named with --service: say why nothing else is judged.
		return []report.Result{{
			Check: CheckServiceStatus, Target: w.Name, Status: report.StatusSkip, Workload: w.reportWorkload(),
			Detail:    "service is DRAINING (being deleted): ECS stops its tasks and starts no new ones, so it is not audited",
			Resources: uniqSorted(w.ServiceARN),
		}}
	}
	if w.Unjudged != "" {
		return []report.Result{unjudgedRow(w, opts)}
	}
	var out []report.Result
	if r, ok := publicIPRow(w, opts.PublicIP); ok {
		if RunsOnInstances(w) && len(w.Subnets) == 0 {
			// No task ENI: the tasks share the instances' addresses.
			r = e.instancePublicIPRow(w, r)
		}
		if w.LaunchType == LaunchManagedInstances && len(w.Subnets) == 0 {
			r = e.managedPublicIPRow(w, r)
		}
		if r.Status != report.StatusPass && w.AssignPublicIP == PublicIPEnabled && w.Rollout {
			// The service's PRIMARY replaces these tasks: changing the
			// service would not touch them sooner.
			r.Hint = "These tasks belong to " + w.Deployment + ", which the service's PRIMARY is replacing; fix the PRIMARY's network configuration if it has the same problem, and let the rollout finish."
		}
		if r.Status != report.StatusPass && w.AssignPublicIP == PublicIPEnabled && w.Service != "" && !w.Rollout {
			e.propose(&r, Change{Kind: ChangeDisablePublicIP, Cluster: w.Cluster, ECSService: w.Service, Workload: w.Name, ServiceARN: w.ServiceARN,
				Subnets: slices.Clone(w.Subnets), Groups: slices.Clone(w.SecurityGroups)})
		}
		out = append(out, r)
	}
	if w.TaskDefinition == nil {
		// A service that could not be described has no task definition
		// either: name the call that failed first.
		u := findUndecided(f, ActionDescribeServices, w.Name)
		if u == nil && strings.HasSuffix(w.Name, "/*") {
			u = unlistedUndecided(f, w.Cluster)
		}
		if u == nil {
			// The workload no longer holds the ARN it could not read:
			// any failed DescribeTaskDefinition says why.
			u = findUndecidedAny(f, ActionDescribeTaskDefinition)
		}
		if u == nil {
			u = &Undecided{Action: ActionDescribeTaskDefinition, Err: "task definition not in the facts"}
		}
		out = append(out, undecidedRow(CheckUndecided, w.Name, *u, "the task definition decides what the tasks need", opts))
	}
	out = append(out, containerChecksRows(w)...)
	needs := Needs(w, f.Region, f.Account, opts.Extra)
	switch {
	case e.unreadService(w):
		// Its network configuration is unknown, not absent: the
		// undecided row above says so, and nothing is judged. A plan
		// can know the task definition and leave the network open:
		// then this row says so.
		if w.TaskDefinition != nil {
			if u := findUndecided(f, ActionDescribeServices, w.Name); u != nil {
				out = append(out, undecidedRow(CheckUndecided, w.Name, *u, "the network configuration decides every network rule", opts))
			}
		}
	case RunsOnInstances(w):
		out = append(out, e.onInstances(w, needs)...)
	case w.LaunchType == LaunchManagedInstances:
		out = append(out, e.onManagedInstances(w, needs)...)
	case w.LaunchType == LaunchUnknown:
		out = append(out, e.unknownLaunch(w, needs)...)
	default:
		nc := NetConfig{Name: w.Name, Subnets: w.Subnets, SecurityGroups: w.SecurityGroups, AssignPublicIP: w.AssignPublicIP,
			OSFamily: w.osFamily()}
		out = append(out, e.network(nc, needs)...)
	}
	// Every row says which workload it is about, so that a sweep's
	// report can group them (and JSON readers can filter on it).
	wl := w.reportWorkload()
	for i := range out {
		out[i].Workload = wl
	}
	return out
}

// unjudgedRow is the one row of a workload the source could not say
// enough of to judge (see Workload.Unjudged): undecided, naming the
// service, saying why, and failing under FailUndecided.
func unjudgedRow(w *Workload, opts Options) report.Result {
	status := opts.UndecidedStatus()
	return report.Result{
		Check: CheckUndecided, Target: w.Name, Status: status, Class: report.ClassUndecided,
		Error:     "could not decide: " + w.Unjudged + "; nothing of it is judged",
		Hint:      "Audit the task definition it will run before deploy (--task-definition with --subnets and --security-groups), or run the audit again once the service runs tasks the API describes.",
		Resources: uniqSorted(w.ServiceARN),
		Workload:  w.reportWorkload(),
	}
}

// osFamily is the task definition's runtimePlatform.operatingSystemFamily
// ("" when unknown, which the rules take as Linux): it decides the
// ephemeral ports of return traffic, on the task ENI and on a container
// instance alike (an instance runs tasks of its own OS).
func (w *Workload) osFamily() string {
	if w.TaskDefinition == nil {
		return ""
	}
	return w.TaskDefinition.OSFamily
}

// reportWorkload names w for the report's rows.
func (w *Workload) reportWorkload() *report.Workload {
	wl := &report.Workload{Name: w.Name, Cluster: w.Cluster, Service: w.Service, Deployment: w.Deployment}
	switch td := w.TaskDefinition; {
	case td == nil || td.Family == "":
	case td.Revision == 0:
		// A RegisterTaskDefinition file: no revision until registered.
		wl.TaskDefinition = td.Family
	default:
		wl.TaskDefinition = fmt.Sprintf("%s:%d", td.Family, td.Revision)
	}
	return wl
}

func (e *evaluator) network(nc NetConfig, needs []Need) []report.Result {
	if len(nc.Subnets) == 0 {
		return []report.Result{{
			Check: CheckRoute, Target: nc.Name, Status: report.StatusSkip,
			Detail: "no awsvpc network configuration: the tasks use the container instance's network, which the audit does not model",
		}}
	}
	return e.judge(nc, needs, true)
}

// judge resolves nc and judges needs on it; egress adds the zero-trust
// row about task groups open to everything.
func (e *evaluator) judge(nc NetConfig, needs []Need, egress bool) []report.Result {
	tn, rows := e.resolve(nc)
	if tn == nil {
		return rows
	}
	rows = append(rows, e.vpcRows(tn, needs)...)
	for _, n := range needs {
		rows = append(rows, e.need(tn, n)...)
	}
	if egress {
		rows = append(rows, e.egressOpen(tn)...)
	}
	return rows
}

// evaluator carries the facts and options through the rules.
type evaluator struct {
	f    *Facts
	opts Options
	// fixes are the changes the failing rows ask for (see PlanFixes).
	fixes []Change
	// trace makes propose note in a row's FixSteps the indices in fixes
	// of the changes it asked for (PlanFixes maps them to plan steps).
	trace bool
	// judged is set once a need got a verdict (see judged).
	judged bool
}

// need judges one need, noting whether any of its rows is a verdict.
func (e *evaluator) need(tn *taskNet, n Need) []report.Result {
	rows := e.judgeNeed(tn, n)
	e.judged = e.judged || judged(rows)
	return rows
}

// judgeNeed routes one need to the rule family that judges it.
func (e *evaluator) judgeNeed(tn *taskNet, n Need) []report.Result {
	switch {
	case n.Service == NeedHost:
		return e.hostNeed(tn, n)
	case n.Expect == config.ExpectBlocked:
		// Only a connection attempt proves a block; the control plane
		// cannot see firewalls or proxies beyond the VPC.
		return []report.Result{{
			Check: CheckEndpoint, Target: n.Service, Port: n.Port, Status: report.StatusSkip, Reason: tn.reason(n),
			Detail: "=blocked is judged only by `preflight check` inside the task",
		}}
	case n.Service == NeedEFS:
		return e.efsNeed(tn, n)
	case n.Internet || n.Expect == config.ExpectPublic:
		// =public asks for the public path: judged like a registry on the
		// internet (route and security group to 0.0.0.0/0).
		return e.internetNeed(tn, n)
	case n.CrossRegion(e.f.Region):
		return e.crossRegionNeed(tn, n)
	}
	svc, ok := config.LookupService(n.Service)
	if !ok {
		return []report.Result{{
			Check: CheckEndpoint, Target: n.Service, Status: report.StatusSkip, Reason: tn.reason(n),
			Detail: "not a catalogue service: only `preflight check` inside the task can judge it",
		}}
	}
	if svc.Kind == config.Gateway {
		return e.gatewayNeed(tn, n, svc)
	}
	return e.interfaceNeed(tn, n, svc)
}

// findUndecided returns the first Undecided for action that covers one of
// ids (or the whole call), or nil.
func findUndecided(f *Facts, action string, ids ...string) *Undecided {
	for i, u := range f.Undecided {
		if u.Action != action {
			continue
		}
		if u.Resource == "" {
			return &f.Undecided[i]
		}
		for _, id := range ids {
			if u.Resource == id {
				return &f.Undecided[i]
			}
		}
	}
	return nil
}

// findUndecidedAny returns the first Undecided for action, whatever
// resource it names, or nil.
func findUndecidedAny(f *Facts, action string) *Undecided {
	for i, u := range f.Undecided {
		if u.Action == action {
			return &f.Undecided[i]
		}
	}
	return nil
}

// undecidedRow is the row of a rule whose data could not be read: a
// warning naming the IAM action, or a failure under FailUndecided. It
// never passes.
func undecidedRow(check report.Check, target string, u Undecided, why string, opts Options) report.Result {
	status := opts.UndecidedStatus()
	what := u.what()
	msg := "could not decide: " + u.Action
	if u.Resource != "" {
		msg += " on " + u.Resource
	}
	switch {
	case u.Code == CodeUnknownInSource:
		// Nothing was called: the change itself leaves the fact open.
		msg = "could not decide: " + strings.TrimSpace(u.Resource+" "+u.Err)
	case what != "":
		msg += " failed (" + what + ")"
	}
	if why != "" {
		msg += "; " + why
	}
	r := report.Result{
		Check: check, Target: target, Status: status, Class: report.ClassUndecided,
		Error: msg,
		Hint:  u.hint(),
	}
	if u.Resource != "" {
		r.Resources = []string{u.Resource}
	}
	return r
}

// uniqSorted returns the distinct non-empty strings of ids, sorted.
func uniqSorted(ids ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
