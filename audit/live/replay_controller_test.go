package live

import (
	"fmt"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestReplayNothingRunsToJudge: a service whose tasks the audit cannot
// tell is never silent and never judged as something else. With the
// EXTERNAL or CODE_DEPLOY deployment controller, what runs is in
// taskSets (AWS documents the service's own fields as null without a
// primary task set): a service that lists no task set (edge, edge-empty),
// only a DRAINING one (edge-drained), or whose answer carries no taskSets
// at all (bluegreen, CODE_DEPLOY) gets one undecided row naming the
// service and why, whether or not the cluster has a default capacity
// provider strategy that would otherwise make it Fargate. A deployment
// whose PRIMARY deployment names no task definition (notd) is the same. A launch type the audit
// does not know (nextgen's MICROVM, a stand-in for one ECS may add) is
// undecided, saying so, with no host need passed.
func TestReplayNothingRunsToJudge(t *testing.T) {
	arn := func(svc string) string { return "arn:aws:ecs:us-east-1:111122223333:service/prod/" + svc }
	unjudged := map[string]string{
		"edge":         "service uses the EXTERNAL deployment controller and DescribeServices lists no task set",
		"edge-empty":   "service uses the EXTERNAL deployment controller and DescribeServices lists no task set",
		"edge-drained": "lists no PRIMARY or ACTIVE task set, only ecs-svc/6500000000000000001 (DRAINING)",
		"bluegreen":    "service uses the CODE_DEPLOY deployment controller and DescribeServices lists no task set",
		"notd":         "deployment ecs-svc/9731684720601100006 (PRIMARY) names no task definition",
	}
	for _, scenario := range []string{"controller-empty", "controller-empty+capacity"} {
		for _, failUndecided := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s fail-undecided=%v", scenario, failUndecided), func(t *testing.T) {
				r := newReplayAWS(t, scenario)
				facts, rows := replayRows(t, r, audit.Options{FailUndecided: failUndecided})
				status := report.StatusWarn
				if failUndecided {
					status = report.StatusFail
				}
				for svc, errHas := range unjudged {
					name := "service/prod/" + svc
					var mine []report.Result
					for _, row := range rows {
						if row.Workload != nil && row.Workload.Name == name {
							mine = append(mine, row)
						}
					}
					if len(mine) != 1 {
						t.Errorf("%s: got rows\n%s\nwant exactly one undecided row", svc, motoDumpRows(mine))
						continue
					}
					assertReplayRows(t, mine, replayRow{check: audit.CheckUndecided, target: name, status: status, class: report.ClassUndecided,
						errHas: errHas, resources: []string{arn(svc)}})
					if !strings.Contains(mine[0].Error, "nothing of it is judged") {
						t.Errorf("%s: got %q; want it to say nothing of it is judged", svc, mine[0].Error)
					}
				}
				assertWorkloadRows(t, rows, "service/prod/nextgen", "", replayRow{check: audit.CheckUndecided, target: "service/prod/nextgen",
					status: status, class: report.ClassUndecided, errHas: `launchType "MICROVM" is none the audit knows (EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES)`,
					resources: []string{arn("nextgen")}})
				for _, row := range rows {
					if row.Workload != nil && row.Workload.Name == "service/prod/nextgen" && strings.Contains(row.Reason, "(host)") && row.Status == report.StatusPass {
						t.Errorf("nextgen: host need %s passed on an unknown launch type; want undecided", row.Target)
					}
				}
				// orders, beside them, is judged as on the healthy account.
				assertWorkloadRows(t, rows, "service/prod/orders", "", replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass,
					resources: []string{"vpce-0ecrdkr2c3d4e5f62"}})
				if failUndecided {
					if got := audit.ExitCode(rows); got != report.ExitUndecided {
						t.Errorf("exit %d; want %d", got, report.ExitUndecided)
					}
				}
				// Nothing is read for a service without a task
				// definition: shop:7 once, for orders and nextgen.
				if n := r.count(audit.ActionDescribeTaskDefinition); n != 1 {
					t.Errorf("got %d DescribeTaskDefinition calls; want 1", n)
				}
				if len(facts.Undecided) != 0 {
					t.Errorf("undecided facts %+v; want none (no call failed)", facts.Undecided)
				}
			})
		}
	}
}

// TestReplayServiceFailures: DescribeServices answers a service it
// cannot describe in failures[]. MISSING (the one reason AWS documents:
// deleted since ListServices listed it) leaves it out of a sweep, as a
// deleted service; any other reason leaves it undecided, its row naming
// the service and the reason, in a sweep and when named alike, never
// silently dropped.
func TestReplayServiceFailures(t *testing.T) {
	for _, named := range []bool{false, true} {
		t.Run(fmt.Sprintf("named=%v", named), func(t *testing.T) {
			r := newReplayAWS(t, "")
			r.serviceFailures = map[string]string{"orders": "UNAVAILABLE", "cart": "MISSING"}
			var services []string
			if named {
				services = []string{"orders", "billing"}
			}
			facts, err := r.gather(t, services...)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			rows := audit.Evaluate(facts, audit.Options{})
			assertWorkloadRows(t, rows, "service/prod/orders", "", replayRow{check: audit.CheckUndecided, target: "service/prod/orders",
				status: report.StatusWarn, class: report.ClassUndecided,
				errHas:    "could not decide: ecs:DescribeServices on service/prod/orders failed (UNAVAILABLE service orders: UNAVAILABLE replayed failure)",
				resources: []string{"service/prod/orders"}})
			assertWorkloadRows(t, rows, "service/prod/billing", "", replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass,
				resources: []string{"vpce-0ecrdkr2c3d4e5f62"}})
			for _, row := range rows {
				if row.Workload != nil && row.Workload.Service == "cart" {
					t.Errorf("got row %s %s for cart (MISSING: deleted); want none", row.Check, row.Target)
				}
			}
		})
	}
}
