// Package report is the contract between preflight's checks and its
// outputs: the result row, its statuses and failure classes, the exit code
// they add up to, and the renderings of a run (text, JSON, Embedded Metric
// Format). The data plane (probe) and the control plane (audit) both emit
// these rows; every output renders them and none re-derives a verdict.
package report

import "time"

// Check is the kind of check a Result is about.
type Check string

// Check kinds. A new kind is a constant here plus the file that produces it.
const (
	CheckMetadata Check = "metadata"
	CheckResolver Check = "resolver"
	CheckPlan     Check = "plan"
	CheckDNS      Check = "dns"
	CheckConnect  Check = "connect"
	CheckTLS      Check = "tls"
	CheckPublicIP Check = "public_ip"
	CheckInternal Check = "internal"
)

// Status is the verdict of one check.
type Status string

// Statuses, from best to worst.
const (
	StatusPass Status = "pass"
	StatusSkip Status = "skip"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
)

// Class names why a check failed or warned; it decides the exit code and
// the hint.
type Class string

// Failure classes. The empty class means the check did not fail.
const (
	ClassNone            Class = ""
	ClassDNS             Class = "dns"
	ClassDNSPosture      Class = "dns_posture"
	ClassConnect         Class = "connect"
	ClassTLS             Class = "tls"
	ClassEgressOpen      Class = "egress_open"
	ClassMetadata        Class = "metadata"
	ClassResolver        Class = "resolver"
	ClassPlan            Class = "plan"
	ClassInternal        Class = "internal"
	ClassPublicIP        Class = "public_ip"
	ClassPublicIPUnknown Class = "public_ip_unknown"
	// ClassUndecided: the check could not be decided (an AWS API call
	// failed: denied, throttled, a server error, no connection); it fails
	// only when asked to (exit 18).
	ClassUndecided Class = "undecided"
)

// Result is the outcome of one check: the contract between the checks and
// every output (text, JSON, exit code, metrics). Outputs render it; none of
// them re-derives a verdict.
type Result struct {
	Check  Check  `json:"check"`
	Target string `json:"target"`
	Host   string `json:"host,omitempty"`
	Port   int    `json:"port,omitempty"`
	Expect string `json:"expect,omitempty"`
	Status Status `json:"status"`
	Class  Class  `json:"class,omitempty"`
	// Addresses are the addresses the check looked at.
	Addresses []string `json:"addresses,omitempty"`
	// FailedAddresses are those of Addresses that failed the check.
	FailedAddresses []string `json:"failed_addresses,omitempty"`
	// Detail is a one-line human summary of what was seen.
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
	Hint   string `json:"hint,omitempty"`
	// Reason says why the check is there (control plane: "image
	// 1234....dkr.ecr.../orders:1.4.2").
	Reason string `json:"reason,omitempty"`
	// Resources are the AWS resource ids a finding involves (control plane).
	Resources []string      `json:"resources,omitempty"`
	Duration  time.Duration `json:"-"`
	Attempts  int           `json:"attempts,omitempty"`
	// CertNotAfter is the earliest leaf-certificate expiry seen (TLS checks).
	CertNotAfter *time.Time `json:"cert_not_after,omitempty"`
	// PublicIP is the public-IP verdict with its evidence (public_ip check).
	PublicIP *PublicIP `json:"public_ip,omitempty"`
	// Cause is what the control plane says about a failing or warning
	// row (--explain): nil when nothing was asked or nothing was found.
	Cause *Cause `json:"cause,omitempty"`
	// Workload is the ECS service or task definition a control-plane row
	// is about (audit); nil for the data plane. The text report groups
	// rows under it, so a sweep of a cluster says which service a row is
	// about.
	Workload *Workload `json:"workload,omitempty"`
	// FixSteps are the steps of the audit's fix plan (numbered from 1, as
	// the plan prints them) that this row asked for: empty when no plan
	// was made or the plan does not fix the row. With PlanBelow the text
	// report names them instead of repeating the row's command hint.
	FixSteps []int `json:"fix_steps,omitempty"`
	// Account and Region are the account-Region an audit row is about
	// when the audit swept more than one (--accounts, --regions); empty
	// otherwise, where the report's own account and Region say it.
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
}

// Workload names what an audit row is about: a service of a cluster, or a
// task definition audited before deploy.
type Workload struct {
	// Name is the workload's name in the rows' targets and reasons:
	// "service/CLUSTER/NAME" or "taskdef/FAMILY:REVISION".
	Name    string `json:"name"`
	Cluster string `json:"cluster,omitempty"`
	Service string `json:"service,omitempty"`
	// TaskDefinition is FAMILY:REVISION; empty when it could not be read.
	TaskDefinition string `json:"task_definition,omitempty"`
	// Deployment names the deployments or task sets of a service during
	// a rollout ("deployment ecs-svc/123, ACTIVE"), which Name ends
	// with; empty when the service runs one configuration.
	Deployment string `json:"deployment,omitempty"`
}

// Cause explains a failing row from the control plane, in the words of an
// audit finding: what is wrong (or why nothing provably is), the resource
// ids involved and the fix. It never changes the row's status or the exit
// code.
type Cause struct {
	Error     string   `json:"error"`
	Resources []string `json:"resources,omitempty"`
	Hint      string   `json:"hint,omitempty"`
}

// Failed reports whether r is a failing check.
func (r Result) Failed() bool { return r.Status == StatusFail }

// Verdict answers "does this task have a public IPv4 address?".
type Verdict string

// Verdicts. Unknown is an honest answer: TMDS has no public-IP field, and
// the sources that know (IMDS, the EC2 API) can be out of reach.
const (
	VerdictNone    Verdict = "none"
	VerdictPresent Verdict = "present"
	VerdictUnknown Verdict = "unknown"
)

// Verdicts lists every verdict, for metric label sets.
var Verdicts = [...]Verdict{VerdictNone, VerdictPresent, VerdictUnknown}

// PublicIP is the verdict with its evidence, carried in the JSON report.
type PublicIP struct {
	Verdict  Verdict `json:"verdict"`
	Address  string  `json:"address,omitempty"`
	Evidence string  `json:"evidence"`
	// Source is where the verdict came from: "tmds", "imds" or "ec2".
	Source string `json:"source"`
}
