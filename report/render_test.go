package report

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text: 10.0.1.10", "plain text: 10.0.1.10"},
		{"évian ✓", "évian ✓"},
		{"\x1b[2Jgone", `\x1b[2Jgone`},
		{"bell\a", `bell\x07`},
		{"a\r\npass  dns  forged", `a\r\npass  dns  forged`},
		{"c1 \u009b31m", `c1 \x9b31m`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"del\x7f", `del\x7f`},
		{"ls\u2028", `ls\u2028`},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestTextReportEscapesHostileValues: values from the network being
// diagnosed cannot move the cursor or forge rows in the text report.
func TestTextReportEscapesHostileValues(t *testing.T) {
	hostile := "x\x1b[1A\rpass  tls  logs\a"
	rep := New("check", "us-east-1\x1b]0;pwned\a", "111122223333", nil, []Result{{
		Check: CheckTLS, Target: "logs" + hostile, Status: StatusFail, Class: ClassTLS,
		Detail: "cert for " + hostile, Error: "tls: " + hostile, Hint: "fix " + hostile,
	}}, time.Second)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, c := range []string{"\x1b", "\a", "\r"} {
		if strings.Contains(out, c) {
			t.Errorf("text report contains raw %q:\n%s", c, out)
		}
	}
	// The target is longer than the TARGET column: the detail goes under.
	if n := strings.Count(out, "\n"); n != 9 {
		t.Errorf("text report has %d lines; want 9 (header, blank, table head, row, detail, error, hint, blank, summary):\n%s", n, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "pass") {
			t.Errorf("a forged row: %q", line)
		}
	}
}

// TestTextReportSaysWhyAFailingCheckExists: the reason a control-plane need
// exists ("image ...") is printed under failing and warning rows, not
// under passing ones.
func TestTextReportSaysWhyAFailingCheckExists(t *testing.T) {
	rep := New("audit", "us-east-1", "111122223333", nil, []Result{
		{Check: "endpoint", Target: "ecr.dkr", Status: StatusFail, Class: ClassDNSPosture, Error: "no endpoint", Hint: "create it", Reason: "service/prod/orders: image 1.dkr.ecr.us-east-1.amazonaws.com/orders:1"},
		{Check: "endpoint", Target: "logs", Status: StatusPass, Detail: "vpce-1", Reason: "service/prod/orders: awslogs"},
	}, time.Second)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "why:   service/prod/orders: image 1.dkr.ecr") {
		t.Errorf("no why line under the failing row:\n%s", out)
	}
	if strings.Contains(out, "why:   service/prod/orders: awslogs") {
		t.Errorf("a why line under a passing row:\n%s", out)
	}
}

// TestTextReportShowsCause: a cause is printed under the hint, escaped, and
// only on failing or warning rows.
func TestTextReportShowsCause(t *testing.T) {
	cause := &Cause{Error: "vpce-1 has private DNS disabled\x1b[2J", Resources: []string{"vpce-1"}, Hint: "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-1 --private-dns-enabled"}
	rep := New("check", "us-east-1", "111122223333", nil, []Result{
		{Check: CheckDNS, Target: "logs", Status: StatusFail, Class: ClassDNSPosture, Error: "resolves public", Hint: "h", Cause: cause},
		{Check: CheckDNS, Target: "ecr.api", Status: StatusPass, Cause: cause},
	}, time.Second)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"cause: vpce-1 has private DNS disabled\\x1b[2J [vpce-1]\n", "fix:   aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-1 --private-dns-enabled\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "cause:"); n != 1 {
		t.Errorf("%d cause lines; want 1 (the passing row has none):\n%s", n, out)
	}
	if strings.Index(out, "hint:") > strings.Index(out, "cause:") {
		t.Errorf("cause is not under the hint:\n%s", out)
	}
}

// TestWriteJSONIsTheEncodersDocument: the streaming writer produces, byte
// for byte, what json.Encoder with a two-space indent makes of r.JSON(),
// which is what readers (healthcheck, jq pipelines, golden files) were
// written against.
func TestWriteJSONIsTheEncodersDocument(t *testing.T) {
	yes, no := true, false
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := []Result{
		{Check: CheckConnect, Target: "ecr.api", Host: "api.ecr.us-east-1.amazonaws.com", Port: 443, Expect: "private", Status: StatusPass,
			Addresses: []string{"10.0.1.10", "10.0.2.10"}, Duration: 1500 * time.Microsecond, Attempts: 1, CertNotAfter: &notAfter},
		{Check: CheckConnect, Target: "logs", Status: StatusFail, Class: ClassDNS, FailedAddresses: []string{"10.0.3.10"},
			Error: "<script>&\u2028\x1b[2J \"quoted\" \\ back", Hint: "fix <it> & go", Reason: "awslogs driver",
			Resources: []string{"sg-1", "vpce-2"}, Cause: &Cause{Error: "private DNS off", Resources: []string{"vpce-2"}, Hint: "turn it on"}},
		{Check: "public-ip", Target: "task", Status: StatusWarn, Detail: "évian ✓", PublicIP: &PublicIP{Verdict: "none", Evidence: "no association", Source: "ec2"}},
	}
	for _, tt := range []struct {
		name string
		r    *Report
	}{
		{"empty", New("check", "", "", nil, nil, 0)},
		{"empty slice in ECS", New("check", "us-east-1", "111122223333", &yes, []Result{}, time.Second)},
		{"rows outside ECS", New("check", "cn-north-1", "111122223333", &no, rows, 123456789*time.Nanosecond)},
		{"rows no in_ecs", New("audit", "us-gov-west-1", "<acct>", nil, rows[1:2], 3*time.Minute)},
		{"one row", New("check", "eu-west-1", "1", &yes, rows[:1], 7*time.Millisecond)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(tt.r.JSON()); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := tt.r.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("WriteJSON differs from the encoder's document:\ngot:\n%s\nwant:\n%s", got.String(), want.String())
			}
		})
	}
}

// BenchmarkWriteJSON200Targets renders the JSON report of a 200-target
// run (three rows a target).
func BenchmarkWriteJSON200Targets(b *testing.B) {
	rows := make([]Result, 0, 600)
	for i := 0; i < 200; i++ {
		for _, c := range []Check{CheckDNS, CheckConnect, CheckTLS} {
			rows = append(rows, Result{Check: c, Target: "svc.perf.internal", Host: "svc.perf.internal", Port: 5432, Expect: "private",
				Status: StatusPass, Addresses: []string{"127.0.10.1", "127.0.10.2"}, Duration: time.Millisecond, Attempts: 1})
		}
	}
	r := New("check", "us-east-1", "111122223333", nil, rows, time.Second)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := r.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
