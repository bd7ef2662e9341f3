package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/probe/dnstest"
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
		if code != exitOK {
			b.Fatalf("exit %d:\n%s", code, stdout)
		}
	}
}
