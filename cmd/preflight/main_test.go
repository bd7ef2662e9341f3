package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/probe/nettest"
	"github.com/preflight-dev/preflight/probe/tlstest"
	"github.com/preflight-dev/preflight/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	logsHost = "logs.us-east-1.amazonaws.com"
	apiHost  = "api.ecr.us-east-1.amazonaws.com"
	dkrHost  = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	s3Host   = "s3.us-east-1.amazonaws.com"
)

// harness is a small fake VPC on loopback: a DNS server, TLS endpoints on
// 127.0.0.x, a TMDS server, and the environment preflight sees.
type harness struct {
	// ec2 answers the public-IP verdict's EC2 API calls; nil = unreachable.
	ec2  probe.InterfaceFinder
	t    testing.TB
	ca   *tlstest.CA
	dns  *dnstest.Server
	net  *nettest.Net
	env  map[string]string
	tmds *httptest.Server
	// limits bound serve's HTTP clients.
	limits httpLimits
	// newAudit builds the control-plane client that explains failures;
	// nil = none (explanations stay off).
	newAudit func(ctx context.Context, region string) (live.API, error)
	// terminal: stdout and stderr are a terminal.
	terminal bool
}

func newHarness(t testing.TB, zone dnstest.Zone) *harness {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ca: ca, dns: dnstest.Start(t, zone), net: nettest.New(), env: map[string]string{"SSL_CERT_FILE": caFile}, limits: defaultHTTPLimits()}
}

// endpoint serves TLS for names on addr.
func (h *harness) endpoint(addr string, names ...string) {
	h.t.Helper()
	cert, err := h.ca.IssueValid(names...)
	if err != nil {
		h.t.Fatal(err)
	}
	h.net.ServeTLS(h.t, addr, cert)
}

// metadata serves the task document fixture (and the container document).
func (h *harness) metadata(taskFixture string) {
	h.t.Helper()
	task, err := os.ReadFile("../../probe/testdata/" + taskFixture)
	if err != nil {
		h.t.Fatal(err)
	}
	container, err := os.ReadFile("../../probe/testdata/fargate-container.json")
	if err != nil {
		h.t.Fatal(err)
	}
	h.metadataHandler(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/task") {
			w.Write(task)
			return
		}
		w.Write(container)
	})
}

func (h *harness) metadataHandler(f http.HandlerFunc) {
	h.tmds = httptest.NewServer(f)
	h.t.Cleanup(h.tmds.Close)
	h.env["ECS_CONTAINER_METADATA_URI_V4"] = h.tmds.URL + "/v4/0d4e3b4c"
}

// harnessTimeout is --timeout in front of every harness run. It bounds the
// blackholed addresses' attempts, so it cannot be long, but it must leave a
// loopback TLS handshake room on a loaded 2-core machine under -race: a
// healthy endpoint that misses it would fail a test for the wrong cause.
const harnessTimeout = "2s"

// run runs preflight with the harness's resolver, CIDRs and timeout in
// front of args, so that args can override them.
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	var base []string
	switch args[0] {
	case "check":
		base = []string{"--resolver", h.dns.Addr(), "--private-cidrs", "10.0.0.0/8,127.0.0.0/8,fc00::/7", "--timeout", harnessTimeout, "--wait", "0", "--log-format", "json"}
	case "endpoints":
		base = []string{"--timeout", harnessTimeout, "--log-format", "json"}
	}
	full := append([]string{args[0]}, append(base, args[1:]...)...)
	var stdout bytes.Buffer
	code, _, stderr := h.runArgs(context.Background(), &stdout, full)
	return code, stdout.String(), stderr
}

// runCtx runs preflight with the harness defaults, writing stdout to out,
// until it exits or ctx is cancelled.
func (h *harness) runCtx(ctx context.Context, out io.Writer, args ...string) (int, string, string) {
	h.t.Helper()
	base := []string{"--resolver", h.dns.Addr(), "--private-cidrs", "10.0.0.0/8,127.0.0.0/8,fc00::/7", "--timeout", harnessTimeout, "--log-format", "json", "--region", "us-east-1"}
	return h.runArgs(ctx, out, append([]string{args[0]}, append(base, args[1:]...)...))
}

