// Package sweep audits many account-Regions in one run: the accounts of
// an Organization (or a list), each through a role it assumes, in every
// Region asked for, each account-Region read by the live reader with its
// own clients and judged by the same rules. What cannot be read (a role
// that cannot be assumed, a Region an SCP denies or that is not enabled,
// a cluster gone mid-sweep) becomes an undecided row naming the account,
// the Region and the call; the sweep goes on.
package sweep

import (
	"errors"
	"fmt"
	"slices"

	"github.com/preflight-dev/preflight/audit/live"
)

// Spec is what the sweep flags ask for. The zero Spec asks for no sweep.
type Spec struct {
	// Accounts are the accounts to read; OrgAccounts reads every ACTIVE
	// account of the Organization instead (organizations:ListAccounts).
	Accounts    []string
	OrgAccounts bool
	// Exclude are accounts left out of either.
	Exclude []string
	// Regions are the Regions to read in each account; AllRegions reads
	// the Regions enabled for each account (ec2:DescribeRegions). Neither
	// means the caller's Region alone.
	Regions    []string
	AllRegions bool
	// RoleName is the role assumed in each account; ExternalID goes with
	// every AssumeRole call.
	RoleName, ExternalID string
	// Parallel bounds the account-Regions read at once; 0 means
	// DefaultParallel.
	Parallel int
}

// DefaultParallel is --parallel's default, measured on moto (README,
// "Sweeping an organization"): behind a 50 ms round trip, 4 account-Regions
// at once cut a 40 account-Region sweep from 37 s to 21 s, and more were
// within the noise of a shared 2-core machine.
const DefaultParallel = 4

// Active reports whether s asks for a sweep at all: any sweep flag but
// --parallel does (Validate then says what is missing).
func (s Spec) Active() bool {
	return len(s.Accounts) > 0 || s.OrgAccounts || len(s.Regions) > 0 || s.AllRegions ||
		s.RoleName != "" || s.ExternalID != "" || len(s.Exclude) > 0
}

// Validate checks how the sweep flags combine with each other and with
// in, naming the flags; every problem is reported at once.
func (s Spec) Validate(in live.Input) error {
	var errs []error
	accounts := len(s.Accounts) > 0 || s.OrgAccounts
	if accounts && s.RoleName == "" {
		errs = append(errs, errors.New("--accounts: needs --role-name, the role to assume in each account"))
	}
	if s.RoleName != "" && !accounts {
		errs = append(errs, errors.New("--role-name: needs --accounts (a list or org), the accounts to assume it in"))
	}
	if s.ExternalID != "" && s.RoleName == "" {
		errs = append(errs, errors.New("--external-id: goes with --role-name"))
	}
	if len(s.Exclude) > 0 && !accounts {
		errs = append(errs, errors.New("--exclude-accounts: goes with --accounts"))
	}
	if len(s.Accounts) > 0 && len(s.Exclude) > 0 && len(s.accounts(s.Accounts)) == 0 {
		errs = append(errs, errors.New("--exclude-accounts: leaves no account of --accounts to sweep"))
	}
	if in.TaskDefinition != "" {
		errs = append(errs, errors.New("--task-definition: a sweep audits deployed services; it does not combine with --accounts or --regions"))
	}
	if s.Parallel < 0 {
		errs = append(errs, fmt.Errorf("--parallel: got %d; want 1 or more", s.Parallel))
	}
	return errors.Join(errs...)
}

// accounts is ids less the excluded ones, in order, each once.
func (s Spec) accounts(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(s.Exclude, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// parallel is the bound on account-Regions in flight.
func (s Spec) parallel() int {
	if s.Parallel <= 0 {
		return DefaultParallel
	}
	return s.Parallel
}
