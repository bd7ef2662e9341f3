package sweep

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestMotoOrganizationSweep: an Organization of 5 accounts in moto, 2
// Regions, one member whose role was never created and one account-Region
// an SCP denies. The sweep reports every service of the others, each
// passing, with its account and Region; the two failures are one
// undecided row each; the exit code is 0, and 18 with FailUndecided.
func TestMotoOrganizationSweep(t *testing.T) {
	regions := []string{"us-east-1", "us-west-2"}
	m := startMotoOrg(t, seedSpec{Members: 4, Regions: regions, Role: "preflight-audit", NoRole: []int{2}, Clusters: 1, Services: 2})
	if len(m.seed.Accounts) != 5 {
		t.Fatalf("got accounts %v; want 5", m.seed.Accounts)
	}
	noRole, deniedAccount := m.seed.Accounts[2], m.seed.Accounts[3]
	m.deny[deniedAccount+".us-west-2"] = true
	for _, failUndecided := range []bool{false, true} {
		s := &Sweeper{Spec: Spec{OrgAccounts: true, Regions: regions, RoleName: "preflight-audit"}, Region: "us-east-1",
			LoadOptions: m.options(), Options: audit.Options{FailUndecided: failUndecided}}
		out, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if out.Partial || out.Done != out.Scopes {
			t.Errorf("got partial %t, %d of %d; want a whole sweep", out.Partial, out.Done, out.Scopes)
		}
		seen := map[string]bool{}
		var undecided []report.Result
		for _, r := range out.Rows {
			if r.Account == "" || r.Region == "" {
				t.Errorf("got row %s %s without account and Region", r.Check, r.Target)
			}
			if r.Class == report.ClassUndecided {
				undecided = append(undecided, r)
				continue
			}
			if r.Status == report.StatusFail || r.Status == report.StatusWarn {
				t.Errorf("got %s %s %s in %s.%s: %s; want the healthy world to pass", r.Status, r.Check, r.Target, r.Account, r.Region, r.Error)
			}
			if r.Workload != nil {
				seen[r.Account+"."+r.Region+" "+r.Workload.Name] = true
			}
		}
		var want []string
		for account, byRegion := range m.seed.Services {
			for region, names := range byRegion {
				if account == deniedAccount && region == "us-west-2" {
					continue
				}
				for _, n := range names {
					want = append(want, account+"."+region+" "+n)
				}
			}
		}
		if len(want) != 4*2*2-2 {
			t.Fatalf("got %d seeded services outside the denied Region; want 14", len(want))
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("got no row for %s", w)
			}
		}
		if len(undecided) != 2 {
			t.Fatalf("got undecided rows %q; want 2", scopes(undecided))
		}
		role, scp := undecided[0], undecided[1]
		if role.Account != noRole {
			role, scp = scp, role
		}
		if !strings.Contains(role.Error, "sts:AssumeRole on arn:aws:iam::"+noRole+":role/preflight-audit") || !strings.Contains(role.Error, "AccessDenied") || role.Account != noRole {
			t.Errorf("got %s %q; want the AssumeRole of %s denied", role.Target, role.Error, noRole)
		}
		if !strings.Contains(scp.Error, "ecs:ListClusters failed (AccessDeniedException: ") || !strings.Contains(scp.Error, "service control policy") || scp.Account != deniedAccount || scp.Region != "us-west-2" {
			t.Errorf("got %s %q; want %s.us-west-2's ListClusters denied", scp.Target, scp.Error, deniedAccount)
		}
		wantCode := map[bool]int{false: report.ExitOK, true: report.ExitUndecided}[failUndecided]
		if code := audit.ExitCode(out.Rows); code != wantCode {
			t.Errorf("FailUndecided %t: got exit %d; want %d", failUndecided, code, wantCode)
		}
	}
	// Every call of the sweep is in audit-policy.json (the member role's)
	// or in the management account's policy (deploy/iam/).
	allowed := append(policyActions(t), ActionAssumeRole, ActionListAccounts)
	for a := range m.actions {
		if !slices.Contains(allowed, a) {
			t.Errorf("the sweep called %s, which neither audit-policy.json nor the management policy allows", a)
		}
	}
}

// policyActions reads the actions audit-policy.json allows.
func policyActions(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../audit-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct{ Action []string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Statement) != 1 {
		t.Fatalf("audit-policy.json: %v; want one statement", err)
	}
	return doc.Statement[0].Action
}