func (h *harness) runArgs(ctx context.Context, out io.Writer, args []string) (int, string, string) {
	var stderr bytes.Buffer
	d := deps{dialer: h.net, resolvConf: "/nonexistent/resolv.conf", now: time.Now, newEC2: h.newEC2, httpLimits: h.limits, newAudit: h.newAudit,
		terminal: func(io.Writer) bool { return h.terminal }}
	code := runWith(ctx, args, func(k string) string { return h.env[k] }, out, &stderr, d)
	return code, "", stderr.String()
}

func (h *harness) newEC2(ctx context.Context, region string) (probe.InterfaceFinder, error) {
	if h.ec2 == nil {
		return nil, errors.New("no EC2 API in this test")
	}
	return h.ec2, nil
}

// goodVPC returns a harness where ecr, logs and s3 are in order.
func goodVPC(t testing.TB) *harness {
	h := newHarness(t, dnstest.Zone{
		apiHost:  {A: []string{"127.0.0.2", "127.0.0.3"}},
		dkrHost:  {A: []string{"127.0.0.2", "127.0.0.3"}},
		logsHost: {A: []string{"127.0.0.4"}},
		s3Host:   {A: []string{"127.0.1.1"}},
		"prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com": {CNAME: "s3-r-w.us-east-1.amazonaws.com"},
		"s3-r-w.us-east-1.amazonaws.com":                                  {A: []string{"127.0.1.2"}},
		"blocked.example":                                                 {A: []string{"127.0.1.9"}},
	})
	h.endpoint("127.0.0.2", apiHost, dkrHost)
	h.endpoint("127.0.0.3", apiHost, dkrHost)
	h.endpoint("127.0.0.4", logsHost)
	h.endpoint("127.0.1.1", s3Host)
	h.endpoint("127.0.1.2", "*.s3.us-east-1.amazonaws.com")
	return h
}

func TestCheckExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*harness)
		args  []string
		want  int
	}{
		{name: "all pass", args: []string{"--checks", "ecr,logs,s3,blocked.example=blocked", "--region", "us-east-1", "--account", "111122223333"}, want: report.ExitOK},
		// Target names as printed are entries: these name the hosts the
		// fake VPC serves (another account's registry, the region's logs).
		{name: "target names as entries", args: []string{"--checks", "ecr.dkr@111122223333.us-east-1,logs@us-east-1", "--region", "us-west-2", "--account", "123456789012"}, want: report.ExitOK},
		{name: "dns failure", args: []string{"--checks", "sts", "--region", "us-east-1"}, want: report.ExitDNS},
		{name: "dns posture", setup: func(h *harness) {
			h.dns.Set(logsHost, dnstest.Records{A: []string{"203.0.113.10"}})
			h.net.Blackhole("203.0.113.10")
		},
			args: []string{"--checks", "logs", "--region", "us-east-1"}, want: report.ExitDNSPosture},
		{name: "connect", setup: func(h *harness) { h.net.Blackhole("127.0.0.3") },
			args: []string{"--checks", "ecr.api", "--region", "us-east-1"}, want: report.ExitConnect},
		{name: "tls", setup: func(h *harness) {
			h.endpoint("127.0.0.5", "other.example")
			h.dns.Set(logsHost, dnstest.Records{A: []string{"127.0.0.5"}})
		},
			args: []string{"--checks", "logs", "--region", "us-east-1"}, want: report.ExitTLS},
		{name: "tls off", setup: func(h *harness) {
			h.endpoint("127.0.0.5", "other.example")
			h.dns.Set(logsHost, dnstest.Records{A: []string{"127.0.0.5"}})
		},
			args: []string{"--checks", "logs", "--region", "us-east-1", "--tls=false"}, want: report.ExitOK},
		{name: "egress open", setup: func(h *harness) { h.dns.Set("blocked.example", dnstest.Records{A: []string{"127.0.0.4"}}) },
			args: []string{"--checks", "blocked.example=blocked"}, want: report.ExitEgressOpen},
		{name: "several classes: smallest wins", setup: func(h *harness) {
			h.net.Blackhole("127.0.0.3")
			h.dns.Set(logsHost, dnstest.Records{A: []string{"203.0.113.10"}})
		},
			args: []string{"--checks", "ecr.api,logs,blocked.example=blocked", "--region", "us-east-1"}, want: report.ExitDNSPosture},
		{name: "metadata 500", setup: func(h *harness) {
			h.metadataHandler(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
		}, args: []string{"--checks", "logs", "--region", "us-east-1"}, want: report.ExitMetadata},
		{name: "metadata garbage, other failure too", setup: func(h *harness) {
			h.metadataHandler(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{{{")) })
		}, args: []string{"--checks", "sts", "--region", "us-east-1"}, want: report.ExitDNS},
		{name: "auto in ECS", setup: func(h *harness) { h.metadata("fargate-task.json") }, args: []string{"--checks", "auto", "--private-cidrs", "10.0.0.0/8,127.0.0.0/8"}, want: report.ExitDNS},
		{name: "usage: bad value", args: []string{"--checks", "logs:99999"}, want: report.ExitUsage},
		{name: "usage: auto outside ECS", args: []string{}, want: report.ExitUsage},
		{name: "usage: catalogue name without region", args: []string{"--checks", "logs"}, want: report.ExitUsage},
		{name: "usage: bad AWS_REGION", setup: func(h *harness) { h.env["AWS_REGION"] = "nowhere" }, args: []string{"--checks", "logs"}, want: report.ExitUsage},
		{name: "AWS_REGION fallback", setup: func(h *harness) { h.env["AWS_REGION"] = "us-east-1" }, args: []string{"--checks", "logs"}, want: report.ExitOK},
		{name: "usage: SSL_CERT_FILE missing", setup: func(h *harness) { h.env["SSL_CERT_FILE"] = "/nonexistent.pem" }, args: []string{"--checks", "logs", "--region", "us-east-1"}, want: report.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := goodVPC(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			code, stdout, stderr := h.run(append([]string{"check"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			if code == report.ExitUsage && !strings.Contains(stderr, "configuration error") {
				t.Errorf("usage error without explanation on stderr:\n%s", stderr)
			}
		})
	}
}

func TestMetadataCheckReportsItsDuration(t *testing.T) {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	_, stdout, _ := h.run("check", "--checks", "logs", "--output", "json")
	var rep struct {
		Checks []struct {
			Check           string  `json:"check"`
			DurationSeconds float64 `json:"duration_seconds"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) == 0 || rep.Checks[0].Check != "metadata" || rep.Checks[0].DurationSeconds <= 0 {
		t.Errorf("metadata row %+v; want a positive duration_seconds", rep.Checks)
	}
}

func TestUsageErrorsNameTheInput(t *testing.T) {
	h := goodVPC(t)
	h.env["PREFLIGHT_OUTPUT"] = "yaml"
	code, _, stderr := h.run("check", "--checks", "nope,logs=maybe", "--timeout", "0s")
	if code != report.ExitUsage {
		t.Fatalf("exit %d; want 2", code)
	}
	for _, want := range []string{`flag --checks "nope,logs=maybe"`, `unknown service "nope"`, `unknown expectation "maybe"`, `flag --timeout "0s"`, `environment variable PREFLIGHT_OUTPUT "yaml": want text, json, sarif, junit or html`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
	delete(h.env, "PREFLIGHT_OUTPUT")
	code, _, stderr = h.run("check")
	if code != report.ExitUsage || !strings.Contains(stderr, "--checks ecr,logs,s3 --region") {
		t.Errorf("auto outside ECS: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestCommands(t *testing.T) {
	h := goodVPC(t)
	for _, tt := range []struct {
		args       []string
		want       int
		wantStdout string
	}{
		{args: []string{"version"}, want: 0, wantStdout: "preflight dev"},
		{args: []string{"help"}, want: 0, wantStdout: "Commands:"},
		{args: []string{"check", "-h"}, want: 0},
		{args: []string{"frobnicate"}, want: 2},
		{args: []string{"endpoints", "--checks", "ecr,secretsmanager:8443=any", "--region", "cn-north-1", "--account", "111122223333"}, want: 0,
			wantStdout: "cn.com.amazonaws.cn-north-1.ecr.dkr"},
		{args: []string{"endpoints", "--checks", "ecr"}, want: 2},
		// Target names as reports print them are entries too.
		{args: []string{"endpoints", "--checks", "logs@us-west-2", "--region", "us-east-1"}, want: 0,
			wantStdout: "logs@us-west-2  logs.us-west-2.amazonaws.com"},
		{args: []string{"endpoints", "--checks", "ecr.dkr@111122223333.eu-west-1", "--region", "us-east-1", "--account", "123456789012"}, want: 0,
			wantStdout: "ecr.dkr@111122223333.eu-west-1  111122223333.dkr.ecr.eu-west-1.amazonaws.com"},
	} {
		code, stdout, stderr := h.run(tt.args...)
		if code != tt.want || !strings.Contains(stdout, tt.wantStdout) {
			t.Errorf("%v: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d and %q", tt.args, code, stdout, stderr, tt.want, tt.wantStdout)
		}
	}
	code := run(context.Background(), nil, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
	if code != report.ExitUsage {
		t.Errorf("no arguments: exit %d; want 2", code)
	}
}

var (
	portPattern     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	elapsedPattern  = regexp.MustCompile(`in [0-9.]+(ns|µs|ms|s)\.`)
	datePattern     = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(T[0-9:.]+Z)?`)
	tmdsPortPattern = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
)

func normalize(s string) string {
	s = tmdsPortPattern.ReplaceAllString(s, "http://TMDS")
	s = portPattern.ReplaceAllString(s, "127.0.0.1:PORT")
	s = elapsedPattern.ReplaceAllString(s, "in ELAPSED.")
	return datePattern.ReplaceAllString(s, "DATE")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// goldenScenario: in ECS (Fargate metadata), ecr.dkr without an endpoint
// (public answer), one ecr.api interface blackholed, S3 through a CNAME,
// egress to blocked.example closed, and a resolver that is not the VPC's.
func goldenScenario(t *testing.T) *harness {
	h := goodVPC(t)
	h.metadata("fargate-task.json")
	h.dns.Set(dkrHost, dnstest.Records{A: []string{"198.51.100.20"}})
	h.net.Blackhole("198.51.100.20")
	h.net.Blackhole("127.0.0.3")
	return h
}

func TestCheckTextGolden(t *testing.T) {
	h := goldenScenario(t)
	code, stdout, _ := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked")
	if code != report.ExitDNSPosture {
		t.Errorf("exit %d; want %d", code, report.ExitDNSPosture)
	}
	golden(t, "check.txt", normalize(stdout))
	assertFits(t, stdout)
}

// assertFits fails for every line of a text report wider than
// report.TextWidth.
func assertFits(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > report.TextWidth {
			t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, report.TextWidth, line)
		}
	}
}

// TestCheckProblemsGolden: --only problems prints the failing and warning
// rows of the golden scenario, and the summary counts the others.
func TestCheckProblemsGolden(t *testing.T) {
	h := goldenScenario(t)
	code, stdout, _ := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked", "--only", "problems")
	if code != report.ExitDNSPosture {
		t.Errorf("exit %d; want %d", code, report.ExitDNSPosture)
	}
	golden(t, "check-problems.txt", normalize(stdout))
	assertFits(t, stdout)
}

func TestCheckJSONGolden(t *testing.T) {
	h := goldenScenario(t)
	code, stdout, _ := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked", "--output", "json")
	if code != report.ExitDNSPosture {
		t.Errorf("exit %d; want %d", code, report.ExitDNSPosture)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	rep["duration_seconds"] = 0
	for _, c := range rep["checks"].([]any) {
		check := c.(map[string]any)
		check["duration_seconds"] = 0
	}
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "check.json", normalize(string(out))+"\n")
	if rep["ok"] != false || rep["exit_code"] != float64(report.ExitDNSPosture) || rep["in_ecs"] != true || rep["region"] != "us-east-1" || rep["account"] != "111122223333" {
		t.Errorf("header fields wrong: %v", rep)
	}
}

type fakeFinder []probe.NetworkInterface

func (f fakeFinder) FindByPrivateIP(context.Context, string) ([]probe.NetworkInterface, error) {
	return f, nil
}

func TestPublicIPExitCodes(t *testing.T) {
	const mac = "0e:9e:32:c7:48:85"
	tests := []struct {
		name  string
		ec2   probe.InterfaceFinder
		creds bool
		args  []string
		want  int
	}{
		{name: "present, deny", ec2: fakeFinder{{ID: "eni-1", MACAddress: mac, PublicIP: "203.0.113.50"}}, creds: true, want: report.ExitPublicIP},
		{name: "present, warn", ec2: fakeFinder{{ID: "eni-1", MACAddress: mac, PublicIP: "203.0.113.50"}}, creds: true, args: []string{"--public-ip", "warn"}, want: report.ExitOK},
		{name: "present, off", ec2: fakeFinder{{ID: "eni-1", MACAddress: mac, PublicIP: "203.0.113.50"}}, creds: true, args: []string{"--public-ip", "off"}, want: report.ExitOK},
		{name: "none", ec2: fakeFinder{{ID: "eni-1", MACAddress: mac}}, creds: true, args: []string{"--public-ip", "strict"}, want: report.ExitOK},
		{name: "no task role, deny", want: report.ExitOK},
		{name: "no task role, strict", args: []string{"--public-ip", "strict"}, want: report.ExitPublicIPUnk},
		{name: "present and a connect failure: the smaller code wins", ec2: fakeFinder{{ID: "eni-1", MACAddress: mac, PublicIP: "203.0.113.50"}}, creds: true,
			args: []string{"--checks", "logs,127.0.0.1:1"}, want: report.ExitConnect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := goodVPC(t)
			h.metadata("fargate-task.json")
			h.ec2 = tt.ec2
			if tt.creds {
				h.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc"
			}
			args := append([]string{"check", "--checks", "logs", "--output", "json"}, tt.args...)
			code, stdout, stderr := h.run(args...)
			if code != tt.want {
				t.Fatalf("exit %d; want %d\n%s\n%s", code, tt.want, stdout, stderr)
			}
			hasRow := strings.Contains(stdout, `"check": "public_ip"`)
			if off := strings.Contains(strings.Join(tt.args, " "), "off"); hasRow == off {
				t.Errorf("public_ip row present = %v with args %v", hasRow, tt.args)
			}
		})
	}
}

// TestInterruptedCheckIsNotAVerdict: a signal during the run (here, the
// context cancelled while the resolver is silent) exits 1 and says why,
// never a failure class such as 10 that would blame the resolver.
func TestInterruptedCheckIsNotAVerdict(t *testing.T) {
	h := newHarness(t, dnstest.Zone{logsHost: {Drop: true}})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var out bytes.Buffer
	code, _, _ := h.runCtx(ctx, &out, "check", "--checks", "logs", "--account", "111122223333", "--wait", "10s", "--output", "json")
	if code != report.ExitInternal {
		t.Fatalf("exit %d; want %d\n%s", code, report.ExitInternal, out.String())
	}
	var rep report.JSON
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	last := rep.Checks[len(rep.Checks)-1]
	if last.Check != report.CheckInternal || !strings.Contains(last.Error, "interrupted") || last.Hint == "" {
		t.Errorf("last row %+v; want an internal row saying interrupted, with a hint", last.Result)
	}
}

// TestEndpointsDoesNotHideAMetadataFailure: with the metadata endpoint
// unreachable, auto derives nothing; endpoints must not print a short list
// and exit 0 as if it were the real one.
func TestEndpointsDoesNotHideAMetadataFailure(t *testing.T) {
	h := goodVPC(t)
	h.env["ECS_CONTAINER_METADATA_URI_V4"] = "http://" + freePort(t) + "/v4/x"
	code, _, stderr := h.run("endpoints", "--checks", "auto,logs", "--region", "us-east-1")
	if code != report.ExitMetadata {
		t.Errorf("exit %d; want %d", code, report.ExitMetadata)
	}
	if !strings.Contains(stderr, "task metadata failure") || !strings.Contains(stderr, "hint:") {
		t.Errorf("stderr %q; want the metadata error and its hint", stderr)
	}
}

// TestCertFileIsReadOnlyForTLSChecks: a stale SSL_CERT_FILE must not stop a
// run that makes no handshake.
func TestCertFileIsReadOnlyForTLSChecks(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no TLS target", []string{"--checks", "blocked.example:80=blocked"}, report.ExitOK},
		{"TLS off", []string{"--checks", "blocked.example=blocked", "--tls=false"}, report.ExitOK},
		// An address literal has no name to verify: its TLS row is a skip
		// and no handshake needs the roots.
		{"address literal on 443", []string{"--checks", "127.0.0.4:443=private", "--region", "us-east-1"}, report.ExitOK},
		{"TLS target", []string{"--checks", "logs", "--region", "us-east-1"}, report.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := goodVPC(t)
			h.env["SSL_CERT_FILE"] = "/nonexistent/ca.pem"
			code, stdout, stderr := h.run(append([]string{"check"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit %d; want %d\n%s%s", code, tt.want, stdout, stderr)
			}
			if tt.want == report.ExitUsage && !strings.Contains(stderr, "SSL_CERT_FILE") {
				t.Errorf("stderr %q; want it to name SSL_CERT_FILE", stderr)
			}
		})
	}
}

// TestQuietByDefault: at info, a failing run's stderr holds one line per
// failing check and the summary; retries and warnings are debug.
func TestQuietByDefault(t *testing.T) {
	h := goodVPC(t)
	h.dns.Set(logsHost, dnstest.Records{Rcode: "NXDOMAIN"})
	code, _, stderr := h.run("check", "--checks", "logs,ecr", "--region", "us-east-1", "--account", "111122223333", "--wait", "700ms")
	if code != report.ExitDNS {
		t.Fatalf("exit %d; want %d", code, report.ExitDNS)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "check failed") || !strings.Contains(lines[1], "preflight finished") {
		t.Errorf("stderr at info has %d lines; want 2 (the failure and the summary):\n%s", len(lines), stderr)
	}
	_, _, debug := h.run("check", "--checks", "logs", "--region", "us-east-1", "--wait", "700ms", "--log-level", "debug")
	if !strings.Contains(debug, "retrying") {
		t.Errorf("stderr at debug lacks the retries:\n%s", debug)
	}
}

// TestTerminalLogDoesNotRepeatTheReport: where the report and the log share
// a terminal, the log at info says nothing the report says (each failure,
// the summary); elsewhere (an init container's log) every failure has its
// line. At debug the lines are there either way.
func TestTerminalLogDoesNotRepeatTheReport(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		level    string
		// want are the messages of stderr's lines, in order.
		want []string
	}{
		{"not a terminal", false, "info", []string{"check failed", "check failed", "preflight finished"}},
		{"terminal", true, "info", nil},
		{"terminal, debug", true, "debug", []string{"checking", "check failed", "check failed", "preflight finished"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := goodVPC(t)
			h.terminal = tt.terminal
			h.dns.Set(logsHost, dnstest.Records{Rcode: "NXDOMAIN"})
			h.dns.Set(s3Host, dnstest.Records{Rcode: "NXDOMAIN"})
			code, _, stderr := h.run("check", "--checks", "logs,s3", "--region", "us-east-1", "--log-level", tt.level, "--public-ip", "off")
			if code != report.ExitDNS {
				t.Fatalf("exit %d; want %d\n%s", code, report.ExitDNS, stderr)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var entry struct{ Msg string }
				if line == "" {
					continue
				}
				if err := json.Unmarshal([]byte(line), &entry); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if entry.Msg != "retrying" && entry.Msg != "check warning" {
					got = append(got, entry.Msg)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("log messages %q; want %q\n%s", got, tt.want, stderr)
			}
		})
	}
}

// TestEntriesForOneAddress: an explicit entry wins over a derived one or a
// catalogue default and the report says so; two explicit expectations for
// one address are a usage error naming both.
func TestEntriesForOneAddress(t *testing.T) {
	t.Run("explicit over auto", func(t *testing.T) {
		h := goodVPC(t)
		h.metadata("fargate-task.json")
		code, stdout, _ := h.run("check", "--checks", "auto,ecr.api=any", "--output", "json", "--public-ip", "off")
		var rep report.JSON
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("exit %d: %v\n%s", code, err, stdout)
		}
		var expect, note string
		for _, c := range rep.Checks {
			if c.Check == report.CheckDNS && c.Host == apiHost {
				expect = c.Expect
			}
			if c.Check == report.CheckPlan && strings.Contains(c.Detail, "ecr.api=any") {
				note = c.Detail
			}
		}
		if expect != "any" || !strings.Contains(note, "auto (image") {
			t.Errorf("ecr.api expect %q, note %q; want any, and a plan row naming both entries", expect, note)
		}
	})
	t.Run("explicit over bundle member", func(t *testing.T) {
		h := goodVPC(t)
		_, stdout, _ := h.run("check", "--checks", "ecr,ecr.api=public", "--region", "us-east-1", "--account", "111122223333", "--output", "json")
		if !strings.Contains(stdout, `"expect": "public"`) || !strings.Contains(stdout, "is checked as ecr.api=public; ecr is not") {
			t.Errorf("want ecr.api checked as public with a plan row saying so:\n%s", stdout)
		}
	})
	t.Run("conflicting explicit entries", func(t *testing.T) {
		h := goodVPC(t)
		code, _, stderr := h.run("check", "--checks", "example.com=blocked,example.com=any")
		if code != report.ExitUsage || !strings.Contains(stderr, `"example.com=blocked" and "example.com=any"`) {
			t.Errorf("exit %d, %q; want 2 naming both entries", code, stderr)
		}
	})
}

// TestUsageErrorsAreEscaped: an input echoed in a usage error is escaped
// like the report: an embedded newline cannot add a problem line or a log
// record, and bidirectional controls cannot reorder what the terminal
// shows.
func TestUsageErrorsAreEscaped(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string // an escaped fragment the problem line holds
	}{
		{"newline in a flag name", []string{"check", "--bogus\n  - flag --wait: ok\n{\"level\":\"info\",\"msg\":\"all checks passed\"}", "--region", "us-east-1"}, `--bogus\n  - flag --wait: ok\n{`},
		{"carriage return", []string{"check", "--x\rpass", "--region", "us-east-1"}, `--x\rpass`},
		{"bidi override in a flag name", []string{"check", "--\u202egnp.exe", "--region", "us-east-1"}, `--\u202egnp.exe`},
		{"bidi isolate", []string{"check", "--a\u2066b\u2069", "--region", "us-east-1"}, `--a\u2066b\u2069`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runPlain(tt.args...)
			if code != report.ExitUsage {
				t.Fatalf("got exit %d; want %d", code, report.ExitUsage)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			problems := 0
			for i, l := range lines {
				switch {
				case i == 0 && l == "preflight check: configuration error:":
				case i == len(lines)-1 && strings.HasPrefix(l, "Run 'preflight check --help'"):
				case strings.HasPrefix(l, "  - "):
					problems++
				default:
					t.Errorf("got line %d %q; want only the header, problem lines and the help pointer", i, l)
				}
			}
			if problems != 1 {
				t.Errorf("got %d problem lines; want 1:\n%s", problems, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("got %q; want it to hold %q", stderr, tt.want)
			}
			if strings.ContainsAny(stderr, "\r\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
				t.Errorf("got %q; want no carriage return or bidi control", stderr)
			}
		})
	}
}
