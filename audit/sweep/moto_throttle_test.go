package sweep

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/preflight-dev/preflight/report"
)

// throttledAccount throttles one account in motoOrg's proxy until the
// test releases it: the first attempt of each of its calls is answered
// with the service's throttling error, and every retry waits in the proxy
// unanswered, so the account's reads cannot end while it is held. Every
// other account's calls wait until the held account's first call has
// come in: the held account is then in flight before any other account is
// read, whatever order the sweep starts them in, so a sweep that read one
// account-Region at a time would wait behind it for good instead of
// passing by the luck of the order.
type throttledAccount struct {
	account string
	// arrived is closed at the held account's first call.
	arrived chan struct{}
	once    sync.Once
	// release is closed by the test: from then on the held account's
	// calls go to moto.
	release chan struct{}

	mu sync.Mutex
	// throttled counts the throttling answers.
	throttled int
}

func newThrottledAccount(account string) *throttledAccount {
	return &throttledAccount{account: account, arrived: make(chan struct{}), release: make(chan struct{})}
}

// serve answers r when it is the held account's and the account is still
// held (true); otherwise it returns false for the proxy to carry on,
// after waiting for the held account's first call when r is another's.
func (th *throttledAccount) serve(w http.ResponseWriter, r *http.Request, account, service string) bool {
	if account != th.account {
		select {
		case <-th.arrived:
			return false
		case <-r.Context().Done():
			// The attempt's deadline: nothing to proxy.
			return true
		}
	}
	th.once.Do(func() { close(th.arrived) })
	select {
	case <-th.release:
		return false
	default:
	}
	// The SDK numbers each attempt of a call: "attempt=1; max=5".
	if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
		th.mu.Lock()
		th.throttled++
		th.mu.Unlock()
		writeThrottle(w, service)
		return true
	}
	select {
	case <-th.release:
		return false
	case <-r.Context().Done():
		// The attempt's deadline: the client retries or gives up.
		return true
	}
}

// count is the number of throttling answers so far.
func (th *throttledAccount) count() int {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.throttled
}

// writeThrottle answers as each service answers a caller over its rate.
func writeThrottle(w http.ResponseWriter, service string) {
	switch service {
	case "ecs":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	case "elasticfilesystem":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "ThrottlingException")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"ErrorCode":"ThrottlingException","Message":"Rate exceeded"}`)
	default: // ec2
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy</RequestID></Response>`)
	}
}

// TestMotoThrottledAccountDoesNotHoldTheOthers: an Organization of four
// accounts; one is throttled and held in the proxy, and the test lets it
// go only once every other account's account-Region has been read and
// judged. So the others are judged while the throttled one still waits
// for its answers: a sweep that read the account-Regions one at a time
// (--parallel 1 fails here), or in which the throttled account's waiting
// stopped the others' calls, never gets there, and the deadline ends it
// naming the accounts still unread. Once let go, the throttled account's
// calls are retried by its own retryer and judged too. Both retry modes
// run, as adaptive mode adds a client-side rate limiter that throttles
// slow down. What the test cannot see is a slow-down that does not stop
// the others: one adaptive retryer shared by every client would make them
// wait for its tokens (refilled at 0.5 a second or more) after the held
// account's throttle, and they would still be judged in time.
func TestMotoThrottledAccountDoesNotHoldTheOthers(t *testing.T) {
	m := startMotoOrg(t, seedSpec{Members: 3, Regions: []string{"us-east-1"}, Role: "preflight-audit", NoRole: []int{}, Clusters: 1, Services: 1})
	if len(m.seed.Accounts) != 4 {
		t.Fatalf("got accounts %v; want 4", m.seed.Accounts)
	}
	held := m.seed.Accounts[1]
	// The deadline stands for "never": the others take seconds on moto,
	// and the held account's retries would outlast it (5 attempts of up
	// to 30 s each).
	const deadline = 2 * time.Minute
	for _, mode := range []aws.RetryMode{aws.RetryModeStandard, aws.RetryModeAdaptive} {
		t.Run(string(mode), func(t *testing.T) {
			th := newThrottledAccount(held)
			m.mu.Lock()
			m.throttle = th
			m.mu.Unlock()
			t.Cleanup(func() {
				m.mu.Lock()
				m.throttle = nil
				m.mu.Unlock()
			})

			var mu sync.Mutex
			rows := map[string][]report.Result{}
			ended := make(chan string, len(m.seed.Accounts))
			progress := &Progress{}
			s := &Sweeper{
				// A slot for each account-Region: the held one keeps its
				// slot, and the other three need one each while every
				// one of them waits for the held account's first call.
				Spec:        Spec{OrgAccounts: true, Regions: []string{"us-east-1"}, RoleName: "preflight-audit", Parallel: len(m.seed.Accounts)},
				Region:      "us-east-1",
				LoadOptions: append(m.options(), awsconfig.WithRetryMode(mode)),
				Progress:    progress,
				scopeDone: func(account, _ string, r []report.Result) {
					mu.Lock()
					rows[account] = r
					mu.Unlock()
					ended <- account
				},
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			type ran struct {
				out *Outcome
				err error
			}
			result := make(chan ran, 1)
			go func() {
				out, err := s.Run(ctx)
				result <- ran{out, err}
			}()

			waiting := map[string]bool{}
			for _, a := range m.seed.Accounts {
				if a != held {
					waiting[a] = true
				}
			}
			for len(waiting) > 0 {
				select {
				case a := <-ended:
					if a == held {
						t.Fatalf("the throttled account %s ended while it was held (rows %q); want it still waiting", held, scopes(rows[held]))
					}
					delete(waiting, a)
				case <-ctx.Done():
					close(th.release)
					<-result
					var still []string
					for a := range waiting {
						still = append(still, a)
					}
					slices.Sort(still)
					t.Fatalf("after %s, while %s was throttled, the accounts %v were still not read; want every other account read and judged while it waits", deadline, held, still)
				}
			}

			// Every other account is judged while the throttled one has
			// had no answer but throttling.
			if th.count() == 0 {
				t.Fatalf("got no throttling answer for %s; want its calls throttled", held)
			}
			mu.Lock()
			for _, a := range m.seed.Accounts {
				if a != held {
					judgedIn(t, a, rows[a])
				}
			}
			mu.Unlock()

			close(th.release)
			r := <-result
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.out.Partial || r.out.Done != 4 || r.out.Scopes != 4 {
				t.Errorf("got partial %t, %d of %d done; want all 4", r.out.Partial, r.out.Done, r.out.Scopes)
			}
			judgedIn(t, held, rows[held])
			// Every throttling answer reached the SDK as a throttle: the
			// held account's retryer backed off and tried again.
			if got, want := progress.Throttles(), int64(th.count()); got != want {
				t.Errorf("got %d throttled attempts counted by the sweep; want the proxy's %d", got, want)
			}
		})
	}
}

// judgedIn fails t unless rows, the account's, judge its service and
// leave nothing undecided.
func judgedIn(t *testing.T, account string, rows []report.Result) {
	t.Helper()
	judged := false
	for _, r := range rows {
		if r.Class == report.ClassUndecided {
			t.Errorf("got %s %s in %s undecided: %s; want every row decided", r.Check, r.Target, account, r.Error)
		}
		if r.Workload != nil && r.Check == report.CheckPublicIP {
			judged = true
		}
	}
	if !judged {
		t.Errorf("got rows %q for %s; want its service judged", scopes(rows), account)
	}
}
