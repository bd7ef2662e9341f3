package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// TestSARIFPhysicalLocations: a result points at the file and line that
// declare its first declared resource (then its workload), the files of
// its other declared resources are related locations, a row that names
// nothing declared points at the input file (a cdk.out's manifest, never
// the directory), every file a result names is one artifact, and a path
// under the working directory is written relative to it.
func TestSARIFPhysicalLocations(t *testing.T) {
	a, b := "cdk.out/A.template.json", "cdk.out/B.template.json"
	tests := []struct {
		name     string
		setup    func(r *Report)
		want     []string // per result: its location, then its related ones
		wantArts []string
	}{
		{"task-definition file under the working directory", func(r *Report) {
			r.Source, r.WorkDir = "/home/ci/repo/deploy/orders.json", "/home/ci/repo"
		}, []string{"deploy/orders.json", "deploy/orders.json", "deploy/orders.json"}, []string{"deploy/orders.json"}},
		{"file outside the working directory", func(r *Report) {
			r.Source, r.WorkDir = "/etc/orders.json", "/home/ci/repo"
		}, []string{"file:///etc/orders.json", "file:///etc/orders.json", "file:///etc/orders.json"}, []string{"file:///etc/orders.json"}},
		{"plan", func(r *Report) { r.Source, r.WorkDir = "plan.json", "/home/ci/repo" },
			[]string{"plan.json", "plan.json", "plan.json"}, []string{"plan.json"}},
		{"cdk.out with declared resources", func(r *Report) {
			r.Source, r.SourceFile, r.WorkDir = "/home/ci/repo/cdk.out", "/home/ci/repo/cdk.out/manifest.json", "/home/ci/repo"
			r.Declared = map[string]Location{
				"vpce-logs": {Path: a, Line: 3, Column: 3}, "sg-vpce": {Path: "/home/ci/repo/" + b, Line: 7, Column: 5},
				"service/prod/orders": {Path: a, Line: 20, Column: 3},
			}
		}, []string{
			a + ":3:3 vpce-logs; 1 " + b + ":7:5 sg-vpce resource; 2 " + a + ":20:3 service/prod/orders module",
			a + ":20:3 service/prod/orders",
			"cdk.out/manifest.json",
		}, []string{a, b, "cdk.out/manifest.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New("audit", "eu-west-1", "123456789012", nil, formatRows(), time.Second)
			tt.setup(r)
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
			var arts []string
			for _, art := range run.Artifacts {
				arts = append(arts, art.Location.URI)
			}
			if fmt.Sprint(arts) != fmt.Sprint(tt.wantArts) {
				t.Errorf("got artifacts %v; want %v", arts, tt.wantArts)
			}
			where := func(l sarifLocation, names bool) string {
				p := l.PhysicalLocation
				if p == nil {
					return "none"
				}
				if arts[*p.ArtifactLocation.Index] != p.ArtifactLocation.URI {
					t.Errorf("uri %s has the index of %s", p.ArtifactLocation.URI, arts[*p.ArtifactLocation.Index])
				}
				s := p.ArtifactLocation.URI
				if p.Region != nil {
					s += fmt.Sprintf(":%d:%d %s", p.Region.StartLine, p.Region.StartColumn, l.LogicalLocations[0].Name)
				}
				if names {
					s += " " + l.LogicalLocations[0].Kind
				}
				return s
			}
			if len(run.Results) != len(tt.want) {
				t.Fatalf("got %d results; want %d", len(run.Results), len(tt.want))
			}
			for i, res := range run.Results {
				parts := []string{where(res.Locations[0], false)}
				for _, rel := range res.RelatedLocations {
					parts = append(parts, fmt.Sprintf("%d %s", *rel.ID, where(rel, true)))
				}
				if got := strings.Join(parts, "; "); got != tt.want[i] {
					t.Errorf("result %d: got %s; want %s", i, got, tt.want[i])
				}
			}
		})
	}
}
