package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/probe/nettest"
	"github.com/preflight-dev/preflight/probe/tlstest"
	"github.com/preflight-dev/preflight/report"
)

type fixture struct {
	ca  *tlstest.CA
	dns *dnstest.Server
	net *nettest.Net
}

func newFixture(t *testing.T, zone dnstest.Zone) *fixture {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ca: ca, dns: dnstest.Start(t, zone), net: nettest.New()}
}

func (fx *fixture) cert(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	c, err := fx.ca.IssueValid(names...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (fx *fixture) runner(t *testing.T) *Runner {
	return &Runner{
		Resolver: NewResolver([]string{fx.dns.Addr()}, 300*time.Millisecond),
		Dialer:   fx.net,
		Classifier: Classifier{Private: []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("fc00::/7"),
		}},
		TLSConfig:      &tls.Config{RootCAs: fx.ca.Pool()},
		Timeout:        300 * time.Millisecond,
		Env:            Environment{SubnetCIDR: "10.0.2.0/24", Resolvers: []string{fx.dns.Addr()}},
		Logger:         zaptest.NewLogger(t),
		Now:            time.Now,
		InitialBackoff: 10 * time.Millisecond,
		MaxBackoff:     50 * time.Millisecond,
	}
}

func target(t *testing.T, entry, region, account string) config.Target {
	t.Helper()
	e, err := config.ParseEntry(entry)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := config.Expand([]config.Entry{e}, region, account)
	if err != nil || len(ts) != 1 {
		t.Fatalf("Expand(%s) = %v, %v", entry, ts, err)
	}
	return ts[0]
}

// summary renders results as "check:status:class" for comparison.
func summary(rs []report.Result) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, string(r.Check)+":"+string(r.Status)+":"+string(r.Class))
	}
	return strings.Join(parts, " ")
}

