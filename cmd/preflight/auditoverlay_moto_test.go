package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditPlanOverLive: plan over the live account. The overlay case
// (audit/terraform/testdata/overlay) is applied to moto_server with
// Terraform: services orders and billing run in cluster prod behind the
// ecr.api and ecr.dkr endpoints and the S3 gateway. Terraform then plans
// changes against that account, and `audit --plan PLAN --cluster prod`
// says which running services each would break: dropping the ecr.dkr
// endpoint or taking the S3 gateway off their route table fails both,
// naming the service and the plan's address; the plan that changes
// nothing passes. Then the fix of each (testOverLiveFix) names the plan's
// addresses and, added to the configuration, turns the rows green.
func TestAuditPlanOverLive(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("applies with Terraform against moto (minutes); not in -short")
	}
	plugins := tftest.Plugins(t)
	endpoint := mototest.Start(t)
	plans := applyAndPlan(t, endpoint, plugins)

	mototest.UseFor(t, endpoint)

	tests := []struct {
		plan string
		code int
		// fail are the rows that must fail: check, service, and the
		// words (the plan's address) their error must carry.
		fail []failRow
	}{
		{plan: "unchanged", code: report.ExitOK},
		{plan: "drop-ecr-dkr", code: report.ExitDNSPosture, fail: []failRow{
			{report.Check("endpoint"), "service/prod/orders", "deletes aws_vpc_endpoint.ecr_dkr (vpce-"},
			{report.Check("endpoint"), "service/prod/billing", "deletes aws_vpc_endpoint.ecr_dkr (vpce-"},
		}},
		{plan: "drop-s3-route", code: report.ExitConnect, fail: []failRow{
			{report.Check("route"), "service/prod/orders", "updates aws_vpc_endpoint.s3 (vpce-"},
			{report.Check("route"), "service/prod/billing", "updates aws_vpc_endpoint.s3 (vpce-"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.plan, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"audit", "--plan", plans[tt.plan], "--cluster", "prod", "--output", "json"},
				func(string) string { return "" }, &stdout, &stderr)
			var doc struct {
				Results []report.Result `json:"checks"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
				t.Fatalf("stdout is not the JSON report: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			if code != tt.code {
				t.Errorf("exit %d; want %d\n%s", code, tt.code, summarize(doc.Results))
			}
			for _, w := range tt.fail {
				found := false
				for _, r := range doc.Results {
					if r.Check == w.check && r.Status == report.StatusFail && r.Workload != nil && r.Workload.Name == w.service &&
						strings.Contains(r.Error, w.says) {
						found = true
						t.Logf("%s %s: %s", w.service, w.check, r.Error)
					}
				}
				if !found {
					t.Errorf("no failing %s row of %s saying %q; rows:\n%s", w.check, w.service, w.says, summarize(doc.Results))
				}
			}
		})
	}
	testOverLiveFix(t, filepath.Dir(plans["unchanged"]), endpoint, plans)
}

type failRow struct {
	check   report.Check
	service string
	says    string
}

// summarize lists rows one a line, for a failure message.
func summarize(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		name := r.Target
		if r.Workload != nil {
			name = r.Workload.Name
		}
		b.WriteString(string(r.Status) + " " + string(r.Check) + " " + name + " " + r.Host + " " + r.Error + " " + strings.Join(r.Resources, ",") + "\n")
	}
	return b.String()
}

// applyAndPlan applies the overlay case to moto at endpoint, then plans
// it again three ways, as generate.sh does for the committed plans, and
// returns the JSON files by name.
func applyAndPlan(t *testing.T, endpoint, plugins string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "audit", "terraform", "testdata")
	for _, f := range []struct{ from, to string }{
		{filepath.Join(src, "overlay", "main.tf"), "main.tf"},
		{filepath.Join(src, "overlay", "ecr_dkr.tf"), "ecr_dkr.tf"},
		{filepath.Join(src, "provider.tf.in"), "provider.tf"},
	} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf := tftest.In(t, dir)
	vars := []string{"-input=false", "-no-color", "-var", "endpoint=" + endpoint}
	tf("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
	tf(append([]string{"apply", "-auto-approve"}, vars...)...)
	plans := map[string]string{}
	plan := func(name string, extra ...string) {
		tf(append(append([]string{"plan", "-out=" + name + ".tfplan"}, vars...), extra...)...)
		p := filepath.Join(dir, "plan-"+name+".json")
		if err := os.WriteFile(p, tf("show", "-json", name+".tfplan"), 0o644); err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	plan("unchanged")
	plan("drop-s3-route", "-var", "s3_route=false")
	if err := os.Remove(filepath.Join(dir, "ecr_dkr.tf")); err != nil {
		t.Fatal(err)
	}
	plan("drop-ecr-dkr")
	return plans
}
