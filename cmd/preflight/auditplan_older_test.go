package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestAuditPlanOlderFormats: public plans of every JSON format version
// from 0.1 (Terraform 0.12) to 1.2 (audit/terraform/testdata/older, from
// hashicorp/terraform-json, MPL-2.0) are read by --plan without error.
// They declare no AWS resources, so nothing is judged: exit 18 with the
// coverage row that says so, never bad input.
func TestAuditPlanOlderFormats(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "audit", "terraform", "testdata", "older", "*.plan.json"))
	if err != nil || len(files) < 6 {
		t.Fatalf("got %d older plans (%v); want 6", len(files), err)
	}
	for _, versions := range []string{"0.1-", "0.2-", "1.0-", "1.1-", "1.2-"} {
		found := false
		for _, f := range files {
			found = found || strings.HasPrefix(filepath.Base(f), versions)
		}
		if !found {
			t.Errorf("no plan of format version %s", strings.TrimSuffix(versions, "-"))
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"audit", "--plan", f, "--region", "us-east-1"}, func(string) string { return "" }, &stdout, &stderr)
			if code != report.ExitUndecided {
				t.Errorf("got exit %d; want %d (read, nothing to judge)\nstdout:\n%s\nstderr:\n%s", code, report.ExitUndecided, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "nothing was judged") {
				t.Errorf("got\n%s\nwant the coverage row that says nothing was judged", stdout.String())
			}
		})
	}
}
