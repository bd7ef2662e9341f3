package audit

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// formatScenario is an audit the machine formats are checked on: the
// scenarios of the exit-code table and of the text report goldens, and a
// task definition audited from a file.
type formatScenario struct {
	name  string
	facts func() *Facts
	opts  Options
	// source is the task-definition file the audit read, if any.
	source string
}

func formatScenarios() []formatScenario {
	mutated := func(m func(*Facts)) func() *Facts {
		return func() *Facts {
			f := privateFacts()
			m(f)
			return f
		}
	}
	denied := func(f *Facts) {
		f.Undecided = []Undecided{{Action: ActionDescribeVpcEndpoints, Code: "AccessDenied", Err: "not authorized"}}
	}
	return []formatScenario{
		{name: "pass", facts: privateFacts},
		{name: "public-ip", facts: mutated(func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled })},
		{name: "public-ip-warn", facts: mutated(func(f *Facts) { firstWorkload(f).AssignPublicIP = PublicIPEnabled }), opts: Options{PublicIP: "warn"}},
		{name: "missing-endpoint", facts: mutated(func(f *Facts) { removeEndpoint(f, "vpce-logs") })},
		{name: "sg-block", facts: mutated(func(f *Facts) { f.SecurityGroups["sg-vpce"].Ingress = nil })},
		{name: "undecided-warn", facts: mutated(denied)},
		{name: "undecided-fail", facts: mutated(denied), opts: Options{FailUndecided: true}},
		{name: "sweep", facts: sweepFacts},
		{name: "taskdef-file", facts: mutated(func(f *Facts) {
			w := firstWorkload(f)
			w.Name, w.Cluster, w.Service, w.ServiceARN = "taskdef/orders", "", "", ""
			w.TaskDefinition.Revision = 0
			f.SecurityGroups["sg-vpce"].Ingress = nil
		}), source: "deploy/orders.taskdef.json"},
	}
}

func (s formatScenario) report() *report.Report {
	f := s.facts()
	// Ids of the length AWS gives, as the text goldens have them.
	renameIDs(reflect.ValueOf(f).Elem())
	r := report.New("audit", f.Region, f.Account, nil, Evaluate(f, s.opts), 1234*time.Millisecond)
	r.Version, r.Source = "test", s.source
	return r
}

// TestAuditSARIF: the SARIF log of every scenario validates against the
// SARIF 2.1.0 schema and has one result per failing or warning row, at
// the level of its status, with the row's hint in its message and its
// resources as logical locations; the file of a file audit is the
// physical location. The sweep and the file audit are golden.
func TestAuditSARIF(t *testing.T) {
	golden := map[string]bool{"sweep": true, "taskdef-file": true}
	for _, s := range formatScenarios() {
		t.Run(s.name, func(t *testing.T) {
			r := s.report()
			var buf bytes.Buffer
			if err := r.WriteSARIF(&buf); err != nil {
				t.Fatal(err)
			}
			schematest.ValidateSARIF(t, buf.Bytes())
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID, Level string
						Message       struct{ Text string }
						Locations     []struct {
							PhysicalLocation *struct{ ArtifactLocation struct{ URI string } }
							LogicalLocations []struct{ Name, Kind string }
						}
					}
				}
			}
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			var problems []report.Result
			for _, row := range r.Results {
				if row.Status == report.StatusFail || row.Status == report.StatusWarn {
					problems = append(problems, row)
				}
			}
			results := log.Runs[0].Results
			if len(results) != len(problems) {
				t.Fatalf("got %d results; want %d, one per failing or warning row", len(results), len(problems))
			}
			for i, row := range problems {
				got := results[i]
				want := map[report.Status]string{report.StatusFail: "error", report.StatusWarn: "warning"}[row.Status]
				if got.RuleID != string(row.Check) || got.Level != want {
					t.Errorf("result %d: rule %s level %s; want %s %s", i, got.RuleID, got.Level, row.Check, want)
				}
				if !strings.Contains(got.Message.Text, row.Hint) {
					t.Errorf("result %d: message %q; want the hint %q in it", i, got.Message.Text, row.Hint)
				}
				var names []string
				for _, l := range got.Locations[0].LogicalLocations {
					names = append(names, l.Name)
				}
				wantLocs := append([]string{}, row.Resources...)
				switch {
				case row.Workload != nil:
					wantLocs = append(wantLocs, row.Workload.Name)
				case len(wantLocs) == 0:
					// The coverage row is about the whole run, not a
					// workload: its target stands for it.
					wantLocs = append(wantLocs, row.Target)
				}
				if !reflect.DeepEqual(names, wantLocs) {
					t.Errorf("result %d: logical locations %v; want %v", i, names, wantLocs)
				}
				phys := got.Locations[0].PhysicalLocation
				switch {
				case s.source == "" && phys != nil:
					t.Errorf("result %d: physical location %v; want none for a live audit", i, phys)
				case s.source != "" && (phys == nil || phys.ArtifactLocation.URI != s.source):
					t.Errorf("result %d: physical location %v; want %s", i, phys, s.source)
				}
			}
			if golden[s.name] {
				goldenFile(t, "report-audit-"+s.name+".sarif.golden", buf.Bytes())
			}
		})
	}
}

