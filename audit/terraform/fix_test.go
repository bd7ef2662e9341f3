package terraform

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/fixtest"
	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
)

var update = flag.Bool("update", false, "rewrite the fix plan golden files in testdata/fix")

// fixCases are the committed plans whose audit fails, each with lines
// its --fix terraform must hold: references to the plan's own resources.
var fixCases = []struct {
	name string
	want []string
}{
	{"private-no-endpoints", []string{"vpc_id      = aws_vpc.main.id", "referenced_security_group_id = aws_security_group.task.id",
		"subnet_ids          = [aws_subnet.private[0].id, aws_subnet.private[1].id]", "route_table_ids   = [aws_route_table.private.id]"}},
	{"sg-no-egress", []string{"security_group_id            = aws_security_group.task.id",
		"referenced_security_group_id = aws_vpc.main.default_security_group_id"}},
	{"public-nat", []string{"set assign_public_ip = false in the network_configuration of aws_ecs_service.public"}},
	// Endpoints in two VPCs: what the fix creates is named after each
	// VPC's address, in letters, digits and underscores.
	{"two-vpcs", []string{`resource "aws_security_group" "endpoint_sg_aws_vpc__a"`, `resource "aws_security_group" "endpoint_sg_aws_vpc__b"`,
		"security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__b.id]"}},
}

// writeFix plans the fixes of a committed plan and writes them (--fix
// terraform) or its egress rules (--egress-rules terraform).
func writeFix(t *testing.T, name, what string) (*audit.Facts, []byte) {
	t.Helper()
	f := readCase(t, name)
	var buf bytes.Buffer
	switch what {
	case "fix":
		p, err := audit.PlanFixes(f, audit.Options{})
		if err != nil {
			t.Fatalf("PlanFixes: %v", err)
		}
		if err := audit.WritePlan(&buf, audit.FixTerraform, p); err != nil {
			t.Fatalf("WritePlan: %v", err)
		}
	case "egress":
		if err := audit.WriteEgressRules(&buf, audit.EgressTerraform, f, audit.EgressRules(f, audit.Options{})); err != nil {
			t.Fatalf("WriteEgressRules: %v", err)
		}
	}
	return f, buf.Bytes()
}

// TestFixTerraformGolden: --fix terraform and --egress-rules terraform
// for the committed plans reference the plans' own resources by address
// (aws_vpc.main.id, aws_subnet.private[0].id), as the golden files in
// testdata/fix hold them (rewritten with -update).
func TestFixTerraformGolden(t *testing.T) {
	for _, c := range fixCases {
		for _, what := range []string{"fix", "egress"} {
			t.Run(c.name+"/"+what, func(t *testing.T) {
				_, got := writeFix(t, c.name, what)
				path := filepath.Join("testdata", "fix", c.name+"."+what+".tf")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file (run go test ./audit/terraform -run FixTerraformGolden -update to create it): %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got\n%s\nwant (%s)\n%s", got, path, want)
				}
				if what != "fix" {
					return
				}
				flat := strings.ReplaceAll(string(got), "\n#  ", " ")
				for _, w := range c.want {
					if !strings.Contains(flat, w) {
						t.Errorf("got\n%s\nwant it to hold %q", got, w)
					}
				}
			})
		}
	}
}

// TestFixTerraformRoundTrip: the fix, added to the configuration the
// plan was made from, is what `terraform fmt -check` and `terraform
// validate` accept; planned again against moto_server, the new plan's
// audit passes every row the old one failed with a step written as code
// (the live-id analogue is TestEgressRulesKeepWhatTheAuditPassed).
func TestFixTerraformRoundTrip(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("plans with Terraform against moto (a minute or more); not in -short")
	}
	plugins := needTerraformAndMoto(t)
	endpoint := mototest.Start(t)
	for _, c := range fixCases {
		t.Run(c.name, func(t *testing.T) {
			before, fix := writeFix(t, c.name, "fix")
			dir := t.TempDir()
			copyDir(t, filepath.Join("testdata", c.name), dir)
			copyFile(t, filepath.Join("testdata", "provider.tf.in"), filepath.Join(dir, "provider.tf"))
			if err := os.WriteFile(filepath.Join(dir, "preflight_fix.tf"), fix, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("fix:\n%s", fix)
				}
			})
			tf := tftest.In(t, dir)
			tf("fmt", "-check", "-diff", "preflight_fix.tf")
			tf("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
			tf("validate", "-no-color")
			tf("plan", "-input=false", "-no-color", "-out=tfplan", "-var", "endpoint="+endpoint)
			after, err := Read(bytes.NewReader(tf("show", "-json", "tfplan")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			fixtest.AssertFixed(t, before, after)
		})
	}
}
