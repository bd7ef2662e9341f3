package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/zap/zaptest"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/report"
)

// newSidecar builds serve's state against the harness, without a listener.
func (h *harness) newSidecar(t *testing.T, args ...string) (*sidecar, *prometheus.Registry) {
	t.Helper()
	base := []string{"--resolver", h.dns.Addr(), "--private-cidrs", "10.0.0.0/8,127.0.0.0/8", "--timeout", harnessTimeout, "--region", "us-east-1", "--account", "111122223333"}
	cfg, err := config.Load("serve", append(base, args...), func(k string) string { return h.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	d := deps{dialer: h.net, resolvConf: "/nonexistent", now: time.Now, newEC2: h.newEC2, newAudit: h.newAudit}
	log := zaptest.NewLogger(t)
	in := d.planInputs(func(k string) string { return h.env[k] }, log)
	p, err := plan.Build(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := newSidecar(cfg, p, in, d, log, reg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func TestMetricsFollowTheCycles(t *testing.T) {
	h := goodVPC(t)
	s, reg := h.newSidecar(t, "--checks", "logs", "--public-ip", "off")
	const names = "preflight_check_success"
	want := func(dns, connect, tls int) string {
		return fmt.Sprintf(`# HELP preflight_check_success 0 if the check failed in the last cycle, else 1 (passed, warned, or skipped: did not run).
# TYPE preflight_check_success gauge
preflight_check_success{check="connect",target="logs"} %d
preflight_check_success{check="dns",target="logs"} %d
preflight_check_success{check="metadata",target="task"} 1
preflight_check_success{check="resolver",target="resolver"} 1
preflight_check_success{check="tls",target="logs"} %d
`, connect, dns, tls)
	}
	status := func(check string) string {
		for _, st := range []string{"pass", "warn", "skip", "fail"} {
			if testutil.ToFloat64(s.metrics.status.WithLabelValues(check, "logs", st)) == 1 {
				return st
			}
		}
		return "none"
	}
	// Every series exists before the first cycle: nothing failed, nothing ran.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want(1, 1, 1)), names); err != nil {
		t.Errorf("before the first cycle: %v", err)
	}
	if got := status("dns"); got != "none" {
		t.Errorf("status before the first cycle: %s; want none", got)
	}
	s.cycle(context.Background())
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want(1, 1, 1)), names); err != nil {
		t.Errorf("cycle 1 (pass): %v", err)
	}
	h.dns.Set(logsHost, dnstest.Records{Rcode: "NXDOMAIN"})
	s.cycle(context.Background())
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want(0, 1, 1)), names); err != nil {
		t.Errorf("cycle 2 (DNS fails; connect and tls did not run): %v", err)
	}
	if got := status("dns") + " " + status("connect") + " " + status("tls"); got != "fail skip skip" {
		t.Errorf("cycle 2 statuses (dns connect tls): %s; want fail skip skip", got)
	}
	h.dns.Set(logsHost, dnstest.Records{A: []string{"127.0.0.4"}})
	s.cycle(context.Background())
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want(1, 1, 1)), names); err != nil {
		t.Errorf("cycle 3 (pass again): %v", err)
	}
	if got := status("connect"); got != "pass" {
		t.Errorf("cycle 3 connect status: %s; want pass", got)
	}
	failures := `# HELP preflight_check_failures_total Cycles in which the check failed.
# TYPE preflight_check_failures_total counter
preflight_check_failures_total{check="connect",target="logs"} 0
preflight_check_failures_total{check="dns",target="logs"} 1
preflight_check_failures_total{check="metadata",target="task"} 0
preflight_check_failures_total{check="resolver",target="resolver"} 0
preflight_check_failures_total{check="tls",target="logs"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(failures), "preflight_check_failures_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(s.metrics.cycles); got != 3 {
		t.Errorf("cycles = %v; want 3", got)
	}
	if v := testutil.ToFloat64(s.metrics.certExpiry.WithLabelValues("logs")); v < float64(time.Now().Unix()) {
		t.Errorf("cert expiry %v; want a future Unix time", v)
	}
}

func TestMetricsLint(t *testing.T) {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	s, reg := h.newSidecar(t, "--checks", "logs,ecr")
	s.cycle(context.Background())
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if net.ParseIP(l.GetValue()) != nil || strings.Contains(l.GetValue(), " ") {
					t.Errorf("%s has label %s=%q: labels must stay low-cardinality", mf.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	for _, name := range []string{"preflight_check_success", "preflight_check_status", "preflight_check_duration_seconds", "preflight_check_failures_total",
		"preflight_last_run_timestamp_seconds", "preflight_tls_cert_expiry_timestamp_seconds", "preflight_build_info", "preflight_public_ip"} {
		if !seen[name] {
			t.Errorf("metric %s is missing", name)
		}
	}
}

// freePort returns a loopback address nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServeEndpointsAndHealthcheck(t *testing.T) {
	h := goodVPC(t)
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var emf bytes.Buffer
	go func() {
		code, _, _ := h.runCtx(ctx, &emf, "serve", "--checks", "logs", "--listen", addr, "--interval", "50ms", "--emf", "--public-ip", "off")
		done <- code
	}()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, func() bool { code, _ := get("/readyz"); return code == 200 })
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	code, body := get("/readyz")
	if code != 200 || !strings.Contains(body, `"ok": true`) || !strings.Contains(body, `"check": "tls"`) {
		t.Errorf("/readyz = %d %s", code, body)
	}
	if hc, _, stderr := h.run("healthcheck", "--listen", addr); hc != 0 {
		t.Errorf("healthcheck exit %d while ready: %s", hc, stderr)
	}
	// OpenMetrics by negotiation, and the text format parses.
	req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type %q; want OpenMetrics", ct)
	}
	_, text := get("/metrics")
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("scrape does not parse: %v", err)
	}
	for _, want := range []string{"preflight_check_success", "go_goroutines", "process_resident_memory_bytes"} {
		if families[want] == nil {
			t.Errorf("scrape lacks %s", want)
		}
	}

	// Break the endpoint: readiness follows within a cycle, healthcheck says why.
	h.dns.Set(logsHost, dnstest.Records{Rcode: "SERVFAIL"})
	waitFor(t, func() bool { code, _ := get("/readyz"); return code == 503 })
	hc, _, stderr := h.run("healthcheck", "--listen", addr)
	if hc != 1 || !strings.Contains(stderr, "SERVFAIL") {
		t.Errorf("healthcheck exit %d, %q; want 1 naming SERVFAIL", hc, stderr)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d; want 0", code)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
	if hc, _, _ := h.run("healthcheck", "--listen", addr); hc != 1 {
		t.Errorf("healthcheck exit %d with serve gone; want 1", hc)
	}
	lines := strings.Split(strings.TrimSpace(emf.String()), "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], `"CloudWatchMetrics"`) || !strings.Contains(lines[0], `"Ready":1`) {
		t.Errorf("EMF output:\n%s", emf.String())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSoak runs 10,000 cycles and checks that goroutines, open file
// descriptors and the heap stay flat.
func TestSoak(t *testing.T) {
	if raceEnabled {
		t.Skip("the soak runs without -race (.ci/run runs it separately): the race detector's own memory growth hides ours")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	h := goodVPC(t)
	s, _ := h.newSidecar(t, "--checks", "logs,nowhere.example,127.0.0.1:1=blocked", "--public-ip", "off")
	ctx := context.Background()
	measure := func() (int, int, uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fds, _ := os.ReadDir("/proc/self/fd")
		return runtime.NumGoroutine(), len(fds), ms.HeapAlloc
	}
	for i := 0; i < 200; i++ { // warm up
		s.cycle(ctx)
	}
	g0, fd0, heap0 := measure()
	const cycles = 10000
	start := time.Now()
	for i := 0; i < cycles; i++ {
		s.cycle(ctx)
	}
	elapsed := time.Since(start)
	g1, fd1, heap1 := measure()
	t.Logf("%d cycles in %v (%v/cycle): goroutines %d -> %d, fds %d -> %d, heap %d KiB -> %d KiB",
		cycles, elapsed, elapsed/cycles, g0, g1, fd0, fd1, heap0/1024, heap1/1024)
	if g1 > g0+5 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if fd1 > fd0+5 {
		t.Errorf("open file descriptors grew from %d to %d", fd0, fd1)
	}
	if heap1 > heap0+2<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", heap0/1024, heap1/1024)
	}
}

func TestServeAsksForThePublicIPOnceUnlessUnknown(t *testing.T) {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	h.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/x"
	calls := 0
	fail := false
	finder := countingFinder{calls: &calls, fail: &fail}
	h.ec2 = finder
	s, _ := h.newSidecar(t, "--checks", "logs")
	clock := time.Now()
	s.now = func() time.Time { return clock }
	for i := 0; i < 3; i++ {
		s.cycle(context.Background())
	}
	if calls != 1 {
		t.Errorf("EC2 API called %d times over 3 cycles with a definite verdict; want 1", calls)
	}
	// An unknown verdict is asked again, but only after publicIPRetry. The
	// plan's shared interface lookup keeps a found interface for good, so a
	// fresh sidecar meets the failure from its first cycle.
	fail = true
	s, _ = h.newSidecar(t, "--checks", "logs")
	s.now = func() time.Time { return clock }
	s.plan.Interfaces(s.in).Now = s.now
	s.cycle(context.Background())
	s.cycle(context.Background())
	clock = clock.Add(publicIPRetry + time.Second)
	s.cycle(context.Background())
	if calls != 3 {
		t.Errorf("EC2 API called %d times; want 3 (first, unknown, retry after %v)", calls, publicIPRetry)
	}
}

type countingFinder struct {
	calls *int
	fail  *bool
}

func (f countingFinder) FindByPrivateIP(context.Context, string) ([]probe.NetworkInterface, error) {
	*f.calls++
	if f.fail != nil && *f.fail {
		return nil, &probe.APIError{Code: "RequestLimitExceeded", Message: "slow down"}
	}
	return []probe.NetworkInterface{{ID: "eni-1", MACAddress: "0e:9e:32:c7:48:85"}}, nil
}

// TestHealthyBlockedPostureDoesNotPage: a blocked target whose name does
// not resolve has no connect to run; its connect series must say "skip",
// not keep the 0 of a failure it never had.
func TestHealthyBlockedPostureDoesNotPage(t *testing.T) {
	h := goodVPC(t)
	s, _ := h.newSidecar(t, "--checks", "logs,nowhere.example=blocked,blocked.example=blocked", "--public-ip", "off")
	s.cycle(context.Background())
	if got := testutil.ToFloat64(s.metrics.ready); got != 1 {
		t.Fatalf("preflight_ready = %v; want 1", got)
	}
	for _, target := range []string{"nowhere.example", "blocked.example"} {
		for _, check := range []string{"dns", "connect"} {
			if got := testutil.ToFloat64(s.metrics.success.WithLabelValues(check, target)); got != 1 {
				t.Errorf("preflight_check_success{check=%q,target=%q} = %v; want 1", check, target, got)
			}
			if got := testutil.ToFloat64(s.metrics.status.WithLabelValues(check, target, "fail")); got != 0 {
				t.Errorf("preflight_check_status{check=%q,target=%q,status=\"fail\"} = %v; want 0", check, target, got)
			}
		}
	}
	if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("connect", "nowhere.example", "skip")); got != 1 {
		t.Errorf("connect of a blocked name that does not resolve: skip = %v; want 1", got)
	}
}

// TestHealthcheckEscapesHostileReasons: the reason healthcheck prints comes
// from /readyz, which carries errors from the network being diagnosed.
func TestHealthcheckEscapesHostileReasons(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"ok":false,"exit_code":13,"checks":[{"check":"tls","target":"logs","status":"fail","error":"x509: certificate is valid for \u001b[2J\u0007evil\r\nready"}]}`)
	}))
	defer srv.Close()
	h := goodVPC(t)
	code, stdout, stderr := h.run("healthcheck", "--listen", strings.TrimPrefix(srv.URL, "http://"))
	if code != 1 {
		t.Errorf("exit %d; want 1", code)
	}
	if strings.ContainsAny(stdout+stderr, "\x1b\a\r") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("healthcheck printed raw control characters: %q", stderr)
	}
	if !strings.Contains(stderr, `\x1b[2J`) {
		t.Errorf("stderr %q; want the escaped reason", stderr)
	}
}

