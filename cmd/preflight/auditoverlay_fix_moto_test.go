package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/internal/fixtest"
	"github.com/preflight-dev/preflight/internal/tftest"
	"github.com/preflight-dev/preflight/report"
)

// overLiveFixes are the plans of the overlay case whose audit over the
// live account fails, with the configuration each was planned from (with
// ecr_dkr.tf or without, the variables) and lines their --fix terraform
// must hold: every resource the fix names is one the configuration
// declares, by its address.
var overLiveFixes = []struct {
	plan   string
	code   int
	ecrDkr bool
	vars   []string
	want   []string
	// edit is the change the fix says in words, made in main.tf: the
	// text to replace and its replacement.
	edit [2]string
}{
	{plan: "drop-ecr-dkr", code: report.ExitDNSPosture, want: []string{
		`service_name        = "com.amazonaws.us-east-1.ecr.dkr"`,
		"vpc_id              = aws_vpc.main.id",
		"subnet_ids          = [aws_subnet.private[0].id, aws_subnet.private[1].id]",
	}},
	// The endpoint sets its route_table_ids itself (to [] here): the fix
	// is an edit of that list, not an association the next apply would
	// take off again.
	{plan: "drop-s3-route", code: report.ExitConnect, ecrDkr: true, vars: []string{"-var", "s3_route=false"}, want: []string{
		"aws_vpc_endpoint.s3 sets its route_table_ids itself",
		"Add aws_route_table.private.id to the route_table_ids of aws_vpc_endpoint.s3.",
	}, edit: [2]string{"var.s3_route ? [aws_route_table.private.id] : []", "var.s3_route ? [aws_route_table.private.id] : [aws_route_table.private.id]"}},
}

// reQuotedID is an AWS id written as a literal in HCL.
var reQuotedID = regexp.MustCompile(`"(vpc|subnet|sg|rtb|vpce|acl)-[0-9a-f]+"`)

// testOverLiveFix is the fix half of TestAuditPlanOverLive, on the
// account and configuration applyAndPlan made (dir, initialised): for
// each plan that breaks the running services, `audit --plan --cluster
// prod --fix terraform` names the plan's addresses, never the account's
// ids of what the plan declares; `--fix cli` names the account's ids,
// which exist. Added to the configuration, the fix is what `terraform fmt
// -check` and `terraform validate` accept; planned again against moto and
// laid over the account, every row that failed with a step written as
// code passes (fixtest.AssertFixed), and the audit exits 0.
func testOverLiveFix(t *testing.T, dir, endpoint string, plans map[string]string) {
	tf := tftest.In(t, dir)
	ecrDkr, err := os.ReadFile(filepath.Join("..", "..", "audit", "terraform", "testdata", "overlay", "ecr_dkr.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range overLiveFixes {
		t.Run("fix/"+c.plan, func(t *testing.T) {
			fix, code := auditOut(t, "--plan", plans[c.plan], "--cluster", "prod", "--fix", "terraform")
			if code != c.code {
				t.Errorf("--fix terraform: exit %d; want %d (the report's)", code, c.code)
			}
			t.Logf("--fix terraform:\n%s", fix)
			flat := strings.ReplaceAll(fix, "\n#  ", " ")
			for _, w := range c.want {
				if !strings.Contains(flat, w) {
					t.Errorf("--fix terraform: want it to hold %q", w)
				}
			}
			if ids := reQuotedID.FindAllString(hclCode(fix), -1); len(ids) > 0 {
				t.Errorf("--fix terraform names %v by their ids; want the plan's addresses (it declares them all)", ids)
			}
			if strings.Contains(fix, "Outside the change") {
				t.Errorf("--fix terraform says a resource lies outside the change; want none (it declares them all)")
			}
			script, code := auditOut(t, "--plan", plans[c.plan], "--cluster", "prod", "--fix", "cli")
			if code != c.code || !strings.Contains(script, "aws ec2 ") || strings.Contains(script, "aws_") {
				t.Errorf("--fix cli: exit %d and\n%s\nwant exit %d and AWS CLI commands on the account's ids", code, script, c.code)
			}

			before := overLiveFacts(t, plans[c.plan])
			dkr := filepath.Join(dir, "ecr_dkr.tf")
			_ = os.Remove(dkr)
			if c.ecrDkr {
				writeBytes(t, dkr, ecrDkr)
			}
			if strings.Contains(hclCode(fix), "aws_vpc_endpoint_route_table_association") {
				t.Errorf("--fix terraform adds a route table association to an endpoint that sets its route_table_ids itself")
			}
			if c.edit[0] != "" {
				mainTF := filepath.Join(dir, "main.tf")
				orig, err := os.ReadFile(mainTF)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(orig, []byte(c.edit[0])) {
					t.Fatalf("main.tf holds no %q", c.edit[0])
				}
				writeBytes(t, mainTF, bytes.Replace(orig, []byte(c.edit[0]), []byte(c.edit[1]), 1))
				t.Cleanup(func() { writeBytes(t, mainTF, orig) })
			}
			fixFile := filepath.Join(dir, "preflight_fix.tf")
			writeBytes(t, fixFile, []byte(fix))
			t.Cleanup(func() { _ = os.Remove(fixFile) })
			tf("fmt", "-check", "-diff", "preflight_fix.tf")
			tf("validate", "-no-color")
			tf(append([]string{"plan", "-input=false", "-no-color", "-out=fixed.tfplan", "-var", "endpoint=" + endpoint}, c.vars...)...)
			fixed := filepath.Join(dir, "plan-fixed-"+c.plan+".json")
			writeBytes(t, fixed, tf("show", "-json", "fixed.tfplan"))
			fixtest.AssertFixed(t, before, overLiveFacts(t, fixed))

			out, code := auditOut(t, "--plan", fixed, "--cluster", "prod", "--output", "json")
			var doc struct {
				Results []report.Result `json:"checks"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("the JSON report: %v\n%s", err, out)
			}
			if code != report.ExitOK {
				t.Errorf("the fixed plan over the account: exit %d; want %d\n%s", code, report.ExitOK, summarize(doc.Results))
			}
		})
	}
}

// auditOut runs `preflight audit args...` and returns its stdout and exit
// code (stderr, the report beside --fix, is logged on failure).
func auditOut(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"audit"}, args...), func(string) string { return "" }, &stdout, &stderr)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("audit %s: stderr:\n%s", strings.Join(args, " "), stderr.String())
		}
	})
	return stdout.String(), code
}

// overLiveFacts are the facts of the plan at path laid over the account
// (cluster prod), as `audit --plan path --cluster prod` judges them.
func overLiveFacts(t *testing.T, path string) *audit.Facts {
	t.Helper()
	p, err := readPlan(context.Background(), path, "", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	f, over, code := planOverLive(context.Background(), &config.Config{Cluster: "prod"}, p, io.Discard, zap.NewNop())
	if f == nil || over == nil {
		t.Fatalf("plan %s over the account: exit %d, laid over: %v; want the merged facts", path, code, over != nil)
	}
	return f
}

// hclCode is a Terraform fix without its comment lines.
func hclCode(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func writeBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
