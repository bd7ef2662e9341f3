package terraform

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
)

// TestRegenerateFixtures: the committed plans are what Terraform makes
// of the committed configurations today. generate.sh plans a case again
// against moto_server, and the audit of the new plan has the same rows
// as the audit of the committed one (plans differ in their timestamps).
func TestRegenerateFixtures(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("plans with Terraform against moto (a minute or more); not in -short")
	}
	plugins := needTerraformAndMoto(t)
	// datasources applies an account first, then plans against it.
	for _, c := range []string{"private-no-endpoints", "local-link", "datasources"} {
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
	plugins := tftest.Plugins(t)
	schematest.RequireTool(t, "moto_server", "pip install 'moto[server]'")
	return plugins
}
