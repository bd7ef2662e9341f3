package main

import (
	"context"
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
	"golang.org/x/net/netutil"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/explain"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// shutdownGrace bounds closing the listener on SIGTERM; ECS waits
// stopTimeout (30 s by default) but a sidecar should leave at once.
const shutdownGrace = 500 * time.Millisecond

// serveCommand runs the checks every --interval and serves metrics and
// health until ctx is cancelled (SIGTERM, SIGINT).
func serveCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger, d deps) int {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		printUsageError(stderr, "serve", fmt.Errorf("--listen %q: %w", cfg.Listen, err))
		return report.ExitUsage
	}
	in := d.planInputs(getenv, log)
	p, err := plan.Build(ctx, cfg, in)
	if err != nil {
		ln.Close()
		printUsageError(stderr, "serve", err)
		return report.ExitUsage
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
	s, err := newSidecar(cfg, p, in, d, log, reg, stdout)
	if err != nil {
		ln.Close()
		printUsageError(stderr, "serve", err)
		return report.ExitUsage
	}
	lim := d.httpLimits
	srv := &http.Server{
		Handler:           s.handler(reg),
		ReadHeaderTimeout: lim.readHeader,
		ReadTimeout:       lim.read,
		WriteTimeout:      lim.write,
		IdleTimeout:       lim.idle,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	served := make(chan error, 1)
	// A connection cap keeps clients from eating the descriptors the check
	// cycle needs: past it, new connections wait in the backlog until an
	// idle one times out.
	go func() { served <- srv.Serve(netutil.LimitListener(ln, lim.maxConns)) }()
	log.Info("serving", zap.String("listen", ln.Addr().String()), zap.Duration("interval", cfg.Interval), zap.Int("targets", len(p.Targets)))

	s.loop(ctx)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("HTTP server stopped", zap.Error(err))
		return report.ExitInternal
	}
	log.Info("stopped")
	return report.ExitOK
}

// httpLimits bound what clients of /metrics, /healthz and /readyz can hold:
// without them, keep-alive connections that go idle stay open for as long
// as the client wants, and near the descriptor limit the check cycle fails
// with "too many open files".
type httpLimits struct {
	readHeader, read, write, idle time.Duration
	maxConns                      int
}

// defaultHTTPLimits suit a sidecar scraped every 15-60 s by a few clients.
func defaultHTTPLimits() httpLimits {
	return httpLimits{readHeader: 5 * time.Second, read: 10 * time.Second, write: 10 * time.Second, idle: 60 * time.Second, maxConns: 32}
}

// sidecar is serve's state: the plan's checks, the last cycle's report,
// metrics.
type sidecar struct {
	cfg    *config.Config
	plan   *plan.Plan
	runner *probe.Runner
	checks []probe.Check
	// publicIP is the kept public-IP verdict among checks; nil when off.
	publicIP *keptVerdict
	metrics  *metrics
	log      *zap.Logger
	now      func() time.Time
	jitter   func(time.Duration) time.Duration
	// emf receives Embedded Metric Format lines when --emf is set.
	emf io.Writer
	// in is what plan.Build needs to plan again while the task metadata is
	// missing.
	in plan.Inputs

	// d is kept to build the explainer again when the plan changes.
	d deps
	// explainer explains failures; causes keeps its answers by row
	// (check/target) until the row passes again, so that it asks once per
	// state change (a fleet of sidecars must not hammer the EC2 API).
	explainer *explain.Explainer
	causes    map[string]*report.Cause

	mu       sync.Mutex
	last     *report.Report
	statuses map[string]report.Status
}

// newSidecar builds serve's state and presets its metric series on reg.
// An error is a configuration problem (SSL_CERT_FILE).
func newSidecar(cfg *config.Config, p *plan.Plan, in plan.Inputs, d deps, log *zap.Logger, reg prometheus.Registerer, emf io.Writer) (*sidecar, error) {
	s := &sidecar{
		cfg: cfg, metrics: newMetrics(reg), log: log, now: d.now, emf: emf, in: in, d: d,
		jitter: func(d time.Duration) time.Duration { return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64())) },
	}
	s.runner = newRunner(cfg, p, d, log)
	if err := s.adopt(p); err != nil {
		return nil, err
	}
	return s, nil
}

// adopt makes p the plan the cycles run, loads the TLS roots if its checks
// need them, and presets the series of its checks.
func (s *sidecar) adopt(p *plan.Plan) error {
	var publicIP probe.Check
	if c := p.PublicIPCheck(s.cfg, s.in); c != nil {
		if s.publicIP == nil {
			s.publicIP = &keptVerdict{now: func() time.Time { return s.now() }}
		}
		s.publicIP.check, s.publicIP.rows = c, nil
		publicIP = s.publicIP
	}
	checks := p.Checks(s.runner, publicIP)
	if err := useRoots(s.runner, p.Targets, s.in.Getenv); err != nil {
		return err
	}
	s.plan, s.checks, s.runner.Env = p, checks, p.Env
	s.explainer = newExplainer(s.cfg, p, s.in, s.d, s.log)
	expected := s.explainer.Expected()
	for _, c := range s.checks {
		expected = append(expected, c.Expected()...)
	}
	s.metrics.preset(expected)
	return nil
}

