package live

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// TestEgressRulesOneRoundAgainstMoto (issue 24 item 5): in a world whose
// task group allows all egress, the audit with --checks secretsmanager,
// dynamodb and a host name passes secretsmanager and dynamodb; running
// the --egress-rules cli script (its rules and the revoke of the
// allow-all) with the AWS CLI, the same audit passes them again and fails
// nothing new. Before, the rules ignored --checks and the revoke cut
// DynamoDB off.
func TestEgressRulesOneRoundAgainstMoto(t *testing.T) {
	m := moto(t)
	aws := schematest.RequireTool(t, "aws", "pip install awscli")
	bash := schematest.RequireTool(t, "bash", "apt-get install bash")
	env := m.envFor("test", "test")
	w := m.scenario(t, "egress_open", "secretsmanager_endpoint")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	gw := exec.CommandContext(ctx, aws, "ec2", "create-vpc-endpoint", "--region", w.Region, "--vpc-id", w.VPC,
		"--vpc-endpoint-type", "Gateway", "--service-name", "com.amazonaws."+w.Region+".dynamodb", "--route-table-ids", w.RouteTable)
	gw.Env = env
	if out, err := gw.CombinedOutput(); err != nil {
		t.Fatalf("create the DynamoDB gateway endpoint: %v\n%s", err, out)
	}

	checks := "secretsmanager,dynamodb,api.example.com:8443"
	judge := func() (pass, fail map[string]int) {
		res := runCLI(t, env, "audit", "--cluster", "prod", "--checks", checks, "--output", "json")
		var doc report.JSON
		if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
			t.Fatalf("report JSON: %v\n%s\n%s", err, res.stdout, res.stderr)
		}
		pass, fail = map[string]int{}, map[string]int{}
		for _, c := range doc.Checks {
			k := fmt.Sprintf("%s %s:%d", c.Check, c.Target, c.Port)
			switch {
			case c.Check == audit.CheckEgress:
			case c.Status == report.StatusPass:
				pass[k]++
			case c.Status == report.StatusFail:
				fail[k]++
			}
		}
		return pass, fail
	}
	passed, failed := judge()
	for _, want := range []string{"endpoint secretsmanager:443", "endpoint dynamodb:443"} {
		if passed[want] == 0 {
			t.Fatalf("before: got no pass row %q; want one (passes: %v, failures: %v)", want, passed, failed)
		}
	}

	rules := runCLI(t, env, "audit", "--cluster", "prod", "--checks", checks, "--egress-rules", "cli", "--output", "json")
	for _, want := range []string{"revoke-security-group-egress", `"FromPort":8443`, "api.example.com: a host name's addresses"} {
		if !strings.Contains(strings.Join(strings.Fields(rules.stdout), " "), want) {
			t.Errorf("the egress rules do not hold %q:\n%s", want, rules.stdout)
		}
	}
	run := exec.CommandContext(ctx, bash, "-c", rules.stdout)
	run.Env = env
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("running the egress rules: %v\n%s\nrules:\n%s", err, out, rules.stdout)
	}

	after, afterFailed := judge()
	for k, n := range passed {
		if after[k] != n {
			t.Errorf("%s after the egress rules: got %d pass rows; want %d", k, after[k], n)
		}
	}
	for k, n := range afterFailed {
		if n > failed[k] {
			t.Errorf("%s after the egress rules: got %d fail rows; want %d\nrules:\n%s", k, n, failed[k], rules.stdout)
		}
	}
}
