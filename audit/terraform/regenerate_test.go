package terraform

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
)

// required says whether a test that needs an external tool must run:
// in CI (CI=true, or PREFLIGHT_E2E=require as .ci/run sets it), as the
// audit package's moto tests do.
func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PREFLIGHT_E2E") == "require"
}

// needTool skips (or, where required, fails) without an external tool.
func needTool(t *testing.T, name, why string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	msg := fmt.Sprintf("%s not on PATH (%s)", name, why)
	if required() {
		t.Fatalf("%s; required in CI", msg)
	}
	t.Skipf("%s; this test is required in CI", msg)
}

// TestRegenerateFixtures: the committed plans are what Terraform makes
// of the committed configurations today. generate.sh plans a case again
// against moto_server, and the audit of the new plan has the same rows
// as the audit of the committed one (plans differ in their timestamps).
func TestRegenerateFixtures(t *testing.T) {
	if testing.Short() && !required() {
		t.Skip("plans with Terraform against moto (a minute or more); not in -short")
	}
	plugins := needTerraformAndMoto(t)
	for _, c := range []string{"private-no-endpoints", "local-link"} {
		t.Run(c, func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "./generate.sh", c)
			cmd.Dir = "testdata"
			cmd.Env = append(os.Environ(), "OUT_DIR="+out, "TF_PLUGIN_DIR="+plugins)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("generate.sh %s: %v\n%s", c, err, b)
			}
			fresh, err := ReadFile(filepath.Join(out, c, "plan.json"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := summary(audit.Evaluate(fresh, audit.Options{}))
			want := summary(audit.Evaluate(readCase(t, c), audit.Options{}))
			if !slices.Equal(got, want) {
				t.Errorf("rows of a fresh plan %v; want those of the committed one %v", got, want)
			}
		})
	}
}

// needTerraformAndMoto skips (fails in CI) unless terraform, moto_server
// and the hashicorp/aws provider in the local plugin directory
// (TF_PLUGIN_DIR, default /opt/tf-plugins) are all here, and returns that
// directory.
func needTerraformAndMoto(t *testing.T) string {
	t.Helper()
	needTool(t, "terraform", "https://developer.hashicorp.com/terraform/install")
	needTool(t, "moto_server", "pip install 'moto[server]'")
	plugins := os.Getenv("TF_PLUGIN_DIR")
	if plugins == "" {
		plugins = "/opt/tf-plugins"
	}
	if _, err := os.Stat(filepath.Join(plugins, "registry.terraform.io", "hashicorp", "aws")); err != nil {
		msg := "no hashicorp/aws provider in " + plugins + " (set TF_PLUGIN_DIR)"
		if required() {
			t.Fatal(msg + "; required in CI")
		}
		t.Skip(msg + "; this test is required in CI")
	}
	return plugins
}
