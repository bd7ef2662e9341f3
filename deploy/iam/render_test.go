package iam

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditPolicyPath is audit-policy.json, at the repository's root.
const auditPolicyPath = "../../audit-policy.json"

// TestGeneratedFilesAreCurrent: every generated file is what the sources
// render today, so a statement added to audit-policy.json (or
// management-policy.json) without `go generate ./deploy/iam` fails here.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := Render(".", auditPolicyPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(Files()) {
		t.Fatalf("got %d rendered files; want %d", len(files), len(Files()))
	}
	for path, want := range files {
		t.Run(path, func(t *testing.T) {
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("deploy/iam/%s is not what its source renders (run go generate ./deploy/iam); got\n%s\nwant\n%s", path, got, want)
			}
		})
	}
}

// TestAStatementAddedToTheSourceIsCaught: the check above is not blind to
// a change of the sources: a copy of the repository's policies with one
// statement more renders every file derived from it differently.
func TestAStatementAddedToTheSourceIsCaught(t *testing.T) {
	extra := `{"Sid":"Extra","Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"},`
	for _, tt := range []struct {
		source  string // the policy edited
		derived []string
	}{
		{auditPolicyPath, []string{"member-role.yaml", "terraform/member-role/audit-policy.json"}},
		{"management-policy.json", []string{"management-policy.yaml", "terraform/management-policy/management-policy.json.tftpl"}},
	} {
		t.Run(filepath.Base(tt.source), func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range Files() {
				copyFile(t, f.Path, filepath.Join(dir, f.Path))
			}
			copyFile(t, "management-policy.json", filepath.Join(dir, "management-policy.json"))
			audit := filepath.Join(dir, "audit-policy.json")
			copyFile(t, auditPolicyPath, audit)
			edited := filepath.Join(dir, filepath.Base(tt.source))
			b, err := os.ReadFile(edited)
			if err != nil {
				t.Fatal(err)
			}
			s := strings.Replace(string(b), `"Statement": [`, `"Statement": [`+extra, 1)
			if s == string(b) {
				t.Fatalf("%s has no Statement array to add to", tt.source)
			}
			if err := os.WriteFile(edited, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			files, err := Render(dir, audit)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.derived {
				committed, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Equal(files[p], committed) {
					t.Errorf("%s: renders as committed after a statement was added to %s; want a difference", p, tt.source)
				}
				if !bytes.Contains(files[p], []byte("ec2:DescribeRegions")) {
					t.Errorf("%s: the added action is not in the rendered file:\n%s", p, files[p])
				}
			}
		})
	}
}

// TestReplaceBlock renders policy documents of the shapes IAM allows into
// a template's marked block.
func TestReplaceBlock(t *testing.T) {
	tmpl := "Resources:\n  P:\n    " + beginMarker + "\n    stale: line\n    " + endMarker + "\n  Q: 1\n"
	for _, tt := range []struct {
		name   string
		policy string
		str    func(string) (string, error)
		want   string
	}{
		{
			name:   "lists, objects and quoted keys",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:B","a:C"],"Resource":"*","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`,
			want: "    PolicyDocument:\n" +
				"      Version: \"2012-10-17\"\n" +
				"      Statement:\n" +
				"        - Effect: \"Allow\"\n" +
				"          Action:\n" +
				"            - \"a:B\"\n" +
				"            - \"a:C\"\n" +
				"          Resource: \"*\"\n" +
				"          Condition:\n" +
				"            StringEquals:\n" +
				"              \"sts:ExternalId\": \"x\"\n",
		},
		{
			name:   "the role ARN as a Sub, numbers and booleans as they are",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/preflight-audit","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s:N":3}}}]}`,
			str:    cfnSub,
			want: "    PolicyDocument:\n" +
				"      Version: \"2012-10-17\"\n" +
				"      Statement:\n" +
				"        - Effect: \"Allow\"\n" +
				"          Action: \"sts:AssumeRole\"\n" +
				"          Resource: !Sub \"arn:${AWS::Partition}:iam::*:role/${RoleName}\"\n" +
				"          Condition:\n" +
				"            Bool:\n" +
				"              \"aws:SecureTransport\": true\n" +
				"            NumericLessThan:\n" +
				"              \"s:N\": 3\n",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceBlock([]byte(tmpl), []byte(tt.policy), tt.str)
			if err != nil {
				t.Fatal(err)
			}
			want := "Resources:\n  P:\n    " + beginMarker + "\n" + tt.want + "    " + endMarker + "\n  Q: 1\n"
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestRenderRefuses: a source or template the renderers cannot carry over
// faithfully is an error naming why, never a file that says something else.
func TestRenderRefuses(t *testing.T) {
	good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:B","Resource":"*"}]}`
	block := "  " + beginMarker + "\n  " + endMarker + "\n"
	for _, tt := range []struct {
		name, tmpl, policy string
		str                func(string) (string, error)
		want               string
	}{
		{"no markers", "Resources: {}\n", good, nil, "no \"# BEGIN"},
		{"marker after text", "  x: " + beginMarker + "\n" + endMarker + "\n", good, nil, "does not start its line"},
		{"not a policy", block, `{"Statement":[]}`, nil, "want Version 2012-10-17"},
		{"empty array", block, `{"Version":"2012-10-17","Statement":[{"Action":[]}]}`, nil, "an empty array"},
		{"nested arrays", block, `{"Version":"2012-10-17","Statement":[{"Action":[["a"]]}]}`, nil, "an array in an array"},
		{"null", block, `{"Version":"2012-10-17","Statement":[{"Action":null}]}`, nil, "a null"},
		{"another aws ARN in the caller's policy", block, `{"Version":"2012-10-17","Statement":[{"Resource":"arn:aws:iam::*:role/other"}]}`, cfnSub, "only arn:aws:iam::*:role/preflight-audit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := replaceBlock([]byte(tt.tmpl), []byte(tt.policy), tt.str)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v; want one containing %q", err, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, policy, want string }{
		{"no role ARN", `{"Version":"2012-10-17","Statement":[{"Resource":"*"}]}`, "does not name arn:aws:iam::*:role/preflight-audit"},
		{"another aws ARN", `{"Version":"2012-10-17","Statement":[{"Resource":["arn:aws:iam::*:role/preflight-audit","arn:aws:s3:::b"]}]}`, "would stay in the aws partition"},
		{"a template sequence", `{"Version":"2012-10-17","Statement":[{"Resource":"arn:aws:iam::*:role/preflight-audit","Sid":"${x}"}]}`, "template sequence"},
	} {
		t.Run("terraform "+tt.name, func(t *testing.T) {
			_, err := terraformTemplate([]byte(tt.policy))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v; want one containing %q", err, tt.want)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
