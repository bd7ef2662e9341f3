package live

import (
	"context"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// callBudget200 is the most API calls a sweep of 200 services over 20 task
// definitions in one VPC may make: the count grows with distinct task
// definitions, subnets and VPCs, never with services × needs.
const callBudget200 = 60

// TestAuditCluster200CallBudget sweeps 200 services over 20 task
// definitions and counts the requests moto receives.
func TestAuditCluster200CallBudget(t *testing.T) {
	m := moto(t)
	m.scenario(t, "bench:200:20")
	start := time.Now()
	f, err := m.gather(t, Input{Cluster: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	calls := m.takeActions()
	if len(f.Workloads) != 200 {
		t.Fatalf("%d workloads; want 200", len(f.Workloads))
	}
	for _, w := range f.Workloads {
		if w.TaskDefinition == nil || len(w.TaskDefinition.Containers) == 0 {
			t.Fatalf("%s has no task definition", w.Name)
		}
	}
	counts := map[string]int{}
	for _, c := range calls {
		counts[c]++
	}
	t.Logf("%d API calls in %s: %v", len(calls), elapsed.Round(time.Millisecond), counts)
	if len(calls) > callBudget200 {
		t.Errorf("%d API calls; want at most %d", len(calls), callBudget200)
	}
	if counts["ecs:DescribeTaskDefinition"] != 20 || counts["ecs:DescribeServices"] != 20 {
		t.Errorf("DescribeTaskDefinition x%d, DescribeServices x%d; want 20 and 20 (once per revision, batches of 10)",
			counts["ecs:DescribeTaskDefinition"], counts["ecs:DescribeServices"])
	}
	if code := report.ExitCode(audit.Evaluate(f, audit.Options{})); code != report.ExitOK {
		t.Errorf("exit %d; want 0", code)
	}
}

// BenchmarkAuditCluster200 is gather + rules for 200 services over 20 task
// definitions in one VPC, against moto on loopback; it reports the API
// calls per audit.
func BenchmarkAuditCluster200(b *testing.B) {
	m := moto(b)
	m.scenario(b, "bench:200:20")
	api, region := m.api(b, "test", "test")
	g := &Gatherer{API: api, Region: region}
	var calls int
	for b.Loop() {
		m.takeActions()
		f, err := g.Gather(context.Background(), Input{Cluster: "prod"})
		if err != nil {
			b.Fatal(err)
		}
		if rows := audit.Evaluate(f, audit.Options{}); len(rows) == 0 {
			b.Fatal("no rows")
		}
		calls = len(m.takeActions())
	}
	b.ReportMetric(float64(calls), "api-calls/op")
}
