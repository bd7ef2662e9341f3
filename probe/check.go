package probe

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/report"
)

// Check is one unit of a plan: a target with its stages, or a check about
// the task itself (metadata, resolver posture, public IP). The runner runs
// every check of a plan concurrently under one deadline and one panic
// recovery, and concatenates their rows in plan order.
//
// A new kind of check is one file: a type that implements Check (or a
// TaskCheck value), its report.Check constant, and the line in the plan
// that adds it. Outputs need nothing: text, JSON, exit code, metrics and
// /readyz render whatever rows come back.
type Check interface {
	// Expected lists the rows (check kind and target only) the check
	// produces when it runs in full; serve presets its series from them.
	Expected() []report.Result
	// Run performs the check. A check that retries may start a retry only
	// before retryUntil; ctx bounds everything.
	Run(ctx context.Context, retryUntil time.Time) []report.Result
}

// TaskCheck is a check about the task that yields one row.
type TaskCheck struct {
	Kind report.Check
	// Name is the row's target ("task", "resolver").
	Name string
	Fn   func(ctx context.Context) report.Result
}

// Expected implements Check.
func (c TaskCheck) Expected() []report.Result {
	return []report.Result{{Check: c.Kind, Target: c.Name}}
}

// Run implements Check.
func (c TaskCheck) Run(ctx context.Context, _ time.Time) []report.Result {
	return []report.Result{c.Fn(ctx)}
}

// Recorded is a check whose rows were decided while planning (the task
// metadata that planning needed, notes about derived targets): running it
// reports them again.
type Recorded []report.Result

// Expected implements Check.
func (c Recorded) Expected() []report.Result {
	out := make([]report.Result, len(c))
	for i, r := range c {
		out[i] = report.Result{Check: r.Check, Target: r.Target}
	}
	return out
}

// Run implements Check.
func (c Recorded) Run(context.Context, time.Time) []report.Result {
	return append([]report.Result(nil), c...)
}

// panicError carries a panic out of the goroutine it happened in, with the
// stack of that goroutine: the stack of the goroutine that re-panics says
// nothing about where the bug is.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

// recovered turns a recovered value into a panicError, keeping the stack of
// the goroutine that panicked first.
func recovered(v any) *panicError {
	if pe, ok := v.(*panicError); ok {
		return pe
	}
	return &panicError{value: v, stack: debug.Stack()}
}

// guard runs c and turns a panic anywhere in it (its own goroutines
// included, through group) into one failed "internal" row for the check's
// target, and one log line with the original stack.
func guard(ctx context.Context, c Check, retryUntil time.Time, log *zap.Logger) (rows []report.Result) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		pe := recovered(v)
		expected := c.Expected()
		if len(expected) == 0 {
			expected = []report.Result{{Check: report.CheckInternal}}
		}
		log.Error("check panicked", zap.String("check", string(expected[0].Check)), zap.String("target", expected[0].Target),
			zap.String("panic", pe.Error()), zap.ByteString("stack", pe.stack))
		row := expected[0]
		row.Check, row.Status, row.Class = report.CheckInternal, report.StatusFail, report.ClassInternal
		row.Error = "check panicked: " + pe.Error()
		row.Hint = "This is a preflight bug: please report it with the log line that carries the stack."
		rows = []report.Result{row}
	}()
	return c.Run(ctx, retryUntil)
}