func TestRunnerScenarios(t *testing.T) {
	const (
		logsHost = "logs.us-east-1.amazonaws.com"
		dkrHost  = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
		s3Host   = "s3.us-east-1.amazonaws.com"
	)
	fx := newFixture(t, dnstest.Zone{
		logsHost:                                 {A: []string{"127.0.0.2", "127.0.0.3"}},
		dkrHost:                                  {A: []string{"198.51.100.7"}},
		s3Host:                                   {A: []string{"127.0.0.9"}},
		"sts.us-east-1.amazonaws.com":            {A: []string{"127.0.0.2", "127.0.0.4"}},
		"secretsmanager.us-east-1.amazonaws.com": {A: []string{"127.0.0.5"}},
		"kms.us-east-1.amazonaws.com":            {A: []string{"127.0.0.6"}},
		"ssm.us-east-1.amazonaws.com":            {A: []string{"127.0.0.7"}},
		"open.example":                           {A: []string{"127.0.0.2"}},
		"closed.example":                         {A: []string{"127.0.0.8"}},
		"ecs.us-east-1.amazonaws.com":            {Rcode: "SERVFAIL"},
		"sqs.us-east-1.amazonaws.com":            {Drop: true},
		"loop.example":                           {CNAME: "loop2.example"},
		"loop2.example":                          {CNAME: "loop.example"},
	})
	fx.net.ServeTLS(t, "127.0.0.2", fx.cert(t, logsHost, "sts.us-east-1.amazonaws.com", "open.example"))
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, logsHost))
	fx.net.ServeTLS(t, "127.0.0.5", fx.cert(t, "wrong.example"))
	expired, err := fx.ca.Issue([]string{"kms.us-east-1.amazonaws.com"}, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	fx.net.ServeTLS(t, "127.0.0.6", expired)
	otherCA, _ := tlstest.NewCA()
	untrusted, _ := otherCA.IssueValid("ssm.us-east-1.amazonaws.com")
	fx.net.ServeTLS(t, "127.0.0.7", untrusted)
	fx.net.Blackhole("127.0.0.4")
	fx.net.Blackhole("198.51.100.7")
	fx.net.Blackhole("127.0.0.9")

	tests := []struct {
		name      string
		entry     string
		want      string
		wantHint  []string // substrings of the failing row's hint
		wantError string
		wantBad   string // the failed addresses of the failing row
	}{
		{name: "private endpoint, two AZs", entry: "logs", want: "dns:pass: connect:pass: tls:pass:"},
		{name: "endpoint missing: public answer", entry: "ecr.dkr", want: "dns:fail:dns_posture connect:fail:connect tls:skip:",
			wantHint: []string{"com.amazonaws.us-east-1.ecr.dkr", "private DNS", "enableDnsHostnames"}, wantError: "resolves to public 198.51.100.7", wantBad: "198.51.100.7"},
		{name: "one AZ unreachable", entry: "sts", want: "dns:pass: connect:fail:connect tls:pass:",
			wantHint: []string{"com.amazonaws.us-east-1.sts", "inbound TCP 443 from the task subnet 10.0.2.0/24"}, wantError: "dial 127.0.0.4:443: i/o timeout", wantBad: "127.0.0.4"},
		{name: "gateway path missing", entry: "s3", want: "dns:pass: connect:fail:connect tls:skip:",
			wantHint: []string{"gateway VPC endpoint com.amazonaws.us-east-1.s3", "prefix list"}, wantBad: "127.0.0.9"},
		{name: "certificate for another name", entry: "secretsmanager", want: "dns:pass: connect:pass: tls:fail:tls",
			wantHint: []string{"not valid for secretsmanager.us-east-1.amazonaws.com"}, wantError: "certificate is valid for wrong.example"},
		{name: "expired certificate", entry: "kms", want: "dns:pass: connect:pass: tls:fail:tls", wantHint: []string{"expired"}},
		{name: "untrusted chain", entry: "ssm", want: "dns:pass: connect:pass: tls:fail:tls", wantHint: []string{"TLS-inspecting"}},
		{name: "servfail", entry: "ecs", want: "dns:fail:dns connect:skip: tls:skip:", wantHint: []string{"forward amazonaws.com"}, wantError: "SERVFAIL"},
		{name: "resolver silent", entry: "sqs", want: "dns:fail:dns connect:skip: tls:skip:", wantHint: []string{"UDP and TCP 53"}, wantError: "i/o timeout"},
		{name: "cname loop", entry: "loop.example", want: "dns:fail:dns connect:skip: tls:skip:", wantHint: []string{"CNAME records of loop.example never reach an address"}, wantError: "CNAME loop at loop.example"},
		{name: "nxdomain", entry: "xray", want: "dns:fail:dns connect:skip: tls:skip:", wantHint: []string{"does not exist"}, wantError: "NXDOMAIN"},
		{name: "blocked but open", entry: "open.example=blocked", want: "dns:pass: connect:fail:egress_open",
			wantHint: []string{"outbound rules"}, wantBad: "127.0.0.2"},
		{name: "blocked and refused", entry: "closed.example=blocked", want: "dns:pass: connect:pass:"},
		{name: "blocked and unresolvable", entry: "nowhere.example=blocked", want: "dns:pass: connect:skip:"},
		{name: "public expected, private found", entry: "logs=public", want: "dns:fail:dns_posture connect:pass: tls:pass:",
			wantHint: []string{"where a public one was expected"}},
		{name: "address literal", entry: "127.0.0.3:443=private", want: "dns:pass: connect:pass: tls:skip:"},
		{name: "address literal, no default port", entry: "127.0.0.3", want: "dns:pass: connect:pass: tls:skip:"},
		{name: "address literal unreachable", entry: "127.0.0.4", want: "dns:pass: connect:fail:connect tls:skip:", wantBad: "127.0.0.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := target(t, tt.entry, "us-east-1", "111122223333")
			start := time.Now()
			r := fx.runner(t)
			rs := r.Run(context.Background(), r.Targets([]config.Target{tg}), start)
			if got := summary(rs); got != tt.want {
				t.Fatalf("got %s; want %s\n%+v", got, tt.want, rs)
			}
			failing := firstFailure(rs)
			if failing == nil {
				return
			}
			for _, h := range tt.wantHint {
				if !strings.Contains(failing.Hint, h) {
					t.Errorf("hint %q does not contain %q", failing.Hint, h)
				}
			}
			if failing.Hint == "" {
				t.Error("failing row has no hint")
			}
			if tt.wantError != "" && !strings.Contains(failing.Error, tt.wantError) {
				t.Errorf("error %q does not contain %q", failing.Error, tt.wantError)
			}
			if tt.wantBad != "" && strings.Join(failing.FailedAddresses, " ") != tt.wantBad {
				t.Errorf("failed addresses %v; want %s", failing.FailedAddresses, tt.wantBad)
			}
			for _, r := range rs {
				if r.Failed() && r.Hint == "" {
					t.Errorf("failing %s row without hint", r.Check)
				}
			}
		})
	}
}

