package audit

import (
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
