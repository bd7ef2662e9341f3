package sweep

import (
	"errors"

	"github.com/aws/smithy-go"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// CheckScope is the check kind of a row about an account or an
// account-Region as a whole: one the sweep could not read (undecided), or
// one with no ECS service (skip).
const CheckScope report.Check = "scope"

// Hints of the scope rows.
const (
	hintAssumeRole = "Deploy the member role in the account (deploy/iam/) with a trust policy for the caller (and --external-id if it asks for one), or leave the account out with --exclude-accounts."
	hintRegion     = "An SCP, a permission boundary or the member role's policy denies the call, or the Region is not enabled for the account: allow audit-policy.json's reads there, or leave the Region out of --regions."
	hintCluster    = "The cluster was deleted while the sweep read it, or --cluster names one this account-Region does not have: run the sweep again, or use --all-clusters."
)

// target names an account-Region as the report's scope grammar does:
// ACCOUNT.REGION, or ACCOUNT for a row about the whole account.
func target(account, region string) string {
	switch {
	case account == "":
		return region
	case region == "":
		return account
	}
	return account + "." + region
}

// undecidedRow is the row of an account or account-Region that could not
// be read: a warning naming the account, the Region and the call, or a
// failure under FailUndecided (exit 18).
func undecidedRow(account, region, action, resource string, err error, why, hint string, opts audit.Options) report.Result {
	status := opts.UndecidedStatus()
	msg := "could not decide: " + action
	if resource != "" {
		msg += " on " + resource
	}
	msg += " failed (" + errorText(err) + ")"
	if why != "" {
		msg += "; " + why
	}
	r := report.Result{
		Check: CheckScope, Target: target(account, region), Status: status, Class: report.ClassUndecided,
		Error: msg, Hint: hint, Account: account, Region: region,
	}
	if resource != "" {
		r.Resources = []string{resource}
	}
	return r
}

// emptyRow is the row of an account-Region with no ECS service: a skip,
// so that the report shows it was read.
func emptyRow(account, region string) report.Result {
	return report.Result{
		Check: CheckScope, Target: target(account, region), Status: report.StatusSkip,
		Detail: "no ECS service to audit", Account: account, Region: region,
	}
}

// errorText is an AWS error as CODE: message, any other as it reads.
func errorText(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

// coverageRow is the sweep's one coverage row when no account-Region had
// a need judged: a sweep that read nothing is never a pass (exit 18).
func coverageRow(opts audit.Options) report.Result {
	return report.Result{
		Check: audit.CheckCoverage, Target: "audit", Status: opts.UndecidedStatus(), Class: report.ClassUndecided,
		Error: "nothing was judged in any account-Region of the sweep (see the rows above)",
		Hint:  "Check that the accounts and Regions swept run ECS services, and fix what the undecided rows name.",
	}
}
