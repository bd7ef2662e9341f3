package audit

import (
	"fmt"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// what says what happened to u's call: "AccessDenied User: ... is not
// authorized", "server error: HTTP 503 after 5 attempts".
func (u Undecided) what() string {
	if u.Err == "" {
		return u.Code
	}
	sep := " "
	if strings.Contains(u.Code, " ") {
		// One of the Code* phrases, not an AWS error code.
		sep = ": "
	}
	return strings.TrimSpace(u.Code + sep + u.Err)
}

// hint is what to do about u: grant the action only when AWS said the
// role may not call it; otherwise look at what answered, or retry.
func (u Undecided) hint() string {
	switch {
	case u.Code == CodeUnknownInSource:
		return fmt.Sprintf("Give %s a value the change itself decides (a literal, a variable, a module output or another resource's attribute), or run the audit on the account after the change is deployed.", u.Resource)
	case u.Code == CodeClusterGone:
		return fmt.Sprintf("Cluster %s was deleted while the sweep ran: nothing of it is audited; run the audit again to confirm it is gone.", u.Resource)
	case deniedCode(u.Code) || u.Code == "":
		return fmt.Sprintf("Allow %s to the role that runs preflight audit (see audit-policy.json), then run it again.", u.Action)
	case ThrottledCode(u.Code):
		return fmt.Sprintf("AWS throttled %s beyond the retries: run the audit again later, or with more attempts (AWS_MAX_ATTEMPTS).", u.Action)
	case credentialCode(u.Code):
		return fmt.Sprintf("AWS refused the credentials (%s): refresh them (aws sts get-caller-identity shows whose they are), then run it again.", u.Code)
	case u.Code == CodePageRepeated || u.Code == CodePageCap:
		return fmt.Sprintf("%s kept paging: the endpoint that answered (AWS_ENDPOINT_URL, a proxy) misbehaves, or the account holds more than the audit reads; run it again later.", u.Action)
	case u.Code == CodeTooLarge:
		return fmt.Sprintf("The answer to %s was larger than any AWS answer audit expects: check what answers for the API (AWS_ENDPOINT_URL, a proxy), then run it again.", u.Action)
	case u.Code == CodeServerError, u.Code == CodeUndecodable, u.Code == CodeConnectionFailed:
		return fmt.Sprintf("Nothing here says the role may not call %s: check the endpoint that answers for it (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2/_ECS/_EFS, a proxy) and the network to it, then run the audit again later.", u.Action)
	}
	return fmt.Sprintf("AWS refused %s (%s): read the error, then run the audit again.", u.Action, u.Code)
}

// GrantHint says whether r is an undecided row whose call was refused for
// want of a permission: its hint grants the action. Other undecided rows
// (a server error, no connection, throttling) need no grant, and
// `check --explain` passes their own words on.
func GrantHint(r report.Result) bool {
	return r.Class == report.ClassUndecided && strings.HasPrefix(r.Hint, "Allow ") && strings.Contains(r.Hint, "(see audit-policy.json)")
}