// TestServeBoundsIdleClients: clients that open keep-alive connections and
// go idle are closed after the idle timeout, and past the connection cap a
// new client waits for a slot instead of taking a descriptor the check
// cycle needs.
func TestServeBoundsIdleClients(t *testing.T) {
	h := goodVPC(t)
	h.limits = httpLimits{readHeader: 200 * time.Millisecond, read: 300 * time.Millisecond, write: time.Second, idle: 300 * time.Millisecond, maxConns: 4}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		code, _, _ := h.runCtx(ctx, io.Discard, "serve", "--checks", "logs", "--listen", addr, "--interval", "1s", "--public-ip", "off")
		done <- code
	}()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	// Fill the cap with clients that send one request and go idle.
	var idle []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		idle = append(idle, c)
	}
	// A fifth client is served once an idle one is closed.
	start := time.Now()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("fifth client: %v", err)
	}
	resp.Body.Close()
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("fifth client waited %v; want about the idle timeout", waited)
	}
	// Every idle client was closed by the server.
	for i, c := range idle {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("idle client %d: %v; want the server to close it", i, err)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d; want 0", code)
	}
}

// TestServePlansAgainWhenTheMetadataComesBack: a metadata endpoint that is
// down when serve starts must not leave the sidecar without its auto
// targets for the rest of the task's life.
func TestServePlansAgainWhenTheMetadataComesBack(t *testing.T) {
	h := goodVPC(t)
	task, err := os.ReadFile("../../probe/testdata/fargate-task.json")
	if err != nil {
		t.Fatal(err)
	}
	container, err := os.ReadFile("../../probe/testdata/fargate-container.json")
	if err != nil {
		t.Fatal(err)
	}
	var up atomic.Bool
	h.metadataHandler(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !up.Load():
			http.Error(w, "agent starting", http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/task"):
			w.Write(task)
		default:
			w.Write(container)
		}
	})
	s, _ := h.newSidecar(t, "--checks", "auto", "--public-ip", "off", "--region", "", "--account", "")
	s.cycle(context.Background())
	if n := len(s.plan.Targets); n != 0 {
		t.Fatalf("targets with the metadata down: %d; want 0", n)
	}
	if got := testutil.ToFloat64(s.metrics.ready); got != 0 {
		t.Errorf("ready with the metadata down = %v; want 0", got)
	}
	up.Store(true)
	s.cycle(context.Background())
	var api string // the name of the task region's ECR API target
	var hosts []string
	for _, tg := range s.plan.Targets {
		hosts = append(hosts, tg.Host)
		if tg.Host == apiHost {
			api = tg.Name
		}
	}
	if api == "" || !slices.Contains(hosts, logsHost) {
		t.Fatalf("targets after the metadata came back: %v; want %s and %s among them", hosts, apiHost, logsHost)
	}
	if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("tls", api, "pass")); got != 1 {
		t.Errorf("tls %s status pass = %v; want 1 (a series for the new target)", api, got)
	}
	if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("metadata", "task", "pass")); got != 1 {
		t.Errorf("metadata status pass = %v; want 1", got)
	}
}

