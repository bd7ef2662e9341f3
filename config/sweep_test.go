package config

import (
	"slices"
	"strings"
	"testing"
)

// TestSweepFlags: the organization sweep's flags and environment
// variables parse, and bad values are refused naming the flag.
func TestSweepFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	t.Run("values", func(t *testing.T) {
		c, err := Load("audit", []string{"--accounts", "111122223333, 444455556666,111122223333", "--exclude-accounts", "444455556666",
			"--regions", "us-east-1,eu-west-1", "--role-name", "PreflightAudit", "--external-id", "ext-42", "--parallel", "3", "--progress"}, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"111122223333", "444455556666"}; !slices.Equal(c.Accounts, want) || c.OrgAccounts {
			t.Errorf("got accounts %v (org %t); want %v", c.Accounts, c.OrgAccounts, want)
		}
		if want := []string{"us-east-1", "eu-west-1"}; !slices.Equal(c.Regions, want) || c.AllRegions {
			t.Errorf("got regions %v (all %t); want %v", c.Regions, c.AllRegions, want)
		}
		if c.RoleName != "PreflightAudit" || c.ExternalID != "ext-42" || c.Parallel != 3 || !c.Progress ||
			!slices.Equal(c.ExcludeAccounts, []string{"444455556666"}) {
			t.Errorf("got role %q, external id %q, parallel %d, progress %t, exclude %v; want PreflightAudit, ext-42, 3, true, [444455556666]",
				c.RoleName, c.ExternalID, c.Parallel, c.Progress, c.ExcludeAccounts)
		}
	})
	t.Run("org and all from the environment", func(t *testing.T) {
		env := map[string]string{"PREFLIGHT_ACCOUNTS": "org", "PREFLIGHT_REGIONS": "all", "PREFLIGHT_ROLE_NAME": "r"}
		c, err := Load("audit", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if !c.OrgAccounts || !c.AllRegions || c.Accounts != nil || c.Regions != nil || c.RoleName != "r" {
			t.Errorf("got org %t all %t accounts %v regions %v role %q; want true true [] [] r", c.OrgAccounts, c.AllRegions, c.Accounts, c.Regions, c.RoleName)
		}
		if c.Parallel != 4 {
			t.Errorf("got default --parallel %d; want 4", c.Parallel)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"short account", []string{"--accounts", "12345,111122223333"}, []string{"--accounts", "12345: want 12-digit"}},
		{"bad excluded", []string{"--exclude-accounts", "abcabcabcabc"}, []string{"--exclude-accounts", "abcabcabcabc"}},
		{"bad region", []string{"--regions", "us-east-1,mars-1,us-nowhere"}, []string{"--regions", "mars-1, us-nowhere"}},
		{"role with a space", []string{"--role-name", "my role"}, []string{"--role-name", "IAM role name"}},
		{"role too long", []string{"--role-name", strings.Repeat("r", 65)}, []string{"--role-name"}},
		{"role path", []string{"--role-name", "path/role"}, []string{"--role-name"}},
		{"external id short", []string{"--external-id", "x"}, []string{"--external-id"}},
		{"external id too long", []string{"--external-id", strings.Repeat("x", 1225)}, []string{"--external-id"}},
		{"parallel zero", []string{"--parallel", "0"}, []string{"--parallel", "1 to 64"}},
		{"parallel word", []string{"--parallel", "many"}, []string{"--parallel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("audit", tc.args, noEnv)
			if err == nil {
				t.Fatalf("got no error for %v; want one naming %s", tc.args, tc.want[0])
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q; want it to contain %q", err, w)
				}
			}
		})
	}
}
