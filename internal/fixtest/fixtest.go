// Package fixtest checks a fix plan's round trip for the tests of the
// plan and template readers: the plan written from a change's facts,
// added to the change and read again, fixes what it said it would. Only
// tests import it.
package fixtest

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/audittest"
	"github.com/preflight-dev/preflight/report"
)

// AssertFixed fails t unless every row of before that failed and asked
// for a step the fix plan writes as code fails no more in after, and its
// target has a passing row there (a security group row that passes is
// said in its endpoint's row). A row whose steps are all said in words
// (a service's public IP, a property of a resource declared elsewhere) is
// the author's to change, and not checked; a plan that fixes no row at
// all fails t.
func AssertFixed(t testing.TB, before, after *audit.Facts) {
	t.Helper()
	p, err := audit.PlanFixes(before, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := audit.Evaluate(before, audit.Options{})
	p.MarkSteps(rows)
	rowsAfter := audit.Evaluate(after, audit.Options{})
	fixed := 0
	for _, r := range rows {
		if r.Status != report.StatusFail || len(r.FixSteps) == 0 || wordsOnly(p, r.FixSteps) {
			continue
		}
		fixed++
		passes := false
		for _, a := range rowsAfter {
			if a.Target != r.Target {
				continue
			}
			if a.Check == r.Check && a.Status == report.StatusFail {
				t.Errorf("%s %s failed before the fix, and after it: %s", r.Check, r.Target, a.Error)
			}
			passes = passes || a.Status == report.StatusPass
		}
		if !passes {
			t.Errorf("%s %s failed before the fix; after it no row of %s passes; rows:%s", r.Check, r.Target, r.Target, lines(rowsAfter))
		}
	}
	if fixed == 0 {
		t.Errorf("no failing row asked for a step the fix writes as code; rows:%s", lines(rows))
	}
}

// wordsOnly reports whether every step of steps is one the Terraform and
// CloudFormation writers say in words: no resource of its own.
func wordsOnly(p *audit.Plan, steps []int) bool {
	for _, n := range steps {
		switch p.Changes[n-1].Kind {
		case audit.ChangeDisablePublicIP, audit.ChangeEndpointPrivateDNS, audit.ChangeVPCAttribute, audit.ChangeRevokeEgress, audit.ChangeNACLDelete:
		default:
			return false
		}
	}
	return true
}

// lines is rows one a line, for messages.
func lines(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("\n  " + audittest.RowString(r))
	}
	return b.String()
}
