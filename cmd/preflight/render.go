package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
)

// classExit maps failure classes to exit codes; the smallest code of 10 or
// more among the failures wins.
var classExit = map[probe.Class]int{
	probe.ClassDNS:             exitDNS,
	probe.ClassDNSPosture:      exitDNSPosture,
	probe.ClassConnect:         exitConnect,
	probe.ClassTLS:             exitTLS,
	probe.ClassEgressOpen:      exitEgressOpen,
	probe.ClassMetadata:        exitMetadata,
	probe.ClassPublicIP:        exitPublicIP,
	probe.ClassPublicIPUnknown: exitPublicIPUnk,
	probe.ClassInternal:        exitInternal,
}

// exitMeaning is shown in the text summary.
var exitMeaning = map[int]string{
	exitOK:          "all checks passed",
	exitInternal:    "internal error",
	exitDNS:         "DNS failure",
	exitDNSPosture:  "DNS posture: an address of the wrong class",
	exitConnect:     "connect failure",
	exitTLS:         "TLS failure",
	exitEgressOpen:  "egress open to a blocked target",
	exitMetadata:    "task metadata failure",
	exitPublicIP:    "the task has a public IPv4 address",
	exitPublicIPUnk: "public IP unknown (strict policy)",
}

// report is one run's results and what they add up to.
type report struct {
	region, account string
	inECS           bool
	results         []probe.Result
	elapsed         time.Duration
	code            int
}

// exitCode derives the verdict from the failing results.
func (r report) exitCode() int {
	code := exitOK
	for _, res := range r.results {
		if !res.Failed() {
			continue
		}
		c, ok := classExit[res.Class]
		if !ok {
			c = exitInternal
		}
		switch {
		case code == exitOK, c >= 10 && (code < 10 || c < code):
			code = c
		}
	}
	return code
}

func (r report) write(w io.Writer, format string) error {
	if format == config.OutputJSON {
		return r.writeJSON(w)
	}
	return r.writeText(w)
}

// jsonCheck is a result with its duration in seconds.
type jsonCheck struct {
	probe.Result
	DurationSeconds float64 `json:"duration_seconds"`
}

type jsonReport struct {
	OK              bool        `json:"ok"`
	ExitCode        int         `json:"exit_code"`
	Region          string      `json:"region"`
	Account         string      `json:"account"`
	InECS           bool        `json:"in_ecs"`
	DurationSeconds float64     `json:"duration_seconds"`
	Checks          []jsonCheck `json:"checks"`
}

func (r report) json() jsonReport {
	out := jsonReport{
		OK: r.code == exitOK, ExitCode: r.code, Region: r.region, Account: r.account, InECS: r.inECS,
		DurationSeconds: r.elapsed.Seconds(), Checks: make([]jsonCheck, 0, len(r.results)),
	}
	for _, res := range r.results {
		out.Checks = append(out.Checks, jsonCheck{Result: res, DurationSeconds: res.Duration.Seconds()})
	}
	return out
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.json())
}

func (r report) writeText(w io.Writer) error {
	var b strings.Builder
	where := "not in ECS"
	if r.inECS {
		where = "in ECS"
	}
	fmt.Fprintf(&b, "preflight check: region %s, account %s, %s\n\n", orDash(r.region), orDash(r.account), where)
	rows := [][3]string{{"STATUS", "CHECK", "TARGET"}}
	for _, res := range r.results {
		rows = append(rows, [3]string{statusLabel(res.Status), res.Check, res.Target})
	}
	var widths [3]int
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	indent := strings.Repeat(" ", widths[0]+widths[1]+widths[2]+6)
	for i, row := range rows {
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s  ", widths[0], row[0], widths[1], row[1], widths[2], row[2])
		if i == 0 {
			b.WriteString("DETAIL\n")
			continue
		}
		res := r.results[i-1]
		b.WriteString(detailText(res) + "\n")
		if res.Error != "" && res.Status != probe.StatusPass {
			fmt.Fprintf(&b, "%serror: %s\n", indent, res.Error)
		}
		if res.Hint != "" && (res.Status == probe.StatusFail || res.Status == probe.StatusWarn) {
			fmt.Fprintf(&b, "%shint:  %s\n", indent, res.Hint)
		}
	}
	counts := map[probe.Status]int{}
	for _, res := range r.results {
		counts[res.Status]++
	}
	fmt.Fprintf(&b, "\n%s: %d passed, %d failed, %s, %d skipped in %s. Exit %d: %s.\n",
		plural(len(r.results), "check", "checks"), counts[probe.StatusPass], counts[probe.StatusFail], plural(counts[probe.StatusWarn], "warning", "warnings"), counts[probe.StatusSkip],
		r.elapsed.Round(time.Millisecond), r.code, exitMeaning[r.code])
	_, err := io.WriteString(w, b.String())
	return err
}

func detailText(res probe.Result) string {
	var parts []string
	if res.Host != "" {
		parts = append(parts, fmt.Sprintf("%s:%d", res.Host, res.Port))
		if res.Expect != "" {
			parts[0] += " (" + res.Expect + ")"
		}
	}
	if res.Detail != "" {
		parts = append(parts, res.Detail)
	}
	if len(res.Addresses) > 0 && res.Check != probe.CheckDNS && res.Check != probe.CheckResolver {
		parts = append(parts, "["+strings.Join(res.Addresses, " ")+"]")
	}
	if res.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("after %d attempts", res.Attempts))
	}
	return strings.Join(parts, ": ")
}

func statusLabel(s probe.Status) string {
	if s == probe.StatusFail {
		return "FAIL"
	}
	return string(s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
