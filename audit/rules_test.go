package audit

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

func TestEvaluateBaselinePasses(t *testing.T) {
	rows := Evaluate(privateFacts(), Options{})
	for _, r := range rows {
		if r.Status != report.StatusPass {
			t.Errorf("got %s; want every row to pass", rowString(r))
		}
	}
	for _, target := range []string{"ecr.api", "ecr.dkr", "ecr.layers", "logs"} {
		if len(findRows(rows, CheckEndpoint, target)) != 1 {
			t.Errorf("got %d endpoint rows for %s; want 1\n%s", len(findRows(rows, CheckEndpoint, target)), target, dumpResults(rows))
		}
	}
	for _, r := range rows {
		t.Log(r.Target, " ", r.Detail, " ", r.Resources, " ", r.Reason)
	}
}

// TestUndescribedServiceNamesDescribeServices: a service whose description
// was denied has no task definition either; the row names the call that
// failed, not DescribeTaskDefinition.
func TestUndescribedServiceNamesDescribeServices(t *testing.T) {
	f := privateFacts()
	w := firstWorkload(f)
	w.TaskDefinition = nil
	f.Undecided = append(f.Undecided,
		Undecided{Action: ActionDescribeTaskDefinition, Resource: "arn:aws:ecs:us-east-1:111122223333:task-definition/other:1", Code: "AccessDeniedException"},
		Undecided{Action: ActionDescribeServices, Resource: w.Name, Code: "AccessDeniedException"})
	rows := findRows(EvaluateWorkload(f, w, Options{}), CheckUndecided, w.Name)
	if len(rows) != 1 || !strings.Contains(rows[0].Error, "ecs:DescribeServices on "+w.Name) || !strings.Contains(rows[0].Hint, "ecs:DescribeServices") {
		t.Errorf("rows %+v; want one undecided row naming ecs:DescribeServices on %s", rows, w.Name)
	}
}
