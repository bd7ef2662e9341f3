package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditReportFilesBesideTheFixPlan: with --fix the plan is stdout and
// the report goes to stderr among the log lines; the --report files get
// the report alone, whole. Against moto_server (an empty cluster: one
// coverage row, exit 18), which the audit package's tests need too.
func TestAuditReportFilesBesideTheFixPlan(t *testing.T) {
	endpoint := mototest.Start(t)
	createCluster(t, endpoint, "empty")
	mototest.UseFor(t, endpoint)

	dir := t.TempDir()
	sarif, page := filepath.Join(dir, "a.sarif"), filepath.Join(dir, "a.html")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"audit", "--cluster", "empty", "--fix", "cli", "--log-format", "json",
		"--report", "sarif=" + sarif, "--report", "html=" + page}, func(string) string { return "" }, &stdout, &stderr)
	if code != report.ExitUndecided {
		t.Errorf("exit %d; want %d\n%s", code, report.ExitUndecided, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "#!/usr/bin/env bash\n") {
		t.Errorf("got stdout\n%s\nwant the fix plan", stdout.String())
	}
	if !strings.Contains(stderr.String(), "preflight audit: region us-east-1") {
		t.Errorf("got stderr\n%s\nwant the text report", stderr.String())
	}
	b, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateSARIF(t, b)
	if !bytes.Contains(b, []byte(`"ruleId": "coverage"`)) {
		t.Errorf("got SARIF\n%s\nwant the coverage result", b)
	}
	if b, err = os.ReadFile(page); err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("got page %.40q, error %v; want <!DOCTYPE html>", b, err)
	}
}

// createCluster creates an ECS cluster in moto with one CreateCluster
// request (moto does not check the signature).
func createCluster(t *testing.T, endpoint, name string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(fmt.Sprintf(`{"clusterName":%q}`, name)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.CreateCluster")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create cluster %s: got HTTP %d; want 200", name, resp.StatusCode)
	}
}
