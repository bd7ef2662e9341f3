package plan

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// ecrImage matches ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/...
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/`)

// deriveEntries turns the task metadata into check entries for "auto": the
// ECR registries the task's images come from and CloudWatch Logs for awslogs
// containers. Registries and log groups in another region than the task get
// "any" (VPC endpoints do not serve cross-region traffic, so the path is
// public by design) and a warning.
func deriveEntries(task *probe.Task, taskRegion string) ([]config.Entry, []report.Result) {
	type key struct{ name, region, account string }
	found := map[key][]string{} // -> container names
	for _, c := range task.Containers {
		if c.Type != "" && c.Type != "NORMAL" {
			continue // the CNI pause container's image is local to the instance
		}
		if m := ecrImage.FindStringSubmatch(c.Image); m != nil {
			k := key{"ecr", m[2], m[1]}
			found[k] = append(found[k], c.Name)
		}
		if c.LogDriver == "awslogs" {
			region := c.LogOptions["awslogs-region"]
			if region == "" {
				region = taskRegion
			}
			k := key{"logs", region, ""}
			found[k] = append(found[k], c.Name)
		}
	}
	keys := make([]key, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.account < b.account
	})
	var entries []config.Entry
	var notes []report.Result
	for _, k := range keys {
		e := config.Entry{Name: k.name, Region: k.region, Account: k.account}
		if !config.ValidRegion(k.region) {
			notes = append(notes, report.Result{
				Check: report.CheckPlan, Target: k.name, Status: report.StatusWarn, Class: report.ClassPlan,
				Error: fmt.Sprintf("container %v names region %q, which is not a region; not checked", found[k], k.region),
				Hint:  "Fix the image URI or the awslogs-region log option in the task definition.",
			})
			continue
		}
		if taskRegion != "" && k.region != taskRegion {
			e.Expect = config.ExpectAny
			what := "ECR registry " + k.account + " in " + k.region
			if k.name == "logs" {
				what = "awslogs in " + k.region
			}
			notes = append(notes, report.Result{
				Check: report.CheckPlan, Target: k.name, Status: report.StatusWarn, Class: report.ClassPlan,
				Error: fmt.Sprintf("containers %v use %s, outside the task's region %s", found[k], what, taskRegion),
				Hint: fmt.Sprintf("VPC endpoints do not serve cross-region traffic: this path needs a NAT gateway. Replicate the images into %s (ECR replication) or ship logs to %s to keep traffic private.",
					taskRegion, taskRegion),
			})
		}
		entries = append(entries, e)
	}
	return entries, notes
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
		return nil, nil, fmt.Errorf("checks %q (%s): not running in ECS (%s is not set), so there is nothing to derive the checks from; name them, e.g. --checks ecr,logs,s3 --region us-east-1 --account 123456789012, or PREFLIGHT_CHECKS=secretsmanager,example.com=blocked PREFLIGHT_REGION=eu-west-1",
			config.AutoEntry, source, probe.MetadataEnv)
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
