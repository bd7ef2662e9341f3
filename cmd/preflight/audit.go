package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"

	// Named rpt while render.go still declares a type named report; the
	// refactor on main deletes it.
	"github.com/preflight-dev/preflight/report"
)

// auditCommand wires the control plane: configuration → gather (AWS SDK)
// → facts → rules → the report. Bad input (flags, a task-definition file,
// a resource that does not exist) exits 2 before any rule runs. With
// --fix the fix plan, with --egress-rules the least egress set, goes to
// stdout and the report to stderr; the exit code is the report's either way.
// Each --report file gets the same report in its format after that.
func auditCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger) int {
	start := time.Now()
	if cfg.Plan != "" && cfg.Template != "" {
		printUsageError(stderr, "audit", errors.New("--plan and --template each give the whole change: give one"))
		return report.ExitUsage
	}
	if cfg.Fix != "" && cfg.EgressRules != "" {
		printUsageError(stderr, "audit", errors.New("--fix and --egress-rules both print on stdout: give one (the fix plan holds the egress rules the findings need)"))
		return report.ExitUsage
	}
	if (cfg.Fix != "" || cfg.EgressRules != "") && report.Output(cfg.Output) == report.OutputJSON {
		// The JSON report is all of stderr, so that it parses: its rows
		// carry every warning the log would have said.
		log = zap.NewNop()
	}
	// One fact model, three sources: a change before it exists (a
	// Terraform plan or a CloudFormation template, with no AWS call and
	// no credentials) or the account as it is.
	in := live.Input{
		Cluster: cfg.Cluster, AllClusters: cfg.AllClusters, Services: cfg.Services,
		TaskDefinition: cfg.TaskDefinition, Subnets: cfg.Subnets, SecurityGroups: cfg.SecurityGroups,
		AssignPublicIP: cfg.AssignPublicIP,
	}
	if sweepSpec(cfg).Active() {
		// Many account-Regions, one report (it refuses --plan,
		// --template, --fix and --egress-rules).
		return sweepAudit(ctx, cfg, in, start, stdout, stderr, log)
	}
	var facts *audit.Facts
	var region string
	var over *overPlan
	switch {
	case cfg.Plan != "":
		if err := planScope(cfg); err != nil {
			printUsageError(stderr, "audit", err)
			return report.ExitUsage
		}
		p, err := readPlan(ctx, cfg.Plan, cfg.Region, log)
		if err != nil {
			printUsageError(stderr, "audit", err)
			return report.ExitUsage
		}
		facts, region = p.Facts, p.Facts.Region
		if liveScope(cfg) {
			// Plan over live: the running services, with the plan's
			// changes laid over what they use.
			var code int
			if facts, over, code = planOverLive(ctx, cfg, p, stderr, log); facts == nil {
				return code
			}
		}
	case cfg.Template != "":
		f, err := templateFacts(cfg, getenv)
		if err != nil {
			printUsageError(stderr, "audit", err)
			return report.ExitUsage
		}
		facts, region = f, f.Region
	default:
		var code int
		facts, region, code = gatherFacts(ctx, cfg, in, stderr, log)
		if facts == nil {
			return code
		}
	}
	logUndecided(log, facts)
	return judgeFacts(cfg, facts, over, region, start, stdout, stderr)
}

// logUndecided warns of each fact the rules will call undecided, and
// says how much was read.
func logUndecided(log *zap.Logger, facts *audit.Facts) {
	for _, u := range facts.Undecided {
		msg := "AWS API call failed; the findings that need it are undecided"
		if u.Code == audit.CodeUnknownInSource {
			msg = "the plan or template leaves a fact open; the findings that need it are undecided"
		}
		log.Warn(msg, zap.String("action", u.Action), zap.String("resource", u.Resource), zap.String("code", u.Code), zap.String("error", u.Err))
	}
	log.Debug("gathered", zap.Int("workloads", len(facts.Workloads)), zap.Int("vpcs", len(facts.VPCs)),
		zap.Int("subnets", len(facts.Subnets)), zap.Int("endpoints", len(facts.Endpoints)))
}

