package cloudformation

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/fixtest"
	"github.com/preflight-dev/preflight/internal/schematest"
)

var update = flag.Bool("update", false, "rewrite the fix plan golden files in testdata/fix")

// fixCases are the templates whose audit fails, each with what its fix
// plan must hold: a fix written against the template's own logical ids.
var fixCases = []struct {
	template string
	// want are lines the fix plan holds.
	want []string
}{
	{"isolated-no-endpoints", []string{"VpcId: !Ref Vpc8378EB38", "SourceSecurityGroupId: !GetAtt ServiceSecurityGroupC96ED6A7.GroupId",
		"SubnetIds: [!Ref VpcAppSubnet1Subnet7D2CF347, !Ref VpcAppSubnet2Subnet8D65443B]", "RouteTableIds: [!Ref VpcAppSubnet1RouteTable30EDBD03, !Ref VpcAppSubnet2RouteTable1525EC1E]"}},
	{"assign-public-ip", []string{"set AssignPublicIp: DISABLED in the NetworkConfiguration of ServiceD69D759B"}},
	{"sg-no-outbound", []string{"Type: AWS::EC2::SecurityGroupEgress", "GroupId: !GetAtt TaskSgFD7B04A0.GroupId",
		"DestinationSecurityGroupId: !GetAtt VpcEcrDkrSecurityGroupAC6C1D48.GroupId"}},
	{"secret-no-endpoint", []string{`ServiceName: "com.amazonaws.us-east-1.secretsmanager"`, "SecurityGroupIds: [!GetAtt VpcEcrApiSecurityGroupC86F1A6A.GroupId]"}},
	{"alb-fargate", []string{"VpcId: !Ref EcsDefaultClusterMnL3mNNYNVpc7788A521"}},
}

func fixTemplatePath(name string) string {
	return filepath.Join("testdata", "cdkyaml", name+".template.yaml")
}

// writeFix reads a template, plans its fixes and writes them (--fix
// cloudformation) or its egress rules (--egress-rules cloudformation).
func writeFix(t *testing.T, path, what string) (*audit.Facts, []byte) {
	t.Helper()
	f, err := Read(path, Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	switch what {
	case "fix":
		p, err := audit.PlanFixes(f, audit.Options{})
		if err != nil {
			t.Fatalf("PlanFixes: %v", err)
		}
		err = audit.WritePlan(&buf, audit.FixCloudFormation, p)
		if err != nil {
			t.Fatalf("WritePlan: %v", err)
		}
	case "egress":
		if err := audit.WriteEgressRules(&buf, audit.EgressCloudFormation, f, audit.EgressRules(f, audit.Options{})); err != nil {
			t.Fatalf("WriteEgressRules: %v", err)
		}
	}
	return f, buf.Bytes()
}

// golden compares got with testdata/fix/NAME (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "fix", name)
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
		t.Fatalf("read golden file (run go test ./audit/cloudformation -run Fix -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", got, path, want)
	}
}

// TestFixCloudFormationGolden: --fix cloudformation and --egress-rules
// cloudformation for the CDK templates are written against the
// templates' own logical ids (!Ref, !GetAtt X.GroupId), as the golden
// files hold them.
func TestFixCloudFormationGolden(t *testing.T) {
	for _, c := range fixCases {
		for _, what := range []string{"fix", "egress"} {
			t.Run(c.template+"/"+what, func(t *testing.T) {
				_, got := writeFix(t, fixTemplatePath(c.template), what)
				golden(t, c.template+"."+what+".yaml", got)
				if what != "fix" {
					return
				}
				for _, w := range c.want {
					if !strings.Contains(joinComment(string(got)), w) {
						t.Errorf("got\n%s\nwant it to hold %q", got, w)
					}
				}
			})
		}
	}
}

// joinComment undoes the wrapping of comment lines, so a sentence can be
// looked for whole.
func joinComment(s string) string { return strings.ReplaceAll(s, "\n#  ", " ") }

// merged is the template with the fix plan's resources and outputs added,
// as JSON (the long form of the intrinsics the YAML reader gives).
func merged(t *testing.T, template string, fix []byte) []byte {
	t.Helper()
	doc, _, err := readTemplate(template)
	if err != nil {
		t.Fatal(err)
	}
	add, _, err := parseTemplate(fix)
	if err != nil {
		t.Fatalf("the fix plan does not parse as a template: %v\n%s", err, fix)
	}
	for _, section := range []string{"Resources", "Outputs"} {
		extra, _ := add[section].(map[string]any)
		if len(extra) == 0 {
			continue
		}
		have, _ := doc[section].(map[string]any)
		if have == nil {
			have = map[string]any{}
			doc[section] = have
		}
		for k, v := range extra {
			if _, dup := have[k]; dup {
				t.Fatalf("the fix plan's %s %s is already in %s", section, k, template)
			}
			have[k] = v
		}
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixCloudFormationRoundTrip: the fix plan, added to the template it
// was made from, is a template cfn-lint finds no error in, and its audit
// passes every row the original failed (the live-id analogue is
// TestEgressRulesKeepWhatTheAuditPassed). A step a template cannot take
// (turning a service's public IP off) is said in words: its row is the
// one allowed to fail still.
func TestFixCloudFormationRoundTrip(t *testing.T) {
	lint := schematest.RequireTool(t, "cfn-lint", "pip install cfn-lint")
	for _, c := range fixCases {
		t.Run(c.template, func(t *testing.T) {
			before, fix := writeFix(t, fixTemplatePath(c.template), "fix")
			doc := merged(t, fixTemplatePath(c.template), fix)
			path := filepath.Join(t.TempDir(), c.template+".json")
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(lint, "--regions", "us-east-1", "--non-zero-exit-code", "error", "--", path).CombinedOutput(); err != nil {
				t.Errorf("cfn-lint of the template with the fix: got %v; want no error\n%s\nfix:\n%s", err, out, fix)
			}
			after, err := Read(path, Options{Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			fixtest.AssertFixed(t, before, after)
		})
	}
}
