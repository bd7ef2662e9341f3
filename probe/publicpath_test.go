package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/report"
)

// TestRunnerPublicPath: a public answer for a name an interface endpoint
// would answer privately fails as dns_posture by default and says how to
// accept it; --public-path warn and a NAME=any entry of the user's make it
// a warning that names the addresses and the endpoint; gateway services
// (S3) and services with no private option in another region stay as
// they were. The public addresses answer (through a "NAT gateway" on
// loopback), so only the DNS row carries the verdict.
func TestRunnerPublicPath(t *testing.T) {
	const (
		apiHost  = "api.ecr.us-east-1.amazonaws.com"
		logsHost = "logs.us-east-1.amazonaws.com"
		s3Host   = "s3.us-east-1.amazonaws.com"
		westLogs = "logs.us-west-2.amazonaws.com"
		westAPI  = "api.ecr.us-west-2.amazonaws.com"
	)
	fx := newFixture(t, dnstest.Zone{
		apiHost:  {A: []string{"203.0.113.10"}},
		logsHost: {A: []string{"203.0.113.11"}},
		s3Host:   {A: []string{"203.0.113.12"}},
		westLogs: {A: []string{"203.0.113.13"}},
		westAPI:  {A: []string{"203.0.113.14"}},
	})
	fx.net.ServeTLSVia(t, "203.0.113.10", "127.0.0.2", fx.cert(t, apiHost))
	fx.net.ServeTLSVia(t, "203.0.113.11", "127.0.0.3", fx.cert(t, logsHost))
	fx.net.ServeTLSVia(t, "203.0.113.12", "127.0.0.4", fx.cert(t, s3Host))
	fx.net.ServeTLSVia(t, "203.0.113.13", "127.0.0.5", fx.cert(t, westLogs))
	fx.net.ServeTLSVia(t, "203.0.113.14", "127.0.0.6", fx.cert(t, westAPI))

	tests := []struct {
		name   string
		entry  string
		policy string
		want   string
		// wantError are substrings of the DNS row's error; noError must
		// not be in it.
		wantError []string
		noError   string
		wantHint  string
	}{
		{name: "default fails and says how to accept", entry: "ecr.api", want: "dns:fail:dns_posture connect:pass: tls:pass:",
			wantError: []string{"resolves to public 203.0.113.10; expected private", "only over a public path (a NAT or internet gateway)",
				"to accept the path, run with --public-path warn, or --checks ecr.api=any for this need alone"},
			noError: "not private", wantHint: "com.amazonaws.us-east-1.ecr.api"},
		{name: "fail policy as default", entry: "logs", policy: config.PublicPathFail, want: "dns:fail:dns_posture connect:pass: tls:pass:",
			wantError: []string{"--checks logs=any for this need alone"}},
		{name: "warn policy, image pulls", entry: "ecr.api", policy: config.PublicPathWarn, want: "dns:warn:dns_posture connect:pass: tls:pass:",
			wantError: []string{"resolves to public 203.0.113.10", "(accepted by --public-path warn): not private; an interface endpoint for com.amazonaws.us-east-1.ecr.api would keep it in the VPC",
				"NAT gateway data processing charges apply to image pulls"},
			noError: "to accept the path", wantHint: "com.amazonaws.us-east-1.ecr.api"},
		{name: "warn policy, logs: no image pulls", entry: "logs", policy: config.PublicPathWarn, want: "dns:warn:dns_posture connect:pass: tls:pass:",
			wantError: []string{"not private; an interface endpoint for com.amazonaws.us-east-1.logs would keep it in the VPC"}, noError: "image pulls"},
		{name: "entry relaxes", entry: "ecr.api=any", want: "dns:warn:dns_posture connect:pass: tls:pass:",
			wantError: []string{"(relaxed by ecr.api=any): not private; an interface endpoint for com.amazonaws.us-east-1.ecr.api"}},
		{name: "bundle entry relaxes its members", entry: "ecr=any", want: "dns:warn:dns_posture connect:pass: tls:pass:",
			wantError: []string{"relaxed by ecr=any"}},
		{name: "s3: gateway, public answers are its own", entry: "s3", want: "dns:pass: connect:pass: tls:pass:"},
		{name: "s3 under warn", entry: "s3", policy: config.PublicPathWarn, want: "dns:pass: connect:pass: tls:pass:"},
		{name: "s3=any", entry: "s3=any", want: "dns:pass: connect:pass: tls:pass:"},
		{name: "cross-Region endpoint serves ECR", entry: "ecr.api@us-west-2", policy: config.PublicPathWarn, want: "dns:warn:dns_posture connect:pass: tls:pass:",
			wantError: []string{"a cross-Region interface endpoint for com.amazonaws.us-west-2.ecr.api would keep it in the VPC"}},
		{name: "logs in another region: no private option, as before", entry: "logs@us-west-2", policy: config.PublicPathWarn, want: "dns:fail:dns_posture connect:pass: tls:pass:",
			wantError: []string{"resolves to public 203.0.113.13; expected private"}, noError: "to accept the path"},
		{name: "logs in another region, any: as before", entry: "logs@us-west-2=any", want: "dns:pass: connect:pass: tls:pass:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := firstTarget(t, tt.entry, "us-east-1", "111122223333")
			r := fx.runner(t)
			r.Env.Region = "us-east-1"
			r.PublicPath = tt.policy
			rs := r.Run(context.Background(), r.Targets([]config.Target{tg}), time.Now())
			if got := summary(rs); got != tt.want {
				t.Fatalf("got %s; want %s\n%+v", got, tt.want, rs)
			}
			dns := rs[0]
			for _, w := range tt.wantError {
				if !strings.Contains(dns.Error, w) {
					t.Errorf("got error %q; want it to contain %q", dns.Error, w)
				}
			}
			if tt.noError != "" && strings.Contains(dns.Error, tt.noError) {
				t.Errorf("got error %q; want it without %q", dns.Error, tt.noError)
			}
			if tt.wantHint != "" && !strings.Contains(dns.Hint, tt.wantHint) {
				t.Errorf("got hint %q; want it to contain %q", dns.Hint, tt.wantHint)
			}
			if dns.Status == report.StatusWarn {
				if got := strings.Join(dns.FailedAddresses, ","); !strings.HasPrefix(got, "203.0.113.") {
					t.Errorf("got failed addresses %q; want the public answer", got)
				}
				if !strings.Contains(dns.Detail, "public path ") {
					t.Errorf("got detail %q; want it to say how the public path was accepted", dns.Detail)
				}
			}
		})
	}
}

// firstTarget is the first target entry expands to (ecr.api for the ecr
// bundle).
func firstTarget(t *testing.T, entry, region, account string) config.Target {
	t.Helper()
	e, err := config.ParseEntry(entry)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := config.Expand([]config.Entry{e}, region, account)
	if err != nil || len(ts) == 0 {
		t.Fatalf("Expand(%s) = %v, %v", entry, ts, err)
	}
	return ts[0]
}
