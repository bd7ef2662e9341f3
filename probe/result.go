// Package probe does everything in preflight that touches the network: the
// task metadata endpoint, DNS, TCP, TLS, and the runner that executes a plan
// of targets concurrently under deadlines and retries. It returns Results and
// knows nothing of flags, output formats or metrics.
package probe

import "time"

// Status is the verdict of one check.
type Status string

// Statuses, from best to worst.
const (
	StatusPass Status = "pass"
	StatusSkip Status = "skip"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
)

// Class names why a check failed; it decides the exit code and the hint.
type Class string

// Failure classes. The empty class means the check did not fail.
const (
	ClassNone       Class = ""
	ClassDNS        Class = "dns"
	ClassDNSPosture Class = "dns_posture"
	ClassConnect    Class = "connect"
	ClassTLS        Class = "tls"
	ClassEgressOpen Class = "egress_open"
	ClassMetadata   Class = "metadata"
	ClassResolver   Class = "resolver"
	ClassPlan       Class = "plan"
	ClassInternal   Class = "internal"
)

// Check kinds: what a Result is about.
const (
	CheckMetadata = "metadata"
	CheckResolver = "resolver"
	CheckPlan     = "plan"
	CheckDNS      = "dns"
	CheckConnect  = "connect"
	CheckTLS      = "tls"
)

// Result is the outcome of one check: the contract between the probes and
// every output (text, JSON, exit code, metrics). Outputs render it; none of
// them re-derives a verdict.
type Result struct {
	Check  string `json:"check"`
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
	Detail   string        `json:"detail,omitempty"`
	Error    string        `json:"error,omitempty"`
	Hint     string        `json:"hint,omitempty"`
	Duration time.Duration `json:"-"`
	Attempts int           `json:"attempts,omitempty"`
	// CertNotAfter is the earliest leaf-certificate expiry seen (TLS checks).
	CertNotAfter *time.Time `json:"cert_not_after,omitempty"`
	// PublicIP is the public-IP verdict with its evidence (public_ip check).
	PublicIP *PublicIP `json:"public_ip,omitempty"`
}

// Failed reports whether r is a failing check.
func (r Result) Failed() bool { return r.Status == StatusFail }
