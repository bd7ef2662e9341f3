package cloudformation

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// wantRow is one row a test expects: its check, target and status, and
// the ids it must name (the logical ids of the blocks to change).
type wantRow struct {
	check, target string
	status        report.Status
	resources     []string
}

// findRow returns the row with check and target, or nil.
func findRow(rows []report.Result, check, target string) *report.Result {
	for i, r := range rows {
		if string(r.Check) == check && r.Target == target {
			return &rows[i]
		}
	}
	return nil
}

func dumpRows(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n  %s %s %s %v %s", r.Status, r.Check, r.Target, r.Resources, r.Error)
	}
	return b.String()
}

// assertRows checks every wanted row against rows.
func assertRows(t *testing.T, rows []report.Result, want []wantRow) {
	t.Helper()
	for _, w := range want {
		r := findRow(rows, w.check, w.target)
		if r == nil {
			t.Errorf("no %s row for %s; rows:%s", w.check, w.target, dumpRows(rows))
			continue
		}
		if r.Status != w.status {
			t.Errorf("%s %s: got status %s; want %s (%s)", w.check, w.target, r.Status, w.status, r.Error)
		}
		for _, id := range w.resources {
			if !slices.Contains(r.Resources, id) {
				t.Errorf("%s %s: got resources %v; want them to name %s", w.check, w.target, r.Resources, id)
			}
		}
	}
}

// TestCDKFixtures judges the cloud assemblies the AWS CDK synthesized
// (testdata/cdk/synth.js) with the audit's own rules: each case fails or
// passes as the deployed stack would, naming the logical ids to change.
func TestCDKFixtures(t *testing.T) {
	const (
		svc      = "service/ClusterEB0386A7/ServiceD69D759B"
		vpc      = "Vpc8378EB38"
		subnet1  = "VpcAppSubnet1Subnet7D2CF347"
		subnet2  = "VpcAppSubnet2Subnet8D65443B"
		table1   = "VpcAppSubnet1RouteTable30EDBD03"
		s3       = "VpcS3A5408339"
		ecrDkr   = "VpcEcrDkr1989671C"
		taskSG   = "TaskSgFD7B04A0"
		albSvc   = "service/EcsDefaultClusterMnL3mNNYN926A5246/WebServiceD04B5F3E"
		albVPC   = "EcsDefaultClusterMnL3mNNYNVpc7788A521"
		albPriv1 = "EcsDefaultClusterMnL3mNNYNVpcPrivateSubnet1Subnet075EFF4C"
	)
	tests := []struct {
		dir      string
		want     []wantRow
		exitCode int
	}{
		{"isolated-no-endpoints", []wantRow{
			{"endpoint", "ecr.api", report.StatusFail, []string{vpc, subnet1, subnet2}},
			{"endpoint", "ecr.dkr", report.StatusFail, []string{vpc}},
			{"endpoint", "ecr.layers", report.StatusFail, []string{vpc, table1}},
			{"endpoint", "logs", report.StatusFail, []string{vpc}},
			{"public_ip", svc, report.StatusPass, nil},
		}, report.ExitDNSPosture},
		{"isolated-endpoints", []wantRow{
			{"endpoint", "ecr.api", report.StatusPass, nil},
			{"endpoint", "ecr.dkr", report.StatusPass, []string{ecrDkr}},
			{"endpoint", "ecr.layers", report.StatusPass, []string{s3}},
			{"endpoint", "logs", report.StatusPass, nil},
			{"dhcp", vpc, report.StatusPass, nil},
			{"dns_support", vpc, report.StatusPass, nil},
		}, report.ExitOK},
		{"s3-other-subnets", []wantRow{
			{"endpoint", "ecr.dkr", report.StatusPass, nil},
			{"route", "ecr.layers", report.StatusFail, []string{table1, subnet1, s3}},
		}, report.ExitConnect},
		{"assign-public-ip", []wantRow{
			{"public_ip", svc, report.StatusFail, nil},
			{"endpoint", "ecr.dkr", report.StatusFail, []string{vpc}},
		}, report.ExitDNSPosture},
		{"sg-no-outbound", []wantRow{
			{"security_group", "ecr.dkr", report.StatusFail, []string{taskSG, ecrDkr}},
			{"security_group", "ecr.layers", report.StatusFail, []string{taskSG}},
			{"security_group", "logs", report.StatusFail, []string{taskSG}},
		}, report.ExitConnect},
		{"secret-no-endpoint", []wantRow{
			{"endpoint", "ecr.dkr", report.StatusPass, nil},
			{"endpoint", "secretsmanager", report.StatusFail, []string{vpc, subnet1, subnet2}},
		}, report.ExitDNSPosture},
		{"alb-fargate", []wantRow{
			{"endpoint", "internet", report.StatusPass, nil},
			{"endpoint", "logs", report.StatusFail, []string{albVPC, albPriv1}},
			{"public_ip", albSvc, report.StatusPass, nil},
		}, report.ExitDNSPosture},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			f, err := Read(filepath.Join("testdata", "cdkout", tt.dir), Options{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Workloads) != 1 {
				t.Fatalf("got %d workloads; want 1", len(f.Workloads))
			}
			for _, u := range f.Undecided {
				t.Errorf("got undecided %+v; want every fact decided by the template", u)
			}
			rows := audit.Evaluate(f, audit.Options{})
			assertRows(t, rows, tt.want)
			if got := report.ExitCode(rows); got != tt.exitCode {
				t.Errorf("got exit code %d; want %d; rows:%s", got, tt.exitCode, dumpRows(rows))
			}
		})
	}
}

// TestCDKFixturesYAML: the same templates written as YAML with the
// short-form tags by yaml-cfn (testdata/cdk/synth.js) read into the same
// facts as their JSON.
func TestCDKFixturesYAML(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cdkyaml", "*.template.yaml"))
	if err != nil || len(files) < 7 {
		t.Fatalf("got %d YAML templates (%v); want at least 7", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".template.yaml")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "!Ref ") {
				t.Fatalf("%s has no short-form tag; want the YAML form", file)
			}
			fromYAML, err := Read(file, Options{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := Read(filepath.Join("testdata", "cdkout", name), Options{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			// Where each resource stands differs between the two files;
			// which resources are declared does not.
			if got, want := slices.Sorted(maps.Keys(fromYAML.Declared)), slices.Sorted(maps.Keys(fromJSON.Declared)); !slices.Equal(got, want) {
				t.Errorf("got declared ids %v from YAML; want %v as from JSON", got, want)
			}
			fromYAML.Declared, fromJSON.Declared = nil, nil
			y, _ := json.Marshal(fromYAML)
			j, _ := json.Marshal(fromJSON)
			if string(y) != string(j) {
				t.Errorf("facts from YAML differ from JSON:\nyaml %s\njson %s", y, j)
			}
		})
	}
}
