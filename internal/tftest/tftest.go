// Package tftest runs Terraform for tests: it finds terraform and the
// hashicorp/aws provider in the local plugin directory (this machine has
// no registry), and runs terraform in a directory with a deadline,
// failing the test with terraform's own output. Only tests import it.
package tftest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// runTimeout bounds one terraform command: an apply against moto on a
// loaded 2-core machine takes minutes, a hang must still end.
const runTimeout = 15 * time.Minute

// Plugins returns the plugin directory that holds the hashicorp/aws
// provider (TF_PLUGIN_DIR, default /opt/tf-plugins), for `terraform init
// -plugin-dir`. Without terraform or the provider the test skips, except
// where tools are required (CI=true), where it fails.
func Plugins(t testing.TB) string {
	t.Helper()
	schematest.RequireTool(t, "terraform", "https://developer.hashicorp.com/terraform/install")
	plugins := os.Getenv("TF_PLUGIN_DIR")
	if plugins == "" {
		plugins = "/opt/tf-plugins"
	}
	if _, err := os.Stat(filepath.Join(plugins, "registry.terraform.io", "hashicorp", "aws")); err != nil {
		msg := "no hashicorp/aws provider in " + plugins + " (set TF_PLUGIN_DIR)"
		if schematest.Required() {
			t.Fatal(msg + "; required in CI")
		}
		t.Skip(msg + "; this test is required in CI")
	}
	return plugins
}

// In returns a runner of terraform in dir: it returns stdout, and fails t
// with the command, stdout and stderr when terraform fails. The runs
// never read a user's CLI configuration or instance metadata.
func In(t testing.TB, dir string) func(args ...string) []byte {
	return func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "terraform", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return out
	}
}
