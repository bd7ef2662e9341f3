package probe

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/probe/dnstest"
)

func TestResolverLookup(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{
		"private.example":   {A: []string{"10.0.1.5", "10.0.2.5"}},
		"public.example":    {A: []string{"203.0.113.7"}},
		"mixed.example":     {A: []string{"10.0.1.5"}, AAAA: []string{"2001:db8::7"}},
		"v6only.example":    {AAAA: []string{"fd00:10::5"}},
		"alias.example":     {CNAME: "hop.example"},
		"hop.example":       {CNAME: "private.example"},
		"stub.example":      {CNAME: "private.example", NoFollow: true},
		"loop.example":      {CNAME: "loop2.example"},
		"loop2.example":     {CNAME: "loop.example"},
		"truncated.example": {A: []string{"10.9.9.9"}, Truncate: true},
		"stubloop.example":  {CNAME: "stubloop2.example", NoFollow: true},
		"stubloop2.example": {CNAME: "stubloop.example", NoFollow: true},
		"c0.example":        {CNAME: "c1.example"},
		"c1.example":        {CNAME: "c2.example"},
		"c2.example":        {CNAME: "c3.example"},
		"c3.example":        {CNAME: "c4.example"},
		"c4.example":        {CNAME: "c5.example"},
		"c5.example":        {CNAME: "c6.example"},
		"c6.example":        {CNAME: "c7.example"},
		"c7.example":        {CNAME: "c8.example"},
		"c8.example":        {CNAME: "c9.example"},
		"c9.example":        {CNAME: "c10.example"},
		"c10.example":       {A: []string{"10.0.1.9"}},
		"s0.example":        {CNAME: "s1.example", NoFollow: true},
		"s1.example":        {CNAME: "s2.example", NoFollow: true},
		"s2.example":        {CNAME: "s3.example", NoFollow: true},
		"s3.example":        {CNAME: "s4.example", NoFollow: true},
		"s4.example":        {CNAME: "s5.example", NoFollow: true},
		"s5.example":        {CNAME: "s6.example", NoFollow: true},
		"s6.example":        {CNAME: "s7.example", NoFollow: true},
		"s7.example":        {CNAME: "s8.example", NoFollow: true},
		"s8.example":        {CNAME: "s9.example", NoFollow: true},
		"s9.example":        {A: []string{"10.0.1.9"}},
		"servfail.example":  {Rcode: "SERVFAIL"},
		"refused.example":   {Rcode: "REFUSED"},
		"empty.example":     {},
		"garbage.example":   {Garbage: true},
		"silent.example":    {Drop: true},
	})
	tests := []struct {
		host      string
		want      string // space-separated addresses
		wantChain string
		wantErr   string
		wantRcode string
	}{
		{host: "private.example", want: "10.0.1.5 10.0.2.5"},
		{host: "public.example", want: "203.0.113.7"},
		{host: "mixed.example", want: "10.0.1.5 2001:db8::7"},
		{host: "v6only.example", want: "fd00:10::5"},
		{host: "alias.example", want: "10.0.1.5 10.0.2.5", wantChain: "hop.example. private.example."},
		{host: "stub.example", want: "10.0.1.5 10.0.2.5", wantChain: "private.example."},
		{host: "truncated.example", want: "10.9.9.9"},
		{host: "nonexistent.example", wantErr: "NXDOMAIN", wantRcode: "NXDOMAIN"},
		{host: "servfail.example", wantErr: "SERVFAIL", wantRcode: "SERVFAIL"},
		{host: "refused.example", wantErr: "REFUSED", wantRcode: "REFUSED"},
		{host: "empty.example", wantErr: "NOERROR with no A or AAAA records", wantRcode: "NOERROR"},
		{host: "loop.example", wantErr: "CNAME loop at loop.example", wantRcode: "NOERROR"},
		{host: "stubloop.example", wantErr: "CNAME loop at stubloop.example", wantRcode: "NOERROR"},
		{host: "c2.example", want: "10.0.1.9", wantChain: "c3.example. c4.example. c5.example. c6.example. c7.example. c8.example. c9.example. c10.example."},
		{host: "c1.example", wantErr: "CNAME chain longer than 8", wantRcode: "NOERROR"},
		{host: "s1.example", want: "10.0.1.9", wantChain: "s2.example. s3.example. s4.example. s5.example. s6.example. s7.example. s8.example. s9.example."},
		{host: "s0.example", wantErr: "CNAME chain longer than 8", wantRcode: "NOERROR"},
		{host: "garbage.example", wantErr: "lookup garbage.example on"},
		{host: "silent.example", wantErr: "i/o timeout"},
	}
	// Generous deadlines, except for the server that never answers, where the
	// deadline is the cause under test: on a loaded machine a slow answer must
	// not pass for a silent server.
	r := NewResolver([]string{srv.Addr()}, 10*time.Second)
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			deadline := 10 * time.Second
			if tt.host == "silent.example" {
				deadline = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			ans, err := r.Lookup(ctx, tt.host)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got err %v, answer %v; want error containing %q", err, ans, tt.wantErr)
				}
				var de *DNSError
				if !errors.As(err, &de) || de.Rcode != tt.wantRcode {
					t.Fatalf("got %#v; want DNSError with rcode %q", err, tt.wantRcode)
				}
				if want := strings.Contains(tt.wantErr, "timeout"); de.Timeout() != want {
					t.Errorf("Timeout() = %v; want %v (it picks the hint)", de.Timeout(), want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(addrStrings(ans.Addrs), " "); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
			if got := strings.Join(ans.Chain, " "); got != tt.wantChain {
				t.Errorf("got chain %q; want %q", got, tt.wantChain)
			}
		})
	}
	if srv.Queries("tcp") == 0 {
		t.Error("truncated reply was not retried over TCP")
	}
}

func TestResolverFallsBackToNextServer(t *testing.T) {
	dead := dnstest.Start(t, dnstest.Zone{"*": {Drop: true}})
	failing := dnstest.Start(t, dnstest.Zone{"*": {Rcode: "SERVFAIL"}})
	good := dnstest.Start(t, dnstest.Zone{"svc.example": {A: []string{"10.1.1.1"}}})
	// The dead server gets a third of the deadline; the rest is left, with
	// room to spare on a loaded machine, for the two that answer.
	r := NewResolver([]string{dead.Addr(), failing.Addr(), good.Addr()}, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	ans, err := r.Lookup(ctx, "svc.example")
	if err != nil {
		t.Fatal(err)
	}
	if ans.Server != good.Addr() || len(ans.Addrs) != 1 {
		t.Errorf("got %+v; want one address from %s", ans, good.Addr())
	}
	// NXDOMAIN is an answer: no fallback.
	nx := dnstest.Start(t, dnstest.Zone{})
	r = NewResolver([]string{nx.Addr(), good.Addr()}, time.Second)
	if _, err := r.Lookup(context.Background(), "svc.example"); err == nil || !strings.Contains(err.Error(), "NXDOMAIN") {
		t.Errorf("got %v; want NXDOMAIN from the first server", err)
	}
}

func TestClassifier(t *testing.T) {
	c := Classifier{Private: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("fc00::/7"),
	}}
	for addr, want := range map[string]bool{
		"10.1.2.3": true, "100.64.0.1": true, "100.128.0.1": false, "203.0.113.1": false,
		"fd00:ec2::253": true, "2001:db8::1": false, "::ffff:10.0.0.1": true, "::ffff:198.51.100.1": false,
		"fe80::1%eth0": false,
	} {
		if got := c.IsPrivate(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPrivate(%s) = %v; want %v", addr, got, want)
		}
	}
}