func TestRunnerRetriesUntilFixed(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{})
	fx.net.ServeTLS(t, "127.0.0.2", fx.cert(t, "late.example"))
	r := fx.runner(t)
	go func() {
		time.Sleep(60 * time.Millisecond)
		fx.dns.Set("late.example", dnstest.Records{A: []string{"127.0.0.2"}})
	}()
	rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, "late.example", "", "")}), time.Now().Add(5*time.Second))
	if got := summary(rs); got != "dns:pass: connect:pass: tls:pass:" {
		t.Fatalf("got %s", got)
	}
	if rs[0].Attempts < 2 {
		t.Errorf("attempts = %d; want at least 2", rs[0].Attempts)
	}
}

func TestRunnerIsBoundedByItsDeadline(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{"hole.example": {A: []string{"10.0.3.7"}}, "silent.example": {Drop: true}})
	fx.net.Blackhole("10.0.3.7")
	r := fx.runner(t)
	// --wait is five attempts' timeouts long, so that a second attempt fits
	// on a loaded machine: the retry is the cause under test, not its speed.
	r.Timeout = 200 * time.Millisecond
	wait := 5 * r.Timeout
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(wait+r.Timeout))
	defer cancel()
	rs := r.Run(ctx, r.Targets([]config.Target{target(t, "hole.example", "", ""), target(t, "silent.example", "", "")}), start.Add(wait))
	elapsed := time.Since(start)
	// Generous bound: this asserts "no hang", not speed.
	if elapsed > 3*(wait+r.Timeout) {
		t.Errorf("run took %v; want it bounded near %v", elapsed, wait+r.Timeout)
	}
	if got := summary(rs); got != "dns:pass: connect:fail:connect tls:skip: dns:fail:dns connect:skip: tls:skip:" {
		t.Errorf("got %s", got)
	}
	if rs[0].Attempts < 2 {
		t.Errorf("attempts = %d; want retries within --wait", rs[0].Attempts)
	}
}

func TestRunnerTurnsPanicIntoFailure(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{"boom.example": {A: []string{"127.0.0.2"}}, "fine.example": {A: []string{"127.0.0.3"}}})
	fx.net.PanicOn("127.0.0.2")
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, "fine.example"))
	r := fx.runner(t)
	rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, "boom.example", "", ""), target(t, "fine.example", "", "")}), time.Now())
	if got := summary(rs); got != "internal:fail:internal dns:pass: connect:pass: tls:pass:" {
		t.Errorf("got %s", got)
	}
}

// TestRunnerPanicGivesBackItsPlace: a check that panics must not keep its
// place among the attempts in flight, or serve, which reuses the runner
// every cycle, would stall once MaxInFlight checks had panicked.
func TestRunnerPanicGivesBackItsPlace(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{"boom.example": {A: []string{"127.0.0.2"}}, "fine.example": {A: []string{"127.0.0.3"}}})
	fx.net.PanicOn("127.0.0.2")
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, "fine.example"))
	r := fx.runner(t)
	r.MaxInFlight = 1
	// Each cycle is bounded, as serve's are: a place kept by a panic makes
	// the next cycle wait for its deadline and report no free slot.
	cycle := func(name string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return summary(r.Run(ctx, r.Targets([]config.Target{target(t, name, "", "")}), time.Now()))
	}
	for i := range 3 {
		if got := cycle("boom.example"); got != "internal:fail:internal" {
			t.Fatalf("cycle %d, boom.example: got %s", i, got)
		}
	}
	if got := cycle("fine.example"); got != "dns:pass: connect:pass: tls:pass:" {
		t.Errorf("after three panics: got %s; want the target probed", got)
	}
}

// details renders results as "check:status:detail" for comparison.
func details(rs []report.Result) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, string(r.Check)+":"+string(r.Status)+":"+r.Detail)
	}
	return strings.Join(parts, " | ")
}

