package audit

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/report"
)

// stepOf is the number (from 1) of the first step of p that match
// accepts; 0 when none does.
func stepOf(p *Plan, match func(Change) bool) int {
	for i, c := range p.Changes {
		if match(c) {
			return i + 1
		}
	}
	return 0
}

// TestPlanStepsOfRows: each failing row of the report names the plan
// steps it asked for, through de-duplication (one ingress three rows ask
// for), merging (one endpoint two services ask for) and NACL resolution
// (one deleted deny that blocked several legs); a row the plan cannot
// fix names none.
func TestPlanStepsOfRows(t *testing.T) {
	acl := fixID("acl-1")
	tests := []struct {
		name  string
		facts func() *Facts
		// want is, for each failing row (by rowString's prefix
		// "WORKLOAD CHECK TARGET"), the steps it names, from the plan.
		want func(p *Plan) map[string][]int
	}{
		{
			name: "three rows ask for the same ingress: all name its one step",
			facts: func() *Facts {
				f := fixFacts()
				f.SecurityGroups[fixID("sg-vpce")].Ingress = nil
				return f
			},
			want: func(p *Plan) map[string][]int {
				if len(p.Changes) != 1 {
					return nil
				}
				return map[string][]int{
					"service/prod/orders security_group ecr.api": {1},
					"service/prod/orders security_group ecr.dkr": {1},
					"service/prod/orders security_group logs":    {1},
				}
			},
		},
		{
			name: "two services miss the same endpoint: both rows name the one creation",
			facts: func() *Facts {
				f := fixFacts()
				removeEndpoint(f, fixID("vpce-logs"))
				billing := *firstWorkload(f)
				billing.Name, billing.Service = "service/prod/billing", "billing"
				f.Workloads = append(f.Workloads, &billing)
				return f
			},
			want: func(p *Plan) map[string][]int {
				logs := "com.amazonaws.ap-northeast-1.logs"
				if countKind(p, ChangeCreateInterfaceEndpoint) != 1 {
					return nil
				}
				create := stepOf(p, func(c Change) bool { return c.Kind == ChangeCreateInterfaceEndpoint && c.Service == logs })
				// The endpoint reuses sg-vpce, which admits the tasks: the
				// creation is the whole fix.
				return map[string][]int{
					"service/prod/orders endpoint logs":  {create},
					"service/prod/billing endpoint logs": {create},
				}
			},
		},
		{
			name: "a deny that blocks several legs is deleted: every row it blocked names the delete",
			facts: func() *Facts {
				f := fixFacts()
				def := f.NetworkACLs[0]
				def.SubnetIDs = []string{fixID("subnet-ea"), fixID("subnet-eb"), fixID("subnet-pub")}
				def.ID = "acl-0000000000000def0"
				f.NetworkACLs = append(f.NetworkACLs, &NetworkACL{ID: acl, VPCID: def.VPCID,
					SubnetIDs: []string{fixID("subnet-a"), fixID("subnet-b")}, Entries: []NACLEntry{
						{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0")},
						{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
						{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
					}})
				return f
			},
			want: func(p *Plan) map[string][]int {
				if len(p.Changes) != 1 || p.Changes[0].Kind != ChangeNACLDelete {
					return nil
				}
				return map[string][]int{
					"service/prod/orders nacl ecr.api":    {1},
					"service/prod/orders nacl ecr.dkr":    {1},
					"service/prod/orders nacl ecr.layers": {1},
					"service/prod/orders nacl logs":       {1},
				}
			},
		},
		{
			name: "a cross-region need no change fixes: no step",
			facts: func() *Facts {
				f := fixFacts()
				f.Workloads[0].TaskDefinition.Containers[0].LogOptions["awslogs-region"] = "eu-west-1"
				return f
			},
			want: func(p *Plan) map[string][]int {
				return map[string][]int{"service/prod/orders cross_region logs": nil}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts()
			p := planOf(t, f)
			want := tt.want(p)
			if want == nil {
				t.Fatalf("got an unexpected plan:\n%s", renderPlan(t, FixCLI, p))
			}
			rows := Evaluate(f, Options{})
			p.MarkSteps(rows)
			got := map[string][]int{}
			for _, r := range rows {
				got[r.Workload.Name+" "+string(r.Check)+" "+r.Target] = r.FixSteps
			}
			for k, w := range want {
				if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
					t.Errorf("row %s: got steps %v; want %v\n%s\n%s", k, g, w, dumpResults(rows), renderPlan(t, FixCLI, p))
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok && len(g) > 0 {
					t.Errorf("row %s: got steps %v; want it not to ask", k, g)
				}
			}
		})
	}
}

// TestPlanStepsInTextReport: with the plan below it, the report points a
// row with a command hint at its steps instead of the command, keeps a
// hint in words beside the steps, and keeps the hint of a row the plan
// does not fix.
func TestPlanStepsInTextReport(t *testing.T) {
	f := fixFacts()
	f.SecurityGroups[fixID("sg-vpce")].Ingress = nil
	f.Workloads[0].TaskDefinition.Containers[0].LogOptions["awslogs-region"] = "eu-west-1"
	p := planOf(t, f)
	rows := Evaluate(f, Options{})
	p.MarkSteps(rows)
	r := report.New("audit", f.Region, f.Account, nil, rows, time.Second)
	r.PlanBelow = true
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if err := WritePlanBelow(&buf, p); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "fix:   step 1 of the fix plan below\n"); n != 2 {
		t.Errorf("got %d rows naming step 1; want 2 (ecr.api, ecr.dkr)\n%s", n, out)
	}
	if !strings.Contains(out, "# 1. let TCP 443 into "+fixID("sg-vpce")+" from "+fixID("sg-task")+"\n") {
		t.Errorf("plan lacks its numbered step 1:\n%s", out)
	}
	// The cross-region row keeps its hint (no step fixes it).
	flat := strings.Join(strings.Fields(out), " ")
	found := false
	for _, r := range rows {
		if r.Check != CheckCrossRegion {
			continue
		}
		found = true
		if hint := "hint: " + strings.Join(strings.Fields(report.Printable(r.Hint)), " "); r.Hint == "" || len(r.FixSteps) > 0 || !strings.Contains(flat, hint) {
			t.Errorf("cross-region row: hint %q steps %v; want its hint printed and no step\n%s", r.Hint, r.FixSteps, out)
		}
	}
	if !found {
		t.Fatalf("no cross_region row; want one\n%s", out)
	}
	assertCommandsOnce(t, out, p)
}
