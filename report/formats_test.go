package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// hostile is a value from an API, a file or a plan that a renderer must
// carry as text: markup, a CDATA end, a NUL, an escape sequence, an
// ampersand and a quote.
const hostile = "<script>alert(1)</script> ]]> \x00\x1b[31m & \""

// formatRows are rows of every status, one of them hostile in every field
// a renderer prints.
func formatRows() []Result {
	wl := &Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders", TaskDefinition: "orders:7"}
	return []Result{
		{Check: "endpoint", Target: "ecr.api", Status: StatusPass, Detail: "vpce-1 available", Workload: wl},
		{Check: "security_group", Target: "logs", Status: StatusFail, Class: ClassConnect, Error: "sg-vpce does not admit TCP 443",
			Hint: "aws ec2 authorize-security-group-ingress --group-id sg-vpce", Resources: []string{"vpce-logs", "sg-vpce"}, Workload: wl, Duration: 1500 * time.Millisecond},
		{Check: "undecided", Target: "endpoints", Status: StatusWarn, Class: ClassUndecided, Error: "DescribeVpcEndpoints denied", Workload: wl},
		{Check: "route", Target: "10.9.0.1", Status: StatusSkip, Detail: "not judged", Workload: wl},
		{Check: "endpoint", Target: hostile, Status: StatusFail, Class: ClassDNSPosture, Error: hostile, Hint: hostile, Reason: hostile,
			Resources: []string{hostile}, Workload: &Workload{Name: hostile, Cluster: hostile, Service: hostile}},
	}
}

// TestWriteSARIF: a schema-valid log; one result per failing or warning
// row at the level of its status; one rule per check kind among the rows;
// the hostile row's values come back unchanged from the JSON.
func TestWriteSARIF(t *testing.T) {
	for _, source := range []string{"", "deploy/task def.json", "/abs/taskdef.json"} {
		t.Run("source="+source, func(t *testing.T) {
			r := New("audit", "eu-west-1", "123456789012", nil, formatRows(), time.Second)
			r.Version, r.Source = "1.2.3", source
			var buf bytes.Buffer
			if err := r.WriteSARIF(&buf); err != nil {
				t.Fatal(err)
			}
			schematest.ValidateSARIF(t, buf.Bytes())
			var log sarifLog
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			var rules []string
			for _, rule := range run.Tool.Driver.Rules {
				rules = append(rules, rule.ID)
			}
			if got, want := strings.Join(rules, ","), "endpoint,route,security_group,undecided"; got != want {
				t.Errorf("got rules %s; want %s", got, want)
			}
			var levels []string
			for _, res := range run.Results {
				levels = append(levels, res.RuleID+"="+res.Level)
				if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
					t.Errorf("result %s: ruleIndex %d names rule %s", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
				}
			}
			if got, want := strings.Join(levels, ","), "security_group=error,undecided=warning,endpoint=error"; got != want {
				t.Errorf("got results %s; want %s", got, want)
			}
			last := run.Results[2]
			if want := hostile + "\nFix: " + hostile; last.Message.Text != want {
				t.Errorf("got message %q; want %q", last.Message.Text, want)
			}
			if got := last.Locations[0].LogicalLocations[0].Name; got != hostile {
				t.Errorf("got logical location %q; want %q", got, hostile)
			}
			phys := run.Results[0].Locations[0].PhysicalLocation
			wantURI := map[string]string{"deploy/task def.json": "deploy/task%20def.json", "/abs/taskdef.json": "file:///abs/taskdef.json"}[source]
			switch {
			case source == "" && phys != nil:
				t.Errorf("got physical location %+v; want none", phys)
			case source != "" && (phys == nil || phys.ArtifactLocation.URI != wantURI):
				t.Errorf("got physical location %+v; want %s", phys, wantURI)
			}
		})
	}
}

// TestWriteJUnit: schema-valid XML whose hostile values read back
// unchanged (a NUL, which XML cannot carry, as U+FFFD), one case per row,
// counts per suite.
func TestWriteJUnit(t *testing.T) {
	r := New("audit", "eu-west-1", "123456789012", nil, formatRows(), time.Second)
	var buf bytes.Buffer
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJUnit(t, buf.Bytes())
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string        `xml:"name,attr"`
				Failure   *junitMessage `xml:"failure"`
				SystemOut string        `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if len(doc.Suites) != 2 || doc.Tests != 5 || doc.Failures != 2 {
		t.Fatalf("got %d suites, %d tests, %d failures; want 2, 5, 2:\n%s", len(doc.Suites), doc.Tests, doc.Failures, buf.Bytes())
	}
	s := doc.Suites[0]
	if s.Tests != 4 || s.Failures != 1 || s.Skipped != 1 || s.Name != "cluster prod, service orders, task definition orders:7" {
		t.Errorf("got suite %q with %d tests, %d failures, %d skipped; want 4, 1, 1", s.Name, s.Tests, s.Failures, s.Skipped)
	}
	if c := s.Cases[2]; c.Failure != nil || !strings.HasPrefix(c.SystemOut, "warning: DescribeVpcEndpoints denied") {
		t.Errorf("got warning case %+v; want a pass with the warning as its output", c)
	}
	xmlSafe := strings.ReplaceAll(hostile, "\x00", "\uFFFD")
	xmlSafe = strings.ReplaceAll(xmlSafe, "\x1b", "\uFFFD")
	c := doc.Suites[1].Cases[0]
	if doc.Suites[1].Name != "cluster "+xmlSafe+", service "+xmlSafe {
		t.Errorf("got hostile suite %q; want its values back as %q", doc.Suites[1].Name, xmlSafe)
	}
	if c.Failure == nil || c.Failure.Message != xmlSafe || c.Name != "endpoint "+xmlSafe {
		t.Errorf("got hostile case %+v; want its values back as %q", c, xmlSafe)
	}
}

// TestEveryCheckKindHasADoc: every check kind declared in the packages
// that emit rows (report, audit, explain) has a description for SARIF's
// rules, not the fallback made from its name.
func TestEveryCheckKindHasADoc(t *testing.T) {
	kinds := 0
	for _, dir := range []string{".", "../audit", "../explain"} {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			for name, file := range pkg.Files {
				ast.Inspect(file, func(n ast.Node) bool {
					spec, ok := n.(*ast.ValueSpec)
					if !ok || spec.Type == nil || !isCheckType(spec.Type) {
						return true
					}
					for _, v := range spec.Values {
						lit, ok := v.(*ast.BasicLit)
						if !ok {
							continue
						}
						kind, _ := strconv.Unquote(lit.Value)
						kinds++
						if _, ok := checkDocs[Check(kind)]; !ok {
							t.Errorf("check kind %q (%s) has no entry in checkDocs", kind, filepath.Base(name))
						}
					}
					return true
				})
			}
		}
	}
	if kinds < 20 {
		t.Errorf("found %d check kinds; want the 20 or more the packages declare", kinds)
	}
}

func isCheckType(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name == "Check"
	case *ast.SelectorExpr:
		return t.Sel.Name == "Check"
	}
	return false
}
