package main

import (
	"regexp"
	"testing"

	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// timeAttrPattern matches JUnit's durations, which vary run to run.
var timeAttrPattern = regexp.MustCompile(`time="[0-9.]+"`)

// TestCheckMachineFormatsGolden: check's SARIF and JUnit reports of the
// golden scenario, schema-valid, with the exit code of the text report.
func TestCheckMachineFormatsGolden(t *testing.T) {
	for _, tt := range []struct {
		output, golden string
		validate       func(testing.TB, []byte)
	}{
		{"sarif", "check.sarif", schematest.ValidateSARIF},
		{"junit", "check.junit.xml", schematest.ValidateJUnit},
	} {
		t.Run(tt.output, func(t *testing.T) {
			h := goldenScenario(t)
			code, stdout, _ := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked", "--output", tt.output)
			if code != report.ExitDNSPosture {
				t.Errorf("exit %d; want %d", code, report.ExitDNSPosture)
			}
			tt.validate(t, []byte(stdout))
			golden(t, tt.golden, timeAttrPattern.ReplaceAllString(normalize(stdout), `time="T"`))
		})
	}
}
