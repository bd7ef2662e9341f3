package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/internal/audittest"
	"github.com/preflight-dev/preflight/report"
)

// quotedWordLine is audittest's, which audit/live's tests share.
var quotedWordLine = audittest.QuotedWordLine

// sweepFacts is privateFacts with three services of cluster prod in it:
// orders as the fixture has it, billing with assignPublicIp ENABLED on its
// own task definition, and search, whose task definition has a secret
// from Secrets Manager (no endpoint for it) and whose group lacks the
// egress to the endpoints.
func sweepFacts() *Facts {
	f := privateFacts()
	orders := firstWorkload(f)
	billing := *orders
	billing.Name, billing.Service = "service/prod/billing", "billing"
	billing.ServiceARN = "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/billing"
	billing.AssignPublicIP = PublicIPEnabled
	billing.TaskDefinition = &TaskDefinition{Family: "billing", Revision: 12, NetworkMode: "awsvpc", Containers: []Container{{
		Name: "app", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/billing:3.0.1", LogDriver: "awslogs",
		LogOptions: map[string]string{"awslogs-region": testRegion, "awslogs-group": "/ecs/billing"},
	}}}
	search := *orders
	search.Name, search.Service = "service/prod/search", "search"
	search.ServiceARN = "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/search"
	search.SecurityGroups = []string{"sg-search"}
	search.TaskDefinition = &TaskDefinition{Family: "search", Revision: 4, NetworkMode: "awsvpc", Containers: []Container{{
		Name: "app", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/search:2.2.0", LogDriver: "awslogs",
		LogOptions: map[string]string{"awslogs-region": testRegion, "awslogs-group": "/ecs/search"},
		Secrets:    []string{"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:search/db-AbCdEf"},
	}}}
	f.SecurityGroups["sg-search"] = &SecurityGroup{ID: "sg-search", VPCID: "vpc-1", Egress: []Rule{
		{Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIDs: []string{"pl-s3"}},
	}}
	f.SecurityGroups["sg-vpce"].Ingress = append(f.SecurityGroups["sg-vpce"].Ingress,
		Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{"sg-search"}})
	f.Workloads = []*Workload{&billing, orders, &search}
	return f
}