// TestAuditJUnit: the JUnit XML of every scenario validates against
// Jenkins xUnit's schema and has one test case per row, classname the
// service (CLUSTER.SERVICE) or task definition, a failure per failing
// row with the hint as its message, a skip per skipped row. The sweep is
// golden.
func TestAuditJUnit(t *testing.T) {
	for _, s := range formatScenarios() {
		t.Run(s.name, func(t *testing.T) {
			r := s.report()
			var buf bytes.Buffer
			if err := r.WriteJUnit(&buf); err != nil {
				t.Fatal(err)
			}
			schematest.ValidateJUnit(t, buf.Bytes())
			var doc struct {
				Suites []struct {
					Cases []struct {
						Name      string `xml:"name,attr"`
						Classname string `xml:"classname,attr"`
						Failure   *struct {
							Message string `xml:"message,attr"`
						} `xml:"failure"`
						Skipped *struct{} `xml:"skipped"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			i := 0
			for _, suite := range doc.Suites {
				for _, c := range suite.Cases {
					if i >= len(r.Results) {
						t.Fatalf("got more test cases than the %d rows", len(r.Results))
					}
					row := r.Results[i]
					i++
					var wantClass string
					switch {
					case row.Workload == nil:
						// The coverage row is about the whole run.
						wantClass = "preflight.audit"
					case row.Workload.Service == "":
						wantClass = "taskdef." + row.Workload.TaskDefinition
					default:
						wantClass = row.Workload.Cluster + "." + row.Workload.Service
					}
					if c.Classname != wantClass || c.Name != string(row.Check)+" "+row.Target {
						t.Errorf("test case %s %q; want %s %q", c.Classname, c.Name, wantClass, string(row.Check)+" "+row.Target)
					}
					if (c.Failure != nil) != (row.Status == report.StatusFail) || (c.Skipped != nil) != (row.Status == report.StatusSkip) {
						t.Errorf("test case %s: failure %v, skipped %v; want them for a %s row", c.Name, c.Failure != nil, c.Skipped != nil, row.Status)
					}
					if c.Failure != nil && row.Hint != "" && c.Failure.Message != row.Hint {
						t.Errorf("test case %s: failure message %q; want the hint %q", c.Name, c.Failure.Message, row.Hint)
					}
				}
			}
			if i != len(r.Results) {
				t.Errorf("got %d test cases; want %d, one per row", i, len(r.Results))
			}
			if s.name == "sweep" {
				goldenFile(t, "report-audit-sweep.junit.golden", buf.Bytes())
			}
		})
	}
}

// TestAuditPaths: the HTML page's path of a need, derived from the rows,
// puts the block on the hop the finding is about: the endpoint's group
// ingress, the task group's egress, the endpoint itself when it is
// missing (then the hops behind it are not reached and those before it
// not judged), and marks the hops an API denial left undecided.
func TestAuditPaths(t *testing.T) {
	tests := []struct {
		scenario, service, need string
		want                    string
	}{
		{"pass", "orders", "ecr.api", "tasks=pass route=pass nacl=pass task-sg=pass endpoint-sg=pass endpoint=pass service=pass"},
		{"pass", "orders", "ecr.layers", "tasks=pass route=pass nacl=pass task-sg=pass endpoint=pass service=pass"},
		{"sg-block", "orders", "logs", "tasks=pass route=pass nacl=pass task-sg=pass endpoint-sg=fail endpoint=pass service=pass"},
		{"sweep", "search", "ecr.dkr", "tasks=pass route=pass nacl=pass task-sg=fail endpoint-sg=pass endpoint=pass service=pass"},
		{"sweep", "search", "secretsmanager", "tasks=pass route=notjudged nacl=notjudged task-sg=notjudged endpoint-sg=unreached endpoint=fail service=unreached"},
		{"missing-endpoint", "orders", "logs", "tasks=pass route=notjudged nacl=notjudged task-sg=notjudged endpoint-sg=unreached endpoint=fail service=unreached"},
		{"undecided-fail", "orders", "ecr.api", "tasks=pass route=notjudged nacl=notjudged task-sg=notjudged endpoint-sg=notjudged endpoint=undecided service=notjudged"},
	}
	scenarios := map[string]formatScenario{}
	for _, s := range formatScenarios() {
		scenarios[s.name] = s
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.service+"/"+tt.need, func(t *testing.T) {
			r := scenarios[tt.scenario].report()
			var wl *report.Workload
			var rows []report.Result
			for _, row := range r.Results {
				if row.Workload != nil && row.Workload.Service == tt.service {
					wl = row.Workload
					rows = append(rows, row)
				}
			}
			for _, n := range report.NeedsOf(wl, rows) {
				if n.Target != tt.need {
					continue
				}
				var got []string
				for _, h := range n.Hops {
					got = append(got, string(h.Kind)+"="+string(h.State))
				}
				if strings.Join(got, " ") != tt.want {
					t.Errorf("got %s; want %s", strings.Join(got, " "), tt.want)
				}
				return
			}
			t.Errorf("no need %s of %s", tt.need, tt.service)
		})
	}
}

// TestAuditHTML: the page of every scenario is one parseable document
// with one script (its own), a path per need whose red hops are the
// hops of the failing rows, and a note with the hint beside each; the
// security-group block is golden.
func TestAuditHTML(t *testing.T) {
	for _, s := range formatScenarios() {
		t.Run(s.name, func(t *testing.T) {
			r := s.report()
			r.ConsoleDomain = "console.aws.amazon.com"
			var buf bytes.Buffer
			if err := r.WriteHTML(&buf); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if n := strings.Count(page, "<script"); n != 1 {
				t.Errorf("got %d script elements; want 1", n)
			}
			failing := 0
			for _, row := range r.Results {
				if row.Status == report.StatusFail && row.Class != report.ClassUndecided && row.Workload.Name != row.Target && !strings.HasPrefix(row.Target, "vpc-") {
					failing++
					if row.Hint != "" && !strings.Contains(page, "<div class=\"hint\">fix: "+htmlText(row.Hint)+"</div>") {
						t.Errorf("no note with the hint of %s %s", row.Check, row.Target)
					}
				}
			}
			if got := strings.Count(page, `data-state="fail" transform=`); got != failing {
				t.Errorf("got %d red hops; want %d, one per failing need row", got, failing)
			}
			if s.name == "sg-block" {
				goldenFile(t, "report-audit-sg-block.html.golden", buf.Bytes())
			}
		})
	}
}

// htmlText is s as the page escapes it in text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
