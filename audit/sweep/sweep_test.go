package sweep

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/report"
)

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		in   live.Input
		want []string // "" for no error
	}{
		{"accounts and role", Spec{Accounts: []string{"111122223333"}, RoleName: "r"}, live.Input{}, nil},
		{"org and role", Spec{OrgAccounts: true, RoleName: "r", ExternalID: "e", Exclude: []string{"111122223333"}}, live.Input{}, nil},
		{"regions alone", Spec{Regions: []string{"us-east-1"}}, live.Input{}, nil},
		{"accounts without role", Spec{Accounts: []string{"111122223333"}}, live.Input{}, []string{"--accounts: needs --role-name"}},
		{"role without accounts", Spec{RoleName: "r", Regions: []string{"us-east-1"}}, live.Input{}, []string{"--role-name: needs --accounts"}},
		{"external id alone", Spec{ExternalID: "e", Regions: []string{"us-east-1"}}, live.Input{}, []string{"--external-id: goes with --role-name"}},
		{"exclude alone", Spec{Exclude: []string{"111122223333"}, Regions: []string{"us-east-1"}}, live.Input{}, []string{"--exclude-accounts: goes with --accounts"}},
		{"exclude everything", Spec{Accounts: []string{"111122223333"}, Exclude: []string{"111122223333"}, RoleName: "r"}, live.Input{}, []string{"--exclude-accounts: leaves no account"}},
		{"task definition", Spec{AllRegions: true}, live.Input{TaskDefinition: "orders:1"}, []string{"--task-definition"}},
		{"several at once", Spec{OrgAccounts: true, ExternalID: "e"}, live.Input{}, []string{"--accounts: needs --role-name", "--external-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate(tc.in)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("got %v; want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error; want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q; want it to contain %q", err, w)
				}
			}
		})
	}
}

// scopes lists the ACCOUNT.REGION of each row, in order.
func scopes(rows []report.Result) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Account+"."+r.Region+" "+string(r.Check)+" "+string(r.Status))
	}
	return out
}

// TestSweepExpandsScope: --accounts org lists every page and keeps the
// ACTIVE accounts less the excluded ones, --regions all asks each account
// for its enabled Regions, the role is assumed once per account with the
// session name and external id, and each account-Region is read with the
// account's own keys.
func TestSweepExpandsScope(t *testing.T) {
	f := newFakeAWS(t)
	f.accounts = [][2]string{{"111111111111", "ACTIVE"}, {"222222222222", "SUSPENDED"}, {"333333333333", "ACTIVE"},
		{"444444444444", "ACTIVE"}, {"555555555555", "PENDING_ACTIVATION"}}
	f.regions = [][2]string{{"us-west-2", "opt-in-not-required"}, {"eu-south-1", "opted-in"}, {"af-south-1", "not-opted-in"}}
	out := f.run(t, context.Background(), Spec{OrgAccounts: true, AllRegions: true, RoleName: "audit", ExternalID: "ext-1",
		Exclude: []string{"444444444444"}, Parallel: 2})
	want := []string{
		"111111111111.eu-south-1 scope skip", "111111111111.us-west-2 scope skip",
		"333333333333.eu-south-1 scope skip", "333333333333.us-west-2 scope skip",
		". coverage warn",
	}
	if got := scopes(out.Rows); !slices.Equal(got, want) {
		t.Errorf("got rows %q; want %q", got, want)
	}
	slices.Sort(f.listed)
	if want := []string{"111111111111.eu-south-1", "111111111111.us-west-2", "333333333333.eu-south-1", "333333333333.us-west-2"}; !slices.Equal(f.listed, want) {
		t.Errorf("got ListClusters from %q; want %q (each account-Region with its own account's keys)", f.listed, want)
	}
	if len(f.roles) != 2 {
		t.Fatalf("got AssumeRole %q; want one per account (cached for its Regions)", f.roles)
	}
	for _, r := range f.roles {
		if !strings.HasPrefix(strings.Fields(r)[1], "preflight-audit-") {
			t.Errorf("got session %q; want preflight-audit-...", r)
		}
	}
	if !slices.Contains(f.roles, f.roles[0]) || !strings.HasPrefix(f.roles[0], "arn:aws:iam::") || !strings.Contains(f.roles[0], ":role/audit ") {
		t.Errorf("got role %q; want arn:aws:iam::ACCOUNT:role/audit", f.roles[0])
	}
	if f.extIDs[0] != "ext-1" {
		t.Errorf("got ExternalId %q; want ext-1", f.extIDs[0])
	}
	if out.Partial || out.Done != out.Scopes || out.Scopes != 4 {
		t.Errorf("got partial %t, %d of %d done; want a whole sweep of 4", out.Partial, out.Done, out.Scopes)
	}
	if code := audit.ExitCode(out.Rows); code != report.ExitUndecided {
		t.Errorf("got exit %d for a sweep that judged nothing; want %d", code, report.ExitUndecided)
	}
}

