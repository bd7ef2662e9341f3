// Package audit predicts, from the AWS control plane alone, what an ECS task
// would hit on its private network path: missing or unusable VPC endpoints,
// security groups and network ACLs that drop port 443, S3 gateway endpoints
// that are not routed, DNS settings that defeat private DNS, public IPs.
//
// The package holds the fact model (Facts), the needs of a workload, the
// rules and the fix planner. The sources of facts live beside it, one
// package each, and fill the same Facts: audit/live reads the account
// through the AWS API, audit/terraform a plan's JSON, audit/cloudformation
// a template. The rules (Needs, Evaluate, EgressRules, PlanFixes) are pure
// functions from Facts to report.Result rows, with no AWS SDK types and no
// I/O, so they can be tested on hand-built facts, judge a change before it
// exists, and be reused on one task's network interface to explain an
// in-task failure.
//
// An API call that failed (denied, throttled, a server error, no
// connection, a runaway answer) is recorded as Undecided; a rule that needs
// its data says "could not decide" and never passes, and an audit that
// judged no need at all says so (CheckCoverage) and exits 18 (ExitCode).
package audit
