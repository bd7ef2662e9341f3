package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestTextReportGroupsBySweepScope: rows of several account-Regions are
// grouped under a heading each, with a count line each and a total; rows
// of one account-Region (every audit but a sweep) print as before, with
// no heading and no total.
func TestTextReportGroupsBySweepScope(t *testing.T) {
	wl := &Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders"}
	rows := []Result{
		{Check: "endpoint", Target: "ecr.api", Status: StatusPass, Workload: wl, Account: "111111111111", Region: "us-east-1"},
		{Check: "endpoint", Target: "logs", Status: StatusFail, Class: ClassConnect, Error: "no endpoint", Workload: wl, Account: "111111111111", Region: "us-east-1"},
		{Check: "scope", Target: "222222222222.us-east-1", Status: StatusWarn, Class: ClassUndecided, Error: "could not decide: sts:AssumeRole", Account: "222222222222", Region: "us-east-1"},
		{Check: "endpoint", Target: "ecr.api", Status: StatusPass, Workload: wl, Account: "111111111111", Region: "eu-west-1"},
	}
	t.Run("several", func(t *testing.T) {
		var b bytes.Buffer
		r := New("audit", "us-east-1", "", nil, rows, 0)
		r.Partial, r.PartialNote = true, "interrupted; 3 of 5 account-Regions read"
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{
			"== account 111111111111, us-east-1 ==",
			"account 111111111111, us-east-1: 2 findings: 1 passed, 1 failed, 0 warnings, 0 skipped.",
			"== account 222222222222, us-east-1 ==",
			"account 222222222222, us-east-1: 1 finding: 0 passed, 0 failed, 1 warning, 0 skipped.",
			"== account 111111111111, eu-west-1 ==",
			"Total: 3 account-Regions in 2 accounts.",
			"Partial report: interrupted; 3 of 5 account-Regions read",
			"4 findings: 2 passed, 1 failed, 1 warning, 0 skipped",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("got\n%s\nwant it to contain %q", out, want)
			}
		}
		if i, j := strings.Index(out, "us-east-1 =="), strings.Index(out, "eu-west-1 =="); i > j {
			t.Errorf("got the groups out of the rows' order:\n%s", out)
		}
	})
	t.Run("one", func(t *testing.T) {
		one := rows[:2]
		var tagged, plain bytes.Buffer
		if err := New("audit", "us-east-1", "111111111111", nil, one, 0).WriteText(&tagged); err != nil {
			t.Fatal(err)
		}
		untagged := make([]Result, len(one))
		copy(untagged, one)
		for i := range untagged {
			untagged[i].Account, untagged[i].Region = "", ""
		}
		if err := New("audit", "us-east-1", "111111111111", nil, untagged, 0).WriteText(&plain); err != nil {
			t.Fatal(err)
		}
		if tagged.String() != plain.String() {
			t.Errorf("got\n%s\nfor one account-Region; want it as without account and Region:\n%s", tagged.String(), plain.String())
		}
	})
}

// TestSweepRowsInOtherFormats: the same service in two account-Regions
// is two JUnit suites named for them and two SARIF alerts (different
// fingerprints) carrying account and region; one account-Region's rows
// keep the fingerprints they had.
func TestSweepRowsInOtherFormats(t *testing.T) {
	wl := &Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders"}
	row := Result{Check: "endpoint", Target: "logs", Status: StatusFail, Class: ClassConnect, Error: "no endpoint", Workload: wl}
	a, b := row, row
	a.Account, a.Region = "111111111111", "us-east-1"
	b.Account, b.Region = "222222222222", "us-east-1"
	r := New("audit", "us-east-1", "", nil, []Result{a, b}, 0)
	var junit bytes.Buffer
	if err := r.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`name="111111111111 us-east-1: cluster prod, service orders"`, `name="222222222222 us-east-1: cluster prod, service orders"`,
		`<property name="account" value="222222222222">`} {
		if !strings.Contains(junit.String(), want) {
			t.Errorf("got JUnit\n%s\nwant it to contain %s", junit.String(), want)
		}
	}
	if fa, fb := fingerprint(a), fingerprint(b); fa == fb {
		t.Errorf("got one fingerprint %s for two account-Regions; want two", fa)
	}
	if fingerprint(row) == fingerprint(a) {
		t.Error("got a sweep row's fingerprint equal to an untagged row's; want the scope in it")
	}
	if d := r.htmlData(); len(d.Groups) != 2 || d.Groups[1].Title != "222222222222 us-east-1: cluster prod, service orders" {
		var titles []string
		for _, g := range d.Groups {
			titles = append(titles, g.Title)
		}
		t.Errorf("got HTML groups %q; want one per account-Region", titles)
	}
	var sarif bytes.Buffer
	if err := r.WriteSARIF(&sarif); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sarif.String(), `"account": "222222222222"`) || !strings.Contains(sarif.String(), `"region": "us-east-1"`) {
		t.Errorf("got SARIF\n%s\nwant the results' account and region", sarif.String())
	}
}
