package report

import (
	"bytes"
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
	if n := strings.Count(out, "\n"); n != 8 {
		t.Errorf("text report has %d lines; want 8 (header, blank, table head, row, error, hint, blank, summary):\n%s", n, out)
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
