package live

import (
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestReplayContainerInstanceFailures: DescribeContainerInstances answers
// an instance it cannot describe in failures[]. MISSING is an instance
// deregistered since ListContainerInstances (AWS's "API failure reasons"):
// the cluster's hosts are the others, judged as usual. Any other reason
// leaves a host unknown, so the host needs are undecided and name the
// reason, never judged on the hosts that happened to answer.
func TestReplayContainerInstanceFailures(t *testing.T) {
	t.Run("MISSING", func(t *testing.T) {
		r := newReplayAWS(t, "ci-missing+ec2-bridge")
		facts, rows := replayRows(t, r, audit.Options{})
		if len(facts.Undecided) != 0 {
			t.Fatalf("undecided %+v; want none (a deregistered instance is gone, not unknown)", facts.Undecided)
		}
		var ids []string
		for _, ci := range facts.ContainerInstances["prod"] {
			ids = append(ids, ci.EC2InstanceID)
		}
		if want := []string{"i-0a1b2c3d4e5f60701", "i-0a1b2c3d4e5f60702"}; !slices.Equal(ids, want) {
			t.Errorf("container instances %v; want %v", ids, want)
		}
		// The third instance shares the second's network, so the verdicts
		// are those of the scenario without the failure.
		_, all := replayRows(t, newReplayAWS(t, "ec2-bridge"), audit.Options{})
		if got, want := audit.ExitCode(rows), audit.ExitCode(all); got != want {
			t.Errorf("exit %d; want %d, as with every instance described\n%s", got, want, motoDumpRows(rows))
		}
		for _, row := range rows {
			if row.Class == report.ClassUndecided {
				t.Errorf("got undecided %s %s: %s; want none", row.Check, row.Target, row.Error)
			}
		}
	})
	t.Run("other reason", func(t *testing.T) {
		r := newReplayAWS(t, "ci-failures+ec2-bridge")
		facts, rows := replayRows(t, r, audit.Options{})
		u := audit.FindUndecided(facts, audit.ActionDescribeContainerInstances, "prod")
		if u == nil || u.Code != "INTERNAL_ERROR" || !strings.Contains(u.Err, "could not be described") {
			t.Fatalf("undecided %+v; want ecs:DescribeContainerInstances on prod with the failure's reason and detail", facts.Undecided)
		}
		undecided := 0
		for _, row := range rows {
			if row.Status == report.StatusPass && strings.Contains(row.Reason, "via container instance") {
				t.Errorf("got %s %s passed on %q; want no host need judged on part of the hosts", row.Check, row.Target, row.Reason)
			}
			if row.Class == report.ClassUndecided && strings.Contains(row.Error, "INTERNAL_ERROR") {
				undecided++
			}
		}
		if undecided == 0 {
			t.Errorf("no undecided row names the failure\n%s", motoDumpRows(rows))
		}
	})
}
