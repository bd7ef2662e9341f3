package probe

import (
	"context"
	"crypto/tls"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Lookuper resolves a host name; *Resolver satisfies it.
type Lookuper interface {
	Lookup(ctx context.Context, host string) (Answer, error)
}

// Runner schedules checks: every check of a plan concurrently, each under
// the guard, failing targets retried with backoff. What a target's stages
// conclude is in verdict.go.
type Runner struct {
	Resolver   Lookuper
	Dialer     Dialer
	Classifier Classifier
	// TLSConfig carries the roots to verify against (nil RootCAs = system
	// roots); nil disables TLS checks.
	TLSConfig *tls.Config
	Timeout   time.Duration
	Env       Environment
	// PublicPath is the --public-path policy (config.PublicPathFail or
	// config.PublicPathWarn) for a public answer where an interface
	// endpoint would answer privately; empty means fail.
	PublicPath string
	Logger     *zap.Logger
	Now        func() time.Time
	// InitialBackoff and MaxBackoff shape the retry delays.
	InitialBackoff, MaxBackoff time.Duration
	// MaxInFlight bounds the DNS lookups and dials in flight across all
	// targets, so that a long target list does not overrun the resolver
	// or the task's connection tracking and fail on its own load, and
	// separately the target attempts in flight (see admitted); zero means
	// DefaultMaxInFlight.
	MaxInFlight int

	limitsOnce sync.Once
	// slotsSem bounds lookups and dials; attemptsSem bounds attempts.
	slotsSem, attemptsSem semaphore
}

// DefaultMaxInFlight is the runner's bound on simultaneous lookups and dials,
// and on simultaneous target attempts, when Runner.MaxInFlight is zero.
const DefaultMaxInFlight = 64

func (r *Runner) limits() {
	r.limitsOnce.Do(func() {
		n := r.MaxInFlight
		if n <= 0 {
			n = DefaultMaxInFlight
		}
		r.slotsSem, r.attemptsSem = make(semaphore, n), make(semaphore, n)
	})
}

func (r *Runner) slots() semaphore {
	r.limits()
	return r.slotsSem
}

// admitted runs one attempt of t once fewer than MaxInFlight attempts run.
// Every target's goroutine starts at once, but only the admitted ones
// descend into resolving and dialling, so the deep stacks those need are
// held by the attempts in flight rather than by every target of a long
// list. The slots inside an attempt still bound each lookup and dial.
// When ctx ends before a place is free, the attempt runs anyway and
// reports that it found no free slot, as it always has.
func (r *Runner) admitted(ctx context.Context, t *config.Target) (rows []report.Result) {
	r.limits()
	err := r.attemptsSem.do(ctx, func() error {
		rows = r.attempt(ctx, t)
		return nil
	})
	if err != nil {
		rows = r.attempt(ctx, t)
	}
	return rows
}

// semaphore bounds how many functions run at once.
type semaphore chan struct{}

// do runs f once a slot is free, or returns ctx's error if ctx ends first.
func (s semaphore) do(ctx context.Context, f func() error) error {
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s }()
	return f()
}

// Run runs every check concurrently. Checks that retry start a retry only
// before retryUntil; ctx bounds everything. Rows come back in the order of
// checks, each check's rows in its own order.
func (r *Runner) Run(ctx context.Context, checks []Check, retryUntil time.Time) []report.Result {
	perCheck := make([][]report.Result, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			perCheck[i] = guard(ctx, c, retryUntil, r.Logger)
		}()
	}
	wg.Wait()
	n := 0
	for _, rs := range perCheck {
		n += len(rs)
	}
	out := make([]report.Result, 0, n)
	for _, rs := range perCheck {
		out = append(out, rs...)
	}
	return out
}

// Targets turns targets into checks that run their stages with r.
func (r *Runner) Targets(targets []config.Target) []Check {
	out := make([]Check, len(targets))
	for i, t := range targets {
		out[i] = targetCheck{r: r, t: t}
	}
	return out
}

// targetCheck is a target as a Check: its stages, retried with backoff.
type targetCheck struct {
	r *Runner
	t config.Target
}

// Expected implements Check: one row per stage that applies to the target.
func (c targetCheck) Expected() []report.Result {
	var out []report.Result
	for _, s := range targetStages {
		if s.wanted(c.r, c.t) {
			out = append(out, report.Result{Check: s.check, Target: c.t.Name, Host: c.t.Host, Port: c.t.Port, Expect: string(c.t.Expect)})
		}
	}
	return out
}

// Run implements Check.
func (c targetCheck) Run(ctx context.Context, retryUntil time.Time) []report.Result {
	r, t := c.r, c.t
	backoff := r.InitialBackoff
	for attempt := 1; ; attempt++ {
		results := r.admitted(ctx, &t)
		for i := range results {
			results[i].Attempts = attempt
		}
		failed := firstFailure(results)
		if failed == nil || ctx.Err() != nil {
			return results
		}
		if !r.Now().Add(backoff).Before(retryUntil) {
			return results
		}
		r.logRetry(&t, attempt, failed, backoff)
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return results
		case <-timer.C:
		}
		backoff = min(backoff*2, r.MaxBackoff)
	}
}

// logRetry logs a retry at debug level. Its fields live in this frame, not
// in the frame of the target's goroutine that waits on the network.
func (r *Runner) logRetry(t *config.Target, attempt int, failed *report.Result, backoff time.Duration) {
	if ce := r.Logger.Check(zap.DebugLevel, "check failed, retrying"); ce != nil {
		ce.Write(zap.String("target", t.Name), zap.String("host", t.Host), zap.Int("port", t.Port),
			zap.Int("attempt", attempt), zap.String("check", string(failed.Check)), zap.String("error", failed.Error), zap.Duration("retry_in", backoff))
	}
}

func firstFailure(rs []report.Result) *report.Result {
	for i := range rs {
		if rs[i].Failed() {
			return &rs[i]
		}
	}
	return nil
}
