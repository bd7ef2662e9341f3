package live

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// offlineEnv is an environment in which any AWS call fails fast: for
// input errors that must be reported before the first call.
func offlineEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1",
	}
}

// TestAuditCLIUsageErrors: bad input exits 2 before any rule runs, naming
// the input and what is wrong with it.
func TestAuditCLIUsageErrors(t *testing.T) {
	dir := t.TempDir()
	example, err := os.ReadFile("../../task-def.example.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(example, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc["containerDefinitions"].([]any)[1].(map[string]any), "image")
	noImage := filepath.Join(dir, "no-image.json")
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(noImage, b, 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte("{\n  \"family\": \"orders\",\n  \"containerDefinitions\": [\n    {\"name\": \"app\" \"image\": \"x\"}\n  ]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"file without an image", []string{"--task-definition", noImage, "--subnets", "subnet-1", "--security-groups", "sg-1"},
			[]string{"--task-definition", "no-image.json", "containerDefinitions[1].image: missing"}},
		{"file that is not JSON", []string{"--task-definition", broken, "--subnets", "subnet-1", "--security-groups", "sg-1"},
			[]string{"broken.json", "line 4, column"}},
		{"missing file", []string{"--task-definition", filepath.Join(dir, "nope.json"), "--subnets", "subnet-1", "--security-groups", "sg-1"},
			[]string{"nope.json", "no such file"}},
		{"subnets without security groups", []string{"--task-definition", "orders:1", "--subnets", "subnet-1"},
			[]string{"--subnets", "needs --security-groups"}},
		{"neither cluster nor task definition", nil, []string{"--cluster", "--task-definition"}},
		{"unknown flag", []string{"--cluster", "prod", "--no-such-flag"}, []string{"no-such-flag"}},
		{"malformed subnet id", []string{"--task-definition", "orders:1", "--subnets", "sn-1", "--security-groups", "sg-1"},
			[]string{"--subnets", `"sn-1"`}},
		{"bad --assign-public-ip", []string{"--cluster", "prod", "--assign-public-ip", "yes"}, []string{"--assign-public-ip", "ENABLED or DISABLED"}},
		{"bad --egress-rules", []string{"--cluster", "prod", "--egress-rules", "pulumi"}, []string{"--egress-rules", "terraform"}},
		{"bad --fix", []string{"--cluster", "prod", "--fix", "json"}, []string{"--fix", "cloudformation"}},
		{"--fix with --egress-rules", []string{"--cluster", "prod", "--fix", "cli", "--egress-rules", "cli"}, []string{"--fix", "--egress-rules", "give one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, offlineEnv(), append([]string{"audit"}, tt.args...)...)
			if res.code != report.ExitUsage {
				t.Errorf("exit %d; want %d\nstderr: %s", res.code, report.ExitUsage, res.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, res.stderr)
				}
			}
			if res.stdout != "" {
				t.Errorf("stdout %q; want nothing (no report for bad input)", res.stdout)
			}
		})
	}
}

