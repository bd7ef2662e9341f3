package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// fakeEnv is an environment for the preflight binary that talks to
// endpoint (and nothing else) with test credentials and one attempt a call.
func fakeEnv(endpoint string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1",
	}
}

// TestAuditCLIEnvironment: no credentials, or no AWS API at the start,
// exit 3 with one line, not 1 (a bug) and not a row per call.
func TestAuditCLIEnvironment(t *testing.T) {
	noCreds := []string{}
	for _, kv := range fakeEnv("http://" + closedPort(t)) {
		if !strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			noCreds = append(noCreds, kv)
		}
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no credentials", noCreds, []string{"audit", "--cluster", "prod"}, "preflight audit: no AWS credentials"},
		{"nothing listens at the endpoint", fakeEnv("http://" + closedPort(t)), []string{"audit", "--cluster", "prod"},
			"preflight audit: the AWS API could not be reached (ecs:DescribeClusters)"},
		{"nothing listens, a task-definition file", fakeEnv("http://" + closedPort(t)),
			[]string{"audit", "--task-definition", "../../task-def.example.json", "--subnets", "subnet-0a1b", "--security-groups", "sg-0e4f"},
			"the AWS API could not be reached (ec2:DescribeSubnets)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.env, tt.args...)
			if res.code != report.ExitEnvironment {
				t.Errorf("exit %d; want %d\n%s", res.code, report.ExitEnvironment, res.stderr)
			}
			lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr:\n%s\nwant one line containing %q", res.stderr, tt.want)
			}
			if strings.Contains(tt.name, "nothing listens") && !strings.Contains(res.stderr, "connection refused") {
				t.Errorf("stderr %q does not say the connection was refused", res.stderr)
			}
		})
	}
}

// TestAuditCLIStderrIsJSON: the SDK's own warnings (here: a Date header it
// cannot parse, on every answer) go through zap, so --log-format json
// keeps every stderr line JSON; and with --egress-rules (or --fix) and
// --output json, stderr is the JSON report alone.
func TestAuditCLIStderrIsJSON(t *testing.T) {
	f := newFakeAWS(t, map[string]http.HandlerFunc{audit.ActionDescribeVpcEndpoints: answer503})
	f.setDate("not a date")
	env := fakeEnv(f.srv.URL)

	res := runCLI(t, env, "audit", "--cluster", "prod", "--output", "json", "--log-format", "json")
	sdkLine := false
	for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line %q is not JSON: %v", line, err)
			continue
		}
		sdkLine = sdkLine || (rec["source"] == "aws-sdk" && strings.Contains(rec["msg"].(string), "Date header"))
	}
	if !sdkLine {
		t.Errorf("no SDK warning in the log; want the Date header warning as a JSON line:\n%s", res.stderr)
	}

	for _, args := range [][]string{
		{"--egress-rules", "json"},
		{"--fix", "cli"},
	} {
		res := runCLI(t, env, append([]string{"audit", "--cluster", "prod", "--output", "json", "--log-format", "json"}, args...)...)
		dec := json.NewDecoder(strings.NewReader(res.stderr))
		var doc report.JSON
		if err := dec.Decode(&doc); err != nil {
			t.Errorf("%v: stderr is not a JSON report: %v\n%s", args, err, res.stderr)
			continue
		}
		var extra json.RawMessage
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			t.Errorf("%v: stderr holds more than the report (%v):\n%s", args, err, res.stderr)
		}
		if doc.ExitCode != res.code || len(doc.Checks) == 0 {
			t.Errorf("%v: report exit %d with %d rows; process exit %d", args, doc.ExitCode, len(doc.Checks), res.code)
		}
		if args[0] == "--egress-rules" && !json.Valid(bytes.TrimSpace([]byte(res.stdout))) {
			t.Errorf("stdout is not the JSON egress rules:\n%s", res.stdout)
		}
	}
}
