package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/audit/sweep"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Progress of a sweep shows only when it runs longer than progressDelay
// (a short sweep stays silent), then every progressEvery on a terminal and
// every progressEveryLog in a log (--progress), which keeps CI logs short.
const (
	progressDelay    = 2 * time.Second
	progressEvery    = time.Second
	progressEveryLog = 10 * time.Second
)

// sweepSpec is the sweep the flags ask for.
func sweepSpec(cfg *config.Config) sweep.Spec {
	return sweep.Spec{
		Accounts: cfg.Accounts, OrgAccounts: cfg.OrgAccounts, Exclude: cfg.ExcludeAccounts,
		Regions: cfg.Regions, AllRegions: cfg.AllRegions, RoleName: cfg.RoleName, ExternalID: cfg.ExternalID,
		Parallel: cfg.Parallel,
	}
}

// sweepAudit audits every account-Region the sweep flags name and writes
// one report of them all. Bad flags exit 2 before any call; an
// Organization that cannot be listed exits 3; an interrupted sweep
// writes what it read, marked partial, and exits 1.
func sweepAudit(ctx context.Context, cfg *config.Config, in live.Input, start time.Time, stdout, stderr io.Writer, log *zap.Logger) int {
	spec := sweepSpec(cfg)
	var errs []error
	for _, f := range []struct {
		name string
		set  bool
	}{{"--plan", cfg.Plan != ""}, {"--template", cfg.Template != ""}, {"--fix", cfg.Fix != ""}, {"--egress-rules", cfg.EgressRules != ""}} {
		if f.set {
			errs = append(errs, fmt.Errorf("%s: does not combine with a sweep (--accounts, --regions): audit one account-Region for it", f.name))
		}
	}
	errs = append(errs, spec.Validate(in))
	if in.Cluster != "" || in.AllClusters || len(in.Services) > 0 {
		errs = append(errs, in.Validate())
	}
	if err := errors.Join(errs...); err != nil {
		printUsageError(stderr, "audit", err)
		return report.ExitUsage
	}
	progress := &sweep.Progress{}
	if cfg.Progress || isTerminal(stderr) {
		progress.W, progress.Terminal, progress.Always = stderr, isTerminal(stderr), cfg.Progress
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		progress.Watch(watchCtx, progressTicks(watchCtx, isTerminal(stderr)))
	}()
	s := &sweep.Sweeper{
		Spec: spec, Input: in, Region: cfg.Region, Progress: progress,
		Options:     auditOptions(cfg),
		LoadOptions: []func(*awsconfig.LoadOptions) error{awsconfig.WithLogger(sdkLogger{log: log})},
	}
	out, err := s.Run(ctx)
	stopWatch()
	<-watched
	if err != nil {
		var inputErr *live.InputError
		if errors.As(err, &inputErr) {
			printUsageError(stderr, "audit", err)
			return report.ExitUsage
		}
		fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
		return report.ExitEnvironment
	}
	log.Debug("swept", zap.Int("scopes", out.Scopes), zap.Int("done", out.Done),
		zap.Int64("calls", progress.Calls()), zap.Int64("throttled", progress.Throttles()))
	r := report.New("audit", out.Region, oneAccount(out.Rows), nil, out.Rows, time.Since(start))
	r.Code = audit.ExitCode(out.Rows)
	if out.Partial {
		// Interrupted: what was read is reported, but an exit code
		// of the findings would judge accounts never read.
		r.Code = report.ExitInternal
		r.Partial = true
		r.PartialNote = fmt.Sprintf("interrupted; %d of %d account-Regions read, the others are not in this report", out.Done, out.Scopes)
	}
	r.ProblemsOnly = cfg.Only == config.OnlyProblems
	r.Version, _, _ = buildInfo()
	r.ConsoleDomain = config.ConsoleDomain(out.Region)
	if err := r.Write(stdout, report.Output(cfg.Output)); err != nil {
		fmt.Fprintf(stderr, "preflight audit: write report: %s\n", report.Printable(err.Error()))
		return report.ExitInternal
	}
	return writeReportFiles(r, cfg.Reports, stderr, "audit", r.Code)
}

// oneAccount is the account every row names, or "" when they name
// several (the rows carry theirs).
func oneAccount(rows []report.Result) string {
	account := ""
	for _, r := range rows {
		switch {
		case r.Account == "":
		case account == "":
			account = r.Account
		case account != r.Account:
			return ""
		}
	}
	return account
}

// progressTicks ticks after progressDelay, then every progressEvery on a
// terminal (every progressEveryLog elsewhere), until ctx ends.
func progressTicks(ctx context.Context, terminal bool) <-chan time.Time {
	every := progressEveryLog
	if terminal {
		every = progressEvery
	}
	ticks := make(chan time.Time)
	go func() {
		timer := time.NewTimer(progressDelay)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case t := <-timer.C:
				select {
				case ticks <- t:
				case <-ctx.Done():
					return
				}
				timer.Reset(every)
			}
		}
	}()
	return ticks
}