// TestServeExplainsOncePerStateChange: a fleet of sidecars must not ask the
// EC2 API every cycle. A row that starts failing is explained once; while it
// keeps failing the kept cause is shown; once it passes the cause is
// forgotten, and the next failure is explained again.
func TestServeExplainsOncePerStateChange(t *testing.T) {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	h.env["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
	enis := 0
	h.ec2 = taskENIFinder{calls: &enis}
	asked := 0
	h.newAudit = func(context.Context, string) (live.API, error) {
		asked++
		return nil, errors.New("AccessDenied: ec2:DescribeVpcEndpoints")
	}
	s, _ := h.newSidecar(t, "--checks", "logs", "--public-ip", "off")
	dnsRow := func() report.Result {
		t.Helper()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.last.Results {
			if r.Check == report.CheckDNS && r.Target == "logs" {
				return r
			}
		}
		t.Fatal("no dns row for logs")
		return report.Result{}
	}
	public := dnstest.Records{A: []string{"198.51.100.7"}}
	private := dnstest.Records{A: []string{"127.0.0.4"}}
	steps := []struct {
		name      string
		records   dnstest.Records
		wantAsked int
		wantCause bool
	}{
		{"starts failing: asked", public, 1, true},
		{"keeps failing: the kept cause", public, 1, true},
		{"passes: forgotten", private, 1, false},
		{"fails again: asked again", public, 2, true},
	}
	for _, st := range steps {
		h.dns.Set(logsHost, st.records)
		s.cycle(context.Background())
		r := dnsRow()
		if asked != st.wantAsked || (r.Cause != nil) != st.wantCause {
			t.Errorf("%s: control plane asked %d times, cause %+v; want %d, cause %v", st.name, asked, r.Cause, st.wantAsked, st.wantCause)
		}
		if st.wantCause && !strings.Contains(r.Cause.Error, "AccessDenied") {
			t.Errorf("%s: cause %q; want it to carry the denied call", st.name, r.Cause.Error)
		}
	}
	if enis != 1 {
		t.Errorf("task ENI looked up %d times; want 1 (it cannot change)", enis)
	}
}

// taskENIFinder answers with the fixture task's ENI, in a VPC and subnet.
type taskENIFinder struct{ calls *int }

func (f taskENIFinder) FindByPrivateIP(context.Context, string) ([]probe.NetworkInterface, error) {
	*f.calls++
	return []probe.NetworkInterface{{ID: "eni-1", MACAddress: "0e:9e:32:c7:48:85", VPCID: "vpc-1", SubnetID: "subnet-1", SecurityGroupIDs: []string{"sg-1"}}}, nil
}

// TestServePresetsTheExplainWarning: --explain=on without credentials adds
// a warning row when something fails; its series exist from the first
// scrape like every other, and say skip in a cycle without failures.
func TestServePresetsTheExplainWarning(t *testing.T) {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	s, _ := h.newSidecar(t, "--checks", "logs", "--public-ip", "off", "--explain", "on")
	if got := testutil.ToFloat64(s.metrics.success.WithLabelValues("explain", "task")); got != 1 {
		t.Errorf("preset explain success = %v; want 1", got)
	}
	s.cycle(context.Background())
	if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("explain", "task", "skip")); got != 1 {
		t.Errorf("explain status skip after a passing cycle = %v; want 1", got)
	}
	h.dns.Set(logsHost, dnstest.Records{A: []string{"198.51.100.7"}})
	s.cycle(context.Background())
	if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("explain", "task", "warn")); got != 1 {
		t.Errorf("explain status warn after a failing cycle = %v; want 1", got)
	}
}
