package cloudformation

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// TestFixturesLint: the templates the tests read are ones CloudFormation
// would take: cfn-lint finds no error in them (CDK's own output carries a
// warning, W3005, which is not ours to fix).
func TestFixturesLint(t *testing.T) {
	bin := schematest.RequireTool(t, "cfn-lint", "pip install cfn-lint")
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
