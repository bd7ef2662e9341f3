package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/report"
)

// natVPC is goodVPC without interface endpoints for ECR and with the
// gateway endpoint missing too: api.ecr and s3 resolve to public addresses
// that answer through a "NAT gateway" (a TLS server on loopback), as in
// the AWS CDK's default VPC.
func natVPC(t *testing.T) *harness {
	h := goodVPC(t)
	h.dns.Set(apiHost, dnstest.Records{A: []string{"203.0.113.10"}})
	h.dns.Set(s3Host, dnstest.Records{A: []string{"203.0.113.12"}})
	h.net.ServeTLSVia(t, "203.0.113.10", "127.0.2.1", mustCert(t, h, apiHost))
	h.net.ServeTLSVia(t, "203.0.113.12", "127.0.2.2", mustCert(t, h, s3Host))
	return h
}

func mustCert(t *testing.T, h *harness, names ...string) tls.Certificate {
	t.Helper()
	c, err := h.ca.IssueValid(names...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckPublicPath: check judges a public path as audit does: a public
// answer for a name an interface endpoint would answer privately fails
// with exit 11 and says how to accept it; --public-path warn (or its
// variable) and an entry NAME=any, given or over a need auto derived, make
// the row a warning that names the addresses, the endpoint and the entry
// that won; S3's public answers stay a pass.
func TestCheckPublicPath(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		auto   bool
		args   []string
		want   int
		host   string // the DNS row to read
		status report.Status
		// wantError are substrings of that row's error.
		wantError []string
	}{
		{name: "default fails", args: []string{"--checks", "ecr.api"}, want: report.ExitDNSPosture, host: apiHost, status: report.StatusFail,
			wantError: []string{"resolves to public 203.0.113.10; expected private", "to accept the path, run with --public-path warn, or --checks ecr.api=any for this need alone"}},
		{name: "--public-path fail", args: []string{"--checks", "ecr.api", "--public-path", "fail"}, want: report.ExitDNSPosture, host: apiHost, status: report.StatusFail},
		{name: "--public-path warn", args: []string{"--checks", "ecr.api", "--public-path", "warn"}, want: report.ExitOK, host: apiHost, status: report.StatusWarn,
			wantError: []string{"accepted by --public-path warn", "not private; an interface endpoint for com.amazonaws.us-east-1.ecr.api would keep it in the VPC", "NAT gateway data processing charges apply to image pulls"}},
		{name: "PREFLIGHT_PUBLIC_PATH", env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, args: []string{"--checks", "ecr.api"}, want: report.ExitOK, host: apiHost, status: report.StatusWarn,
			wantError: []string{"accepted by --public-path warn"}},
		{name: "flag over variable", env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, args: []string{"--checks", "ecr.api", "--public-path", "fail"}, want: report.ExitDNSPosture, host: apiHost, status: report.StatusFail},
		{name: "derived need fails", auto: true, args: []string{"--checks", "auto"}, want: report.ExitDNSPosture, host: apiHost, status: report.StatusFail,
			wantError: []string{"--checks ecr.api=any for this need alone"}},
		{name: "entry wins over the derived need", auto: true, args: []string{"--checks", "auto,ecr.api=any"}, want: report.ExitOK, host: apiHost, status: report.StatusWarn,
			wantError: []string{"(relaxed by ecr.api=any): not private"}},
		{name: "entry from PREFLIGHT_CHECKS wins too", auto: true, env: map[string]string{"PREFLIGHT_CHECKS": "auto,ecr.api=any"}, want: report.ExitOK, host: apiHost, status: report.StatusWarn,
			wantError: []string{"relaxed by ecr.api=any"}},
		{name: "s3 unchanged", args: []string{"--checks", "s3"}, want: report.ExitOK, host: s3Host, status: report.StatusPass},
		{name: "s3 unchanged under warn", args: []string{"--checks", "s3", "--public-path", "warn"}, want: report.ExitOK, host: s3Host, status: report.StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := natVPC(t)
			for k, v := range tt.env {
				h.env[k] = v
			}
			args := []string{"check", "--output", "json", "--public-ip", "off"}
			if tt.auto {
				// The task's other images (another region, a public
				// registry) have no answer here: only its own registry's
				// rows are judged below.
				h.metadata("fargate-task.json")
				h.dns.Set(dkrHost, dnstest.Records{A: []string{"127.0.0.2"}})
			} else {
				args = append(args, "--region", "us-east-1", "--account", "111122223333")
			}
			code, stdout, stderr := h.run(append(args, tt.args...)...)
			var rep report.JSON
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("exit %d: %v\n%s\n%s", code, err, stdout, stderr)
			}
			if !tt.auto && code != tt.want {
				t.Errorf("got exit %d; want %d\n%s", code, tt.want, stdout)
			}
			var row *report.Result
			for i, c := range rep.Checks {
				if c.Check == report.CheckDNS && c.Host == tt.host {
					row = &rep.Checks[i].Result
				}
			}
			if row == nil {
				t.Fatalf("no DNS row for %s:\n%s", tt.host, stdout)
			}
			if row.Status != tt.status {
				t.Fatalf("got %s status %s (%s); want %s", tt.host, row.Status, row.Error, tt.status)
			}
			if tt.status != report.StatusPass && row.Class != report.ClassDNSPosture {
				t.Errorf("got class %q; want %q", row.Class, report.ClassDNSPosture)
			}
			for _, w := range tt.wantError {
				if !strings.Contains(row.Error, w) {
					t.Errorf("got error %q; want it to contain %q", row.Error, w)
				}
			}
		})
	}
}

// TestServePublicPath: serve runs the same rule: by default a public
// answer for ecr.api fails the cycle (not ready); under --public-path warn
// the row warns and the sidecar is ready, its success gauge 1 and its
// warn status series set.
func TestServePublicPath(t *testing.T) {
	for _, tt := range []struct {
		name           string
		args           []string
		ready, success float64
		status         string
	}{
		{name: "default", args: nil, ready: 0, success: 0, status: "fail"},
		{name: "warn", args: []string{"--public-path", "warn"}, ready: 1, success: 1, status: "warn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := natVPC(t)
			s, _ := h.newSidecar(t, append([]string{"--checks", "ecr.api", "--public-ip", "off"}, tt.args...)...)
			s.cycle(context.Background())
			if got := testutil.ToFloat64(s.metrics.ready); got != tt.ready {
				t.Errorf("got preflight_ready %v; want %v", got, tt.ready)
			}
			if got := testutil.ToFloat64(s.metrics.success.WithLabelValues("dns", "ecr.api")); got != tt.success {
				t.Errorf("got preflight_check_success{check=\"dns\"} %v; want %v", got, tt.success)
			}
			if got := testutil.ToFloat64(s.metrics.status.WithLabelValues("dns", "ecr.api", tt.status)); got != 1 {
				t.Errorf("got preflight_check_status{check=\"dns\",status=%q} %v; want 1", tt.status, got)
			}
		})
	}
}
