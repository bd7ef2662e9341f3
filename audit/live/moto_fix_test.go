package live

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// TestFixPlanOneRoundAgainstMoto is the fix plan's promise, end to end:
// audit a broken world, run the `--fix cli` plan once with bash and the
// AWS CLI against moto, audit again: it passes, and a third run has
// nothing to do.
//
// Every kind of change is run here except one that moto does not honour:
// moto 5 answers `modify-vpc-endpoint --private-dns-enabled` with
// Return=true but leaves PrivateDnsEnabled false, so the private_dns_off
// world cannot pass against it and is not in this table (the planner's
// unit tests cover the step).
func TestFixPlanOneRoundAgainstMoto(t *testing.T) {
	m := moto(t)
	schematest.RequireTool(t, "aws", "pip install awscli")
	bash := schematest.RequireTool(t, "bash", "apt-get install bash")
	env := m.envFor("test", "test")
	for _, tt := range []struct {
		name      string
		mutations []string
		// steps are commands the plan must hold.
		steps []string
	}{
		{"four endpoints missing", []string{"no_endpoints"},
			[]string{"ENDPOINT_SG=$(aws ec2 create-security-group", "--vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.ecr.api",
				"--service-name com.amazonaws.us-east-1.ecr.dkr", "--service-name com.amazonaws.us-east-1.logs",
				"--vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3", `--security-group-ids "$ENDPOINT_SG"`}},
		{"endpoints reuse the task group", []string{"endpoints_task_sg"},
			[]string{"ENDPOINT_SG=$(aws ec2 create-security-group", `--add-security-group-ids "$ENDPOINT_SG" --remove-security-group-ids`,
				"authorize-security-group-egress"}},
		{"NACL deny on 443", []string{"nacl_deny_443"}, []string{"delete-network-acl-entry", "--egress --rule-number 90"}},
		{"NACL without return traffic", []string{"nacl_block"}, []string{"create-network-acl-entry", "--ingress --rule-number 110", "--port-range From=32768,To=60999"}},
		{"assignPublicIp ENABLED", []string{"public_ip"}, []string{"aws ecs update-service", "assignPublicIp=DISABLED"}},
		{"S3 not routed", []string{"s3_not_routed"}, []string{"--add-route-table-ids"}},
		{"VPC DNS hostnames off", []string{"vpc_dns_off"}, []string{"modify-vpc-attribute", "--enable-dns-hostnames"}},
		{"security groups", []string{"endpoint_sg_no_443", "task_sg_no_s3"}, []string{"authorize-security-group-ingress", "PrefixListIds"}},
		{"EFS egress and an endpoint in one AZ", []string{"efs_no_egress", "endpoint_one_az"}, []string{"--add-subnet-ids", `"FromPort":2049`}},
		{"all four at once", []string{"no_endpoints", "nacl_deny_443", "public_ip"}, []string{"create-vpc-endpoint", "delete-network-acl-entry", "update-service"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m.scenario(t, tt.mutations...)
			before := runCLI(t, env, "audit", "--cluster", "prod", "--output", "json")
			if before.code == report.ExitOK {
				t.Fatalf("before the plan: exit 0; want a failing audit\n%s", before.stdout)
			}
			fix := runCLI(t, env, "audit", "--cluster", "prod", "--fix", "cli", "--output", "json")
			if fix.code != before.code {
				t.Errorf("--fix: exit %d; want the report's %d", fix.code, before.code)
			}
			if strings.Contains(fix.stdout, `"checks"`) || !strings.Contains(fix.stderr, `"checks"`) {
				t.Errorf("--fix: the report must go to stderr and only the plan to stdout\nstdout:\n%s", fix.stdout)
			}
			// The JSON report with --fix keeps every row's hint and names
			// the steps a failing row asked for.
			var was, is report.JSON
			if err := json.Unmarshal([]byte(before.stdout), &was); err != nil {
				t.Fatalf("report JSON: %v", err)
			}
			if err := json.Unmarshal([]byte(fix.stderr), &is); err != nil {
				t.Fatalf("--fix report JSON on stderr: %v\n%s", err, fix.stderr)
			}
			stepped := 0
			for i, c := range is.Checks {
				if i >= len(was.Checks) || c.Hint != was.Checks[i].Hint {
					t.Errorf("row %d (%s %s): hint changed under --fix", i, c.Check, c.Target)
				}
				if len(c.FixSteps) > 0 {
					stepped++
				}
			}
			if stepped == 0 {
				t.Errorf("no row of the --fix JSON report has fix_steps; want the failing rows' steps\n%s", fix.stderr)
			}
			for _, s := range tt.steps {
				if !strings.Contains(fix.stdout, s) {
					t.Errorf("the plan does not hold %q:\n%s", s, fix.stdout)
				}
			}
			if strings.Contains(fix.stdout, "Not fixed by this plan") {
				t.Errorf("the plan leaves findings unfixed:\n%s", fix.stdout)
			}
			// The text report ends with the same plan, broken to fit 100
			// columns, still bash; no command in it is printed twice.
			text := runCLI(t, env, "audit", "--cluster", "prod")
			at := strings.LastIndex(text.stdout, "\nFix plan (")
			script := ""
			if at >= 0 {
				below := text.stdout[at:]
				script = below[max(strings.Index(below, "#!"), 0):]
			}
			if at < 0 || planCommands(script) != planCommands(fix.stdout) {
				t.Errorf("the text report does not end with the plan:\n%s\nwant the commands of:\n%s", text.stdout, fix.stdout)
			} else if out, err := exec.Command(bash, "-n", "-c", script).CombinedOutput(); err != nil {
				t.Errorf("the plan below the report is not bash: %v %s", err, out)
			}
			flat := strings.Join(strings.Fields(strings.ReplaceAll(text.stdout, "\\\n", "")), " ")
			for _, c := range strings.Split(planCommands(fix.stdout), "\n") {
				if n := strings.Count(flat, c); n != 1 {
					t.Errorf("the text report prints %q %d times; want once:\n%s", c, n, text.stdout)
				}
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bash, "-c", fix.stdout)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("running the plan: %v\n%s\nplan:\n%s", err, out, fix.stdout)
			}

			after := runCLI(t, env, "audit", "--cluster", "prod", "--output", "json")
			var doc report.JSON
			if err := json.Unmarshal([]byte(after.stdout), &doc); err != nil {
				t.Fatalf("report JSON: %v\n%s", err, after.stdout)
			}
			for _, c := range doc.Checks {
				if c.Status == report.StatusFail {
					t.Errorf("after the plan: %s %s fails: %s", c.Check, c.Target, c.Error)
				}
			}
			if after.code != report.ExitOK {
				t.Errorf("after the plan: exit %d; want 0\nplan:\n%s", after.code, fix.stdout)
			}
			again := runCLI(t, env, "audit", "--cluster", "prod", "--fix", "cli")
			if !strings.Contains(again.stdout, "# Nothing to do") || strings.Contains(again.stdout, "\naws ") {
				t.Errorf("second --fix: got\n%s\nwant nothing to do", again.stdout)
			}
		})
	}
}

// planCommands are the command lines of a CLI plan, each on one line with
// its words one space apart: what bash runs, however the lines are broken.
func planCommands(plan string) string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(plan, "\\\n", ""), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "Fix plan (") {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
