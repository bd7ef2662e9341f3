package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
)

// TestSDKLinesGoThroughTheLog: what the AWS SDK logs (for check's EC2 and
// --explain clients as for audit's) is a line of the run's log, JSON under
// --log-format json, at the level of its classification; never a raw line.
func TestSDKLinesGoThroughTheLog(t *testing.T) {
	tests := []struct {
		name      string
		class     logging.Classification
		level     string
		wantLines int
	}{
		{"a warning", logging.Warn, "info", 1},
		{"a debug line at info", logging.Debug, "info", 0},
		{"a debug line at debug", logging.Debug, "debug", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := defaultDeps()
			var stdout, stderr bytes.Buffer
			getenv := func(string) string { return "" }
			withConfig("check", []string{"--log-format", "json", "--log-level", tt.level}, getenv, &stdout, &stderr, d.sdkLog,
				func(*config.Config, *zap.Logger) int {
					d.sdkLog.Logf(tt.class, "failed to parse response Date header value, got %v", "garbage")
					return 0
				})
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if stderr.Len() == 0 {
				lines = nil
			}
			if len(lines) != tt.wantLines {
				t.Fatalf("got %d log lines; want %d:\n%s", len(lines), tt.wantLines, stderr.String())
			}
			for _, line := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q is not JSON: %v", line, err)
				}
				if rec["source"] != "aws-sdk" || !strings.Contains(rec["msg"].(string), "Date header value, got garbage") {
					t.Errorf("got %v; want the SDK's message with source aws-sdk", rec)
				}
			}
		})
	}
}
