// Package audit predicts, from the AWS control plane alone, what an ECS task
// would hit on its private network path: missing or unusable VPC endpoints,
// security groups and network ACLs that drop port 443, S3 gateway endpoints
// that are not routed, DNS settings that defeat private DNS, public IPs.
//
// The package has two halves that meet at Facts. Gather makes the AWS API
// calls and fills Facts with plain data; the rules (Needs, Evaluate,
// EgressRules) are pure functions from Facts to report.Result rows, with no
// AWS SDK types and no I/O, so they can be tested on hand-built facts and
// reused on one task's network interface to explain an in-task failure.
//
// An API call that failed (denied, throttled, a server error, no
// connection, a runaway answer) is recorded as Undecided; a rule that needs
// its data says "could not decide" and never passes, and an audit that
// judged no need at all says so (CheckCoverage) and exits 18 (ExitCode).
package audit
