// Package live is the live account reader: one source of audit.Facts
// beside audit/terraform and audit/cloudformation. A Gatherer makes the
// AWS API calls (ECS, EC2, EFS; reads only, every one in
// audit-policy.json and behind the API interface and its limitedAPI
// wrapper) for one account and Region, and fills audit.Facts with plain
// data; the rules in package audit judge them without knowing where they
// came from.
//
// A call that gets no usable answer (denied, throttled, a server error,
// no connection, a runaway answer) becomes an audit.Undecided naming the
// IAM action and the resource, never a guess; an audit that cannot start
// (no credentials, no endpoint at all) is an *EnvironmentError, and bad
// input (a flag, a task-definition file, a resource that does not exist)
// an *InputError.
package live