// deadResolver returns the address of a UDP port where nothing listens, so
// that queries to it are refused.
func deadResolver(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestRunnerBlockedPassesOnlyOnProof(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{
		"servfail.example": {Rcode: "SERVFAIL"},
		"silent.example":   {Drop: true},
		"nodata.example":   {},
	})
	dead := deadResolver(t)
	tests := []struct {
		name      string
		entry     string
		resolver  string // empty: the fixture's
		want      string
		wantRows  string
		wantError string
	}{
		{name: "nxdomain proves it", entry: "nowhere.example=blocked", want: "dns:pass: connect:skip:",
			wantRows: "dns:pass:does not resolve, so nothing to reach: fine for a blocked target | connect:skip:nothing to connect to", wantError: "NXDOMAIN"},
		{name: "nodata proves it", entry: "nodata.example=blocked", want: "dns:pass: connect:skip:", wantError: "NOERROR"},
		{name: "servfail proves nothing", entry: "servfail.example=blocked", want: "dns:fail:dns connect:skip:",
			wantRows: "dns:fail: | connect:skip:not run: DNS failed", wantError: "SERVFAIL"},
		{name: "silent resolver proves nothing", entry: "silent.example=blocked", want: "dns:fail:dns connect:skip:", wantError: "i/o timeout"},
		{name: "refused resolver proves nothing", entry: "example.com=blocked", resolver: dead, want: "dns:fail:dns connect:skip:", wantError: "refused"},
		{name: "dead resolver, TLS target", entry: "example.com", resolver: dead, want: "dns:fail:dns connect:skip: tls:skip:",
			wantRows: "dns:fail: | connect:skip:not run: DNS failed | tls:skip:not run: DNS failed", wantError: "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fx.runner(t)
			if tt.resolver != "" {
				r.Resolver = NewResolver([]string{tt.resolver}, 300*time.Millisecond)
			}
			tg := target(t, tt.entry, "us-east-1", "111122223333")
			rs := r.Run(context.Background(), r.Targets([]config.Target{tg}), time.Now())
			if got := summary(rs); got != tt.want {
				t.Fatalf("got %s; want %s\n%+v", got, tt.want, rs)
			}
			if tt.wantRows != "" {
				if got := details(rs); got != tt.wantRows {
					t.Errorf("got %s; want %s", got, tt.wantRows)
				}
			}
			if got := rs[0].Error; !strings.Contains(got, tt.wantError) {
				t.Errorf("got error %q; want it to contain %q", got, tt.wantError)
			}
			if rs[0].Failed() && rs[0].Hint == "" {
				t.Errorf("got no hint on the failing DNS row; want one")
			}
			if got, want := len(rs), len(r.Targets([]config.Target{tg})[0].Expected()); got != want {
				t.Errorf("got %d rows; want %d (as Expected)", got, want)
			}
		})
	}
}

func TestRunnerAddressLiteralSkipsTLS(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{})
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, "named.example"))
	fx.net.ServeTLS(t, "::1", fx.cert(t, "named.example"))
	tests := []struct {
		entry string
		want  string
	}{
		{"127.0.0.3", "dns:pass:address literal, no lookup | connect:pass:1/1 addresses accepted TCP 443 | tls:skip:no host name to verify"},
		{"[::1]:443", "dns:pass:address literal, no lookup | connect:pass:1/1 addresses accepted TCP 443 | tls:skip:no host name to verify"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			r := fx.runner(t)
			rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, tt.entry, "", "")}), time.Now())
			if got := details(rs); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
			for _, row := range rs {
				if row.Class != report.ClassNone {
					t.Errorf("got class %s on %s; want none", row.Class, row.Check)
				}
			}
		})
	}
}

func TestRunnerDialsEachAddressOnce(t *testing.T) {
	many := make([]string, 1000)
	for i := range many {
		many[i] = "127.0.0.2"
	}
	fx := newFixture(t, dnstest.Zone{
		"many.example":   {A: many, Truncate: true},
		"mapped.example": {A: []string{"127.0.0.3", "127.0.0.4"}, AAAA: []string{"::ffff:127.0.0.4", "::ffff:127.0.0.3", "::1"}},
	})
	fx.net.ServeTLS(t, "127.0.0.2", fx.cert(t, "many.example"))
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, "mapped.example"))
	fx.net.ServeTLS(t, "127.0.0.4", fx.cert(t, "mapped.example"))
	fx.net.ServeTLS(t, "::1", fx.cert(t, "mapped.example"))
	tests := []struct {
		entry     string
		wantAddrs string
	}{
		{"many.example", "127.0.0.2"},
		{"mapped.example", "127.0.0.3 127.0.0.4 ::1"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			r := fx.runner(t)
			rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, tt.entry, "", "")}), time.Now())
			if got := summary(rs); got != "dns:pass: connect:pass: tls:pass:" {
				t.Fatalf("got %s; want dns:pass: connect:pass: tls:pass:\n%+v", got, rs)
			}
			if got := strings.Join(rs[0].Addresses, " "); got != tt.wantAddrs {
				t.Errorf("got addresses %s; want %s", got, tt.wantAddrs)
			}
			for _, a := range strings.Fields(tt.wantAddrs) {
				if got := fx.net.Dials(a); got != 1 {
					t.Errorf("got %d dials to %s; want 1", got, a)
				}
			}
		})
	}
}

