package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// Progress counts what a sweep has done: accounts, account-Regions, API
// attempts and throttled attempts. Its zero value counts and prints
// nothing; with W set, Watch prints a line on W now and then.
type Progress struct {
	// W is where the line goes (stderr); nil prints nothing.
	W io.Writer
	// Terminal rewrites one line in place (\r) instead of a line a tick.
	Terminal bool
	// Always prints the last line even when no tick came (--progress).
	Always bool

	accounts, accountsDone atomic.Int64
	scopes, scopesDone     atomic.Int64
	calls, throttles       atomic.Int64
}

func (p *Progress) start(accounts int) { p.accounts.Store(int64(accounts)) }
func (p *Progress) accountDone()       { p.accountsDone.Add(1) }
func (p *Progress) addScopes(n int)    { p.scopes.Add(int64(n)) }
func (p *Progress) scopeDone()         { p.scopesDone.Add(1) }

// Calls is the number of API attempts made so far, retries included.
func (p *Progress) Calls() int64 { return p.calls.Load() }

// Throttles is the number of attempts answered with a throttling error.
func (p *Progress) Throttles() int64 { return p.throttles.Load() }

// Line is the progress in words: "accounts 3/20, account-Regions 5/40,
// 1,234 calls, 2 throttled".
func (p *Progress) Line() string {
	return fmt.Sprintf("preflight audit: accounts %d/%d, account-Regions %d/%d, %d calls, %d throttled",
		p.accountsDone.Load(), p.accounts.Load(), p.scopesDone.Load(), p.scopes.Load(), p.calls.Load(), p.throttles.Load())
}

// Watch prints Line on each tick until ctx ends, then once more if it
// printed before (the last numbers, ending the line on a terminal).
// The first tick comes after the delay the caller chose (a sweep of a
// second or two prints nothing).
func (p *Progress) Watch(ctx context.Context, ticks <-chan time.Time) {
	if p.W == nil {
		return
	}
	// printed is Watch's own: only its goroutine prints, so nothing
	// guards it.
	printed := false
	for {
		select {
		case <-ctx.Done():
			if printed || p.Always {
				p.print()
				if p.Terminal {
					io.WriteString(p.W, "\n") //nolint:errcheck // progress is best effort
				}
			}
			return
		case <-ticks:
			p.print()
			printed = true
		}
	}
}

func (p *Progress) print() {
	if p.Terminal {
		fmt.Fprintf(p.W, "\r%s\x1b[K", p.Line())
		return
	}
	fmt.Fprintln(p.W, p.Line())
}

// apiOptions count every attempt of every call, and the throttled ones,
// at the end of the finalize step, where each retry passes again.
func (p *Progress) apiOptions() []func(*middleware.Stack) error {
	throttle := retry.IsErrorThrottles(retry.DefaultThrottles)
	return []func(*middleware.Stack) error{func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("PreflightSweepProgress",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				p.calls.Add(1)
				out, md, err := next.HandleFinalize(ctx, in)
				if err != nil && !errors.Is(err, context.Canceled) && throttle.IsErrorThrottle(err) == aws.TrueTernary {
					p.throttles.Add(1)
				}
				return out, md, err
			}), middleware.After)
	}}
}
