package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// planCase is a plan Terraform made for audit/terraform's tests.
func planCase(name string) string {
	return filepath.Join("..", "..", "audit", "terraform", "testdata", name, "plan.json")
}

// writeFile writes content to a file in a test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// binaryPlan writes a zip archive, as terraform plan -out does.
func binaryPlan(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tfplan")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("tfplan")
	w.Write([]byte("plan"))
	zw.Close()
	f.Close()
	return p
}

// fakeTerraform puts a terraform on PATH that prints the JSON of a plan
// (what terraform show -json does), so the binary-plan path is tested
// without Terraform.
func fakeTerraform(t *testing.T, planJSON string) {
	t.Helper()
	dir := t.TempDir()
	abs, err := filepath.Abs(planJSON)
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1 $2\" = \"show -json\" ] || { echo \"unexpected arguments: $*\" >&2; exit 3; }\nexec cat '" + abs + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "terraform"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestAuditPlan: --plan judges a plan without AWS, and bad input exits 2
// naming the problem.
func TestAuditPlan(t *testing.T) {
	tests := []struct {
		name  string
		args  func(t *testing.T) []string
		env   map[string]string
		setup func(t *testing.T)
		code  int
		want  []string
	}{
		{name: "a plan with every endpoint passes", code: report.ExitOK,
			args: func(*testing.T) []string { return []string{"audit", "--plan", planCase("endpoints")} },
			want: []string{`aws_vpc_endpoint.interface["ecr.dkr"] (com.amazonaws.us-east-1.ecr.dkr) available`, "region us-east-1"}},
		{name: "missing endpoints fail, the fix plan names the plan's addresses", code: report.ExitDNSPosture,
			args: func(*testing.T) []string { return []string{"audit", "--plan", planCase("private-no-endpoints")} },
			want: []string{"no available interface endpoint for com.amazonaws.us-east-1.ecr.api in aws_vpc.main", "Fix plan, against the plan's own addresses", "vpc_id      = aws_vpc.main.id"}},
		{name: "PREFLIGHT_PLAN", code: report.ExitConnect, env: map[string]string{"PREFLIGHT_PLAN": planCase("sg-no-egress")},
			args: func(*testing.T) []string { return []string{"audit"} },
			want: []string{"aws_security_group.task do not allow outbound TCP 443"}},
		{name: "a local link is undecided", code: report.ExitUndecided,
			args: func(*testing.T) []string {
				return []string{"audit", "--plan", planCase("local-link"), "--output", "json"}
			},
			want: []string{"network_configuration.subnets is known only after apply and comes from local.subnets"}},
		{name: "not JSON", code: report.ExitUsage,
			args: func(t *testing.T) []string {
				return []string{"audit", "--plan", writeFile(t, "plan.json", "Plan: 3 to add")}
			},
			want: []string{"--plan: plan ", "not JSON"}},
		{name: "a state file", code: report.ExitUsage,
			args: func(t *testing.T) []string {
				return []string{"audit", "--plan", writeFile(t, "state.json", `{"format_version":"1.0","values":{"root_module":{}}}`)}
			},
			want: []string{"a Terraform state, not a plan"}},
		{name: "a failed plan", code: report.ExitUsage,
			args: func(t *testing.T) []string {
				return []string{"audit", "--plan", writeFile(t, "plan.json", `{"format_version":"1.2","errored":true,"resource_changes":[]}`)}
			},
			want: []string{"the plan failed (errored: true)"}},
		{name: "format version 2", code: report.ExitUsage,
			args: func(t *testing.T) []string {
				return []string{"audit", "--plan", writeFile(t, "plan.json", `{"format_version":"2.0","resource_changes":[]}`)}
			},
			want: []string{"format_version 2.0 is not supported"}},
		{name: "no such file", code: report.ExitUsage,
			args: func(t *testing.T) []string {
				return []string{"audit", "--plan", filepath.Join(t.TempDir(), "nope.json")}
			},
			want: []string{"--plan: ", "no such file"}},
		{name: "with --task-definition", code: report.ExitUsage,
			args: func(*testing.T) []string {
				return []string{"audit", "--plan", planCase("endpoints"), "--task-definition", "app:1", "--subnets", "subnet-0abc"}
			},
			want: []string{"--task-definition: does not combine with --plan", "--subnets: does not combine with --plan"}},
		{name: "a binary plan without terraform", code: report.ExitUsage,
			setup: func(t *testing.T) { t.Setenv("PATH", t.TempDir()) },
			args:  func(t *testing.T) []string { return []string{"audit", "--plan", binaryPlan(t)} },
			want:  []string{"is a binary plan", "terraform show -json"}},
		{name: "a binary plan through terraform show -json", code: report.ExitDNSPosture,
			setup: func(t *testing.T) { fakeTerraform(t, planCase("private-no-endpoints")) },
			args:  func(t *testing.T) []string { return []string{"audit", "--plan", binaryPlan(t)} },
			want:  []string{"in aws_vpc.main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args(t), func(k string) string { return tt.env[k] }, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.code {
				t.Errorf("exit %d; want %d\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

// The secrets the endpoints case plants (see its main.tf).
var plantedSecrets = []string{"PLANTED-sensitive-variable-7f3a", "PLANTED-container-env-9c2e"}

// TestAuditPlanSecrets: a secret in a plan (a sensitive variable, a
// secret string, a container environment value, a crafted id) never
// reaches stdout, stderr, a log line or a report file, in any format.
func TestAuditPlanSecrets(t *testing.T) {
	raw, err := os.ReadFile(planCase("endpoints"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plantedSecrets {
		if !bytes.Contains(raw, []byte(s)) {
			t.Fatalf("the fixture does not carry %q: the test would prove nothing", s)
		}
	}
	crafted := craftedPlan(t, raw)
	dir := t.TempDir()
	var runs [][]string
	for _, plan := range []string{planCase("endpoints"), crafted} {
		for _, out := range []string{"text", "json", "sarif", "junit", "html"} {
			runs = append(runs, []string{"audit", "--plan", plan, "--output", out, "--log-level", "debug",
				"--report", "json=" + filepath.Join(dir, "r.json"), "--report", "html=" + filepath.Join(dir, "r.html")})
		}
		runs = append(runs,
			[]string{"audit", "--plan", plan, "--fix", "terraform", "--log-level", "debug"},
			[]string{"audit", "--plan", plan, "--egress-rules", "json", "--log-level", "debug"})
	}
	runs = append(runs, []string{"audit", "--plan", writeFile(t, "bad.json", `{"format_version":"PLANTED-sensitive-variable-7f3a","resource_changes":[]}`)})
	for i, args := range runs {
		t.Run(fmt.Sprint(i, " ", strings.Join(args[3:], " ")), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
			outputs := map[string]string{"stdout": stdout.String(), "stderr": stderr.String()}
			for _, f := range []string{"r.json", "r.html"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				outputs[f] = string(b)
			}
			for where, text := range outputs {
				for _, s := range append(plantedSecrets, "PLANTED") {
					if strings.Contains(text, s) {
						t.Errorf("%s carries %q:\n%s", where, s, text)
					}
				}
			}
		})
	}
}

// craftedPlan is the endpoints plan with a secret put where ids, names
// and references go: the service's subnets, its cluster's name, the task
// definition's family and a reference the reader cannot follow.
func craftedPlan(t *testing.T, raw []byte) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rc := range doc["resource_changes"].([]any) {
		m := rc.(map[string]any)
		change := m["change"].(map[string]any)
		after, _ := change["after"].(map[string]any)
		switch m["type"] {
		case "aws_ecs_service":
			nc := after["network_configuration"].([]any)[0].(map[string]any)
			nc["subnets"] = []any{"PLANTED-sensitive-variable-7f3a; rm -rf /"}
			change["after_unknown"].(map[string]any)["network_configuration"] = []any{map[string]any{}}
		case "aws_ecs_cluster":
			after["name"] = "PLANTED-container-env-9c2e\n"
		case "aws_ecs_task_definition":
			after["family"] = "PLANTED family\x1b[2J"
		}
	}
	// A reference the reader names in an undecided row.
	cfg := doc["configuration"].(map[string]any)["root_module"].(map[string]any)
	for _, r := range cfg["resources"].([]any) {
		m := r.(map[string]any)
		if m["address"] == "aws_route_table_association.private" {
			m["expressions"].(map[string]any)["subnet_id"] = map[string]any{"references": []any{"local.PLANTED secret; rm -rf /"}}
		}
	}
	for _, rc := range doc["resource_changes"].([]any) {
		m := rc.(map[string]any)
		if m["type"] == "aws_route_table_association" {
			change := m["change"].(map[string]any)
			change["after"].(map[string]any)["subnet_id"] = nil
			change["after_unknown"].(map[string]any)["subnet_id"] = true
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "crafted.json", string(b))
}

// TestAuditPlanLiveScopeWithoutCredentials: --plan with a live scope
// (--cluster, --service) but no credentials judges the plan alone, as
// --plan without one does: the same rows and exit code (what the plan
// does not hold is undecided, exit 18 with --fail-undecided), and a
// warning that says the account was not read.
func TestAuditPlanLiveScopeWithoutCredentials(t *testing.T) {
	noCredentials(t)
	for _, tt := range []struct {
		plan  string
		extra []string
		code  int
	}{
		{plan: planCase("endpoints"), code: report.ExitOK},
		{plan: planCase("local-link"), extra: []string{"--fail-undecided"}, code: report.ExitUndecided},
		{plan: filepath.Join("..", "..", "audit", "terraform", "testdata", "overlay", "plan-drop-ecr-dkr.json"), code: report.ExitUndecided},
	} {
		t.Run(filepath.Base(filepath.Dir(tt.plan))+strings.Join(tt.extra, ""), func(t *testing.T) {
			audit := func(scope ...string) (int, []map[string]any, string) {
				var stdout, stderr bytes.Buffer
				args := append(append([]string{"audit", "--plan", tt.plan, "--output", "json"}, tt.extra...), scope...)
				code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
				var doc struct {
					Checks []map[string]any `json:"checks"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
					t.Fatalf("%v: stdout is not the JSON report: %v\n%s%s", args, err, stdout.String(), stderr.String())
				}
				for _, c := range doc.Checks {
					delete(c, "duration_seconds")
				}
				return code, doc.Checks, stderr.String()
			}
			aloneCode, alone, _ := audit()
			for _, scope := range [][]string{{"--cluster", "prod"}, {"--cluster", "prod", "--service", "orders"}} {
				code, rows, stderr := audit(scope...)
				if code != tt.code || aloneCode != tt.code {
					t.Errorf("%v: exit %d (the plan alone %d); want %d both\n%s", scope, code, aloneCode, tt.code, stderr)
				}
				if !reflect.DeepEqual(rows, alone) {
					t.Errorf("%v: rows\n%v\nwant those of the plan alone\n%v", scope, rows, alone)
				}
				if !strings.Contains(stderr, "the live account cannot be read, so the plan is judged alone") || !strings.Contains(stderr, "no AWS credentials") {
					t.Errorf("%v: stderr\n%s\nwant the warning that the account was not read, and why", scope, stderr)
				}
			}
		})
	}
}

// noCredentials leaves the SDK no credentials to find: no keys, no
// profile files, no instance metadata.
func noCredentials(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": "/nonexistent/aws-config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
	} {
		t.Setenv(k, v)
	}
}