func TestRunnerBoundsDialsInFlight(t *testing.T) {
	var wide []string
	for i := range 40 {
		wide = append(wide, fmt.Sprintf("10.1.0.%d", i+1))
	}
	zone := dnstest.Zone{"wide.example": {A: wide}}
	for i := range 10 {
		zone[fmt.Sprintf("t%d.example", i)] = dnstest.Records{A: []string{fmt.Sprintf("10.2.0.%d", i+1)}}
	}
	fx := newFixture(t, zone)
	for _, a := range wide {
		fx.net.Blackhole(a)
	}
	for i := range 10 {
		fx.net.Blackhole(fmt.Sprintf("10.2.0.%d", i+1))
	}
	tests := []struct {
		name        string
		entries     []string
		maxInFlight int
		want        int
	}{
		{name: "per target", entries: []string{"wide.example"}, want: maxDialsPerTarget},
		{name: "across the runner", entries: []string{"t0.example", "t1.example", "t2.example", "t3.example", "t4.example",
			"t5.example", "t6.example", "t7.example", "t8.example", "t9.example"}, maxInFlight: 3, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx.net = nettest.New()
			for _, a := range wide {
				fx.net.Blackhole(a)
			}
			for i := range 10 {
				fx.net.Blackhole(fmt.Sprintf("10.2.0.%d", i+1))
			}
			r := fx.runner(t)
			r.Timeout = 50 * time.Millisecond
			r.MaxInFlight = tt.maxInFlight
			var ts []config.Target
			for _, e := range tt.entries {
				ts = append(ts, target(t, e, "", ""))
			}
			rs := r.Run(context.Background(), r.Targets(ts), time.Now())
			for _, row := range rs {
				if row.Check == report.CheckConnect && row.Class != report.ClassConnect {
					t.Errorf("got %s:%s:%s; want connect:fail:connect", row.Check, row.Status, row.Class)
				}
			}
			if got := fx.net.MaxInFlight(); got != tt.want {
				t.Errorf("got %d dials in flight at most; want %d", got, tt.want)
			}
		})
	}
}

func TestRunnerNamesOversizedChain(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{"bigchain.example": {A: []string{"127.0.0.2"}}, "fine.example": {A: []string{"127.0.0.3"}}})
	leaf := fx.cert(t, "bigchain.example")
	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("filler-%02d.a-rather-long-name-to-pad-the-certificate.example", i))
	}
	filler := fx.cert(t, names...)
	for range 99 {
		leaf.Certificate = append(leaf.Certificate, filler.Certificate[0])
	}
	fx.net.ServeTLS(t, "127.0.0.2", leaf)
	fx.net.ServeTLS(t, "127.0.0.3", fx.cert(t, "fine.example"))
	tests := []struct {
		entry    string
		want     string
		wantHint string
	}{
		{"bigchain.example", "dns:pass: connect:pass: tls:fail:tls", "certificate chain too large"},
		{"fine.example", "dns:pass: connect:pass: tls:pass:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			r := fx.runner(t)
			// The chain fails on its size, not on time: sending and
			// parsing 100 certificates under -race on a loaded machine
			// can outlast the fixture's 300 ms, and a timeout is another
			// verdict.
			r.Timeout = 10 * time.Second
			rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, tt.entry, "", "")}), time.Now())
			if got := summary(rs); got != tt.want {
				t.Fatalf("got %s; want %s\n%+v", got, tt.want, rs)
			}
			if got := rs[2].Hint; !strings.Contains(got, tt.wantHint) || strings.Contains(got, "MTU problem on the path") {
				t.Errorf("got hint %q; want it to contain %q and no MTU guess (error %q)", got, tt.wantHint, rs[2].Error)
			}
		})
	}
}

