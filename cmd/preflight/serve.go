package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
)

// shutdownGrace bounds closing the listener on SIGTERM; ECS waits
// stopTimeout (30 s by default) but a sidecar should leave at once.
const shutdownGrace = 500 * time.Millisecond

// serveCommand runs the checks every --interval and serves metrics and
// health until ctx is cancelled (SIGTERM, SIGINT).
func serveCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger, d deps) int {
	roots, err := loadRoots(getenv)
	if err != nil {
		printUsageError(stderr, "serve", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		printUsageError(stderr, "serve", fmt.Errorf("--listen %q: %w", cfg.Listen, err))
		return exitUsage
	}
	p, err := buildPlan(ctx, cfg, getenv, d, log)
	if err != nil {
		ln.Close()
		printUsageError(stderr, "serve", err)
		return exitUsage
	}
	if getenv("GOGC") == "" {
		// A sidecar lives as long as the task and its live heap is about
		// 1 MiB: collecting at 50% growth instead of 100% keeps about 2 MiB
		// of RSS off every task for about 2 ms of CPU per cycle (measured
		// with 12 targets: 19.5 -> 17.2 MiB).
		debug.SetGCPercent(50)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := newSidecar(cfg, p, roots, getenv, d, log, reg, stdout)
	srv := &http.Server{Handler: s.handler(reg), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", zap.String("listen", ln.Addr().String()), zap.Duration("interval", cfg.Interval), zap.Int("targets", len(p.targets)))

	s.loop(ctx)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("HTTP server stopped", zap.Error(err))
		return exitInternal
	}
	log.Info("stopped")
	return exitOK
}

// sidecar is serve's state: the plan, the last cycle's report, metrics.
type sidecar struct {
	cfg     *config.Config
	plan    *plan
	runner  *probe.Runner
	metrics *metrics
	log     *zap.Logger
	now     func() time.Time
	jitter  func(time.Duration) time.Duration
	// emf receives Embedded Metric Format lines when --emf is set.
	emf    io.Writer
	getenv func(string) string
	deps   deps

	mu         sync.Mutex
	last       *report
	statuses   map[string]probe.Status
	publicIP   *probe.Result
	publicIPAt time.Time
}

// newSidecar builds serve's state and presets its metric series on reg.
func newSidecar(cfg *config.Config, p *plan, roots *x509.CertPool, getenv func(string) string, d deps, log *zap.Logger, reg prometheus.Registerer, emf io.Writer) *sidecar {
	s := &sidecar{
		cfg: cfg, plan: p, runner: newRunner(cfg, p, roots, d, log), metrics: newMetrics(reg),
		log: log, now: d.now, emf: emf, getenv: getenv, deps: d,
		jitter: func(d time.Duration) time.Duration { return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64())) },
	}
	s.metrics.preset(s.expectedResults())
	return s
}

