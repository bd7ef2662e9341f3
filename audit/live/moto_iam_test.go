package live

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// policyActions reads the actions audit-policy.json allows.
func policyActions(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("../../audit-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("audit-policy.json: %v", err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 1 || doc.Statement[0].Effect != "Allow" {
		t.Fatalf("audit-policy.json: want one Allow statement, Version 2012-10-17; got %+v", doc)
	}
	return doc.Statement[0].Action
}

// writePrefixes are the verbs of AWS actions that change something.
var writePrefixes = []string{"Create", "Delete", "Modify", "Authorize", "Revoke", "Put", "Update", "Register",
	"Deregister", "Associate", "Disassociate", "Attach", "Detach", "Replace", "Run", "Start", "Stop", "Terminate",
	"Tag", "Untag", "Accept", "Reject", "Enable", "Disable", "Allocate", "Release", "Submit", "Execute", "Set"}

// assertReadOnlyPolicyActions fails on any recorded action that is not in
// audit-policy.json or that writes.
func assertReadOnlyPolicyActions(t *testing.T, actions []string) {
	t.Helper()
	allowed := policyActions(t)
	if len(actions) == 0 {
		t.Fatal("no API action was recorded")
	}
	for _, a := range actions {
		if !slices.Contains(allowed, a) {
			t.Errorf("the audit called %s, which audit-policy.json does not allow", a)
		}
		op := a[strings.IndexByte(a, ':')+1:]
		for _, p := range writePrefixes {
			if strings.HasPrefix(op, p) {
				t.Errorf("the audit called %s, a write", a)
			}
		}
	}
}

// TestAuditCallsOnlyPolicyActions records every request the audit sends,
// in every input form, and checks each against audit-policy.json.
func TestAuditCallsOnlyPolicyActions(t *testing.T) {
	m := moto(t)
	// ec2_service: an EC2 launch type service and a container instance,
	// whose reads (ecs:ListContainerInstances, ...) are in the policy too.
	w := m.scenario(t, "sweep3", "nat", "custom_dhcp", "efs", "ec2_service")
	var all []string
	for _, in := range []Input{
		{Cluster: w.Cluster},
		{AllClusters: true},
		{Cluster: w.Cluster, Services: []string{"orders", "search"}},
		{TaskDefinition: "orders:1", Subnets: w.Subnets, SecurityGroups: []string{w.TaskSG}},
		{TaskDefinition: "../../task-def.example.json", Subnets: w.Subnets, SecurityGroups: []string{w.TaskSG}},
	} {
		if _, err := m.gather(t, in); err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		all = append(all, m.takeActions()...)
	}
	// moto gives every service a launch type (EC2 when none is asked
	// for), so no strategy there names a provider to describe: the
	// replay server's capacity providers, in AWS's shape, stand in.
	r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
	if _, err := r.gather(t); err != nil {
		t.Fatalf("replay capacity-kinds: %v", err)
	}
	for a := range r.counts() {
		all = append(all, a)
	}
	assertReadOnlyPolicyActions(t, all)
	// Every policy action is needed by some form (no dead grants); the
	// custom DHCP options and the EFS volume make DescribeDhcpOptions and
	// the EFS reads among them.
	for _, a := range policyActions(t) {
		// ec2:DescribeRegions is the organization sweep's (--regions
		// all, package audit/sweep), whose moto test records it.
		if !slices.Contains(all, a) && a != "ec2:DescribeRegions" {
			t.Errorf("audit-policy.json allows %s, which no audit called", a)
		}
	}
}

