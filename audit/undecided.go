package audit

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Codes of an Undecided whose call got no usable answer from AWS. They
// are not AWS error codes: nothing in them says the role lacks a
// permission, so their rows point at the endpoint, not at IAM.
const (
	// CodeServerError: the service answered HTTP 5xx until the retries ran out.
	CodeServerError = "server error"
	// CodeUndecodable: an answer the SDK could not decode (a proxy's HTML
	// page, a truncated body).
	CodeUndecodable = "undecodable response"
	// CodeConnectionFailed: no HTTP answer at all after the retries.
	CodeConnectionFailed = "connection failed"
	// CodeTooLarge: a response body over the live reader's bound (16 MiB).
	CodeTooLarge = "response too large"
	// CodePageRepeated: a paginated read got a token it had already
	// followed, so it would never end.
	CodePageRepeated = "pagination token repeated"
	// CodePageCap: a paginated read still had pages after the live
	// reader's cap (1,000 pages).
	CodePageCap = "pagination cap reached"
)

// Codes of an Undecided that no call failed to get: the sources record
// them and the rules match on them.
const (
	// CodeUnknownInSource: no call failed; a Terraform plan or a
	// CloudFormation template leaves the fact open (a value known only
	// after apply, a link the reader cannot follow). Action is the call
	// that would read the fact on AWS, so every rule that looks for it
	// finds it; Resource is the address or logical id, and Err says which
	// attribute and why ("network_configuration.subnets is known only
	// after apply and comes from local.subnets").
	CodeUnknownInSource = "unknown before deploy"

	// CodeClusterGone is the code of an Undecided for a cluster that
	// ecs:ListClusters listed and ecs:DescribeClusters then answered
	// MISSING: deleted during the sweep. Nothing failed, so its row grants
	// nothing.
	CodeClusterGone = "cluster gone"
)

// deniedCode says whether an AWS error code refuses a call for want of a
// permission: granting the action is the fix.
func deniedCode(code string) bool {
	return code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied")
}

// ThrottledCode says whether an AWS error code is throttling: the live
// reader tells throttling from a server error by it, and the rules hint
// to wait.
func ThrottledCode(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// credentialCode says whether an AWS error code refuses the credentials
// themselves (unknown, expired or malformed keys).
func credentialCode(code string) bool {
	switch code {
	case "AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken":
		return true
	}
	return false
}

// FindUndecided returns the first Undecided of f for action that covers
// one of ids (or the whole call), or nil: the lookup every rule makes.
func FindUndecided(f *Facts, action string, ids ...string) *Undecided {
	return findUndecided(f, action, ids...)
}