// auditOptions are the rules' options the flags ask for, one account-Region
// or a sweep.
func auditOptions(cfg *config.Config) audit.Options {
	return audit.Options{
		PublicIP: config.PublicIPPolicy(cfg.PublicIP), FailUndecided: cfg.FailUndecided, Extra: cfg.Checks,
		PublicPath: cfg.PublicPath,
	}
}

// judgeFacts runs the rules on facts, whatever their source, and writes
// the report, the fix plan or the egress rules.
func judgeFacts(cfg *config.Config, facts *audit.Facts, over *overPlan, region string, start time.Time, stdout, stderr io.Writer) int {

	opts := auditOptions(cfg)
	rows := over.attribute(audit.Evaluate(facts, opts), opts)
	r := report.New("audit", region, facts.Account, nil, rows, time.Since(start))
	// Nothing judged is never a pass.
	r.Code = audit.ExitCode(rows)
	r.ProblemsOnly = cfg.Only == config.OnlyProblems
	r.Version, _, _ = buildInfo()
	r.ConsoleDomain = config.ConsoleDomain(region)
	if live.IsTaskDefinitionFile(cfg.TaskDefinition) {
		r.Source = cfg.TaskDefinition
	}
	if cfg.Template != "" {
		r.Source = cfg.Template
	}
	if cfg.Plan != "" {
		r.Source = cfg.Plan
	}
	declareSources(r, cfg, facts)
	// The fix plan goes to stdout alone with --fix (as the egress rules do
	// with --egress-rules), the report to stderr, so `> fix.sh` holds only
	// the plan. A text report ends with the plan in CLI form instead.
	var plan *audit.Plan
	var planErr error
	// From a plan or template, the fix plan names the input's own
	// addresses or logical ids (audit.WritePlan refuses a format that
	// cannot name them).
	if cfg.Fix != "" || report.Output(cfg.Output) == report.OutputText {
		// A plan is refused when an id from AWS does not match its
		// pattern: --fix then fails; a text report says so at its end.
		plan, planErr = audit.PlanFixes(facts, opts)
		if planErr != nil && cfg.Fix != "" {
			fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(planErr.Error()))
			return writeFailed(facts, planErr)
		}
	}
	if plan != nil {
		// Rows name the plan steps they asked for (fix_steps in JSON); the
		// text report points at them when the plan follows it.
		plan.MarkSteps(r.Results)
		r.PlanBelow = cfg.Fix == "" && cfg.EgressRules == "" && len(plan.Changes) > 0
	}
	reportOut := stdout
	switch {
	case cfg.Fix != "":
		if err := audit.WritePlan(stdout, cfg.Fix, plan); err != nil {
			var fe *audit.FormatError
			if errors.As(err, &fe) {
				err = fmt.Errorf("--fix %w", err)
			}
			fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
			return writeFailed(facts, err)
		}
		reportOut = stderr
	case cfg.EgressRules != "":
		if err := audit.WriteEgressRules(stdout, cfg.EgressRules, facts, audit.EgressRules(facts, opts)); err != nil {
			fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
			return writeFailed(facts, err)
		}
		reportOut = stderr
	}
	if err := r.Write(reportOut, report.Output(cfg.Output)); err != nil {
		fmt.Fprintf(stderr, "preflight audit: write report: %s\n", report.Printable(err.Error()))
		return report.ExitInternal
	}
	if planErr != nil {
		fmt.Fprintf(reportOut, "\nNo fix plan: %v\n", planErr)
	}
	if r.PlanBelow {
		if err := audit.WritePlanBelow(reportOut, plan); err != nil {
			fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
			return report.ExitInternal
		}
	}
	return writeReportFiles(r, cfg.Reports, stderr, "audit", r.Code)
}