// TestAuditWithIAMEnforced runs the audit as IAM users while moto enforces
// IAM: one holding exactly audit-policy.json must audit a healthy service
// without a single denied call; one denied ec2:DescribeVpcEndpoints gets
// undecided rows, warnings by default and exit 18 with FailUndecided.
func TestAuditWithIAMEnforced(t *testing.T) {
	m := moto(t)
	// No EFS volume here: moto's IAM enforcement does not map EFS's REST
	// paths to elasticfilesystem:* actions and answers 403 in XML.
	w := m.scenario(t, "iam", "custom_dhcp")
	m.motoAPI(t, "reset-auth", "0")
	t.Cleanup(func() { m.motoAPI(t, "reset-auth", "inf") })

	gatherAs := func(t *testing.T, user string) *audit.Facts {
		u := w.Users[user]
		api, region := m.api(t, u.Key, u.Secret)
		f, err := (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
		if err != nil {
			t.Fatalf("gather as %s: %v", user, err)
		}
		return f
	}

	t.Run("audit-policy.json suffices", func(t *testing.T) {
		f := gatherAs(t, "auditor")
		if len(f.Undecided) > 0 {
			t.Errorf("undecided %+v; want no denied call", f.Undecided)
		}
		rows := audit.Evaluate(f, audit.Options{})
		if code := report.ExitCode(rows); code != report.ExitOK {
			t.Errorf("exit %d; want 0\n%s", code, motoDumpRows(rows))
		}
		assertReadOnlyPolicyActions(t, m.takeActions())
	})

	t.Run("a denied describe is undecided, not fatal", func(t *testing.T) {
		f := gatherAs(t, "denied")
		if len(f.Undecided) != 1 || f.Undecided[0].Action != audit.ActionDescribeVpcEndpoints || f.Undecided[0].Code == "" {
			t.Fatalf("undecided %+v; want exactly ec2:DescribeVpcEndpoints with its error code", f.Undecided)
		}
		if len(f.Workloads) != 1 || len(f.Subnets) == 0 || len(f.SecurityGroups) == 0 {
			t.Errorf("the other facts were not gathered: %d workloads, %d subnets, %d groups", len(f.Workloads), len(f.Subnets), len(f.SecurityGroups))
		}
		for _, tt := range []struct {
			failUndecided bool
			status        report.Status
			exit          int
		}{
			{false, report.StatusWarn, report.ExitOK},
			{true, report.StatusFail, report.ExitUndecided},
		} {
			rows := audit.Evaluate(f, audit.Options{FailUndecided: tt.failUndecided})
			n := 0
			for _, r := range rows {
				if r.Class == report.ClassUndecided && r.Check != audit.CheckCoverage {
					n++
					if r.Status != tt.status || !strings.Contains(r.Error, audit.ActionDescribeVpcEndpoints) {
						t.Errorf("FailUndecided=%v: undecided row %s %s %s: %s; want %s naming the action", tt.failUndecided, r.Status, r.Check, r.Target, r.Error, tt.status)
					}
				}
			}
			if n == 0 {
				t.Errorf("FailUndecided=%v: no undecided row\n%s", tt.failUndecided, motoDumpRows(rows))
			}
			if code := report.ExitCode(rows); code != tt.exit {
				t.Errorf("FailUndecided=%v: exit %d; want %d", tt.failUndecided, code, tt.exit)
			}
			// Every need waits on the denied call: nothing was judged.
			if code := audit.ExitCode(rows); code != report.ExitUndecided {
				t.Errorf("FailUndecided=%v: audit exit %d; want %d (nothing judged)", tt.failUndecided, code, report.ExitUndecided)
			}
		}
	})
}

// TestAPIIsThePolicy: audit-policy.json grants exactly the methods of
// the API interface (every call gather can make, whatever the account
// holds, which the recorded tests above may not reach), each a read,
// plus the organization sweep's ec2:DescribeRegions (package
// audit/sweep, which records it in its own moto test).
func TestAPIIsThePolicy(t *testing.T) {
	service := map[string]string{
		"github.com/aws/aws-sdk-go-v2/service/ecs": "ecs",
		"github.com/aws/aws-sdk-go-v2/service/ec2": "ec2",
		"github.com/aws/aws-sdk-go-v2/service/efs": "elasticfilesystem",
	}
	api := reflect.TypeFor[API]()
	var fromAPI []string
	for i := range api.NumMethod() {
		m := api.Method(i)
		// The input is the method's second parameter: *ecs.XInput.
		pkg := m.Type.In(1).Elem().PkgPath()
		prefix, ok := service[pkg]
		if !ok {
			t.Errorf("API.%s takes an input of package %s; want one of ECS, EC2, EFS", m.Name, pkg)
			continue
		}
		if !strings.HasPrefix(m.Name, "Describe") && !strings.HasPrefix(m.Name, "List") && !strings.HasPrefix(m.Name, "Get") {
			t.Errorf("API.%s is not a read (Describe, List, Get)", m.Name)
		}
		fromAPI = append(fromAPI, prefix+":"+m.Name)
	}
	want := append(fromAPI, "ec2:DescribeRegions")
	got := slices.Clone(policyActions(t))
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("audit-policy.json allows\n%q\nwant the API interface's calls and ec2:DescribeRegions\n%q", got, want)
	}
	var _ API = limitedAPI{}
}
