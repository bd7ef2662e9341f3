package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/explain"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// checkCommand runs every check once (retrying failures until --wait), prints
// the report and returns the verdict as an exit code.
func checkCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger, d deps) int {
	start := d.now()
	in := d.planInputs(getenv, log)
	p, err := plan.Build(ctx, cfg, in)
	if err != nil {
		printUsageError(stderr, "check", err)
		return report.ExitUsage
	}
	// The probes are bounded: retries start only before --wait has passed,
	// and nothing outlives --wait + --timeout, whatever the network does.
	// Planning before them is bounded by the metadata window.
	probeStart := d.now()
	runCtx, cancel := context.WithDeadline(ctx, probeStart.Add(cfg.Wait+cfg.Timeout))
	defer cancel()
	log.Debug("checking", zap.Int("targets", len(p.Targets)), zap.String("region", p.Region),
		zap.Strings("resolvers", p.Resolvers), zap.Bool("in_ecs", p.InECS))

	runner := newRunner(cfg, p, d, log)
	checks := p.Checks(runner, p.PublicIPCheck(cfg, in))
	if err := useRoots(runner, p.Targets, getenv); err != nil {
		printUsageError(stderr, "check", err)
		return report.ExitUsage
	}
	results := runner.Run(runCtx, checks, probeStart.Add(cfg.Wait))
	if ctx.Err() == nil {
		// After the verdict, on top of the run's limits, bounded by
		// 2 x --timeout; no call at all when nothing failed.
		results = newExplainer(cfg, p, in, d, log).Explain(ctx, results)
	}
	if ctx.Err() != nil {
		// A signal cut the run short: whatever failed may only have lacked
		// time, so no failure class is a verdict. Exit 1, and say why.
		results = append(results, interrupted(ctx))
	}
	rep := report.New("check", p.Region, p.Account, &p.InECS, results, d.now().Sub(start))
	if ctx.Err() != nil {
		rep.Code = report.ExitInternal
	}
	rep.ProblemsOnly = cfg.Only == config.OnlyProblems
	rep.Version, _, _ = buildInfo()
	rep.ConsoleDomain = config.ConsoleDomain(p.Region)
	if err := rep.Write(stdout, cfg.Output); err != nil {
		log.Error("writing the report", zap.Error(err))
		return report.ExitInternal
	}
	logOutcome(log, rep, d.onTerminal(stdout, stderr))
	return writeReportFiles(rep, cfg.Reports, stderr, "check", rep.Code)
}

func newRunner(cfg *config.Config, p *plan.Plan, d deps, log *zap.Logger) *probe.Runner {
	var tlsConfig *tls.Config
	if cfg.TLS {
		tlsConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The handshake only proves the path and the certificate; no
			// secret crosses it. Classical curves spare the ML-KEM key
			// generation, which costs more CPU and memory per handshake
			// than everything else preflight does.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
		}
	}
	return &probe.Runner{
		Resolver:       probe.NewResolver(p.Resolvers, cfg.Timeout),
		Dialer:         d.dialer,
		Classifier:     probe.Classifier{Private: cfg.PrivateCIDRs},
		TLSConfig:      tlsConfig,
		Timeout:        cfg.Timeout,
		Env:            p.Env,
		PublicPath:     cfg.PublicPath,
		Logger:         log,
		Now:            d.now,
		InitialBackoff: 200 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
	}
}

// useRoots loads SSL_CERT_FILE into the runner's TLS configuration, only
// when one of targets will make a handshake: a stale variable must not
// stop a run that makes none.
func useRoots(r *probe.Runner, targets []config.Target, getenv func(string) string) error {
	if r.TLSConfig == nil {
		return nil
	}
	for _, t := range targets {
		if r.Handshakes(t) {
			roots, err := loadRoots(getenv)
			r.TLSConfig.RootCAs = roots
			return err
		}
	}
	return nil
}

// loadRoots honours SSL_CERT_FILE explicitly so that a bad value is a clear
// configuration error rather than a silent fallback to the system roots.
func loadRoots(getenv func(string) string) (*x509.CertPool, error) {
	path := strings.TrimSpace(getenv("SSL_CERT_FILE"))
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("environment variable SSL_CERT_FILE %q: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("environment variable SSL_CERT_FILE %q: no PEM certificates in the file", path)
	}
	return pool, nil
}

// logOutcome writes one log line per failing or warning check, with the hint,
// and a summary line. Where the report and the log share a terminal
// (reportShown), the report already says all of it: the lines go to debug,
// so a person reads each failure once. Elsewhere (an init container's
// log, a CI log) they stay at error, as the record a log search finds.
func logOutcome(log *zap.Logger, rep *report.Report, reportShown bool) {
	for _, r := range rep.Results {
		if r.Status != report.StatusFail && r.Status != report.StatusWarn {
			continue
		}
		fields := []zap.Field{zap.String("check", string(r.Check)), zap.String("target", r.Target), zap.String("status", string(r.Status)),
			zap.String("class", string(r.Class)), zap.String("error", r.Error), zap.String("hint", r.Hint)}
		if r.Host != "" {
			fields = append(fields, zap.String("host", r.Host), zap.Int("port", r.Port))
		}
		fields = append(fields, causeFields(r.Cause)...)
		switch {
		case r.Status == report.StatusFail && !reportShown:
			log.Error("check failed", fields...)
		case r.Status == report.StatusFail:
			log.Debug("check failed", fields...)
		default:
			// The report on stdout carries the warnings; at info the log
			// stays one line per failure plus the summary.
			log.Debug("check warning", fields...)
		}
	}
	finished := log.Info
	if reportShown {
		finished = log.Debug
	}
	finished("preflight finished", zap.Int("exit_code", rep.Code), zap.Duration("elapsed", rep.Elapsed))
}

// interrupted is the row of a run stopped by SIGTERM, SIGINT or SIGHUP
// before the checks finished.
func interrupted(ctx context.Context) report.Result {
	return report.Result{
		Check: report.CheckInternal, Target: "run", Status: report.StatusFail, Class: report.ClassInternal,
		Error: "interrupted before the checks finished: " + context.Cause(ctx).Error(),
		Hint:  "preflight was stopped (SIGTERM, SIGINT or SIGHUP) before it could decide, so this run is not a verdict: run it again; in ECS, a task stopped during start-up stops its containers too.",
	}
}

// causeFields are the log fields of a cause: the finding, its resources
// and the fix.
func causeFields(c *report.Cause) []zap.Field {
	if c == nil {
		return nil
	}
	return []zap.Field{zap.String("cause", c.Error), zap.Strings("cause_resources", c.Resources), zap.String("cause_hint", c.Hint)}
}

// newExplainer is the run's explainer of failures (--explain). It shares
// the plan's interface finder with the public-IP verdict.
func newExplainer(cfg *config.Config, p *plan.Plan, in plan.Inputs, d deps, log *zap.Logger) *explain.Explainer {
	x := &explain.Explainer{
		Mode: cfg.Explain, HasCredentials: plan.HasCredentials(in.Getenv), Region: p.Region, Task: p.Task,
		OSFamily: explain.OSFamilyOf(runtime.GOOS),
		Targets:  p.Targets, Classifier: probe.Classifier{Private: cfg.PrivateCIDRs},
		Interfaces: p.Interfaces(in).Client, Timeout: 2 * cfg.Timeout, Log: log,
	}
	if d.newAudit != nil {
		x.NewAPI = d.newAudit
	}
	return x
}
