// Package plan decides what a run checks and why: from the configuration,
// the environment and the task metadata to the ordered list of checks that
// check, serve and endpoints run or print. It is the one place that knows
// where a region, an account, a target or a resolver comes from.
package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// Inputs are the plan's seams: where it reads the environment and the
// system resolver configuration, and how it reaches the EC2 API.
type Inputs struct {
	Getenv     func(string) string
	ResolvConf string
	Log        *zap.Logger
	// NewEC2 builds the EC2 API client for the public-IP verdict.
	NewEC2 func(ctx context.Context, region string) (probe.InterfaceFinder, error)
	// NoResolvers skips finding the DNS servers, for a plan that is printed
	// (endpoints), not probed: a missing resolv.conf must not fail it.
	NoResolvers bool
}

// Plan is what a run will check, and what planning learned getting there.
type Plan struct {
	Region, Account string
	InECS           bool
	// Task is the task metadata; nil outside ECS or when it could not be read.
	Task      *probe.Task
	Targets   []config.Target
	Resolvers []string
	Env       probe.Environment
	// Metadata is the row of the metadata fetch; Notes are rows about
	// derived targets (cross-region registries, nothing to derive).
	Metadata report.Result
	Notes    []report.Result

	enisOnce sync.Once
	enis     *probe.SharedFinder
}

// Build reads the task metadata (when in ECS), settles region and account,
// derives and expands the targets and finds the resolvers. Metadata trouble
// is a failed row, not an error: the other checks still run. The error is a
// configuration problem (exit 2), with every problem found listed.
func Build(ctx context.Context, cfg *config.Config, in Inputs) (*Plan, error) {
	p := &Plan{}
	uri := strings.TrimSpace(in.Getenv(probe.MetadataEnv))
	p.InECS = uri != ""
	p.Metadata = fetchMetadata(ctx, p, uri, cfg.Timeout, in.Log)

	var errs []error
	p.Region, p.Account = cfg.Region, cfg.Account
	if p.Task != nil {
		if arn, err := probe.ParseTaskARN(p.Task.TaskARN); err == nil {
			if p.Region == "" {
				p.Region = arn.Region
			}
			if p.Account == "" {
				p.Account = arn.Account
			}
		}
	}
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if p.Region != "" {
			break
		}
		if v := strings.TrimSpace(in.Getenv(name)); v != "" {
			if !config.ValidRegion(v) {
				errs = append(errs, fmt.Errorf("environment variable %s %q: want a region such as us-east-1 (--region or PREFLIGHT_REGION, if set, wins over it)", name, v))
				continue
			}
			p.Region = v
		}
	}

	entries, notes, err := resolveAuto(cfg, p)
	p.Notes = notes
	if err != nil {
		errs = append(errs, err)
	}
	targets, overrides, err := config.ExpandAll(entries, p.Region, p.Account)
	if err != nil {
		errs = append(errs, err)
	}
	p.Targets = targets
	for _, o := range overrides {
		p.Notes = append(p.Notes, report.Result{
			Check: report.CheckPlan, Target: o.Address, Status: report.StatusSkip,
			Detail: fmt.Sprintf("%s is checked as %s; %s is not (one expectation per address)", o.Address, o.Kept, o.Dropped),
		})
	}

	p.Resolvers = cfg.Resolvers
	if len(p.Resolvers) == 0 && !in.NoResolvers {
		servers, err := systemResolvers(in.ResolvConf)
		if err != nil {
			errs = append(errs, err)
		}
		p.Resolvers = servers
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p.Env.Resolvers, p.Env.Region = p.Resolvers, p.Region
	if p.Task != nil {
		if n, ok := p.Task.TaskNetwork(); ok {
			if cidr, ok := n.HintSubnetCIDR(); ok {
				p.Env.SubnetCIDR = cidr.String()
			}
		}
	}
	return p, nil
}

// Checks lists the checks of a run in report order: the metadata row and
// the notes recorded while planning, the resolver posture, every target
// (its stages run by r), and publicIP (nil when the policy is off).
func (p *Plan) Checks(r *probe.Runner, publicIP probe.Check) []probe.Check {
	checks := make([]probe.Check, 0, len(p.Targets)+3)
	checks = append(checks, probe.Recorded(append([]report.Result{p.Metadata}, p.Notes...)), p.resolverCheck())
	checks = append(checks, r.Targets(p.Targets)...)
	if publicIP != nil {
		checks = append(checks, publicIP)
	}
	return checks
}

// resolverCheck judges the resolvers in use against the task's network.
func (p *Plan) resolverCheck() probe.Check {
	return probe.TaskCheck{Kind: report.CheckResolver, Name: "resolver", Fn: func(context.Context) report.Result {
		return probe.ResolverPosture(p.Resolvers, p.Task, p.InECS)
	}}
}