// TestSweepFailuresAreRows: a role that cannot be assumed and a Region an
// SCP denies are undecided rows naming the account, the Region and the
// call; the other account-Regions are read all the same.
func TestSweepFailuresAreRows(t *testing.T) {
	for _, failUndecided := range []bool{false, true} {
		f := newFakeAWS(t)
		f.noRole["222222222222"] = true
		f.deniedRegions["eu-west-1"] = true
		s := &Sweeper{Spec: Spec{Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1", "eu-west-1"}, RoleName: "audit"},
			Region: "us-east-1", LoadOptions: f.options(), Options: audit.Options{FailUndecided: failUndecided}}
		out, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var undecided []report.Result
		for _, r := range out.Rows {
			if r.Account == "" || r.Region == "" {
				if r.Check != audit.CheckCoverage {
					t.Errorf("got row %+v without its account and Region", r)
				}
			}
			if r.Class == report.ClassUndecided && r.Check != audit.CheckCoverage {
				undecided = append(undecided, r)
			}
		}
		var role, scp bool
		for _, r := range undecided {
			switch {
			case r.Account == "222222222222" && strings.Contains(r.Error, "sts:AssumeRole") && strings.Contains(r.Error, "AccessDenied"):
				role = true
			case r.Account == "111111111111" && r.Region == "eu-west-1" && strings.Contains(r.Error, "ecs:ListClusters"):
				scp = true
			default:
				t.Errorf("got undecided row %s %q; want only the role's and the denied Region's", r.Target, r.Error)
			}
			if want := map[bool]report.Status{false: report.StatusWarn, true: report.StatusFail}[failUndecided]; r.Status != want {
				t.Errorf("got %s for %s with FailUndecided %t; want %s", r.Status, r.Target, failUndecided, want)
			}
		}
		if !role || !scp {
			t.Errorf("got undecided rows %q; want one for 222222222222's role and one for 111111111111.eu-west-1", scopes(undecided))
		}
		denied := 0
		for _, r := range out.Rows {
			if r.Account == "111111111111" && r.Region == "eu-west-1" {
				denied++
			}
		}
		if denied != 1 {
			t.Errorf("got %d rows for the denied Region; want 1 (rows %q)", denied, scopes(out.Rows))
		}
		if !slices.Contains(scopes(out.Rows), "111111111111.us-east-1 scope skip") {
			t.Errorf("got rows %q; want 111111111111.us-east-1 read", scopes(out.Rows))
		}
	}
}

// TestSweepInterrupted: a cancel in the middle of a sweep (from inside
// the third account-Region's first call, so no timing decides it) ends it
// with the rows of the account-Regions read before, marked partial.
func TestSweepInterrupted(t *testing.T) {
	f := newFakeAWS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	f.onListClusters = func(string, string) {
		if calls++; calls == 3 {
			cancel()
		}
	}
	out := f.run(t, ctx, Spec{Accounts: []string{"111111111111", "222222222222", "333333333333"}, Regions: []string{"us-east-1", "us-west-2"},
		RoleName: "audit", Parallel: 1})
	if !out.Partial {
		t.Fatal("got a whole outcome; want it partial")
	}
	if out.Done != 2 || len(out.Rows) != 2 {
		t.Errorf("got %d done, rows %q; want the 2 account-Regions read before the cancel", out.Done, scopes(out.Rows))
	}
	if out.Scopes <= out.Done {
		t.Errorf("got %d scopes, %d done; want more scopes than done", out.Scopes, out.Done)
	}
	for _, r := range out.Rows {
		if r.Check == audit.CheckCoverage {
			t.Errorf("got a coverage row in a partial sweep: %+v", r)
		}
	}
}

// TestSweepMissingCluster: a --cluster that one account-Region does not
// have (or that vanished) is an undecided row there, not the end of the
// sweep.
func TestSweepMissingCluster(t *testing.T) {
	f := newFakeAWS(t)
	s := &Sweeper{Spec: Spec{Accounts: []string{"111111111111", "222222222222"}, RoleName: "audit"}, Input: live.Input{Cluster: "prod"},
		Region: "us-east-1", LoadOptions: f.options()}
	out, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"111111111111.us-east-1 scope warn", "222222222222.us-east-1 scope warn", ". coverage warn"}
	if got := scopes(out.Rows); !slices.Equal(got, want) {
		t.Fatalf("got rows %q; want %q", got, want)
	}
	if r := out.Rows[0]; !strings.Contains(r.Error, "ecs:DescribeClusters on prod") || r.Class != report.ClassUndecided {
		t.Errorf("got %q (%s); want an undecided row naming ecs:DescribeClusters on prod", r.Error, r.Class)
	}
}

// TestSweepOrgListDenied: an Organization that cannot be listed (a member
// account, or no organizations:ListAccounts) ends the sweep before any
// account with an environment error naming the call and its code.
func TestSweepOrgListDenied(t *testing.T) {
	f := newFakeAWS(t)
	f.orgDenied = true
	s := &Sweeper{Spec: Spec{OrgAccounts: true, RoleName: "audit"}, Region: "us-east-1", LoadOptions: f.options()}
	_, err := s.Run(context.Background())
	var envErr *live.EnvironmentError
	if !errors.As(err, &envErr) || !strings.Contains(err.Error(), "organizations:ListAccounts: api error AccessDeniedException: You don't have permissions") {
		t.Fatalf("got %v; want an *live.EnvironmentError naming organizations:ListAccounts and AccessDeniedException", err)
	}
	if len(f.listed) != 0 || len(f.roles) != 0 {
		t.Errorf("got calls after the failed listing: %q %q", f.listed, f.roles)
	}
}