// emfileDialer fails every dial the way a process out of descriptors does.
type emfileDialer struct{}

func (emfileDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}
}

// emfileResolver fails every lookup the same way.
type emfileResolver struct{}

func (emfileResolver) Lookup(context.Context, string) (Answer, error) {
	return Answer{}, &DNSError{Host: "x", Server: "10.0.0.2:53", Err: os.NewSyscallError("socket", syscall.EMFILE)}
}

// TestRunnerOutOfOwnResourcesIsInternal: "too many open files" is
// preflight's own trouble, never a DNS or connect class that blames the
// resolver or a security group.
func TestRunnerOutOfOwnResourcesIsInternal(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{"full.example": {A: []string{"127.0.0.2"}}})
	tests := []struct {
		name string
		set  func(r *Runner)
		want string
	}{
		{"dial", func(r *Runner) { r.Dialer = emfileDialer{} }, "dns:pass: connect:fail:internal tls:skip:"},
		{"lookup", func(r *Runner) { r.Resolver = emfileResolver{} }, "dns:fail:internal connect:skip: tls:skip:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fx.runner(t)
			tt.set(r)
			rs := r.Run(context.Background(), r.Targets([]config.Target{target(t, "full.example", "", "")}), time.Now())
			if got := summary(rs); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
			for _, res := range rs {
				if res.Failed() && !strings.Contains(res.Hint, "ran out of its own resources") {
					t.Errorf("hint %q; want it to say preflight ran out of its own resources", res.Hint)
				}
			}
		})
	}
}

// attemptCounter is a Lookuper and a Dialer that counts the targets whose
// attempt has begun (their lookup started) and not ended (their one dial
// has not returned).
type attemptCounter struct {
	dialer  Dialer
	mu      sync.Mutex
	open    int
	maxOpen int
}

func (c *attemptCounter) Lookup(ctx context.Context, host string) (Answer, error) {
	c.mu.Lock()
	c.open++
	c.maxOpen = max(c.maxOpen, c.open)
	c.mu.Unlock()
	// Every target resolves to its own blackholed address: 10.3.0.N for tN.
	var n int
	if _, err := fmt.Sscanf(host, "t%d.example", &n); err != nil {
		return Answer{}, err
	}
	return Answer{Addrs: []netip.Addr{netip.AddrFrom4([4]byte{10, 3, 0, byte(n + 1)})}, Server: "fake"}, nil
}

func (c *attemptCounter) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	defer func() {
		c.mu.Lock()
		c.open--
		c.mu.Unlock()
	}()
	return c.dialer.DialContext(ctx, network, address)
}

// TestRunnerAdmitsAttemptsUpToMaxInFlight: a target's attempt starts (and
// descends into the lookup, with the stack that takes) only while fewer
// than MaxInFlight attempts run. Lookups that answer at once would
// otherwise let every target resolve and then wait, deep in its attempt,
// for a slot to dial.
func TestRunnerAdmitsAttemptsUpToMaxInFlight(t *testing.T) {
	fx := newFixture(t, dnstest.Zone{})
	var ts []config.Target
	for i := range 12 {
		fx.net.Blackhole(fmt.Sprintf("10.3.0.%d", i+1))
		ts = append(ts, target(t, fmt.Sprintf("t%d.example", i), "", ""))
	}
	counter := &attemptCounter{dialer: fx.net}
	r := fx.runner(t)
	r.Resolver, r.Dialer = counter, counter
	r.Timeout = 30 * time.Millisecond
	r.MaxInFlight = 3
	rs := r.Run(context.Background(), r.Targets(ts), time.Now())
	connects := 0
	for _, row := range rs {
		if row.Check == report.CheckConnect {
			connects++
			if row.Class != report.ClassConnect {
				t.Errorf("%s: got %s:%s; want connect:fail:connect", row.Target, row.Status, row.Class)
			}
		}
	}
	if connects != len(ts) {
		t.Errorf("got %d connect rows; want %d", connects, len(ts))
	}
	if counter.maxOpen != r.MaxInFlight {
		t.Errorf("got %d attempts in flight at most; want %d (MaxInFlight)", counter.maxOpen, r.MaxInFlight)
	}
}