// TestAuditTextReportGolden renders the audit of one service and the
// sweep of three through the text report, as `preflight audit` prints
// them: every line at most report.TextWidth columns, one heading per
// service, each failing finding with what is wrong, the summary in
// audit's words.
func TestAuditTextReportGolden(t *testing.T) {
	oneService := func() *Facts {
		f := privateFacts()
		removeEndpoint(f, "vpce-logs")
		addNAT(f)
		f.SecurityGroups["sg-vpce"].Ingress = nil
		return f
	}
	tests := []struct {
		name     string
		facts    *Facts
		problems bool
		// plan appends the fix plan as `preflight audit` does, its steps
		// named by the rows that ask for them.
		plan     bool
		wantCode int
		// want must be in the report.
		want []string
	}{
		{"audit-one", oneService(), false, false, report.ExitDNSPosture, []string{
			"cluster prod, service orders, task definition orders:7\n",
			"Exit 11: endpoint missing:",
		}},
		// The ingress into sg-vpce that two rows ask for is one step both
		// name; the logs endpoint's row names the group, its ingress and
		// the endpoint.
		// The plan insists on ids of the length AWS gives (fixIDs).
		{"audit-plan", factsWithFixIDs(oneService()), false, true, report.ExitDNSPosture, []string{
			"fix:   step 2 of the fix plan below\n",
			"fix:   steps 1, 3, 4, 5 of the fix plan below\n",
			"# 2. let TCP 443 into " + fixID("sg-vpce") + " from " + fixID("sg-task") + "\n",
		}},
		{"audit-sweep", sweepFacts(), false, false, report.ExitDNSPosture, []string{
			"cluster prod, service billing, task definition billing:12\n",
			"cluster prod, service orders, task definition orders:7\n",
			"cluster prod, service search, task definition search:4\n",
		}},
		{"audit-sweep-problems", sweepFacts(), true, false, report.ExitDNSPosture, []string{
			"Not shown: ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Ids of the length AWS gives: hints name only valid ids.
			renameIDs(reflect.ValueOf(tt.facts).Elem())
			rows := Evaluate(tt.facts, Options{})
			r := report.New("audit", tt.facts.Region, tt.facts.Account, nil, rows, 1234*time.Millisecond)
			r.ProblemsOnly = tt.problems
			if r.Code != tt.wantCode {
				t.Errorf("exit code %d; want %d", r.Code, tt.wantCode)
			}
			var p *Plan
			if tt.plan {
				p = planOf(t, tt.facts)
				p.MarkSteps(r.Results)
				r.PlanBelow = true
			}
			var buf bytes.Buffer
			if err := r.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			if p != nil {
				if err := WritePlanBelow(&buf, p); err != nil {
					t.Fatal(err)
				}
				assertCommandsOnce(t, buf.String(), p)
			}
			out := buf.String()
			for i, line := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(line); n > report.TextWidth && !quotedWordLine(line) {
					t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, report.TextWidth, line)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			for _, bad := range []string{"DNS posture", "service/prod/orders: image"} {
				if strings.Contains(out, bad) {
					t.Errorf("report says %q (check's words, or the workload its heading names):\n%s", bad, out)
				}
			}
			path := filepath.Join("testdata", "report-"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test ./audit -update to create it): %v", err)
			}
			if out != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// TestRowsNameTheirWorkload: every row of a workload carries it, with the
// task definition as FAMILY:REVISION, the family alone for a file (no
// revision before it is registered), nothing when it could not be read.
func TestRowsNameTheirWorkload(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(w *Workload)
		want   report.Workload
	}{
		{"service", func(*Workload) {}, report.Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders", TaskDefinition: "orders:7"}},
		{"file", func(w *Workload) {
			w.Name, w.Cluster, w.Service, w.ServiceARN = "taskdef/orders", "", "", ""
			w.TaskDefinition.Revision = 0
		}, report.Workload{Name: "taskdef/orders", TaskDefinition: "orders"}},
		{"task definition not read", func(w *Workload) { w.TaskDefinition = nil }, report.Workload{Name: "service/prod/orders", Cluster: "prod", Service: "orders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			tt.mutate(firstWorkload(f))
			rows := Evaluate(f, Options{})
			if len(rows) == 0 {
				t.Fatal("no rows")
			}
			for _, r := range rows {
				if r.Check == CheckCoverage {
					continue // about the whole run, not one workload
				}
				if r.Workload == nil || *r.Workload != tt.want {
					t.Fatalf("row %s/%s: workload %+v; want %+v", r.Check, r.Target, r.Workload, tt.want)
				}
			}
		})
	}
}

// assertCommandsOnce fails when an AWS CLI command is printed more than
// once in out (a row's hint and a plan step, or two rows' hints): every
// step's command is there exactly once, and no other.
func assertCommandsOnce(t *testing.T, out string, p *Plan) {
	t.Helper()
	// Hints wrap between words: compare with every run of spaces and
	// line breaks as one space.
	// The plan breaks commands with backslash-newlines, which bash
	// removes.
	flat := strings.Join(strings.Fields(strings.ReplaceAll(out, "\\\n", "")), " ")
	for i, c := range p.Changes {
		line := cliText(p.Region, c)
		if n := strings.Count(flat, line); n != 1 {
			t.Errorf("step %d's command is printed %d times; want once: %s", i+1, n, line)
		}
	}
	if n := strings.Count(flat, "aws ec2 ") + strings.Count(flat, "aws ecs "); n != len(p.Changes) {
		t.Errorf("got %d AWS CLI commands; want %d, the plan's steps alone:\n%s", n, len(p.Changes), out)
	}
}

// factsWithFixIDs is f with fixIDs.
func factsWithFixIDs(f *Facts) *Facts {
	renameIDs(reflect.ValueOf(f).Elem())
	return f
}
