package report

import "slices"

// Exit codes. The ECS console shows a container's exit code even when no log
// line could be shipped, so the code alone tells the failure class.
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2
	ExitEnvironment = 3 // audit: no AWS credentials, or the AWS API could not be reached
	ExitDNS         = 10
	ExitDNSPosture  = 11
	ExitConnect     = 12
	ExitTLS         = 13
	ExitEgressOpen  = 14
	ExitPublicIP    = 15 // the task has a public IPv4 address
	ExitPublicIPUnk = 16 // unknown public IP under --public-ip=strict
	ExitMetadata    = 17
	ExitUndecided   = 18 // audit: nothing judged, or a check could not be decided under --fail-undecided
)

// classExit maps failure classes to exit codes; the smallest code of 10 or
// more among the failures wins.
var classExit = map[Class]int{
	ClassDNS:             ExitDNS,
	ClassDNSPosture:      ExitDNSPosture,
	ClassConnect:         ExitConnect,
	ClassTLS:             ExitTLS,
	ClassEgressOpen:      ExitEgressOpen,
	ClassMetadata:        ExitMetadata,
	ClassPublicIP:        ExitPublicIP,
	ClassPublicIPUnknown: ExitPublicIPUnk,
	ClassInternal:        ExitInternal,
	ClassUndecided:       ExitUndecided,
}

// exitMeaning is shown in the text summary.
var exitMeaning = map[int]string{
	ExitOK:          "all checks passed",
	ExitInternal:    "internal error or interrupted",
	ExitUsage:       "usage or configuration error (flags, environment)",
	ExitEnvironment: "environment: no AWS credentials, or the AWS API could not be reached",
	ExitDNS:         "DNS failure",
	ExitDNSPosture:  "DNS posture: an address of the wrong class",
	ExitConnect:     "connect failure",
	ExitTLS:         "TLS failure",
	ExitEgressOpen:  "egress open to a blocked target",
	ExitMetadata:    "task metadata failure",
	ExitPublicIP:    "the task has a public IPv4 address",
	ExitPublicIPUnk: "public IP unknown (strict policy)",
	ExitUndecided:   "could not decide (an API call failed)",
}

// auditExitMeaning says what a code means for audit, in the words of the
// control plane: audit resolves and dials nothing, so its 11 is an
// endpoint the tasks' names would not lead to and its 12 a path the
// configuration blocks, not an answer or a connection seen.
var auditExitMeaning = map[int]string{
	ExitOK:          "no finding failed",
	ExitInternal:    "internal error or interrupted",
	ExitUsage:       "usage or input error (flags, environment, task-definition file, a missing resource)",
	ExitDNSPosture:  "endpoint missing: a need has no endpoint the tasks' DNS leads to (or private DNS is off)",
	ExitConnect:     "path blocked: a security group, route or NACL blocks a need, or no path reaches its Region",
	ExitPublicIP:    "public IP: the service gives its tasks public IPv4 addresses (assignPublicIp ENABLED)",
	ExitPublicIPUnk: "public IP unknown: assignPublicIp could not be read (--public-ip=strict)",
	ExitUndecided:   "undecided: nothing was judged, or an AWS API call failed (--fail-undecided)",
}

// ExitCode is the verdict the failing results add up to: the smallest code
// of 10 or more among their classes, 1 for an internal failure alone, 0
// when nothing failed.
func ExitCode(results []Result) int {
	code := ExitOK
	for _, res := range results {
		if !res.Failed() {
			continue
		}
		c, ok := classExit[res.Class]
		if !ok {
			c = ExitInternal
		}
		switch {
		case code == ExitOK, c >= 10 && (code < 10 || c < code):
			code = c
		}
	}
	return code
}

// ExitCodes lists every exit code preflight documents, ascending.
func ExitCodes() []int {
	codes := make([]int, 0, len(exitMeaning))
	for c := range exitMeaning {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// ExitMeaning says in a few words what code means for check.
func ExitMeaning(code int) string { return exitMeaning[code] }

// ExitMeaningFor says in a few words what code means for command: audit
// has its own words for the codes its findings end with; every other code,
// and every other command, has check's.
func ExitMeaningFor(command string, code int) string {
	if command == "audit" {
		if m, ok := auditExitMeaning[code]; ok {
			return m
		}
	}
	return exitMeaning[code]
}
