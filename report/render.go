package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Output is a report format.
type Output string

// Report formats.
const (
	OutputText Output = "text"
	OutputJSON Output = "json"
	// OutputSARIF is a SARIF 2.1.0 log, for code scanning.
	OutputSARIF Output = "sarif"
	// OutputJUnit is JUnit XML, for CI test reports.
	OutputJUnit Output = "junit"
)

// Report is one run's results and what they add up to.
type Report struct {
	// Command names the run in the text header ("check", "audit").
	Command         string
	Region, Account string
	// InECS is nil when the question does not apply (audit runs outside
	// any task); JSON then leaves in_ecs out.
	InECS   *bool
	Results []Result
	Elapsed time.Duration
	Code    int
	// ProblemsOnly makes the text report print only the rows that fail or
	// warn (--only problems); its summary still counts every row, and the
	// JSON report always has every row.
	ProblemsOnly bool
	// PlanBelow says the text report is followed by the audit's fix plan,
	// whose numbered steps the rows' FixSteps name: a row with FixSteps
	// then points at them instead of printing its command hint, so that
	// no command is printed twice.
	PlanBelow bool
	// Version is preflight's version, which SARIF names the tool by.
	Version string
	// Source is the file the rows were judged from (a task-definition
	// file), relative to where preflight ran; empty for a live account
	// or a task. SARIF points a row that names no declared resource at
	// it, unless SourceFile is set.
	Source string
	// SourceFile, when set, is the file SARIF points a row that names no
	// declared resource at instead of Source: for a cdk.out directory,
	// whose stacks are separate files, its manifest.json, which lists
	// them (code scanning refuses a result without a file).
	SourceFile string
	// Declared says where the input declares each resource the rows may
	// name, by resource id or workload name (a template's logical ids, the
	// services among them); nil for a live account. SARIF makes a row's
	// first declared resource its physical location.
	Declared map[string]Location
	// WorkDir is the directory preflight ran in: SARIF writes the paths
	// under it relative to it, as code scanning needs them (relative to
	// the repository's root, where CI runs preflight).
	WorkDir string
	// ConsoleDomain is the AWS console's domain in the report's partition
	// (config.ConsoleDomain), which the HTML page links resources to; ""
	// links nothing.
	ConsoleDomain string
	// Partial says the run was cut short (an interrupted sweep): the rows
	// are those of what was read before, and PartialNote says how much.
	Partial     bool
	PartialNote string
}

// New returns the report of results with its exit code set.
func New(command, region, account string, inECS *bool, results []Result, elapsed time.Duration) *Report {
	return &Report{Command: command, Region: region, Account: account, InECS: inECS, Results: results, Elapsed: elapsed, Code: ExitCode(results)}
}

// Write renders r in format.
func (r *Report) Write(w io.Writer, format Output) error {
	switch format {
	case OutputJSON:
		return r.WriteJSON(w)
	case OutputSARIF:
		return r.WriteSARIF(w)
	case OutputJUnit:
		return r.WriteJUnit(w)
	case OutputHTML:
		return r.WriteHTML(w)
	}
	return r.WriteText(w)
}

// JSONCheck is a result with its duration in seconds.
type JSONCheck struct {
	Result
	DurationSeconds float64 `json:"duration_seconds"`
}

// JSON is the document --output json writes and /readyz serves; readers
// such as `preflight healthcheck` decode it.
type JSON struct {
	OK              bool    `json:"ok"`
	ExitCode        int     `json:"exit_code"`
	Region          string  `json:"region"`
	Account         string  `json:"account"`
	InECS           *bool   `json:"in_ecs,omitempty"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Partial is true when the run was cut short (an interrupted sweep);
	// PartialNote says how much was read.
	Partial     bool        `json:"partial,omitempty"`
	PartialNote string      `json:"partial_note,omitempty"`
	Checks      []JSONCheck `json:"checks"`
	// Detail explains a document without checks (serve before its first
	// cycle).
	Detail string `json:"detail,omitempty"`
}

// JSON returns r as its JSON document.
func (r *Report) JSON() JSON {
	out := JSON{
		OK: r.Code == ExitOK, ExitCode: r.Code, Region: r.Region, Account: r.Account, InECS: r.InECS,
		DurationSeconds: r.Elapsed.Seconds(), Checks: make([]JSONCheck, 0, len(r.Results)),
		Partial: r.Partial, PartialNote: r.PartialNote,
	}
	for _, res := range r.Results {
		out.Checks = append(out.Checks, JSONCheck{Result: res, DurationSeconds: res.Duration.Seconds()})
	}
	return out
}

// WriteJSON writes r as indented JSON: the document JSON returns, byte
// for byte as json.Encoder with a two-space indent writes it. The rows
// are encoded one at a time through one reused buffer, so that a report
// of hundreds of targets does not build its whole compact text, then its
// whole indented copy, in memory before the first byte goes out.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"ok\": %t,\n  \"exit_code\": %d,\n  \"region\": ", r.Code == ExitOK, r.Code)
	var row bytes.Buffer
	enc := json.NewEncoder(&row)
	value := func(v any) error {
		row.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(row.Bytes(), []byte("\n")))
		return nil
	}
	value(r.Region) //nolint:errcheck // a string always encodes
	bw.WriteString(",\n  \"account\": ")
	value(r.Account) //nolint:errcheck // a string always encodes
	if r.InECS != nil {
		fmt.Fprintf(bw, ",\n  \"in_ecs\": %t", *r.InECS)
	}
	bw.WriteString(",\n  \"duration_seconds\": ")
	value(r.Elapsed.Seconds()) //nolint:errcheck // a duration's seconds are finite
	if r.Partial {
		bw.WriteString(",\n  \"partial\": true")
	}
	if r.PartialNote != "" {
		bw.WriteString(",\n  \"partial_note\": ")
		value(r.PartialNote) //nolint:errcheck // a string always encodes
	}
	bw.WriteString(",\n  \"checks\": [")
	enc.SetIndent("    ", "  ")
	// One JSONCheck reused by pointer: boxing a copy of each row into an
	// interface would allocate it again.
	check := new(JSONCheck)
	for i, res := range r.Results {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		*check = JSONCheck{Result: res, DurationSeconds: res.Duration.Seconds()}
		if err := value(check); err != nil {
			return err
		}
	}
	if len(r.Results) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
