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
		{"sg-1\u202egnp.exe", `sg-1\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"\u2066iso\u2067\u2068\u2069", `\u2066iso\u2067\u2068\u2069`},
		{"zero width joiner \u200d stays", "zero width joiner \u200d stays"},
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
		{"partial sweep", func() *Report {
			r := New("audit", "us-east-1", "", nil, []Result{{Check: "scope", Target: "111122223333.us-east-1", Status: StatusSkip,
				Account: "111122223333", Region: "us-east-1"}}, time.Second)
			r.Partial, r.PartialNote = true, "interrupted; 1 of 4 account-Regions read"
			return r
		}()},
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

// TestTextReportFitsWidth: whatever the cells hold (long details, hints
// with long unbroken words, long targets, escapes), no line of the text
// report is wider than TextWidth, and no word of a cell is lost.
func TestTextReportFitsWidth(t *testing.T) {
	long := strings.Repeat("word ", 60)
	unbroken := strings.Repeat("x", 97)
	huge := strings.Repeat("y", 250)
	tests := []struct {
		name string
		row  Result
	}{
		{"long detail", Result{Check: CheckDNS, Target: "logs", Status: StatusPass, Detail: long}},
		{"long error and hint", Result{Check: CheckConnect, Target: "logs", Status: StatusFail, Class: ClassConnect, Detail: "d", Error: long, Hint: long}},
		{"a word that fits only a line of its own", Result{Check: CheckConnect, Target: "logs", Status: StatusFail, Class: ClassConnect, Hint: "aws ec2 x --ip-permissions '" + unbroken + "'"}},
		{"a word longer than a line", Result{Check: CheckConnect, Target: "logs", Status: StatusFail, Class: ClassConnect, Error: huge}},
		{"a target longer than a line", Result{Check: CheckDNS, Target: huge, Status: StatusFail, Class: ClassDNS, Detail: "short", Error: "e"}},
		{"a target longer than its column", Result{Check: CheckDNS, Target: "a-rather-long-database-name.cluster-abc.eu-west-1.rds.amazonaws.com", Status: StatusPass, Detail: "short"}},
		{"escapes", Result{Check: CheckTLS, Target: "logs", Status: StatusFail, Class: ClassTLS, Error: strings.Repeat("\x1b[2J", 40)}},
		{"cause", Result{Check: CheckDNS, Target: "logs", Status: StatusFail, Class: ClassDNSPosture, Error: "e", Cause: &Cause{Error: long, Resources: []string{"sg-1", "vpce-1"}, Hint: long}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := New("check", "us-east-1", "111122223333", nil, []Result{tt.row}, time.Second).WriteText(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for i, line := range strings.Split(out, "\n") {
				if n := width(line); n > TextWidth {
					t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, TextWidth, line)
				}
			}
			// Every word of the cells is there (a cut word's parts
			// joined again).
			joined := strings.Join(strings.Fields(out), "")
			for _, cell := range []string{tt.row.Target, tt.row.Detail, tt.row.Error, tt.row.Hint} {
				if w := strings.Join(strings.Fields(Printable(cell)), ""); !strings.Contains(joined, w) {
					t.Errorf("the report lost part of %.40q...:\n%s", cell, out)
				}
			}
		})
	}
}

// TestTextReportRowLayout: a detail that fits stays on its row; one that
// does not goes under it, at the indent; a failing row without a detail
// shows its error there instead of an empty cell.
func TestTextReportRowLayout(t *testing.T) {
	tests := []struct {
		name string
		row  Result
		want string
	}{
		{"fits", Result{Check: CheckDNS, Target: "logs", Status: StatusPass, Detail: "1 address, all private"},
			"pass    dns    logs    1 address, all private\n"},
		{"under", Result{Check: CheckDNS, Target: "logs", Status: StatusPass, Detail: strings.Repeat("a ", 40) + "end"},
			"pass    dns    logs\n        " + strings.Repeat("a ", 40) + "end\n"},
		{"error as detail", Result{Check: CheckDNS, Target: "logs", Status: StatusFail, Class: ClassDNSPosture, Error: "no endpoint", Hint: "create it"},
			"FAIL    dns    logs    no endpoint\n        hint:  create it\n"},
		{"detail and error", Result{Check: CheckDNS, Target: "logs", Status: StatusFail, Class: ClassDNS, Detail: "d", Error: "NXDOMAIN"},
			"FAIL    dns    logs    d\n        error: NXDOMAIN\n"},
		{"wrapped hint", Result{Check: CheckDNS, Target: "logs", Status: StatusWarn, Class: ClassDNS, Detail: "d", Hint: strings.Repeat("b ", 42) + "c d"},
			"warn    dns    logs    d\n        hint:  " + strings.Repeat("b ", 42) + "c\n               d\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := New("check", "us-east-1", "1", nil, []Result{tt.row}, time.Second).WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); !strings.Contains(got, "STATUS  CHECK  TARGET  DETAIL\n"+tt.want+"\n") {
				t.Errorf("got:\n%s\nwant the rows:\n%s", got, tt.want)
			}
		})
	}
}

// TestTextReportGroupsByWorkload: rows about workloads come under one
// heading each, in the order the workloads first appear, and why: drops
// the workload the heading names.
func TestTextReportGroupsByWorkload(t *testing.T) {
	orders := &Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders", TaskDefinition: "orders:7"}
	billing := &Workload{Name: "service/prod/billing", Cluster: "prod", Service: "billing", TaskDefinition: "billing:2"}
	pre := &Workload{Name: "taskdef/web:3", TaskDefinition: "web:3"}
	rows := []Result{
		{Check: "endpoint", Target: "logs", Status: StatusFail, Class: ClassDNSPosture, Error: "no endpoint", Reason: "service/prod/orders: awslogs", Workload: orders},
		{Check: "endpoint", Target: "logs", Status: StatusPass, Detail: "vpce-1", Workload: billing},
		// Equal by value, another pointer: the same group.
		{Check: "egress", Target: "service/prod/orders", Status: StatusPass, Detail: "closed", Workload: &Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders", TaskDefinition: "orders:7"}},
		{Check: "endpoint", Target: "ecr.api", Status: StatusPass, Detail: "vpce-2", Workload: pre},
	}
	var b bytes.Buffer
	if err := New("audit", "us-east-1", "1", nil, rows, time.Second).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	headings := []string{"\ncluster prod, service orders, task definition orders:7\n", "\ncluster prod, service billing, task definition billing:2\n", "\ntask definition web:3\n"}
	last := -1
	for _, h := range headings {
		i := strings.Index(out, h)
		if i < 0 || i < last {
			t.Errorf("heading %q at %d, after %d; want each once, in order:\n%s", h, i, last, out)
		}
		last = i
		if n := strings.Count(out, h); n != 1 {
			t.Errorf("heading %q %d times; want 1:\n%s", h, n, out)
		}
	}
	if i, j := strings.Index(out, "closed"), strings.Index(out, "billing:2"); i > j {
		t.Errorf("orders' egress row is not under orders' heading:\n%s", out)
	}
	if !strings.Contains(out, "why:   awslogs\n") {
		t.Errorf("why: still names the workload:\n%s", out)
	}
	if !strings.Contains(out, "4 findings:") || !strings.Contains(out, "Exit 11: endpoint missing") {
		t.Errorf("summary not in audit's words:\n%s", out)
	}
}

// TestTextReportProblemsOnly: only failing and warning rows are printed,
// the summary counts every row and says how many it left out, and the
// JSON report keeps every row.
func TestTextReportProblemsOnly(t *testing.T) {
	rows := []Result{
		{Check: CheckDNS, Target: "logs", Status: StatusPass, Detail: "passing-row"},
		{Check: CheckConnect, Target: "logs", Status: StatusFail, Class: ClassConnect, Detail: "failing-row"},
		{Check: CheckTLS, Target: "logs", Status: StatusSkip, Detail: "skipped-row"},
		{Check: CheckPublicIP, Target: "task", Status: StatusWarn, Class: ClassPublicIPUnknown, Detail: "warning-row"},
	}
	tests := []struct {
		name     string
		rows     []Result
		want     []string
		dontWant []string
	}{
		{"mixed", rows, []string{"failing-row", "warning-row", "4 checks: 1 passed, 1 failed, 1 warning, 1 skipped in 1s. Not shown: 2 passed or skipped"},
			[]string{"passing-row", "skipped-row"}},
		{"all pass", rows[:1], []string{"Nothing failed or warned.", "Not shown: 1 passed or skipped"}, []string{"passing-row", "STATUS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New("check", "us-east-1", "1", nil, tt.rows, time.Second)
			r.ProblemsOnly = true
			doc := renderTextAndJSON(t, r, tt.want, tt.dontWant)
			if len(doc.Checks) != len(tt.rows) {
				t.Errorf("JSON has %d checks; want all %d", len(doc.Checks), len(tt.rows))
			}
		})
	}
}

// TestExitMeaningFor: audit's codes are in audit's words; a code audit
// never returns, and every code of another command, are check's.
func TestExitMeaningFor(t *testing.T) {
	tests := []struct {
		command string
		code    int
		want    string
	}{
		{"audit", ExitDNSPosture, "endpoint missing"},
		{"audit", ExitConnect, "path blocked"},
		{"audit", ExitPublicIP, "public IP"},
		{"audit", ExitUndecided, "undecided: nothing was judged"},
		{"audit", ExitEnvironment, "environment: no AWS credentials"},
		{"audit", ExitTLS, "TLS failure"},
		{"check", ExitDNSPosture, "DNS posture"},
		{"check", ExitConnect, "connect failure"},
	}
	for _, tt := range tests {
		if got := ExitMeaningFor(tt.command, tt.code); !strings.HasPrefix(got, tt.want) {
			t.Errorf("ExitMeaningFor(%q, %d) = %q; want it to start %q", tt.command, tt.code, got, tt.want)
		}
	}
}

// TestTextReportPlanSteps: with the fix plan below the report, a row with
// FixSteps names them in place of a command hint and beside a hint in
// words; without the plan below, or without steps, the hint stays. JSON
// keeps every hint and carries fix_steps.
func TestTextReportPlanSteps(t *testing.T) {
	cmd := "aws ec2 authorize-security-group-ingress --group-id sg-1"
	words := "Give vpce-1 a security group of its own"
	tests := []struct {
		name      string
		row       Result
		planBelow bool
		want      []string
		dontWant  []string
	}{
		{"command hint, steps", Result{Hint: cmd, FixSteps: []int{2, 3}}, true,
			[]string{"fix:   steps 2, 3 of the fix plan below\n"}, []string{cmd}},
		{"one step", Result{Hint: cmd, FixSteps: []int{4}}, true,
			[]string{"fix:   step 4 of the fix plan below\n"}, []string{cmd}},
		{"words hint, steps", Result{Hint: words, FixSteps: []int{1}}, true,
			[]string{"hint:  " + words, "fix:   step 1 of the fix plan below\n"}, nil},
		{"command hint, no steps", Result{Hint: cmd}, true, []string{"hint:  " + cmd}, []string{"fix plan below"}},
		{"steps, no plan below", Result{Hint: cmd, FixSteps: []int{1}}, false, []string{"hint:  " + cmd}, []string{"fix plan below"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := tt.row
			row.Check, row.Target, row.Status, row.Class, row.Error = "security_group", "logs", StatusFail, ClassConnect, "blocked"
			r := New("audit", "us-east-1", "1", nil, []Result{row}, time.Second)
			r.PlanBelow = tt.planBelow
			doc := renderTextAndJSON(t, r, tt.want, tt.dontWant)
			if got := doc.Checks[0]; got.Hint != row.Hint || len(got.FixSteps) != len(row.FixSteps) {
				t.Errorf("JSON row: got hint %q fix_steps %v; want %q %v", got.Hint, got.FixSteps, row.Hint, row.FixSteps)
			}
		})
	}
}

// renderTextAndJSON renders r as text, checks that it holds every string
// of want and none of dontWant, and returns its JSON document.
func renderTextAndJSON(t *testing.T, r *Report, want, dontWant []string) JSON {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, b.String())
		}
	}
	for _, w := range dontWant {
		if strings.Contains(b.String(), w) {
			t.Errorf("report has %q:\n%s", w, b.String())
		}
	}
	var j bytes.Buffer
	if err := r.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	var doc JSON
	if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
