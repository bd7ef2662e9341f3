package audit

import (
	"fmt"

	"github.com/preflight-dev/preflight/report"
)

// containerChecksRows warns about a preflight container whose entries do
// not parse: it exits 2 (configuration error) when the task starts, before
// it checks anything, and the audit cannot judge what it meant to check.
func containerChecksRows(w *Workload) []report.Result {
	if w.TaskDefinition == nil {
		return nil
	}
	var out []report.Result
	for _, cc := range containerChecks(w.TaskDefinition) {
		if cc.Err == nil {
			continue
		}
		out = append(out, report.Result{
			Check: report.CheckPlan, Target: w.Name, Status: report.StatusWarn, Class: report.ClassPlan,
			Reason: fmt.Sprintf("%s: %s of container %q", w.Name, cc.Source, cc.Container),
			Error:  fmt.Sprintf("%s of container %q: %v: the container exits 2 (configuration error) when the task starts; the entries that parse are audited", cc.Source, cc.Container, cc.Err),
			Hint: checked(fmt.Sprintf("Fix %s of container %q (preflight endpoints --checks '...' shows how an entry expands).", cc.Source, cc.Container),
				ecsNames("container", cc.Container)),
		})
	}
	return out
}
