package audit

import (
	"github.com/preflight-dev/preflight/report"
)

// CheckCoverage: the audit judged at least one need. Its row appears only
// when none was judged.
const CheckCoverage report.Check = "coverage"

// judged says whether rows hold a verdict: a pass, a failure or a warning
// about the configuration, not a skip and not "could not decide".
func judged(rows []report.Result) bool {
	for _, r := range rows {
		if r.Status != report.StatusSkip && r.Class != report.ClassUndecided {
			return true
		}
	}
	return false
}

// coverageRow is the row of an audit that judged no need: a warning (a
// failure under FailUndecided) saying why, which ExitCode turns into exit
// 18 either way.
func coverageRow(f *Facts, opts Options) report.Result {
	r := report.Result{Check: CheckCoverage, Target: "audit", Status: opts.UndecidedStatus(), Class: report.ClassUndecided}
	switch {
	case len(f.Workloads) == 0:
		r.Error = "nothing was judged: the cluster has no services"
		r.Hint = "Name the cluster the services run in (--cluster), or audit a task definition before its first deploy (--task-definition)."
	case len(f.Undecided) > 0:
		r.Error = "nothing was judged: every need is undecided, because the reads it needs failed (see the rows above)"
		r.Hint = "Fix what the undecided rows name (a permission, the endpoint, the network), then run the audit again."
	default:
		r.Error = "nothing was judged: no need of any workload could be judged from the facts (see the rows above)"
		r.Hint = "Audit services that use awsvpc networking, or name the needs with --checks."
	}
	return r
}

// ExitCode is the audit's exit code for rows: report.ExitCode, except
// that a run that judged nothing (a CheckCoverage row) exits 18
// (undecided), never 0.
func ExitCode(rows []report.Result) int {
	code := report.ExitCode(rows)
	if code != report.ExitOK {
		return code
	}
	for _, r := range rows {
		if r.Check == CheckCoverage {
			return report.ExitUndecided
		}
	}
	return code
}
