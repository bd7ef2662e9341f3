package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestAuditCommandWiring covers what the audit command decides before any
// AWS call: its place in the usage, its flags with their environment
// variables, and input errors with exit 2. The calls themselves are tested
// against moto_server in package audit.
func TestAuditCommandWiring(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		// wantOut must appear in stdout+stderr.
		wantOut []string
	}{
		{"listed in the usage", []string{"help"}, nil, report.ExitOK, []string{"  audit  "}},
		{"flags with their env vars", []string{"audit", "-h"}, nil, report.ExitOK,
			[]string{"-task-definition", "PREFLIGHT_TASK_DEFINITION", "-fail-undecided", "PREFLIGHT_FAIL_UNDECIDED", "-egress-rules", "-assign-public-ip", "-security-groups"}},
		{"auto is not an audit entry", []string{"audit", "--cluster", "prod"}, map[string]string{"PREFLIGHT_CHECKS": "auto"}, report.ExitUsage,
			[]string{"PREFLIGHT_CHECKS", "auto does not apply to audit"}},
		{"env vars are read", []string{"audit"}, map[string]string{"PREFLIGHT_SUBNETS": "subnet-1", "PREFLIGHT_TASK_DEFINITION": "orders:1"}, report.ExitUsage,
			[]string{"--subnets: needs --security-groups"}},
		{"probe flags do not apply", []string{"audit", "--cluster", "prod", "--wait", "1s"}, nil, report.ExitUsage, []string{"-wait"}},
		{"a task definition is read bounded", []string{"audit", "--task-definition", "/dev/zero", "--subnets", "subnet-1", "--security-groups", "sg-1", "--region", "us-east-1"},
			nil, report.ExitUsage, []string{"--task-definition: /dev/zero: larger than 1024 KiB", "64 KiB"}},
		{"a crafted security group is refused", []string{"audit", "--task-definition", "./td.json", "--subnets", "subnet-1", "--security-groups", "sg-1;touch pwned;#"},
			nil, report.ExitUsage, []string{`flag --security-groups "sg-1;touch pwned;#"`, "is not an ID"}},
		{"every error at once", []string{"audit", "--assign-public-ip", "maybe", "--egress-rules", "yaml"}, nil, report.ExitUsage,
			[]string{"--assign-public-ip", "--egress-rules"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			code := run(context.Background(), tt.args, getenv, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d; want %d\n%s%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}