// replan reads the task metadata again while it is missing: the agent can
// be briefly unavailable when the task starts, and that hiccup must not
// become a sidecar that is never ready and never checks its auto targets.
func (s *sidecar) replan(ctx context.Context) {
	if !s.plan.InECS || s.plan.Task != nil {
		return
	}
	p, err := plan.Build(ctx, s.cfg, s.in)
	if err != nil {
		s.log.Warn("planning again after the task metadata came back", zap.Error(err))
		return
	}
	if p.Task == nil {
		return
	}
	if err := s.adopt(p); err != nil {
		s.log.Error("planning again after the task metadata came back", zap.Error(err))
		return
	}
	s.log.Info("task metadata available: planned again", zap.Int("targets", len(p.Targets)))
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
	s.replan(cctx)
	results := s.runner.Run(cctx, s.checks, start)
	if ctx.Err() != nil {
		return
	}
	results = s.explain(ctx, results)
	if ctx.Err() != nil {
		return
	}
	finished := s.now()
	rep := report.New("check", s.plan.Region, s.plan.Account, &s.plan.InECS, results, finished.Sub(start))
	s.mu.Lock()
	s.last = rep
	s.mu.Unlock()
	s.metrics.observe(results, rep.Code == report.ExitOK, finished)
	s.logChanges(results)
	if s.cfg.EMF {
		family := ""
		if s.plan.Task != nil {
			family = s.plan.Task.Family
		}
		if err := rep.WriteEMF(s.emf, family, finished); err != nil {
			s.log.Error("writing the EMF line", zap.Error(err))
		}
	}
}

// explain attaches causes to the failing rows: the kept answer while a
// row keeps failing, a new question only for a row that just started
// failing. A row that passes forgets its cause.
func (s *sidecar) explain(ctx context.Context, results []report.Result) []report.Result {
	if s.causes == nil {
		s.causes = map[string]*report.Cause{}
	}
	results = append([]report.Result(nil), results...)
	var ask []int
	pending := s.explainer.Pending(results)
	asked := map[int]bool{}
	for _, i := range pending {
		asked[i] = true
	}
	for i, r := range results {
		key := string(r.Check) + "/" + r.Target
		c, kept := s.causes[key]
		switch {
		case !asked[i]:
			if r.Status != report.StatusFail && r.Status != report.StatusWarn {
				delete(s.causes, key)
			}
		case kept:
			results[i].Cause = c
		default:
			ask = append(ask, i)
		}
	}
	if len(ask) == 0 && s.explainer.Enabled() {
		return results
	}
	out := s.explainer.ExplainRows(ctx, results, ask)
	if ctx.Err() == nil && s.explainer.Enabled() {
		for _, i := range ask {
			s.causes[string(out[i].Check)+"/"+out[i].Target] = out[i].Cause
		}
	}
	return out
}

// publicIPRetry is how long an "unknown" public-IP verdict is kept before
// serve asks again (a role or endpoint may have been fixed meanwhile).
const publicIPRetry = 10 * time.Minute

// keptVerdict decides the public-IP verdict on the first cycle and keeps a
// definite answer: it cannot change during a task's life, and asking the EC2
// API every cycle from every task of a fleet would only earn throttling. An
// "unknown" is asked again after publicIPRetry.
type keptVerdict struct {
	check probe.Check
	now   func() time.Time

	mu   sync.Mutex
	rows []report.Result
	at   time.Time
}

// Expected implements probe.Check.
func (k *keptVerdict) Expected() []report.Result { return k.check.Expected() }

// Run implements probe.Check.
func (k *keptVerdict) Run(ctx context.Context, retryUntil time.Time) []report.Result {
	k.mu.Lock()
	cached, at := k.rows, k.at
	k.mu.Unlock()
	if cached != nil && (!unknownVerdict(cached) || k.now().Sub(at) < publicIPRetry) {
		return cached
	}
	rows := k.check.Run(ctx, retryUntil)
	if ctx.Err() == nil {
		k.mu.Lock()
		k.rows, k.at = rows, k.now()
		k.mu.Unlock()
	}
	return rows
}

func unknownVerdict(rows []report.Result) bool {
	for _, r := range rows {
		if r.PublicIP != nil && r.PublicIP.Verdict == report.VerdictUnknown {
			return true
		}
	}
	return false
}

// logChanges logs one line per check whose status changed, with the hint.
func (s *sidecar) logChanges(results []report.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statuses == nil {
		s.statuses = map[string]report.Status{}
	}
	for _, r := range results {
		key := string(r.Check) + "/" + r.Target
		prev, seen := s.statuses[key]
		s.statuses[key] = r.Status
		if prev == r.Status || (!seen && r.Status == report.StatusPass) {
			continue
		}
		fields := []zap.Field{zap.String("check", string(r.Check)), zap.String("target", r.Target), zap.String("from", string(prev)), zap.String("to", string(r.Status))}
		switch r.Status {
		case report.StatusFail, report.StatusWarn:
			fields = append(fields, zap.String("class", string(r.Class)), zap.String("error", r.Error), zap.String("hint", r.Hint))
			fields = append(fields, causeFields(r.Cause)...)
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
	if last.Code != report.ExitOK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	last.WriteJSON(w) //nolint:errcheck // the client went away
}
