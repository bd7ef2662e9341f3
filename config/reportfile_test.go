package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestLoadReportFiles: --report adds up over repeated flags, the env var
// is a comma-separated list, flags win over it, and serve does not take it.
func TestLoadReportFiles(t *testing.T) {
	for _, tt := range []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		want    []ReportFile
	}{
		{"none", "audit", nil, nil, nil},
		{"one", "check", []string{"--report", "sarif=out/a.sarif"}, nil,
			[]ReportFile{{report.OutputSARIF, "out/a.sarif"}}},
		{"repeated", "audit", []string{"--report", "sarif=a.sarif", "--report=junit=a.xml", "-report", "html=a.html"}, nil,
			[]ReportFile{{report.OutputSARIF, "a.sarif"}, {report.OutputJUnit, "a.xml"}, {report.OutputHTML, "a.html"}}},
		{"a flag's file may hold a comma", "audit", []string{"--report", "text=a,b.txt", "--report", "json=c.json"}, nil,
			[]ReportFile{{report.OutputText, "a,b.txt"}, {report.OutputJSON, "c.json"}}},
		{"env", "check", nil, map[string]string{"PREFLIGHT_REPORT": "json=r.json, junit=r.xml"},
			[]ReportFile{{report.OutputJSON, "r.json"}, {report.OutputJUnit, "r.xml"}}},
		{"flag over env", "audit", []string{"--report", "html=f.html"}, map[string]string{"PREFLIGHT_REPORT": "json=r.json"},
			[]ReportFile{{report.OutputHTML, "f.html"}}},
		{"same format, two files", "audit", []string{"--report", "json=a.json", "--report", "json=b.json"}, nil,
			[]ReportFile{{report.OutputJSON, "a.json"}, {report.OutputJSON, "b.json"}}},
		{"serve ignores the env var", "serve", nil, map[string]string{"PREFLIGHT_REPORT": "json=r.json"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.command, tt.args, env(tt.env))
			if err != nil {
				t.Fatalf("got error %v; want none", err)
			}
			if !reflect.DeepEqual(c.Reports, tt.want) {
				t.Errorf("got %+v; want %+v", c.Reports, tt.want)
			}
		})
	}
}

// TestLoadRefusesBadReportFiles: each bad --report is a usage error that
// names the flag (or variable) and the problem.
func TestLoadRefusesBadReportFiles(t *testing.T) {
	for _, tt := range []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		want    []string
	}{
		{"unknown format", "audit", []string{"--report", "sarf=a.sarif"}, nil,
			[]string{`flag --report "sarf=a.sarif"`, `unknown format "sarf"`, "want text, json, sarif, junit or html", "did you mean sarif?"}},
		{"no =", "check", []string{"--report", "a.sarif"}, nil,
			[]string{`flag --report "a.sarif"`, "want FORMAT=FILE"}},
		{"empty file", "audit", []string{"--report", "junit="}, nil,
			[]string{`flag --report "junit="`, `no file after "="`}},
		{"stdout", "audit", []string{"--report", "html=-"}, nil,
			[]string{`flag --report "html=-"`, `"-" is not a file`, "--output"}},
		{"same file twice", "audit", []string{"--report", "sarif=out/r", "--report", "junit=out/./r"}, nil,
			[]string{`flag --report "junit=out/./r": file "out/./r" is already the sarif report`}},
		{"every bad one at once", "audit", []string{"--report", "jsn=a", "--report", "html="}, map[string]string{"PREFLIGHT_REPORT": "json=b"},
			[]string{`flag --report "jsn=a": unknown format "jsn"`, "did you mean json?", `flag --report "html=": no file after "="`}},
		{"same file twice in the env", "check", nil, map[string]string{"PREFLIGHT_REPORT": "json=r, html=./r"},
			[]string{`environment variable PREFLIGHT_REPORT "html=./r": file "./r" is already the json report`}},
		{"no value", "check", []string{"--report"}, nil,
			[]string{"flag --report needs a value (format=file)"}},
		{"env", "audit", nil, map[string]string{"PREFLIGHT_REPORT": "xml=a.xml"},
			[]string{`environment variable PREFLIGHT_REPORT "xml=a.xml"`, `unknown format "xml"`}},
		{"serve", "serve", []string{"--report", "json=a.json"}, nil,
			[]string{"flag --report does not apply to serve (it is a flag of check and audit)"}},
		{"endpoints", "endpoints", []string{"--report", "json=a.json"}, nil,
			[]string{"flag --report does not apply to endpoints"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.command, tt.args, env(tt.env))
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got error %v; want a *UsageError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q; want it to contain %q", err, w)
				}
			}
		})
	}
}
