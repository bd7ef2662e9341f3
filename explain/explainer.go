package explain

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// CheckExplain is the row that says failures could not be explained at all
// (--explain=on without credentials).
const CheckExplain report.Check = "explain"

// Explainer attaches causes to a run's failing rows. It calls the AWS API
// only when a row needs explaining, and only within Timeout.
type Explainer struct {
	Mode config.ExplainMode
	// HasCredentials: the SDK's chain yields credentials without IMDS.
	HasCredentials bool
	Region         string
	// Task is the task metadata (its ENI's address and MAC); nil outside
	// ECS.
	Task *probe.Task
	// OSFamily is the task's operating system family (OSFamilyOf): NACL
	// return traffic is judged on its ephemeral ports.
	OSFamily string
	// Targets are the run's targets, by name.
	Targets    []config.Target
	Classifier probe.Classifier
	// Interfaces returns the run's shared interface finder.
	Interfaces func(ctx context.Context) (probe.InterfaceFinder, error)
	// NewAPI builds the audit's API client.
	NewAPI func(ctx context.Context, region string) (live.API, error)
	// Timeout bounds the whole explanation (2 x --timeout).
	Timeout time.Duration
	Log     *zap.Logger
}

// Enabled reports whether failures will be explained.
func (x *Explainer) Enabled() bool {
	return x != nil && x.Mode != config.ExplainOff && x.HasCredentials && x.NewAPI != nil && x.Interfaces != nil
}

// Expected lists the row the explainer itself can add (the warning of
// --explain=on without credentials), so that serve presets its series.
func (x *Explainer) Expected() []report.Result {
	if x == nil || x.Mode != config.ExplainOn || x.Enabled() {
		return nil
	}
	return []report.Result{{Check: CheckExplain, Target: "task"}}
}

// Pending lists the indexes of rows that need a cause: failing or warning
// DNS-posture and connect rows of catalogue targets, without one yet.
func (x *Explainer) Pending(rows []report.Result) []int {
	var out []int
	for i, r := range rows {
		if r.Cause != nil || (r.Status != report.StatusFail && r.Status != report.StatusWarn) {
			continue
		}
		if (r.Check == report.CheckDNS && r.Class == report.ClassDNSPosture) || (r.Check == report.CheckConnect && r.Class == report.ClassConnect) {
			if t, ok := x.target(r.Target); ok && t.Service != nil {
				out = append(out, i)
			}
		}
	}
	return out
}

func (x *Explainer) target(name string) (config.Target, bool) {
	for _, t := range x.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return config.Target{}, false
}

// Explain returns rows with a cause on every row Pending lists, and the
// note row of --explain=on without credentials. When nothing is pending it
// returns rows untouched without any call. It never changes a status.
func (x *Explainer) Explain(ctx context.Context, rows []report.Result) []report.Result {
	return x.ExplainRows(ctx, rows, x.Pending(rows))
}

// ExplainRows is Explain for the rows at indexes pending only (serve asks
// once per state change and keeps the answers).
func (x *Explainer) ExplainRows(ctx context.Context, rows []report.Result, pending []int) []report.Result {
	if x == nil || x.Mode == config.ExplainOff {
		return rows
	}
	if !x.Enabled() {
		if x.Mode == config.ExplainOn && len(x.Pending(rows)) > 0 {
			rows = append(rows, report.Result{
				Check: CheckExplain, Target: "task", Status: report.StatusWarn,
				Error: "--explain=on, but there are no AWS credentials that need no IMDS (task role, environment, web identity or profile): the failures are not explained",
				Hint:  "Give the task a task role allowed the ec2:Describe* actions of audit-policy.json, or set --explain=auto.",
			})
		}
		return rows
	}
	// A target in another region is explained without asking anything:
	// no endpoint of this VPC can serve it, and matching it against this
	// region's findings would blame the wrong endpoint.
	rows = append([]report.Result(nil), rows...)
	var local []int
	for _, i := range pending {
		t, _ := x.target(rows[i].Target)
		if t.Region != "" && x.Region != "" && t.Region != x.Region {
			rows[i].Cause = crossRegion(t, x.Region)
			continue
		}
		local = append(local, i)
	}
	pending = local
	if len(pending) == 0 {
		return rows
	}
	ctx, cancel := context.WithTimeout(ctx, x.Timeout)
	defer cancel()
	start := time.Now()
	findings, unknown := x.findings(ctx, rows, pending)
	out := append([]report.Result(nil), rows...)
	for _, i := range pending {
		if unknown != nil {
			c := *unknown
			out[i].Cause = &c
			continue
		}
		t, _ := x.target(out[i].Target)
		out[i].Cause = Cause(Symptom{Row: out[i], Service: t.Service.Name, PrivateAddrs: x.allPrivate(out[i].FailedAddresses)}, findings)
	}
	if x.Log != nil {
		x.Log.Debug("explained", zap.Int("rows", len(pending)), zap.Duration("elapsed", time.Since(start)))
	}
	return out
}

func (x *Explainer) allPrivate(addrs []string) bool {
	if len(addrs) == 0 {
		return false
	}
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil || !x.Classifier.IsPrivate(a) {
			return false
		}
	}
	return true
}

