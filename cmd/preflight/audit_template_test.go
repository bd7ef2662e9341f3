package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// cdkOut is a cdk.out fixture of audit/cloudformation.
func cdkOut(name string) string {
	return filepath.Join("..", "..", "audit", "cloudformation", "testdata", "cdkout", name)
}

// TestAuditTemplate: --template judges a template with no AWS call (no
// credentials, the AWS variables pointing nowhere), in the Region of
// --region, AWS_REGION or us-east-1, and bad input exits 2 naming it.
func TestAuditTemplate(t *testing.T) {
	dir := t.TempDir()
	bogus := filepath.Join(dir, "bogus.yaml")
	if err := os.WriteFile(bogus, []byte("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {\"Fn::Bogus\": x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An endpoint that answers nothing: a call would fail, not pass.
	noAWS := map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantOut  []string
	}{
		{"endpoints present", []string{"audit", "--template", cdkOut("isolated-endpoints"), "--region", "eu-west-1"}, noAWS, report.ExitOK,
			[]string{"VpcEcrDkr1989671C (com.amazonaws.eu-west-1.ecr.dkr) available"}},
		{"region from AWS_REGION", []string{"audit", "--template", cdkOut("isolated-no-endpoints")}, map[string]string{"AWS_REGION": "ap-northeast-1"}, report.ExitDNSPosture,
			[]string{"com.amazonaws.ap-northeast-1.ecr.dkr", "Vpc8378EB38"}},
		{"region by default", []string{"audit", "--template", cdkOut("isolated-no-endpoints")}, nil, report.ExitDNSPosture,
			[]string{"com.amazonaws.us-east-1.ecr.dkr"}},
		{"task group without egress", []string{"audit", "--template", cdkOut("sg-no-outbound"), "--only", "problems"}, nil, report.ExitConnect,
			[]string{"TaskSgFD7B04A0 do not allow outbound TCP 443"}},
		// Two stacks that share logical ids: the fix and the egress rules
		// are written per stack (they exited 2 on a stack-qualified id).
		{"fix of two stacks sharing ids", []string{"audit", "--template", cdkOut("two-stacks"), "--fix", "cloudformation"}, noAWS, report.ExitDNSPosture,
			[]string{"---\n# Stack BillingStack (", "---\n# Stack OrdersStack (", "GroupId: !GetAtt TaskSgFD7B04A0.GroupId"}},
		{"egress rules of two stacks sharing ids", []string{"audit", "--template", cdkOut("two-stacks"), "--egress-rules", "cloudformation"}, noAWS, report.ExitDNSPosture,
			[]string{"---\n# Stack BillingStack (", "DestinationSecurityGroupId: !GetAtt VpcEcrApiSecurityGroupC86F1A6A.GroupId"}},
		{"unknown intrinsic", []string{"audit", "--template", bogus}, nil, report.ExitUsage,
			[]string{"Resources.Vpc.Properties.CidrBlock: unknown intrinsic function Fn::Bogus"}},
		{"missing file", []string{"audit", "--template", filepath.Join(dir, "none.yaml")}, nil, report.ExitUsage,
			[]string{"none.yaml: no such file or directory"}},
		{"not with --cluster", []string{"audit", "--template", bogus, "--cluster", "prod"}, nil, report.ExitUsage,
			[]string{"does not combine with --cluster"}},
		{"unknown parameter", []string{"audit", "--template", cdkOut("isolated-endpoints"), "--parameter", "Nope=1"}, nil, report.ExitUsage,
			[]string{"--parameter Nope: no template of the input declares that parameter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			code := run(context.Background(), tt.args, getenv, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode {
				t.Errorf("exit %d; want %d\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestAuditTemplateKeepsSecrets: the planted secret of the
// secret-no-endpoint fixture (a NoEcho parameter's Default and a
// container's environment value) and a --parameter value appear in no
// output format, no log line (debug) and no error.
func TestAuditTemplateKeepsSecrets(t *testing.T) {
	const planted = "planted-s3cr3t-value-4242"
	const given = "given-s3cr3t-9911"
	b, err := os.ReadFile(filepath.Join(cdkOut("secret-no-endpoint"), "SecretNoEndpoint.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), planted) < 2 {
		t.Fatalf("the fixture carries the planted secret %d times; want it in the parameter and the environment", strings.Count(string(b), planted))
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("Parameters:\n  P: {Type: String, NoEcho: true, Default: "+planted+"}\nResources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !Ref P, CidrBlock: !Sub '${P}-x', Bad: {\"Fn::Nope\": !Ref P}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(dir, "svc.yaml")
	if err := os.WriteFile(svc, []byte("Parameters:\n  P: {Type: String, NoEcho: true, Default: "+planted+"}\nResources:\n  Service:\n    Type: AWS::ECS::Service\n    Properties:\n      LaunchType: FARGATE\n      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [!Ref P]}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runs := [][]string{{"--template", bad}, {"--template", svc, "--output", "json", "--log-level", "debug"}}
	for _, format := range []string{"text", "json", "sarif", "junit", "html"} {
		runs = append(runs, []string{"--template", cdkOut("secret-no-endpoint"), "--output", format, "--log-level", "debug",
			"--parameter", "DbPassword=" + given, "--report", "json=" + filepath.Join(dir, format+".json")})
	}
	for _, args := range runs {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"audit"}, args...), func(string) string { return "" }, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if code == report.ExitOK || code == report.ExitInternal {
			t.Errorf("%v: exit %d; want a failing audit or a usage error\n%s", args, code, out)
		}
		for _, secret := range []string{planted, given} {
			if strings.Contains(out, secret) {
				t.Errorf("%v: output carries the secret %q:\n%s", args, secret, out)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 5 {
		t.Fatalf("got %d report files; want 5", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) || strings.Contains(string(b), planted) || strings.Contains(string(b), given) {
			t.Errorf("%s: carries a secret or is not JSON", f)
		}
	}
}
