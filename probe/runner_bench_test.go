package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/probe/nettest"
	"github.com/preflight-dev/preflight/probe/tlstest"
)

// BenchmarkRunner12Targets measures the runner alone: 12 catalogue targets,
// two endpoint addresses each, DNS + connect + TLS against in-process
// servers on loopback. No configuration, planning or rendering.
func BenchmarkRunner12Targets(b *testing.B) {
	ca, err := tlstest.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	services := []string{"ecr", "logs", "s3", "secretsmanager", "ssm", "kms", "sts", "sqs", "sns", "monitoring"}
	var entries []config.Entry
	for _, s := range services {
		entries = append(entries, config.Entry{Name: s})
	}
	targets, err := config.Expand(entries, "us-east-1", "111122223333")
	if err != nil || len(targets) != 12 {
		b.Fatalf("Expand: %d targets, %v", len(targets), err)
	}
	zone := dnstest.Zone{}
	nt := nettest.New()
	for i, t := range targets {
		a1, a2 := fmt.Sprintf("127.0.3.%d", 2*i+1), fmt.Sprintf("127.0.3.%d", 2*i+2)
		zone[t.Host] = dnstest.Records{A: []string{a1, a2}}
		cert, err := ca.IssueValid(t.Host)
		if err != nil {
			b.Fatal(err)
		}
		nt.ServeTLS(b, a1, cert)
		nt.ServeTLS(b, a2, cert)
	}
	srv := dnstest.Start(b, zone)
	benchRun(b, srv, nt, &tls.Config{RootCAs: ca.Pool(), CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}}, targets)
}

// BenchmarkRunner200Targets measures the runner alone on 200 private
// targets (two loopback addresses each, DNS + connect, no TLS): the
// per-target cost of lookups, dials and result rows.
//
//	go test -run XXX -bench Runner200 -cpuprofile cpu.out -memprofile mem.out ./probe
func BenchmarkRunner200Targets(b *testing.B) {
	ca, err := tlstest.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	cert, err := ca.IssueValid("perf.internal")
	if err != nil {
		b.Fatal(err)
	}
	zone := dnstest.Zone{}
	nt := nettest.New()
	targets := make([]config.Target, 200)
	for i := range targets {
		host := fmt.Sprintf("svc%d.perf.internal", i)
		a1, a2 := fmt.Sprintf("127.0.%d.%d", 10+i/125, 2*(i%125)+1), fmt.Sprintf("127.0.%d.%d", 10+i/125, 2*(i%125)+2)
		zone[host] = dnstest.Records{A: []string{a1, a2}}
		// Plain dials: the TLS listener accepts and nothing more happens.
		nt.ServeTLS(b, a1, cert)
		nt.ServeTLS(b, a2, cert)
		targets[i] = config.Target{Name: host, Host: host, Port: 5432, Expect: config.ExpectPrivate}
	}
	srv := dnstest.Start(b, zone)
	benchRun(b, srv, nt, &tls.Config{RootCAs: ca.Pool()}, targets)
}

// benchRun times a runner over targets against srv and nt; every row
// must pass.
func benchRun(b *testing.B, srv *dnstest.Server, nt *nettest.Net, tlsConfig *tls.Config, targets []config.Target) {
	r := &Runner{
		Resolver:       NewResolver([]string{srv.Addr()}, time.Second),
		Dialer:         nt,
		Classifier:     Classifier{Private: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		TLSConfig:      tlsConfig,
		Timeout:        time.Second,
		Logger:         zap.NewNop(),
		Now:            time.Now,
		InitialBackoff: 10 * time.Millisecond,
		MaxBackoff:     50 * time.Millisecond,
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		results := r.Run(context.Background(), r.Targets(targets), time.Time{})
		for _, res := range results {
			if res.Failed() {
				b.Fatalf("%s %s: %s", res.Check, res.Target, res.Error)
			}
		}
	}
}
