package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// TestCheckReportFiles: one check run writes its report in every format
// to the --report files, each parsing as its format and mode 0644, while
// stdout still holds the --output report and the exit code is the
// verdict's.
func TestCheckReportFiles(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	// An older report in the way is replaced, mode and all.
	if err := os.WriteFile(path("r.sarif"), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := goldenScenario(t)
	code, stdout, stderr := h.run("check", "--checks", "ecr,logs,s3,blocked.example=blocked",
		"--report", "sarif="+path("r.sarif"), "--report", "junit="+path("r.xml"),
		"--report", "html="+path("r.html"), "--report", "json="+path("r.json"), "--report", "text="+path("r.txt"))
	if code != report.ExitDNSPosture {
		t.Errorf("exit %d; want %d\n%s", code, report.ExitDNSPosture, stderr)
	}
	if !strings.HasPrefix(stdout, "preflight check") || !strings.Contains(stdout, "Exit 11:") {
		t.Errorf("stdout is not the text report:\n%s", stdout)
	}
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(path(name))
		if err != nil {
			t.Fatalf("report file: %v", err)
		}
		fi, err := os.Stat(path(name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o644 {
			t.Errorf("%s: got mode %v; want 0644", name, got)
		}
		return b
	}
	t.Run("text", func(t *testing.T) {
		if got := string(read("r.txt")); got != stdout {
			t.Errorf("got text file\n%s\nwant stdout\n%s", got, stdout)
		}
	})
	t.Run("json", func(t *testing.T) {
		var doc report.JSON
		if err := json.Unmarshal(read("r.json"), &doc); err != nil {
			t.Fatalf("got %v; want a JSON report", err)
		}
		if doc.ExitCode != report.ExitDNSPosture || len(doc.Checks) != 20 {
			t.Errorf("got exit_code %d, %d checks; want %d, 20", doc.ExitCode, len(doc.Checks), report.ExitDNSPosture)
		}
	})
	t.Run("sarif", func(t *testing.T) {
		b := read("r.sarif")
		var doc struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Version != "2.1.0" {
			t.Fatalf("got version %q, error %v; want SARIF 2.1.0", doc.Version, err)
		}
		schematest.ValidateSARIF(t, b)
	})
	t.Run("junit", func(t *testing.T) {
		b := read("r.xml")
		var doc struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal(b, &doc); err != nil || doc.XMLName.Local != "testsuites" {
			t.Fatalf("got root %q, error %v; want <testsuites>", doc.XMLName.Local, err)
		}
		schematest.ValidateJUnit(t, b)
	})
	t.Run("html", func(t *testing.T) {
		if b := read("r.html"); !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
			t.Errorf("got a page starting %.40q; want <!DOCTYPE html>", b)
		}
	})
	t.Run("no temporary file left", func(t *testing.T) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 5 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("got files %q; want the 5 reports", names)
		}
	})
}

// TestReportFileNotWritten: a report file that cannot be written is one
// line on stderr naming it; the other files are still written, no
// temporary file stays behind, and the exit code is the verdict's, or 2
// when the verdict was 0.
func TestReportFileNotWritten(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		target   string
		failing  bool
		wantCode int
		wantErr  string
	}{
		{"no such directory, verdict 0", filepath.Join(dir, "missing", "r.json"), false, report.ExitUsage, "no such file or directory"},
		{"no such directory, failing verdict", filepath.Join(dir, "missing", "r.json"), true, report.ExitConnect, "no such file or directory"},
		{"parent is a file", filepath.Join(dir, "file", "r.json"), false, report.ExitUsage, "not a directory"},
		{"target is a directory", filepath.Join(dir, "taken"), false, report.ExitUsage, "rename"},
		{"read-only directory", filepath.Join(readOnly, "r.json"), false, report.ExitUsage, "permission denied"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "read-only") && os.Geteuid() == 0 {
				t.Skip("root writes into a read-only directory")
			}
			h := goodVPC(t)
			if tt.failing {
				h.net.Blackhole("127.0.0.3")
			}
			other := filepath.Join(t.TempDir(), "ok.sarif")
			code, stdout, stderr := h.run("check", "--checks", "ecr.api", "--region", "us-east-1",
				"--report", "json="+tt.target, "--report", "sarif="+other)
			if code != tt.wantCode {
				t.Errorf("exit %d; want %d\n%s", code, tt.wantCode, stderr)
			}
			wantLine := "preflight check: --report json=" + tt.target + ": "
			if !strings.Contains(stderr, wantLine) || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("got stderr\n%s\nwant a line with %q and %q", stderr, wantLine, tt.wantErr)
			}
			if !strings.Contains(stdout, "preflight check") {
				t.Errorf("got stdout\n%s\nwant the text report", stdout)
			}
			if _, err := os.Stat(other); err != nil {
				t.Errorf("the other report: got %v; want it written", err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".*.tmp"))
			more, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
			if all := append(leftovers, more...); len(all) > 0 {
				t.Errorf("got temporary files %q; want none", all)
			}
		})
	}
}

// TestTextReportFileStandsAlone: with audit's plan below the report on
// stdout, a row points at the plan's steps instead of its command hint;
// the text file has no plan, so it keeps the hint.
func TestTextReportFileStandsAlone(t *testing.T) {
	hint := "aws ec2 authorize-security-group-ingress --group-id sg-0e4f --protocol tcp --port 443"
	r := report.New("audit", "us-east-1", "111122223333", nil, []report.Result{{
		Check: "security_group", Target: "logs", Status: report.StatusFail, Class: report.ClassConnect,
		Error: "sg-0e4f admits no task", Hint: hint, FixSteps: []int{3},
	}}, 0)
	r.PlanBelow = true
	var stdout strings.Builder
	if err := r.Write(&stdout, report.OutputText); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), hint) || !strings.Contains(stdout.String(), "step 3") {
		t.Fatalf("got stdout\n%s\nwant the row pointing at step 3 instead of its hint", stdout.String())
	}
	path := filepath.Join(t.TempDir(), "r.txt")
	var stderr strings.Builder
	code := writeReportFiles(r, []config.ReportFile{{Format: report.OutputText, Path: path}}, &stderr, "audit", r.Code)
	if code != report.ExitConnect || stderr.Len() > 0 {
		t.Fatalf("got exit %d, stderr %q; want %d and nothing", code, stderr.String(), report.ExitConnect)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, hint) || strings.Contains(got, "step 3") {
		t.Errorf("got file\n%s\nwant the hint and no plan step", got)
	}
	if !r.PlanBelow {
		t.Errorf("got PlanBelow false after writing the files; want the report left as it was")
	}
}
