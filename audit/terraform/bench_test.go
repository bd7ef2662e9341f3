package terraform

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/preflight-dev/preflight/audit"
)

// writeBigPlan writes a plan of at least instances resource instances:
// copies of the endpoints case's, each a module instance (module.mN),
// tagged as provider default_tags would tag them (30 tags), so that the
// document has the weight of a real plan (about 10 KB per instance). With
// prior, the plan has a prior_state as a plan over existing resources
// has: every instance's values as a managed resource, and a data source
// (data.aws_vpc.shared) in each module. It returns the instances and the
// services written.
func writeBigPlan(tb testing.TB, path string, instances int, prior ...bool) (int, int) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "endpoints", "plan.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	tags := map[string]any{}
	for i := 0; i < 30; i++ {
		tags[fmt.Sprintf("org:cost-allocation-key-%02d", i)] = fmt.Sprintf("platform-team-shared-services-value-%02d", i)
	}
	changes := doc["resource_changes"].([]any)
	root := doc["configuration"].(map[string]any)["root_module"].(map[string]any)
	var out []any
	calls := map[string]any{}
	var planned []any
	var children []any
	copies := (instances + len(changes) - 1) / len(changes)
	for n := 0; n < copies; n++ {
		var state []any
		mod := fmt.Sprintf("module.m%d", n)
		for _, rc := range changes {
			b, _ := json.Marshal(rc)
			var c map[string]any
			_ = json.Unmarshal(b, &c)
			c["address"] = mod + "." + c["address"].(string)
			c["module_address"] = mod
			ch := c["change"].(map[string]any)
			if after, ok := ch["after"].(map[string]any); ok {
				after["tags_all"] = tags
				after["tags"] = tags
			}
			out = append(out, c)
			planned = append(planned, map[string]any{"address": c["address"], "values": ch["after"]})
			state = append(state, map[string]any{"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"], "values": ch["after"]})
		}
		state = append(state, map[string]any{"address": mod + ".data.aws_vpc.shared", "mode": "data", "type": "aws_vpc", "name": "shared",
			"values": map[string]any{"id": fmt.Sprintf("vpc-%017x", n), "cidr_block": "10.0.0.0/16", "tags": tags}})
		children = append(children, map[string]any{"address": mod, "resources": state})
		calls[fmt.Sprintf("m%d", n)] = map[string]any{"source": "./app", "module": root}
	}
	doc["resource_changes"] = out
	doc["planned_values"] = map[string]any{"root_module": map[string]any{"resources": planned}}
	if len(prior) > 0 && prior[0] {
		doc["prior_state"] = map[string]any{"format_version": "1.0", "values": map[string]any{"root_module": map[string]any{"child_modules": children}}}
	}
	doc["configuration"].(map[string]any)["root_module"] = map[string]any{"module_calls": calls}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(doc); err != nil {
		tb.Fatal(err)
	}
	return len(out), copies
}

// TestWriteBigPlan writes the benchmark's plan to PREFLIGHT_BIG_PLAN, for
// measuring the binary (see the README's --plan section); with
// PREFLIGHT_BIG_PLAN_PRIOR=1, with its prior_state.
func TestWriteBigPlan(t *testing.T) {
	path := os.Getenv("PREFLIGHT_BIG_PLAN")
	if path == "" {
		t.Skip("set PREFLIGHT_BIG_PLAN=FILE to write the 5,000-instance plan")
	}
	n, services := writeBigPlan(t, path, 5000, os.Getenv("PREFLIGHT_BIG_PLAN_PRIOR") == "1")
	st, _ := os.Stat(path)
	t.Logf("%s: %d resource instances, %d services, %d bytes", path, n, services, st.Size())
}

// BenchmarkReadAndJudge5000: read a plan of 5,000 resource instances
// (278 services, each with its VPC, endpoints and groups) and judge it.
func BenchmarkReadAndJudge5000(b *testing.B) { benchReadAndJudge(b, false) }

// BenchmarkReadAndJudge5000PriorState: the same plan with a prior_state
// as large as its planned values (every instance, and a data source in
// each module), which the reader walks for the data sources.
func BenchmarkReadAndJudge5000PriorState(b *testing.B) { benchReadAndJudge(b, true) }

func benchReadAndJudge(b *testing.B, prior bool) {
	path := filepath.Join(b.TempDir(), "plan.json")
	n, services := writeBigPlan(b, path, 5000, prior)
	st, _ := os.Stat(path)
	b.ReportMetric(float64(n), "instances")
	b.ReportMetric(float64(st.Size())/1e6, "MB")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := ReadFile(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows := audit.Evaluate(f, audit.Options{})
		if len(f.Workloads) != services || audit.ExitCode(rows) != 0 {
			b.Fatalf("%d workloads, exit %d; want %d passing", len(f.Workloads), audit.ExitCode(rows), services)
		}
	}
}