// findings finds the task's interface, reads its VPC and runs the rules for
// the pending rows' services. unknown is the cause of every row when that
// cannot be done.
func (x *Explainer) findings(ctx context.Context, rows []report.Result, pending []int) ([]report.Result, *report.Cause) {
	eni, unknown := x.taskInterface(ctx)
	if unknown != nil {
		return nil, unknown
	}
	api, err := x.NewAPI(ctx, x.Region)
	if err != nil {
		return nil, &report.Cause{Error: "cause unknown: " + err.Error()}
	}
	facts, err := (&live.Gatherer{API: api, Region: x.Region}).GatherNetwork(ctx, eni.VPCID)
	if err != nil {
		return nil, &report.Cause{Error: fmt.Sprintf("cause unknown: reading %s from the EC2 API: %v", eni.VPCID, err),
			Hint: "The task needs a path to the ec2 endpoint (com.amazonaws." + x.Region + ".ec2) for causes."}
	}
	var needs []audit.Need
	seen := map[string]bool{}
	for _, i := range pending {
		t, _ := x.target(rows[i].Target)
		key := t.Service.Name + "@" + t.Region
		if seen[key] {
			continue
		}
		seen[key] = true
		n := audit.Need{Service: t.Service.Name, Region: t.Region, Port: t.Port, Reason: "target " + t.Name}
		if n.Region == "" {
			n.Region = x.Region
		}
		if t.Expect == config.ExpectAny {
			n.Expect = config.ExpectAny
		}
		needs = append(needs, n)
	}
	return audit.EvaluateNetwork(facts, taskNetConfig(eni, x.OSFamily), needs, audit.Options{}), nil
}

// taskNetConfig is the network the task's own ENI gives it, judged for
// an OS family (its return traffic comes back to that OS's ephemeral
// ports).
func taskNetConfig(eni probe.NetworkInterface, osFamily string) audit.NetConfig {
	public := audit.PublicIPDisabled
	if eni.PublicIP != "" {
		public = audit.PublicIPEnabled
	}
	return audit.NetConfig{Name: "task ENI " + eni.ID, Subnets: []string{eni.SubnetID}, SecurityGroups: eni.SecurityGroupIDs,
		AssignPublicIP: public, OSFamily: osFamily}
}

// OSFamilyOf names the operating system family preflight runs on (goos is
// runtime.GOOS) as runtimePlatform.operatingSystemFamily does: the
// explainer runs inside the task, so its own OS is the task's.
func OSFamilyOf(goos string) string {
	if goos == "windows" {
		return "WINDOWS_SERVER"
	}
	return "LINUX"
}

// taskInterface finds the task's ENI by its private address and MAC, the
// way the public-IP verdict does (and through the same shared finder, so
// a run asks once).
func (x *Explainer) taskInterface(ctx context.Context) (probe.NetworkInterface, *report.Cause) {
	var none probe.NetworkInterface
	if x.Task == nil {
		return none, &report.Cause{Error: "cause unknown: no task metadata, so the task's network interface is not known"}
	}
	n, ok := x.Task.TaskNetwork()
	if !ok || n.NetworkMode != "awsvpc" || len(n.IPv4Addresses) == 0 {
		return none, &report.Cause{Error: "cause unknown: the task has no awsvpc IPv4 interface in its metadata (bridge/host networking is not modelled)"}
	}
	finder, err := x.Interfaces(ctx)
	if err != nil {
		return none, &report.Cause{Error: "cause unknown: " + err.Error()}
	}
	enis, err := finder.FindByPrivateIP(ctx, n.IPv4Addresses[0])
	if err != nil {
		var apiErr *probe.APIError
		if errors.As(err, &apiErr) && deniedCode(apiErr.Code) {
			return none, &report.Cause{Error: "cause unknown: grant ec2:DescribeNetworkInterfaces to the task role (" + apiErr.Code + ")",
				Hint: "Allow ec2:DescribeNetworkInterfaces to the task role (see audit-policy.json)."}
		}
		return none, &report.Cause{Error: "cause unknown: DescribeNetworkInterfaces: " + err.Error(),
			Hint: "The task needs a path to the ec2 endpoint (com.amazonaws." + x.Region + ".ec2) for causes."}
	}
	matched := probe.SelectInterface(enis, n.MACAddress)
	if len(matched) != 1 {
		return none, &report.Cause{Error: fmt.Sprintf("cause unknown: %d network interfaces match private IP %s and MAC %s", len(matched), n.IPv4Addresses[0], orDash(n.MACAddress))}
	}
	if matched[0].VPCID == "" || matched[0].SubnetID == "" {
		return none, &report.Cause{Error: "cause unknown: interface " + matched[0].ID + " has no VPC or subnet in the EC2 answer"}
	}
	return matched[0], nil
}

func deniedCode(code string) bool {
	return code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// crossRegion is the cause of a failure to reach a service in another
// region than the task's.
func crossRegion(t config.Target, taskRegion string) *report.Cause {
	return &report.Cause{
		Error: fmt.Sprintf("%s is in %s and the task in %s: VPC endpoints serve only their own region, so this path needs a NAT gateway or internet gateway route and outbound TCP %d", t.Host, t.Region, taskRegion, t.Port),
		Hint:  fmt.Sprintf("Give the task subnets a route to a NAT gateway, or keep the traffic in %s: replicate the images there (ECR replication) or send the logs to a log group there.", taskRegion),
	}
}
