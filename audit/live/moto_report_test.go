package live

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/internal/audittest"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditCLIReportAgainstMoto runs the built binary's sweep of three
// services against moto and reads its text report as a person would: a
// heading per service, nothing wider than 100 columns, the summary in
// audit's words; --only problems (and PREFLIGHT_ONLY) leaves only the
// failing rows, and JSON keeps every row, each naming its workload.
func TestAuditCLIReportAgainstMoto(t *testing.T) {
	m := moto(t)
	m.scenario(t, "sweep3")
	env := m.envFor("test", "test")

	all := runCLI(t, env, "audit", "--cluster", "prod")
	if all.code != report.ExitPublicIP {
		t.Fatalf("exit %d; want %d\n%s\n%s", all.code, report.ExitPublicIP, all.stdout, all.stderr)
	}
	for _, name := range []string{"billing", "orders", "search"} {
		if h := "\ncluster prod, service " + name + ", task definition orders:1\n"; strings.Count(all.stdout, h) != 1 {
			t.Errorf("no single heading %q:\n%s", h, all.stdout)
		}
	}
	for i, line := range strings.Split(all.stdout, "\n") {
		if n := utf8.RuneCountInString(line); n > report.TextWidth && !audittest.QuotedWordLine(line) {
			t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, report.TextWidth, line)
		}
	}
	if want := "Exit 15: " + report.ExitMeaningFor("audit", report.ExitPublicIP); !strings.Contains(all.stdout, want) {
		t.Errorf("summary lacks %q:\n%s", want, all.stdout)
	}

	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"--only problems", env, []string{"--only", "problems"}},
		{"PREFLIGHT_ONLY=problems", append(env[:len(env):len(env)], "PREFLIGHT_ONLY=problems"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.env, append([]string{"audit", "--cluster", "prod"}, tt.args...)...)
			if res.code != report.ExitPublicIP {
				t.Fatalf("exit %d; want %d\n%s", res.code, report.ExitPublicIP, res.stderr)
			}
			for _, line := range strings.Split(res.stdout, "\n") {
				if strings.HasPrefix(line, "pass ") || strings.HasPrefix(line, "skip ") {
					t.Errorf("a %s row under --only problems: %q", line[:4], line)
				}
			}
			if !strings.Contains(res.stdout, "\ncluster prod, service search, task definition orders:1\n") ||
				strings.Contains(res.stdout, "service orders,") || !strings.Contains(res.stdout, "Not shown: ") {
				t.Errorf("want only search's heading (the one service with a failure) and the count left out:\n%s", res.stdout)
			}
		})
	}

	res := runCLI(t, env, "audit", "--cluster", "prod", "--only", "problems", "--output", "json")
	var doc report.JSON
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, res.stdout)
	}
	passed := 0
	for _, c := range doc.Checks {
		if c.Status == report.StatusPass {
			passed++
		}
		if c.Workload == nil || c.Workload.Cluster != "prod" || c.Workload.TaskDefinition != "orders:1" || c.Workload.Name != "service/prod/"+c.Workload.Service {
			t.Errorf("row %s/%s: workload %+v; want service/prod/SERVICE, task definition orders:1", c.Check, c.Target, c.Workload)
		}
	}
	if passed == 0 {
		t.Errorf("JSON under --only problems has no passing row; want every row:\n%s", res.stdout)
	}
}
