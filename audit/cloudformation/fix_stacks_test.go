package cloudformation

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/fixtest"
	"github.com/preflight-dev/preflight/internal/schematest"
)

// stackDocs splits a fix plan of several stacks into its YAML documents,
// by the stack each is for (the name its header gives) and that stack's
// template file; the text before the first document is at "".
func stackDocs(t *testing.T, fix []byte) map[string]stackDoc {
	t.Helper()
	reHead := regexp.MustCompile(`^# Stack ([A-Za-z][A-Za-z0-9-]*)(?: \(([^)]*)\))?:`)
	parts := strings.Split(string(fix), "\n---\n")
	out := map[string]stackDoc{"": {text: parts[0]}}
	for _, p := range parts[1:] {
		m := reHead.FindStringSubmatch(joinComment(p))
		if m == nil {
			t.Fatalf("a document without the stack it is for:\n%s", p)
		}
		out[m[1]] = stackDoc{template: m[2], text: p}
	}
	return out
}

// stackDoc is one YAML document of a fix plan of several stacks.
type stackDoc struct {
	template, text string
}

// TestFixCloudFormationStacksGolden: from a cdk.out whose stacks share
// logical ids, --fix cloudformation and --egress-rules cloudformation are
// written per stack, each document under a line naming the stack and
// its template and using the logical ids without the stack's name; a
// step whose resources lie in two stacks (cross-stack) is said in words.
// On the code before, a shared id (OrdersStack/Vpc8378EB38) was refused
// by the fix grammar and both exited 2.
func TestFixCloudFormationStacksGolden(t *testing.T) {
	tests := []struct {
		dir, what string
		// want are sentences the output holds, its comments joined.
		want []string
	}{
		{"two-stacks", "fix", []string{"---\n# Stack BillingStack (testdata/cdkout/two-stacks/BillingStack.template.json):\n",
			"---\n# Stack OrdersStack (testdata/cdkout/two-stacks/OrdersStack.template.json):\n",
			"      DestinationSecurityGroupId: !GetAtt VpcEcrApiSecurityGroupC86F1A6A.GroupId\n",
			"      VpcId: !Ref Vpc8378EB38\n      ServiceName: \"com.amazonaws.us-east-1.secretsmanager\""}},
		{"two-stacks", "egress", []string{"# Stack BillingStack (", "# Stack OrdersStack (",
			"      GroupId: !GetAtt ServiceSecurityGroupC96ED6A7.GroupId\n", "      GroupId: !GetAtt TaskSgFD7B04A0.GroupId\n"}},
		{"cross-stack", "fix", []string{"# 2. let TCP 443 into EndpointSg from ServiceSecurityGroupC96ED6A7: not written as a resource: it names EndpointSg (created by this plan) in stack NetworkStack and ServiceSecurityGroupC96ED6A7 in stack ServiceStack.",
			"Fn::ImportValue", "# Stack NetworkStack (testdata/cdkout/cross-stack/NetworkStack.template.json):"}},
		{"cross-stack", "egress", []string{"# Nothing to do"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.what, func(t *testing.T) {
			path := filepath.Join("testdata", "cdkout", tt.dir)
			f, got := writeFix(t, path, tt.what)
			golden(t, tt.dir+"."+tt.what+".yaml", got)
			for _, w := range tt.want {
				if !strings.Contains(joinComment(string(got)), w) {
					t.Errorf("got\n%s\nwant it to hold %q", got, w)
				}
			}
			for name, doc := range stackDocs(t, got) {
				if name != "" && doc.template != f.Stacks[stackResource(t, f, name)].Template {
					t.Errorf("stack %s: got template %q; want its own", name, doc.template)
				}
				for _, line := range strings.Split(doc.text, "\n") {
					if !strings.HasPrefix(line, "#") && strings.Contains(line, "Stack/") {
						t.Errorf("stack %s: got the line %q; want no stack-qualified id in YAML", name, line)
					}
				}
			}
		})
	}
}

// stackResource is the id of a resource of stack name in f, for looking
// up the stack's template.
func stackResource(t *testing.T, f *audit.Facts, name string) string {
	t.Helper()
	for id, st := range f.Stacks {
		if st.Name == name {
			return id
		}
	}
	t.Fatalf("no resource of stack %s in the facts", name)
	return ""
}

// TestFixCloudFormationStacksRoundTrip: each stack's document of the fix
// plan, added to that stack's template in a copy of the cdk.out, gives
// templates cfn-lint finds no error in, and the audit of the copy passes
// every row the original failed (fixtest.AssertFixed). The cases: the
// synthesized two-stacks app, and the isolated-no-endpoints stack twice
// under two names, where every logical id is shared and both VPCs get a
// security group and endpoints (EndpointSgAppAVpc8378EB38, ...). For the
// cross-stack app, where one step is said in words, the network stack's
// template with its document is linted.
func TestFixCloudFormationStacksRoundTrip(t *testing.T) {
	lint := schematest.RequireTool(t, "cfn-lint", "pip install cfn-lint")
	twin := t.TempDir()
	tmpl, err := os.ReadFile(filepath.Join("testdata", "cdkout", "isolated-no-endpoints", "IsolatedNoEndpoints.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"AppA", "AppB"} {
		if err := os.WriteFile(filepath.Join(twin, name+".template.json"), tmpl, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(twin, "manifest.json"), []byte(`{"version": "55.0.0", "artifacts": {
		"AppA": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "AppA.template.json"}},
		"AppB": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "AppB.template.json"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir string
		fixed     bool
	}{
		{"two-stacks", filepath.Join("testdata", "cdkout", "two-stacks"), true},
		{"one stack twice", twin, true},
		{"cross-stack", filepath.Join("testdata", "cdkout", "cross-stack"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, fix := writeFix(t, tt.dir, "fix")
			docs := stackDocs(t, fix)
			if len(docs) < 2 {
				t.Fatalf("got no stack's document:\n%s", fix)
			}
			dir := t.TempDir()
			entries, err := os.ReadDir(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(tt.dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var patched []string
			for name, doc := range docs {
				if name == "" || !strings.Contains(doc.text, "\nResources:\n") {
					continue
				}
				path := filepath.Join(dir, filepath.Base(doc.template))
				if err := os.WriteFile(path, merged(t, path, []byte(doc.text)), 0o644); err != nil {
					t.Fatal(err)
				}
				patched = append(patched, path)
			}
			if len(patched) == 0 {
				t.Fatalf("no stack's document holds a resource:\n%s", fix)
			}
			args := append([]string{"--regions", "us-east-1", "--non-zero-exit-code", "error", "--"}, patched...)
			if out, err := exec.Command(lint, args...).CombinedOutput(); err != nil {
				t.Errorf("cfn-lint of the templates with the fix: got %v; want no error\n%s\nfix:\n%s", err, out, fix)
			}
			after, err := Read(dir, Options{Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.fixed {
				fixtest.AssertFixed(t, before, after)
			}
		})
	}
}
