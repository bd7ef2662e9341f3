package main

import (
	"context"
	"errors"
	"io"
	"slices"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/audit/overlay"
	"github.com/preflight-dev/preflight/audit/terraform"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// liveScope says whether the flags name running services to lay a plan
// over (--cluster, --all-clusters, --service).
func liveScope(cfg *config.Config) bool {
	return cfg.Cluster != "" || cfg.AllClusters || len(cfg.Services) > 0
}

// overPlan is a plan laid over the live account: the merged facts, and
// the account's own, which the rows are compared with to name the
// change on the rows it breaks.
type overPlan struct {
	res  *overlay.Result
	live *audit.Facts
}

// attribute names the plan's addresses on the rows it is to blame for.
func (o *overPlan) attribute(rows []report.Result, opts audit.Options) []report.Result {
	if o == nil {
		return rows
	}
	return overlay.Attribute(rows, audit.Evaluate(o.live, opts), o.res)
}

// planOverLive reads the running services the flags name, and the VPCs
// of the ids the plan names outside theirs, and lays the plan over them.
// Without credentials it warns and judges the plan alone (what the plan
// does not hold is undecided), as --plan without a live scope does. A nil Facts means the audit ends with the returned code
// (its message already printed).
func planOverLive(ctx context.Context, cfg *config.Config, p *terraform.Plan, stderr io.Writer, log *zap.Logger) (*audit.Facts, *overPlan, int) {
	in := live.Input{Cluster: cfg.Cluster, AllClusters: cfg.AllClusters, Services: cfg.Services}
	if err := in.Validate(); err != nil {
		printUsageError(stderr, "audit", err)
		return nil, nil, report.ExitUsage
	}
	// The account is read in the plan's Region (--region, else the aws
	// provider's).
	account, g, err := liveGather(ctx, p.Facts.Region, in, log)
	var envErr *live.EnvironmentError
	switch {
	case errors.As(err, &envErr):
		log.Warn("the live account cannot be read, so the plan is judged alone: what it does not hold is undecided", zap.Error(err))
		return p.Facts, nil, 0
	case err != nil:
		return nil, nil, liveError(err, stderr)
	}
	// The ids the plan names in VPCs the services in scope do not use (a
	// new service in another VPC, a data source's subnets): their VPCs
	// are read too, each once.
	changes := slices.Concat(p.Changes, p.Reads)
	if ids := overlay.Missing(account, changes, p.Outside); len(ids) > 0 {
		if err := g.GatherOutside(ctx, account, ids); err != nil {
			return nil, nil, liveError(err, stderr)
		}
	}
	res := overlay.Apply(account, p.Facts, changes, p.Outside)
	// The fix and the egress rules in Terraform name what the plan
	// declares by its address, so they paste into the change.
	res.Facts.Names = res.Names
	return res.Facts, &overPlan{res: res, live: account}, 0
}
