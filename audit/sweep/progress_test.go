package sweep

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestProgressCounts: every attempt is a call, a throttled answer a
// throttle, each account and account-Region is counted once done, and
// Watch prints on each tick and once at the end.
func TestProgressCounts(t *testing.T) {
	f := newFakeAWS(t)
	f.throttled["222222222222"] = true // one attempt each (the fake's options)
	var b bytes.Buffer
	p := &Progress{W: &b}
	ticks := make(chan time.Time)
	ctx, stop := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); p.Watch(ctx, ticks) }()
	ticks <- time.Time{} // before the sweep: all zero
	s := &Sweeper{Spec: Spec{Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1", "us-west-2"}, RoleName: "audit"},
		Region: "us-east-1", LoadOptions: f.options(), Progress: p}
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop()
	<-watched
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got lines %q; want one a tick and a last one", lines)
	}
	if want := "preflight audit: accounts 0/0, account-Regions 0/0, 0 calls, 0 throttled"; lines[0] != want {
		t.Errorf("got %q; want %q", lines[0], want)
	}
	if want := "preflight audit: accounts 2/2, account-Regions 4/4, "; !strings.HasPrefix(lines[1], want) || !strings.HasSuffix(lines[1], ", 2 throttled") {
		t.Errorf("got %q; want %q... with 2 throttled (222222222222's two ListClusters)", lines[1], want)
	}
	if p.Calls() < 4+2 {
		t.Errorf("got %d calls; want at least the 4 ListClusters and 2 AssumeRole", p.Calls())
	}
}

// TestProgressSilent: without a writer nothing is printed, and a watch
// that never ticked prints nothing at the end unless Always.
func TestProgressSilent(t *testing.T) {
	for _, always := range []bool{false, true} {
		var b bytes.Buffer
		p := &Progress{W: &b, Terminal: true, Always: always}
		ctx, stop := context.WithCancel(context.Background())
		stop()
		p.Watch(ctx, nil)
		if got := b.String(); (got != "") != always {
			t.Errorf("Always %t: got %q", always, got)
		}
		if always && !strings.HasPrefix(b.String(), "\r") || always && !strings.HasSuffix(b.String(), "\n") {
			t.Errorf("got %q on a terminal; want the line rewritten in place and ended", b.String())
		}
	}
	(&Progress{}).Watch(context.Background(), nil) // no writer: returns at once
}
