package cloudformation

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requireTool finds an external tool: missing, the test skips with the
// reason, except in CI (CI=true or PREFLIGHT_E2E=require), where it fails
// (as audit's tests do for moto, terraform and cfn-lint).
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("%s not installed (%s)", name, install)
	if os.Getenv("CI") == "true" || os.Getenv("PREFLIGHT_E2E") == "require" {
		t.Fatalf("%s; required here (CI=true or PREFLIGHT_E2E=require)", msg)
	}
	t.Skipf("%s; this test is required in CI", msg)
	return ""
}

// TestFixturesLint: the templates the tests read are ones CloudFormation
// would take: cfn-lint finds no error in them (CDK's own output carries a
// warning, W3005, which is not ours to fix).
func TestFixturesLint(t *testing.T) {
	bin := requireTool(t, "cfn-lint", "pip install cfn-lint")
	files, err := filepath.Glob(filepath.Join("testdata", "cdkout", "*", "*.template.json"))
	if err != nil || len(files) < 7 {
		t.Fatalf("got %d CDK templates (%v); want at least 7", len(files), err)
	}
	yamls, _ := filepath.Glob(filepath.Join("testdata", "cdkyaml", "*.template.yaml"))
	files = append(append(files, yamls...), filepath.Join("testdata", "yaml", "network.yaml"), filepath.Join("testdata", "yaml", "separate.yaml"))
	args := append([]string{"--regions", "eu-west-1", "--non-zero-exit-code", "error", "--"}, files...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: got %v; want no error\n%s", err, out)
	}
}
