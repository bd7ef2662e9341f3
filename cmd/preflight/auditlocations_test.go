package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// sarifLocations is what TestAuditSARIFLocations reads of a SARIF log.
type sarifLocations struct {
	Runs []struct {
		Artifacts []struct {
			Location struct{ URI string }
		}
		Results []struct {
			RuleID     string
			Locations  []sarifLoc
			Related    []sarifLoc `json:"relatedLocations"`
			Properties struct{ Workload string }
		}
	}
}

type sarifLoc struct {
	PhysicalLocation *struct {
		ArtifactLocation struct {
			URI   string
			Index int
		}
		Region *struct{ StartLine, StartColumn int }
	}
	LogicalLocations []struct{ Name string }
}

// TestAuditSARIFLocations: a template audit's SARIF points each result
// at the file that declares its first resource, at the line and column
// of the resource's logical id, relative to the working directory: in a
// cdk.out of two stacks each stack's own template file (never the
// directory), in a lone YAML (block or flow style) or JSON template that
// file. Every file is listed once among the artifacts.
func TestAuditSARIFLocations(t *testing.T) {
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sgJSON := read(filepath.Join(cdkOut("sg-no-outbound"), "SgNoOutbound.template.json"))
	publicJSON := read(filepath.Join(cdkOut("assign-public-ip"), "AssignPublicIp.template.json"))
	sgYAML := read(filepath.Join("..", "..", "audit", "cloudformation", "testdata", "cdkyaml", "sg-no-outbound.template.yaml"))
	var oneLine, wide bytes.Buffer
	if err := json.Compact(&oneLine, sgJSON); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&wide, oneLine.Bytes(), "", "    "); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(oneLine.Bytes(), []byte("\n")) != 0 || !bytes.Contains(wide.Bytes(), []byte("\n        \"TaskSgFD7B04A0\": {")) {
		t.Fatal("the reformatted templates are not what the test means them to be")
	}
	dir := t.TempDir()
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Two stacks that share their logical ids: the facts qualify them
	// with the stack's name.
	write("cdk.out/manifest.json", []byte(`{"version": "36.0.0", "artifacts": {
		"Orders": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Orders.template.json"}},
		"Search": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Search.template.json"}}}}`))
	write("cdk.out/Orders.template.json", sgJSON)
	write("cdk.out/Search.template.json", publicJSON)
	write("deploy/net.yaml", sgYAML)
	write("empty.out/manifest.json", []byte(`{"artifacts": {"Net": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Net.template.json"}}}}`))
	write("empty.out/Net.template.json", []byte(`{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}}}`))
	write("one-line.json", oneLine.Bytes())
	write("wide.json", wide.Bytes())
	// JSON after a comment is YAML in flow style, read by the YAML reader.
	write("flow.yaml", append([]byte("# flow style\n"), wide.Bytes()...))
	goldenPath, err := filepath.Abs(filepath.Join("testdata", "audit-template-stacks.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	tests := []struct {
		name, template string
		// file is the file a result of workload w must point at.
		file      func(w string) string
		wantRules []string
		artifacts int
		golden    string
	}{
		{"cdk.out of two stacks, given as an absolute path", filepath.Join(dir, "cdk.out"), func(w string) string {
			stack, _, _ := strings.Cut(strings.TrimPrefix(w, "service/"), "/")
			return "cdk.out/" + stack + ".template.json"
		}, []string{"public_ip", "security_group"}, 2, goldenPath},
		// Nothing is judged: the row names no resource, and points at the
		// file that lists the stacks.
		{"cdk.out without a service", "empty.out", func(string) string { return "empty.out/manifest.json" }, []string{"coverage"}, 1, ""},
		{"YAML template with short-form tags", "deploy/net.yaml", func(string) string { return "deploy/net.yaml" }, []string{"security_group"}, 1, ""},
		{"JSON template on one line", "one-line.json", func(string) string { return "one-line.json" }, []string{"security_group"}, 1, ""},
		{"JSON template indented by four", "./wide.json", func(string) string { return "wide.json" }, []string{"security_group"}, 1, ""},
		{"YAML template in flow style", "flow.yaml", func(string) string { return "flow.yaml" }, []string{"security_group"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), []string{"audit", "--template", tt.template, "--region", "eu-west-1", "--output", "sarif"}, func(string) string { return "" }, &stdout, &stderr)
			schematest.ValidateSARIF(t, stdout.Bytes())
			var log sarifLocations
			if err := json.Unmarshal(stdout.Bytes(), &log); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			results := log.Runs[0].Results
			var uris []string
			for _, a := range log.Runs[0].Artifacts {
				uris = append(uris, a.Location.URI)
			}
			if len(uris) != tt.artifacts {
				t.Errorf("got artifacts %v; want %d, each file once", uris, tt.artifacts)
			}
			rules := map[string]bool{}
			for i, res := range results {
				rules[res.RuleID] = true
				if len(res.Locations) != 1 {
					t.Fatalf("result %d: got %d locations; want 1", i, len(res.Locations))
				}
				want := tt.file(res.Properties.Workload)
				if res.RuleID == "coverage" {
					if p := res.Locations[0].PhysicalLocation; p == nil || p.ArtifactLocation.URI != want || p.Region != nil {
						t.Errorf("result %d: physical location %+v; want %s as a whole", i, p, want)
					}
					continue
				}
				for _, loc := range append(res.Locations, res.Related...) {
					checkDeclared(t, i, loc, want, uris)
				}
			}
			for _, r := range tt.wantRules {
				if !rules[r] {
					t.Errorf("no %s result among %d; want one", r, len(results))
				}
			}
			if tt.golden != "" {
				got := stdout.String()
				if *update {
					if err := os.WriteFile(tt.golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(tt.golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("output differs from %s (run go test -update after checking):\n--- got\n%s\n--- want\n%s", tt.golden, got, want)
				}
			}
		})
	}
}

