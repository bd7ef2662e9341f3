package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestAuditFixSource: with --plan or --template, --fix and --egress-rules
// are written against the input's own addresses and logical ids in its
// own format, with the report's exit code; the AWS CLI and the other
// tool's format are refused (exit 2) naming the step and the format to
// use; the text report's hints and plan name the input's own names.
func TestAuditFixSource(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStdout []string
		wantStderr []string
	}{
		{"plan, --fix terraform", []string{"audit", "--plan", planCase("private-no-endpoints"), "--fix", "terraform"}, report.ExitDNSPosture,
			[]string{"  vpc_id      = aws_vpc.main.id\n", "subnet_ids          = [aws_subnet.private[0].id, aws_subnet.private[1].id]",
				"referenced_security_group_id = aws_security_group.task.id"}, nil},
		{"plan, --egress-rules terraform", []string{"audit", "--plan", planCase("sg-no-egress"), "--egress-rules", "terraform"}, report.ExitConnect,
			[]string{`resource "aws_vpc_security_group_egress_rule"`, "prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id"}, nil},
		{"plan, --fix cli", []string{"audit", "--plan", planCase("sg-no-egress"), "--fix", "cli"}, report.ExitUsage,
			nil, []string{"--fix cli: step 1 names aws_vpc.main.default_security_group_id, a Terraform address of a resource that does not exist yet, which no AWS command can name: write it as terraform"}},
		{"plan, --fix cloudformation", []string{"audit", "--plan", planCase("sg-no-egress"), "--fix", "cloudformation"}, report.ExitUsage,
			nil, []string{"which cloudformation code cannot name: write it as terraform"}},
		{"plan, text report", []string{"audit", "--plan", planCase("public-nat")}, report.ExitDNSPosture,
			[]string{"No AWS command: vpc_id aws_vpc.main names a resource of the plan", "Fix plan, against the plan's own addresses",
				"set assign_public_ip = false in the network_configuration of aws_ecs_service.public"}, nil},
		{"template, --fix cloudformation", []string{"audit", "--template", cdkOut("isolated-no-endpoints"), "--fix", "cloudformation"}, report.ExitDNSPosture,
			[]string{"      VpcId: !Ref Vpc8378EB38\n", "SourceSecurityGroupId: !GetAtt ServiceSecurityGroupC96ED6A7.GroupId"}, nil},
		{"template, --egress-rules cloudformation", []string{"audit", "--template", cdkOut("sg-no-outbound"), "--egress-rules", "cloudformation"}, report.ExitConnect,
			[]string{"Type: AWS::EC2::SecurityGroupEgress", "GroupId: !GetAtt TaskSgFD7B04A0.GroupId"}, nil},
		{"template, --fix cli", []string{"audit", "--template", cdkOut("sg-no-outbound"), "--fix", "cli"}, report.ExitUsage,
			nil, []string{"--fix cli: step 1 names TaskSgFD7B04A0, a CloudFormation logical id"}},
		{"template, --egress-rules terraform", []string{"audit", "--template", cdkOut("sg-no-outbound"), "--egress-rules", "terraform"}, report.ExitUsage,
			nil, []string{"egress rules: terraform: step 1 names TaskSgFD7B04A0", "write it as cloudformation"}},
		{"template, text report", []string{"audit", "--template", cdkOut("sg-no-outbound")}, report.ExitConnect,
			[]string{"No AWS command: security_group_id TaskSgFD7B04A0 names a resource of the template", "Fix plan, against the template's own logical ids"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("got exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			flat := strings.ReplaceAll(stdout.String(), "\n               ", " ")
			flat = strings.ReplaceAll(flat, "\n#  ", " ")
			for _, w := range tt.wantStdout {
				if !strings.Contains(flat, w) {
					t.Errorf("got stdout\n%s\nwant it to hold %q", stdout.String(), w)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("got stderr\n%s\nwant it to hold %q", stderr.String(), w)
				}
			}
		})
	}
}

// TestAuditFixCraftedSource: a pull request can carry a crafted plan or
// template. A name with a quote, a newline and a provisioner, a logical
// id with a command substitution, a CIDR with a command: none reaches
// the code or commands written, in any format, nor any output raw.
func TestAuditFixCraftedSource(t *testing.T) {
	replace := func(t *testing.T, path, name string, pairs ...string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%s does not hold %q: the test would prove nothing", path, pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return writeFile(t, name, s)
	}
	template := func(t *testing.T) string {
		dir := t.TempDir()
		src := filepath.Join(cdkOut("sg-no-outbound"), "SgNoOutbound.template.json")
		p := replace(t, src, "SgNoOutbound.template.json", `"CidrIp": "0.0.0.0/0"`, `"CidrIp": "0.0.0.0/0; rm -rf /"`)
		b, _ := os.ReadFile(p)
		out := filepath.Join(dir, "crafted.template.json")
		if err := os.WriteFile(out, []byte(strings.ReplaceAll(string(b), "TaskSgFD7B04A0", "TaskSg$(touch pwned)")), 0o644); err != nil {
			t.Fatal(err)
		}
		return out
	}
	plan := func(t *testing.T) string {
		return replace(t, planCase("sg-no-egress"), "plan.json",
			`"cidr_block": "10.2.0.0/24"`, `"cidr_block": "10.2.0.0/24; rm -rf /"`,
			`"address": "aws_security_group.task"`, `"address": "aws_security_group.task[\"a\"]\nprovisioner \"local-exec\" {"`)
	}
	for _, src := range []struct {
		flag  string
		input func(t *testing.T) string
	}{{"--template", template}, {"--plan", plan}} {
		in := src.input(t)
		for _, extra := range [][]string{
			{"--fix", "cli"}, {"--fix", "terraform"}, {"--fix", "cloudformation"},
			{"--egress-rules", "cli"}, {"--egress-rules", "terraform"}, {"--egress-rules", "cloudformation"}, {"--egress-rules", "json"},
			{"--output", "text"}, {"--output", "json"},
		} {
			t.Run(src.flag+" "+strings.Join(extra, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				args := append([]string{"audit", src.flag, in}, extra...)
				code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
				if code == report.ExitOK || code == report.ExitInternal {
					t.Errorf("got exit %d; want a failing audit or bad input (2)\n%s", code, stderr.String())
				}
				for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
					for _, bad := range []string{"rm -rf", "provisioner", "\"local-exec"} {
						if strings.Contains(text, bad) {
							t.Errorf("%s holds %q:\n%s", where, bad, text)
						}
					}
				}
				// The substitution may be named in a message or a hint,
				// quoted; never inside the code or commands on stdout.
				if extra[0] != "--output" && strings.Contains(stdout.String(), "$(touch") {
					t.Errorf("stdout holds the command substitution:\n%s", stdout.String())
				}
			})
		}
	}
}
