package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// deriveEntries turns the task metadata into check entries for "auto": the
// registries the task's images come from (ECR in every partition and form,
// and the public registries, which need an internet path) and the log
// destinations (awslogs, its awslogs-endpoint, FireLens outputs). Each
// entry carries the reason it exists. ECR and log destinations in another
// region than the task get "any" (VPC endpoints do not serve cross-region
// traffic, so the path is public by design) and a warning.
func deriveEntries(task *probe.Task, taskRegion string) ([]config.Entry, []report.Result) {
	type key struct {
		name, region, account string
		port                  int
		expect                config.Expect
	}
	type use struct {
		containers []string
		reason     string
	}
	found := map[key]*use{}
	var order []key
	need := func(k key, container, reason string) {
		u, ok := found[k]
		if !ok {
			u = &use{reason: reason}
			found[k] = u
			order = append(order, k)
		}
		if !slices.Contains(u.containers, container) {
			u.containers = append(u.containers, container)
		}
	}
	var notes []report.Result
	for _, c := range task.Containers {
		if c.Type != "" && c.Type != "NORMAL" {
			continue // the CNI pause container's image is local to the instance
		}
		// On EC2 the agent loads the Service Connect proxy image from a
		// tarball on the instance and reports it as a NORMAL container's
		// ecs-service-connect-agent:interface-vN: nothing is pulled.
		localSC := strings.HasPrefix(c.Image, "ecs-service-connect-agent:interface-")
		if im, ok := config.ParseImage(c.Image); ok && !localSC {
			switch {
			case im.ECR && !im.FIPS && !im.DualStack:
				need(key{name: "ecr", region: im.Region, account: im.Account}, c.Name, "image "+c.Image)
			case im.ECR:
				// FIPS and dual-stack names are not the catalogue's hosts; AWS
				// documents no PrivateLink for the dual-stack ones.
				need(key{name: im.Registry, expect: im.Expect()}, c.Name, "image "+c.Image)
				need(key{name: im.APIHost, expect: im.Expect()}, c.Name, "image "+c.Image+" (ECR API)")
			default:
				need(key{name: im.Registry, port: im.Port, expect: config.ExpectAny}, c.Name, "image "+c.Image+" (a public registry: needs an internet path)")
			}
		}
		for _, d := range logDestinations(c, taskRegion) {
			need(key{name: d.name, region: d.region, port: d.port, expect: d.expect}, c.Name, d.reason)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.account < b.account
	})
	var entries []config.Entry
	for _, k := range order {
		u := found[k]
		e := config.Entry{Name: k.name, Port: k.port, Expect: k.expect, Region: k.region, Account: k.account, Derived: u.reason}
		if k.region != "" && !config.ValidRegion(k.region) {
			notes = append(notes, report.Result{
				Check: report.CheckPlan, Target: k.name, Status: report.StatusWarn, Class: report.ClassPlan,
				Error:  fmt.Sprintf("containers %v name region %q, which is in no AWS partition; not checked", u.containers, k.region),
				Hint:   "Fix the image URI or the log options' region in the task definition.",
				Reason: u.reason,
			})
			continue
		}
		if k.region != "" && taskRegion != "" && k.region != taskRegion {
			e.Expect = config.ExpectAny
			what := "ECR registry " + k.account + " in " + k.region
			fix := "replicate the images into " + taskRegion + " (ECR replication)"
			if k.name != "ecr" {
				what = k.name + " in " + k.region
				fix = "send the logs to " + taskRegion
			}
			notes = append(notes, report.Result{
				Check: report.CheckPlan, Target: k.name, Status: report.StatusWarn, Class: report.ClassPlan,
				Error:  fmt.Sprintf("containers %v use %s, outside the task's region %s", u.containers, what, taskRegion),
				Hint:   fmt.Sprintf("VPC endpoints do not serve cross-region traffic: this path needs a NAT gateway. To keep it private, %s.", fix),
				Reason: u.reason,
			})
		}
		entries = append(entries, e)
	}
	return entries, notes
}

// logDestination is a service a container's log driver sends to, or the
// host of the endpoint its options name instead.
type logDestination struct {
	name, region, reason string
	port                 int
	expect               config.Expect
}

// logDestinations reads where a container's logs go (config.LogRoutes, the
// reading audit shares): a service in its region (the task's when the
// options name none), or a custom endpoint's host, checked with "any"
// because the endpoint may be private or public.
func logDestinations(c probe.Container, taskRegion string) []logDestination {
	var out []logDestination
	for _, r := range config.LogRoutes(c.LogDriver, c.LogOptions) {
		if r.Host != "" {
			port := r.Port
			if port == config.DefaultPort {
				port = 0 // the entry's default
			}
			out = append(out, logDestination{name: r.Host, port: port, expect: config.ExpectAny, reason: r.Option})
			continue
		}
		region := r.Region
		if region == "" {
			region = taskRegion
		}
		out = append(out, logDestination{name: r.Service, region: region, reason: r.Option + ", region " + region})
	}
	return out
}

// resolveAuto replaces the "auto" entry with entries derived from the task.
func resolveAuto(cfg *config.Config, p *Plan) ([]config.Entry, []report.Result, error) {
	if !cfg.HasAuto() {
		return cfg.Checks, nil, nil
	}
	var explicit []config.Entry
	for _, e := range cfg.Checks {
		if e.Name != config.AutoEntry {
			explicit = append(explicit, e)
		}
	}
	source := cfg.Source("checks")
	if !p.InECS {
		if len(explicit) > 0 {
			return explicit, []report.Result{{Check: report.CheckPlan, Target: config.AutoEntry, Status: report.StatusSkip,
				Detail: "not running in ECS: nothing to derive; the explicit entries are checked"}}, nil
		}
		// The example uses the region the user gave, so that it can be
		// pasted as it is.
		regionFlag, regionEnv := "us-east-1", "eu-west-1"
		if cfg.Region != "" {
			regionFlag, regionEnv = cfg.Region, cfg.Region
		}
		return nil, nil, fmt.Errorf("checks %q (%s): not running in ECS (%s is not set), so there is nothing to derive the checks from; name them, e.g. --checks ecr,logs,s3 --region %s --account 123456789012, or PREFLIGHT_CHECKS=secretsmanager,example.com=blocked PREFLIGHT_REGION=%s",
			config.AutoEntry, source, probe.MetadataEnv, regionFlag, regionEnv)
	}
	if p.Task == nil {
		return explicit, []report.Result{{Check: report.CheckPlan, Target: config.AutoEntry, Status: report.StatusWarn, Class: report.ClassPlan,
			Error: "task metadata unavailable: auto could derive no checks",
			Hint:  "Name the checks with --checks / PREFLIGHT_CHECKS so that they run even when the metadata endpoint fails."}}, nil
	}
	derived, notes := deriveEntries(p.Task, p.Region)
	if len(derived) == 0 && len(explicit) == 0 {
		notes = append(notes, report.Result{Check: report.CheckPlan, Target: config.AutoEntry, Status: report.StatusWarn, Class: report.ClassPlan,
			Error: "the task uses no ECR images and no awslogs driver: auto found nothing to check",
			Hint:  "Name what the task needs with PREFLIGHT_CHECKS, e.g. secretsmanager,ssm,s3 or your own hosts."})
	}
	return append(derived, explicit...), notes, nil
}
