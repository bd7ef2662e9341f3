package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
)

// metadataWindow bounds reading the task metadata, retries included. The
// endpoint is local to the task and answers in milliseconds when healthy; a
// sick one must not eat the probes' time.
const metadataWindow = time.Second

// plan is what a run will probe, and what it learned getting there.
type plan struct {
	region, account string
	inECS           bool
	task            *probe.Task
	targets         []config.Target
	resolvers       []string
	env             probe.Environment
	// pre are the results gathered while planning: metadata, resolver
	// posture, notes about derived checks.
	pre []probe.Result
}

// planError is a configuration problem found while planning (exit 2).
type planError struct{ err error }

func (e *planError) Error() string { return e.err.Error() }

// buildPlan reads the task metadata (when in ECS), settles region and
// account, expands the checks and finds the resolvers. Metadata trouble is a
// failed result, not an error: the other checks still run.
func buildPlan(ctx context.Context, cfg *config.Config, getenv func(string) string, d deps, log *zap.Logger) (*plan, error) {
	p := &plan{}
	uri := strings.TrimSpace(getenv(probe.MetadataEnv))
	p.inECS = uri != ""
	p.pre = append(p.pre, fetchMetadata(ctx, p, uri, cfg.Timeout, log))

	var errs []error
	p.region, p.account = cfg.Region, cfg.Account
	if p.task != nil {
		if arn, err := probe.ParseTaskARN(p.task.TaskARN); err == nil {
			if p.region == "" {
				p.region = arn.Region
			}
			if p.account == "" {
				p.account = arn.Account
			}
		}
	}
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if p.region != "" {
			break
		}
		if v := strings.TrimSpace(getenv(name)); v != "" {
			if !config.ValidRegion(v) {
				errs = append(errs, fmt.Errorf("environment variable %s %q: want a region such as us-east-1", name, v))
				continue
			}
			p.region = v
		}
	}

	entries, notes, err := resolveAuto(cfg, p)
	p.pre = append(p.pre, notes...)
	if err != nil {
		errs = append(errs, err)
	}
	targets, err := config.Expand(entries, p.region, p.account)
	if err != nil {
		errs = append(errs, err)
	}
	p.targets = targets

	p.resolvers = cfg.Resolvers
	if len(p.resolvers) == 0 {
		servers, err := systemResolvers(d.resolvConf)
		if err != nil {
			errs = append(errs, err)
		}
		p.resolvers = servers
	}
	if len(errs) > 0 {
		return nil, &planError{errors.Join(errs...)}
	}
	p.env.Resolvers = p.resolvers
	if p.task != nil {
		if n, ok := p.task.TaskNetwork(); ok {
			if cidr, ok := n.SubnetCIDR(); ok {
				p.env.SubnetCIDR = cidr.String()
			}
		}
	}
	p.pre = append(p.pre, probe.ResolverPosture(p.resolvers, p.task, p.inECS))
	return p, nil
}

// resolveAuto replaces the "auto" entry with entries derived from the task.
func resolveAuto(cfg *config.Config, p *plan) ([]config.Entry, []probe.Result, error) {
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
	if !p.inECS {
		if len(explicit) > 0 {
			return explicit, []probe.Result{{Check: probe.CheckPlan, Target: config.AutoEntry, Status: probe.StatusSkip,
				Detail: "not running in ECS: nothing to derive; the explicit entries are checked"}}, nil
		}
		return nil, nil, fmt.Errorf("checks %q (%s): not running in ECS (%s is not set), so there is nothing to derive the checks from; name them, e.g. --checks ecr,logs,s3 --region us-east-1 --account 123456789012, or PREFLIGHT_CHECKS=secretsmanager,example.com=blocked PREFLIGHT_REGION=eu-west-1",
			config.AutoEntry, source, probe.MetadataEnv)
	}
	if p.task == nil {
		return explicit, []probe.Result{{Check: probe.CheckPlan, Target: config.AutoEntry, Status: probe.StatusWarn, Class: probe.ClassPlan,
			Error: "task metadata unavailable: auto could derive no checks",
			Hint:  "Name the checks with --checks / PREFLIGHT_CHECKS so that they run even when the metadata endpoint fails."}}, nil
	}
	derived, notes := probe.DeriveEntries(p.task, p.region)
	if len(derived) == 0 && len(explicit) == 0 {
		notes = append(notes, probe.Result{Check: probe.CheckPlan, Target: config.AutoEntry, Status: probe.StatusWarn, Class: probe.ClassPlan,
			Error: "the task uses no ECR images and no awslogs driver: auto found nothing to check",
			Hint:  "Name what the task needs with PREFLIGHT_CHECKS, e.g. secretsmanager,ssm,s3 or your own hosts."})
	}
	return append(derived, explicit...), notes, nil
}

// fetchMetadata reads the task document (and this container's) and returns
// the metadata result; on success p.task is set.
func fetchMetadata(ctx context.Context, p *plan, uri string, timeout time.Duration, log *zap.Logger) (res probe.Result) {
	res = probe.Result{Check: probe.CheckMetadata, Target: "task"}
	if uri == "" {
		res.Status, res.Detail = probe.StatusSkip, "not running in ECS ("+probe.MetadataEnv+" not set)"
		return res
	}
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	if u, err := url.Parse(uri); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		res.Status, res.Class = probe.StatusFail, probe.ClassMetadata
		res.Error = fmt.Sprintf("%s %q is not an http:// URL", probe.MetadataEnv, uri)
		res.Hint = probe.MetadataHint(uri)
		return res
	}
	mctx, cancel := context.WithTimeout(ctx, min(timeout, metadataWindow))
	defer cancel()
	client := probe.NewMetadataClient(uri)
	task, err := client.Task(mctx)
	if err == nil {
		_, err = probe.ParseTaskARN(task.TaskARN)
	}
	var self *probe.Container
	if err == nil {
		self, err = client.Container(mctx)
	}
	if err != nil {
		res.Status, res.Class, res.Error = probe.StatusFail, probe.ClassMetadata, err.Error()
		res.Hint = probe.MetadataHint(uri)
		return res
	}
	p.task = task
	res.Status = probe.StatusPass
	res.Detail = describeTask(task) + ", container " + self.Name
	log.Debug("task metadata", zap.String("task_arn", task.TaskARN), zap.String("launch_type", task.LaunchType),
		zap.String("availability_zone", task.AvailabilityZone), zap.Int("containers", len(task.Containers)))
	return res
}

func describeTask(t *probe.Task) string {
	parts := []string{t.Family + ":" + t.Revision}
	if t.LaunchType != "" {
		parts = append(parts, t.LaunchType)
	}
	if t.AvailabilityZone != "" {
		parts = append(parts, t.AvailabilityZone)
	}
	if n, ok := t.TaskNetwork(); ok {
		parts = append(parts, n.NetworkMode)
		if c, ok := n.SubnetCIDR(); ok {
			parts = append(parts, "subnet "+c.String())
		}
	}
	return strings.Join(parts, ", ")
}

func systemResolvers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading nameservers: %w; pass --resolver or PREFLIGHT_RESOLVER", err)
	}
	defer f.Close()
	servers, err := probe.ParseResolvConf(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("%s has no nameserver line; pass --resolver or PREFLIGHT_RESOLVER", path)
	}
	return servers, nil
}
