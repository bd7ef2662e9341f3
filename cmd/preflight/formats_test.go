package main

import (
	"regexp"
	"strings"
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

// TestCheckHTML: check's page of the golden scenario has a row per check
// and the exit code of the text report; a data-plane run has no paths.
func TestCheckHTML(t *testing.T) {
	h := goldenScenario(t)
	code, stdout, _ := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked", "--output", "html")
	if code != report.ExitDNSPosture {
		t.Errorf("exit %d; want %d", code, report.ExitDNSPosture)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<td>connect</td><td>ecr.api</td>", "exit 11:", `<span id="shown">20 rows</span>`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(stdout, "<svg") {
		t.Errorf("a check page draws a path; want none (no workload, no needs)")
	}
}