// TestAuditCLIAgainstMoto runs the built binary against moto: resources
// that do not exist exit 2 naming them, the pre-deploy file form judges
// task-def.example.json's shape, and --egress-rules splits the rule set
// (stdout) from the report (stderr).
func TestAuditCLIAgainstMoto(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "custom_dhcp")
	env := m.envFor("test", "test")
	subnets, sg := strings.Join(w.Subnets, ","), w.TaskSG

	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown subnet", []string{"--task-definition", "../../task-def.example.json", "--subnets", "subnet-0123456789abcdef0", "--security-groups", sg},
			[]string{"--subnets", "subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"}},
		{"unknown security group", []string{"--task-definition", "../../task-def.example.json", "--subnets", subnets, "--security-groups", "sg-0123456789abcdef0"},
			[]string{"--security-groups", "sg-0123456789abcdef0", w.VPC}},
		{"unknown cluster", []string{"--cluster", "staging"}, []string{"--cluster", `"staging"`, "MISSING"}},
		{"unknown service", []string{"--cluster", "prod", "--service", "orders,billing"}, []string{"--service", `"billing"`, "MISSING"}},
		{"unknown task definition", []string{"--task-definition", "payments:7", "--subnets", subnets, "--security-groups", sg},
			[]string{"--task-definition", `"payments:7"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, env, append([]string{"audit"}, tt.args...)...)
			if res.code != report.ExitUsage {
				t.Errorf("exit %d; want 2\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr does not mention %q:\n%s", want, res.stderr)
				}
			}
		})
	}

	decode := func(t *testing.T, s string) report.JSON {
		t.Helper()
		var doc report.JSON
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			t.Fatalf("report JSON: %v\n%s", err, s)
		}
		return doc
	}

	t.Run("pre-deploy file form: the preflight container's own PREFLIGHT_CHECKS", func(t *testing.T) {
		// The example's init container checks secretsmanager: in this
		// world, which has no secretsmanager endpoint, it would fail the
		// task at start, so the audit fails that need too and says why.
		res := runCLI(t, env, "audit", "--task-definition", "../../task-def.example.json", "--subnets", subnets,
			"--security-groups", sg, "--output", "json")
		if res.code != report.ExitDNSPosture {
			t.Fatalf("exit %d; want %d\n%s\n%s", res.code, report.ExitDNSPosture, res.stdout, res.stderr)
		}
		const why = `taskdef/orders: PREFLIGHT_CHECKS of container "preflight": secretsmanager`
		found := false
		for _, c := range decode(t, res.stdout).Checks {
			if c.Check == audit.CheckEndpoint && c.Target == "secretsmanager" && c.Status == report.StatusFail && c.Reason == why {
				found = true
			}
		}
		if !found {
			t.Errorf("no failing secretsmanager endpoint row with reason %q:\n%s", why, res.stdout)
		}
	})

	t.Run("--checks hosts, IPs and target names", func(t *testing.T) {
		res := runCLI(t, env, "audit", "--cluster", "prod", "--checks", "example.com=blocked,10.0.0.5:5432,logs@us-west-2", "--output", "json")
		if res.code != report.ExitConnect {
			t.Fatalf("exit %d; want %d\n%s\n%s", res.code, report.ExitConnect, res.stdout, res.stderr)
		}
		want := map[string]report.Status{
			"endpoint example.com --checks example.com=blocked": report.StatusSkip,
			"route 10.0.0.5 --checks 10.0.0.5:5432":             report.StatusFail,
			"cross_region logs --checks logs@us-west-2":         report.StatusFail,
		}
		for _, c := range decode(t, res.stdout).Checks {
			_, from, _ := strings.Cut(c.Reason, ": ")
			key := string(c.Check) + " " + c.Target + " " + from
			if st, ok := want[key]; ok && st == c.Status {
				delete(want, key)
			}
		}
		for key, st := range want {
			t.Errorf("no %s row %q:\n%s", st, key, res.stdout)
		}
	})

	t.Run("--egress-rules terraform", func(t *testing.T) {
		// The healthy world's task group holds exactly the least set: nothing to do.
		res := runCLI(t, env, "audit", "--cluster", "prod", "--egress-rules", "terraform", "--output", "json")
		if res.code != report.ExitOK {
			t.Fatalf("exit %d; want 0\n%s", res.code, res.stderr)
		}
		if !strings.HasPrefix(res.stdout, "# Nothing to do") || strings.Contains(res.stdout, "resource ") {
			t.Errorf("stdout is not a nothing-to-do comment:\n%s", res.stdout)
		}
		if doc := decode(t, res.stderr); len(doc.Checks) == 0 || doc.ExitCode != report.ExitOK {
			t.Errorf("stderr report: %d checks, exit %d", len(doc.Checks), doc.ExitCode)
		}

		// An allow-all group: the rules to add, and its revoke (a comment
		// in Terraform, which does not own the group).
		w := m.scenario(t, "egress_open")
		res = runCLI(t, env, "audit", "--cluster", "prod", "--egress-rules", "terraform", "--output", "json")
		if !strings.Contains(res.stdout, `resource "aws_vpc_security_group_egress_rule"`) || !strings.Contains(res.stdout, w.TaskSG) ||
			!strings.Contains(res.stdout, "revoke-security-group-egress") {
			t.Errorf("stdout is not the Terraform rule set and revoke for %s:\n%s", w.TaskSG, res.stdout)
		}
		if strings.Contains(res.stdout, `"checks"`) {
			t.Errorf("the report leaked into stdout:\n%s", res.stdout)
		}
	})

	t.Run("--fail-undecided with a denied call", func(t *testing.T) {
		w := m.scenario(t, "iam")
		m.motoAPI(t, "reset-auth", "0")
		defer m.motoAPI(t, "reset-auth", "inf")
		u := w.Users["denied"]
		env := m.envFor(u.Key, u.Secret)
		res := runCLI(t, env, "audit", "--cluster", "prod", "--output", "json")
		// Every need of this world waits on the denied DescribeVpcEndpoints:
		// the rows warn, and a run that judged nothing exits 18, not 0.
		if res.code != report.ExitUndecided {
			t.Errorf("without --fail-undecided: exit %d; want 18 (nothing judged)\n%s", res.code, res.stderr)
		}
		for _, c := range decode(t, res.stdout).Checks {
			if c.Status == report.StatusFail {
				t.Errorf("without --fail-undecided: row %s %s fails; want warnings only", c.Check, c.Target)
			}
		}
		if !strings.Contains(res.stderr, audit.ActionDescribeVpcEndpoints) {
			t.Errorf("the log does not name the denied action:\n%s", res.stderr)
		}
		res = runCLI(t, env, "audit", "--cluster", "prod", "--output", "json", "--fail-undecided")
		if res.code != report.ExitUndecided {
			t.Errorf("with --fail-undecided: exit %d; want 18\n%s", res.code, res.stderr)
		}
		doc := decode(t, res.stdout)
		found := false
		for _, c := range doc.Checks {
			if c.Class == report.ClassUndecided && c.Status == report.StatusFail {
				found = true
			}
		}
		if !found {
			t.Errorf("no failing undecided row in %+v", doc.Checks)
		}
	})

	// Last: it seeds its own world (with the secretsmanager endpoint the
	// example's preflight container checks).
	t.Run("pre-deploy file form", func(t *testing.T) {
		w := m.scenario(t, "custom_dhcp", "secretsmanager_endpoint")
		subnets, sg := strings.Join(w.Subnets, ","), w.TaskSG
		for _, tt := range []struct {
			public string
			exit   int
		}{{"DISABLED", report.ExitOK}, {"ENABLED", report.ExitPublicIP}} {
			res := runCLI(t, env, "audit", "--task-definition", "../../task-def.example.json", "--subnets", subnets,
				"--security-groups", sg, "--assign-public-ip", tt.public, "--output", "json")
			if res.code != tt.exit {
				t.Errorf("--assign-public-ip %s: exit %d; want %d\n%s\n%s", tt.public, res.code, tt.exit, res.stdout, res.stderr)
				continue
			}
			doc := decode(t, res.stdout)
			if doc.ExitCode != tt.exit || doc.Region != "us-east-1" || doc.Account != w.Account {
				t.Errorf("report exit %d region %q account %q; want %d us-east-1 %s", doc.ExitCode, doc.Region, doc.Account, tt.exit, w.Account)
			}
			seen := map[string]bool{}
			for _, c := range doc.Checks {
				seen[string(c.Check)+" "+c.Target] = true
			}
			// The example pulls from ECR and logs with awslogs: the audit
			// must have judged each of those paths, plus the custom DHCP
			// resolver of this world.
			for _, want := range []string{"public_ip taskdef/orders", "endpoint ecr.api", "endpoint ecr.dkr", "endpoint ecr.layers", "endpoint logs", "endpoint secretsmanager", "dhcp " + w.VPC} {
				if !seen[want] {
					t.Errorf("--assign-public-ip %s: no %q row in %v", tt.public, want, seen)
				}
			}
		}
	})
}