// checkDeclared checks that loc points at file, listed among the
// artifacts at its index, at the line and column where the logical id of
// its first logical location stands as a key.
func checkDeclared(t *testing.T, i int, loc sarifLoc, file string, artifacts []string) {
	t.Helper()
	p := loc.PhysicalLocation
	if p == nil || len(loc.LogicalLocations) == 0 {
		t.Errorf("result %d: location %+v; want a physical and a logical location", i, loc)
		return
	}
	name := loc.LogicalLocations[0].Name
	if p.ArtifactLocation.URI != file {
		t.Errorf("result %d (%s): uri %s; want %s", i, name, p.ArtifactLocation.URI, file)
		return
	}
	if p.ArtifactLocation.Index >= len(artifacts) || artifacts[p.ArtifactLocation.Index] != file {
		t.Errorf("result %d (%s): artifact index %d of %v; want the index of %s", i, name, p.ArtifactLocation.Index, artifacts, file)
	}
	if p.Region == nil {
		t.Errorf("result %d (%s): no region; want the line of its logical id", i, name)
		return
	}
	// service/CLUSTER/SERVICE, STACK/ID and VPC.DefaultNetworkAcl stand
	// in the template as SERVICE, ID and VPC.
	logical := name[strings.LastIndex(name, "/")+1:]
	logical, _, _ = strings.Cut(logical, ".")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if p.Region.StartLine < 1 || p.Region.StartLine > len(lines) {
		t.Errorf("result %d (%s): line %d; want one of the %d lines", i, name, p.Region.StartLine, len(lines))
		return
	}
	line := lines[p.Region.StartLine-1]
	// The fixtures are ASCII: a column is a byte.
	at := line[min(max(p.Region.StartColumn-1, 0), len(line)):]
	if !strings.HasPrefix(at, `"`+logical+`":`) && !strings.HasPrefix(at, logical+":") {
		t.Errorf("result %d (%s): line %d column %d reads %.40q; want the key %s", i, name, p.Region.StartLine, p.Region.StartColumn, at, logical)
	}
}
