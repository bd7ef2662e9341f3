// Package audittest holds the helpers that the tests of audit (the rules)
// and of audit/live (the live reader) share to look at report rows, so
// that neither keeps a copy of the other's. It is for tests only, and it
// does not import audit, whose own tests import it.
package audittest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// RowString is r on one line, for messages: check/target, status, class,
// error and hint.
func RowString(r report.Result) string {
	return fmt.Sprintf("%s/%s %s %s err=%q hint=%q", r.Check, r.Target, r.Status, r.Class, r.Error, r.Hint)
}

// FindRows returns the rows with check and target.
func FindRows(rows []report.Result, check report.Check, target string) []report.Result {
	var out []report.Result
	for _, r := range rows {
		if r.Check == check && r.Target == target {
			out = append(out, r)
		}
	}
	return out
}

// RowsAbout are the rows with check and target whose reason names the
// network what ("container instance i-0abc", "(task ENI)").
func RowsAbout(rows []report.Result, check report.Check, target, what string) []report.Result {
	var out []report.Result
	for _, r := range FindRows(rows, check, target) {
		if strings.Contains(r.Reason, what) {
			out = append(out, r)
		}
	}
	return out
}

// RowsAboutAny are the rows of any check about target on the network
// what.
func RowsAboutAny(rows []report.Result, target, what string) []report.Result {
	var out []report.Result
	for _, r := range rows {
		if r.Target == target && strings.Contains(r.Reason, what) {
			out = append(out, r)
		}
	}
	return out
}

// Statuses renders the statuses of rows, for messages.
func Statuses(rows []report.Result) []report.Status {
	var out []report.Status
	for _, r := range rows {
		out = append(out, r.Status)
	}
	return out
}

// HasStatus reports whether one of rows has status s.
func HasStatus(rows []report.Result, s report.Status) bool {
	return slices.ContainsFunc(rows, func(r report.Result) bool { return r.Status == s })
}

// QuotedWordLine reports whether line holds one single-quoted shell word
// alone (the JSON argument of a plan step, longer than a line): the plan
// keeps it whole to copy.
func QuotedWordLine(line string) bool {
	w := strings.TrimSpace(strings.TrimSuffix(line, " \\"))
	return len(w) > 1 && strings.HasPrefix(w, "'") && strings.HasSuffix(w, "'")
}
