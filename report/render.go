package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Output is a report format.
type Output string

// Report formats.
const (
	OutputText Output = "text"
	OutputJSON Output = "json"
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
}

// New returns the report of results with its exit code set.
func New(command, region, account string, inECS *bool, results []Result, elapsed time.Duration) *Report {
	return &Report{Command: command, Region: region, Account: account, InECS: inECS, Results: results, Elapsed: elapsed, Code: ExitCode(results)}
}

// Write renders r in format.
func (r *Report) Write(w io.Writer, format Output) error {
	if format == OutputJSON {
		return r.WriteJSON(w)
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
	OK              bool        `json:"ok"`
	ExitCode        int         `json:"exit_code"`
	Region          string      `json:"region"`
	Account         string      `json:"account"`
	InECS           *bool       `json:"in_ecs,omitempty"`
	DurationSeconds float64     `json:"duration_seconds"`
	Checks          []JSONCheck `json:"checks"`
	// Detail explains a document without checks (serve before its first
	// cycle).
	Detail string `json:"detail,omitempty"`
}

// JSON returns r as its JSON document.
func (r *Report) JSON() JSON {
	out := JSON{
		OK: r.Code == ExitOK, ExitCode: r.Code, Region: r.Region, Account: r.Account, InECS: r.InECS,
		DurationSeconds: r.Elapsed.Seconds(), Checks: make([]JSONCheck, 0, len(r.Results)),
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

// WriteText writes r as a table for people, with the error and the hint of
// every failing or warning row under it.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	header := "region " + Printable(orDash(r.Region)) + ", account " + Printable(orDash(r.Account))
	if r.InECS != nil {
		if *r.InECS {
			header += ", in ECS"
		} else {
			header += ", not in ECS"
		}
	}
	fmt.Fprintf(&b, "preflight %s: %s\n\n", r.Command, header)
	rows := [][3]string{{"STATUS", "CHECK", "TARGET"}}
	for _, res := range r.Results {
		rows = append(rows, [3]string{statusLabel(res.Status), Printable(string(res.Check)), Printable(res.Target)})
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
		res := r.Results[i-1]
		b.WriteString(Printable(detailText(res)) + "\n")
		if res.Error != "" && res.Status != StatusPass {
			fmt.Fprintf(&b, "%serror: %s\n", indent, Printable(res.Error))
		}
		if res.Reason != "" && (res.Status == StatusFail || res.Status == StatusWarn) {
			fmt.Fprintf(&b, "%swhy:   %s\n", indent, Printable(res.Reason))
		}
		if res.Hint != "" && (res.Status == StatusFail || res.Status == StatusWarn) {
			fmt.Fprintf(&b, "%shint:  %s\n", indent, Printable(res.Hint))
		}
		if c := res.Cause; c != nil && (res.Status == StatusFail || res.Status == StatusWarn) {
			line := c.Error
			if len(c.Resources) > 0 {
				line += " [" + strings.Join(c.Resources, " ") + "]"
			}
			fmt.Fprintf(&b, "%scause: %s\n", indent, Printable(line))
			if c.Hint != "" {
				fmt.Fprintf(&b, "%sfix:   %s\n", indent, Printable(c.Hint))
			}
		}
	}
	counts := map[Status]int{}
	for _, res := range r.Results {
		counts[res.Status]++
	}
	fmt.Fprintf(&b, "\n%s: %d passed, %d failed, %s, %d skipped in %s. Exit %d: %s.\n",
		Plural(len(r.Results), "check", "checks"), counts[StatusPass], counts[StatusFail], Plural(counts[StatusWarn], "warning", "warnings"), counts[StatusSkip],
		r.Elapsed.Round(time.Millisecond), r.Code, exitMeaning[r.Code])
	_, err := io.WriteString(w, b.String())
	return err
}

func detailText(res Result) string {
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
	if len(res.Addresses) > 0 && res.Check != CheckDNS && res.Check != CheckResolver {
		parts = append(parts, "["+strings.Join(res.Addresses, " ")+"]")
	}
	if res.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("after %d attempts", res.Attempts))
	}
	return strings.Join(parts, ": ")
}

func statusLabel(s Status) string {
	if s == StatusFail {
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

// Plural renders a count with the right noun: "1 address", "2 addresses".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
