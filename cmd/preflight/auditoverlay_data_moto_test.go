package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditPlanOverLiveOutsideVPCs: a plan that adds a service to a VPC
// no running service uses. The datasources case
// (audit/terraform/testdata/datasources) is applied to moto: service
// orders runs in cluster prod in VPC a; VPCs b (sound) and c (no ecr.dkr
// endpoint) exist. Terraform plans a new service, payments, in b or c,
// found through data sources (data.aws_vpc.net, data.aws_subnets.private,
// data.aws_security_group.task). `audit --plan --cluster prod` reads
// orders' VPC, then the VPC of the ids the plan names outside it, and
// decides payments' rows: a pass in b; in c the ecr.dkr endpoint row
// fails (exit 11) naming the service's address and the data source that
// read the VPC. Without credentials the same plan is undecided (a
// warning; exit 18 with --fail-undecided).
func TestAuditPlanOverLiveOutsideVPCs(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("applies with Terraform against moto (minutes); not in -short")
	}
	plugins := tftest.Plugins(t)
	endpoint := mototest.Start(t)
	plans := applyAndPlanData(t, endpoint, plugins)
	const service = "aws_ecs_service.payments"

	judge := func(t *testing.T, plan string, extra ...string) (int, []report.Result, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args := append([]string{"audit", "--plan", plans[plan], "--cluster", "prod", "--output", "json"}, extra...)
		code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
		var doc struct {
			Results []report.Result `json:"checks"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatalf("stdout is not the JSON report: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		return code, doc.Results, stderr.String()
	}
	rowsOf := func(rows []report.Result, name string) []report.Result {
		var out []report.Result
		for _, r := range rows {
			if r.Workload != nil && r.Workload.Name == name {
				out = append(out, r)
			}
		}
		return out
	}

	t.Run("with credentials", func(t *testing.T) {
		mototest.UseFor(t, endpoint)
		t.Run("sound VPC", func(t *testing.T) {
			code, rows, stderr := judge(t, "b")
			if code != report.ExitOK {
				t.Errorf("exit %d; want %d\n%s%s", code, report.ExitOK, summarize(rows), stderr)
			}
			mine := rowsOf(rows, service)
			dkr := false
			for _, r := range mine {
				if r.Status != report.StatusPass {
					t.Errorf("%s %s %s: %s %s; want a pass (the account's VPC b is read)", service, r.Check, r.Host, r.Status, r.Error)
				}
				dkr = dkr || r.Check == audit.CheckEndpoint && r.Target == "ecr.dkr"
			}
			if !dkr {
				t.Errorf("no ecr.dkr endpoint row of %s; rows:\n%s", service, summarize(rows))
			}
		})
		t.Run("VPC without ecr.dkr", func(t *testing.T) {
			code, rows, stderr := judge(t, "c")
			if code != report.ExitDNSPosture {
				t.Errorf("exit %d; want %d\n%s%s", code, report.ExitDNSPosture, summarize(rows), stderr)
			}
			found := false
			for _, r := range rowsOf(rows, service) {
				if r.Check == audit.CheckEndpoint && r.Status == report.StatusFail && r.Target == "ecr.dkr" &&
					strings.Contains(r.Error, "it reads ") && strings.Contains(r.Error, "data.aws_vpc.net (vpc-") && slices.Contains(r.Resources, "data.aws_vpc.net") {
					found = true
					t.Logf("%s: %s", r.Target, r.Error)
				}
			}
			if !found {
				t.Errorf("no failing ecr.dkr endpoint row of %s naming data.aws_vpc.net (vpc-...); rows:\n%s", service, summarize(rows))
			}
			// orders, in VPC a, is not what the plan breaks.
			for _, r := range rowsOf(rows, "service/prod/orders") {
				if r.Status != report.StatusPass {
					t.Errorf("orders %s %s: %s %s; want a pass", r.Check, r.Host, r.Status, r.Error)
				}
			}
		})
	})
	t.Run("without credentials", func(t *testing.T) {
		noCredentials(t)
		// Nothing of payments can be judged without the account: its rows
		// are undecided, warnings (fails with --fail-undecided), and exit
		// 18 says nothing was judged.
		for _, tt := range []struct {
			extra  []string
			status report.Status
		}{
			{status: report.StatusWarn},
			{extra: []string{"--fail-undecided"}, status: report.StatusFail},
		} {
			code, rows, stderr := judge(t, "b", tt.extra...)
			if code != report.ExitUndecided {
				t.Errorf("%v: exit %d; want %d\n%s%s", tt.extra, code, report.ExitUndecided, summarize(rows), stderr)
			}
			undecided := false
			for _, r := range rowsOf(rows, service) {
				if r.Check == report.CheckPublicIP {
					continue // the plan itself says it
				}
				if r.Status != tt.status || !strings.HasPrefix(r.Error, "could not decide: ") {
					t.Errorf("%v: %s %s %s: %s %q; want %s, undecided (the account is not read)", tt.extra, service, r.Check, r.Target, r.Status, r.Error, tt.status)
				}
				undecided = undecided || strings.Contains(r.Error, "is read by data.aws_subnets.private")
			}
			if !undecided {
				t.Errorf("%v: no undecided row of %s naming data.aws_subnets.private; rows:\n%s", tt.extra, service, summarize(rows))
			}
			if !strings.Contains(stderr, "the live account cannot be read, so the plan is judged alone") {
				t.Errorf("%v: stderr\n%s\nwant the warning that the account was not read", tt.extra, stderr)
			}
		}
	})
}

// applyAndPlanData applies the datasources case's account to moto at
// endpoint, then plans its change against it with the data sources
// reading VPC b and VPC c, as generate.sh does, and returns the JSON
// files by VPC name.
func applyAndPlanData(t *testing.T, endpoint, plugins string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "audit", "terraform", "testdata")
	provider, err := os.ReadFile(filepath.Join(src, "provider.tf.in"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(src, "datasources"))); err != nil {
		t.Fatal(err)
	}
	vars := []string{"-input=false", "-no-color", "-var", "endpoint=" + endpoint}
	for _, d := range []string{"account", "change"} {
		if err := os.WriteFile(filepath.Join(dir, d, "provider.tf"), provider, 0o644); err != nil {
			t.Fatal(err)
		}
		tftest.In(t, filepath.Join(dir, d))("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
	}
	tftest.In(t, filepath.Join(dir, "account"))(append([]string{"apply", "-auto-approve"}, vars...)...)
	tf := tftest.In(t, filepath.Join(dir, "change"))
	plans := map[string]string{}
	for _, vpc := range []string{"b", "c"} {
		tf(append([]string{"plan", "-out=" + vpc + ".tfplan", "-var", "vpc_name=" + vpc}, vars...)...)
		p := filepath.Join(dir, "plan-"+vpc+".json")
		if err := os.WriteFile(p, tf("show", "-json", vpc+".tfplan"), 0o644); err != nil {
			t.Fatal(err)
		}
		plans[vpc] = p
	}
	return plans
}