// loop runs cycles until ctx is done; a cycle never overlaps the next.
func (s *sidecar) loop(ctx context.Context) {
	for {
		start := s.now()
		s.cycle(ctx)
		if ctx.Err() != nil {
			return
		}
		timer := time.NewTimer(max(0, s.jitter(s.cfg.Interval)-s.now().Sub(start)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// cycle makes one attempt per probe (the next cycle is the retry) and
// publishes the results. A cycle cut short by shutdown publishes nothing.
func (s *sidecar) cycle(ctx context.Context) {
	start := s.now()
	// DNS, connect and TLS each take at most one --timeout.
	cctx, cancel := context.WithTimeout(ctx, 3*s.cfg.Timeout)
	defer cancel()
	publicIP := make(chan probe.Result, 1)
	go func() { publicIP <- s.publicIPOnce(cctx) }()
	results := append(append([]probe.Result(nil), s.plan.pre...), s.runner.Run(cctx, s.plan.targets, start)...)
	if r := <-publicIP; r.Check != "" {
		results = append(results, r)
	}
	if ctx.Err() != nil {
		return
	}
	finished := s.now()
	rep := &report{region: s.plan.region, account: s.plan.account, inECS: s.plan.inECS, results: results, elapsed: finished.Sub(start)}
	rep.code = rep.exitCode()
	s.mu.Lock()
	s.last = rep
	s.mu.Unlock()
	s.metrics.observe(results, rep.code == exitOK, finished)
	s.logChanges(results)
	if s.cfg.EMF {
		s.writeEMF(rep, finished)
	}
}

// publicIPRetry is how long an "unknown" public-IP verdict is kept before
// serve asks again (a role or endpoint may have been fixed meanwhile).
const publicIPRetry = 10 * time.Minute

// publicIPOnce decides the public-IP verdict on the first cycle and keeps a
// definite answer: it cannot change during a task's life, and asking the EC2
// API every cycle from every task of a fleet would only earn throttling. An
// "unknown" is asked again after publicIPRetry.
func (s *sidecar) publicIPOnce(ctx context.Context) probe.Result {
	s.mu.Lock()
	cached, at := s.publicIP, s.publicIPAt
	s.mu.Unlock()
	if cached != nil && (cached.PublicIP == nil || cached.PublicIP.Verdict != probe.VerdictUnknown || s.now().Sub(at) < publicIPRetry) {
		return *cached
	}
	r := publicIPResult(ctx, s.cfg, s.plan, s.getenv, s.deps, s.log)
	if ctx.Err() == nil {
		s.mu.Lock()
		s.publicIP, s.publicIPAt = &r, s.now()
		s.mu.Unlock()
	}
	return r
}

// expectedResults lists the (check, target) pairs a cycle will report, for
// presetting metric series.
func (s *sidecar) expectedResults() []probe.Result {
	rs := append([]probe.Result(nil), s.plan.pre...)
	for _, t := range s.plan.targets {
		for _, check := range s.runner.ChecksFor(t) {
			rs = append(rs, probe.Result{Check: check, Target: t.Name})
		}
	}
	if s.cfg.PublicIP != string(probe.PolicyOff) {
		rs = append(rs, probe.Result{Check: probe.CheckPublicIP, Target: "task"})
	}
	return rs
}

// logChanges logs one line per check whose status changed, with the hint.
func (s *sidecar) logChanges(results []probe.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statuses == nil {
		s.statuses = map[string]probe.Status{}
	}
	for _, r := range results {
		key := r.Check + "/" + r.Target
		prev, seen := s.statuses[key]
		s.statuses[key] = r.Status
		if prev == r.Status || (!seen && r.Status == probe.StatusPass) {
			continue
		}
		fields := []zap.Field{zap.String("check", r.Check), zap.String("target", r.Target), zap.String("from", string(prev)), zap.String("to", string(r.Status))}
		switch r.Status {
		case probe.StatusFail, probe.StatusWarn:
			fields = append(fields, zap.String("class", string(r.Class)), zap.String("error", r.Error), zap.String("hint", r.Hint))
			s.log.Warn("check changed state", fields...)
		default:
			s.log.Info("check changed state", fields...)
		}
	}
}

// handler serves /metrics, /healthz and /readyz.
func (s *sidecar) handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n") //nolint:errcheck // the client went away
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
}

func (s *sidecar) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if last == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "detail": "the first check cycle has not finished"}) //nolint:errcheck // the client went away
		return
	}
	if last.code != exitOK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	last.writeJSON(w) //nolint:errcheck // the client went away
}

// writeEMF prints one CloudWatch Embedded Metric Format line for the cycle,
// so that the awslogs driver turns it into metrics without Prometheus.
func (s *sidecar) writeEMF(rep *report, finished time.Time) {
	family := "unknown"
	if s.plan.task != nil && s.plan.task.Family != "" {
		family = s.plan.task.Family
	}
	failing := []string{}
	for _, r := range rep.results {
		if r.Failed() {
			failing = append(failing, r.Check+"/"+r.Target)
		}
	}
	ready := 0
	if rep.code == exitOK {
		ready = 1
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": finished.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  "Preflight",
				"Dimensions": [][]string{{"TaskFamily"}},
				"Metrics": []map[string]string{
					{"Name": "Ready", "Unit": "None"},
					{"Name": "FailedChecks", "Unit": "Count"},
					{"Name": "CycleDuration", "Unit": "Seconds"},
				},
			}},
		},
		"TaskFamily":    family,
		"Ready":         ready,
		"FailedChecks":  len(failing),
		"CycleDuration": rep.elapsed.Seconds(),
		"ExitCode":      rep.code,
		"Failing":       failing,
	}
	b, err := json.Marshal(line)
	if err != nil {
		s.log.Error("encoding the EMF line", zap.Error(err))
		return
	}
	if _, err := s.emf.Write(append(b, '\n')); err != nil {
		s.log.Error("writing the EMF line", zap.Error(err))
	}
}
