package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/report"
)

// benchServices are the 12 targets of the benchmark: the ecr bundle (3)
// and nine interface or gateway services.
var benchServices = []string{"ecr", "logs", "s3", "secretsmanager", "ssm", "kms", "sts", "sqs", "sns", "monitoring"}

// BenchmarkCheck12Targets runs a whole `preflight check` (configuration,
// planning, DNS + connect + TLS on 12 targets with 2 addresses each except
// S3, report rendering) against in-process servers on loopback.
func BenchmarkCheck12Targets(b *testing.B) {
	zone := dnstest.Zone{}
	h := newHarness(b, zone)
	hosts := []string{
		"api.ecr.us-east-1.amazonaws.com", "111122223333.dkr.ecr.us-east-1.amazonaws.com",
		"prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com",
	}
	for _, s := range benchServices[1:] {
		if s != "s3" {
			hosts = append(hosts, s+".us-east-1.amazonaws.com")
		}
	}
	if len(hosts) != 12 {
		b.Fatalf("got %d hosts; want 12", len(hosts))
	}
	for i, host := range hosts {
		a1, a2 := fmt.Sprintf("127.0.2.%d", 2*i+1), fmt.Sprintf("127.0.2.%d", 2*i+2)
		h.dns.Set(host, dnstest.Records{A: []string{a1, a2}})
		h.endpoint(a1, host)
		h.endpoint(a2, host)
	}
	args := []string{"check", "--checks", strings.Join(benchServices, ","), "--region", "us-east-1", "--account", "111122223333", "--log-level", "error", "--output", "json"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code, stdout, _ := h.run(args...)
		if code != report.ExitOK {
			b.Fatalf("exit %d:\n%s", code, stdout)
		}
	}
}

// BenchmarkCheck200Targets runs a whole `preflight check` on 200 private
// targets (two loopback addresses each, DNS + connect, no TLS) with the
// JSON report: configuration, planning, probing and rendering in process.
func BenchmarkCheck200Targets(b *testing.B) {
	h := newHarness(b, dnstest.Zone{})
	checks := make([]string, 200)
	for i := range checks {
		host := fmt.Sprintf("svc%d.perf.internal", i)
		a1, a2 := fmt.Sprintf("127.0.%d.%d", 10+i/125, 2*(i%125)+1), fmt.Sprintf("127.0.%d.%d", 10+i/125, 2*(i%125)+2)
		h.dns.Set(host, dnstest.Records{A: []string{a1, a2}})
		h.endpoint(a1, host)
		h.endpoint(a2, host)
		checks[i] = host + ":5432=private"
	}
	args := []string{"check", "--checks", strings.Join(checks, ","), "--region", "us-east-1", "--account", "111122223333", "--public-ip", "off", "--timeout", "2s", "--log-level", "error", "--output", "json"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code, stdout, _ := h.run(args...)
		if code != report.ExitOK {
			b.Fatalf("exit %d:\n%s", code, stdout)
		}
	}
}

// BenchmarkScrape20Targets measures /metrics scrapes over loopback HTTP
// with 20 targets' series (and the Go and process collectors), reporting
// the 99th percentile.
func BenchmarkScrape20Targets(b *testing.B) {
	h := newHarness(b, dnstest.Zone{"*": {A: []string{"127.0.3.1"}}})
	h.endpoint("127.0.3.1", "*.us-east-1.amazonaws.com", "111122223333.dkr.ecr.us-east-1.amazonaws.com", "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com")
	var entries []string
	for _, s := range config.Services() {
		if !strings.HasPrefix(s.Name, "ecr.") && s.Probeable() {
			entries = append(entries, s.Name)
		}
	}
	entries = append(entries, "ecr", "example.com=blocked")
	cfg, err := config.Load("serve", []string{"--checks", strings.Join(entries, ","), "--resolver", h.dns.Addr(), "--region", "us-east-1", "--account", "111122223333", "--public-ip", "off",
		"--private-cidrs", "127.0.0.0/8"}, func(k string) string { return h.env[k] })
	if err != nil {
		b.Fatal(err)
	}
	d := deps{dialer: h.net, resolvConf: "/nonexistent", now: time.Now, newEC2: h.newEC2}
	in := d.planInputs(func(k string) string { return h.env[k] }, zap.NewNop())
	p, err := plan.Build(context.Background(), cfg, in)
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Targets) != 20 {
		b.Fatalf("got %d targets; want 20", len(p.Targets))
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s, err := newSidecar(cfg, p, in, d, zap.NewNop(), reg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	s.cycle(context.Background())
	srv := httptest.NewServer(s.handler(reg))
	defer srv.Close()
	client := srv.Client()
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := client.Get(srv.URL + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}
