package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// TextWidth is the text report's width in columns. A fixed width, not the
// terminal's: the report is read in terminals, CI logs and init-container
// logs alike, and 100 columns fit all of them. Cells that do not fit on
// their row (details, errors, hints, reasons, causes) wrap under it,
// indented, never in a narrow column of their own.
const TextWidth = 100

const (
	// underIndent is where a row's long cells start under it: the CHECK
	// column, so that the STATUS column stays a clean scan line.
	underIndent = 8
	// maxTargetWidth bounds the TARGET column: one long host name entry
	// runs past it on its own row (its detail then goes under the row)
	// instead of pushing every other row's detail off the line.
	maxTargetWidth = 32
)

// WriteText writes r as a table for people, TextWidth columns wide: one
// line a row with its detail when it fits, else the detail under the row;
// under failing and warning rows their error, why, hint and cause. Rows
// about a workload (audit) are grouped under a heading per service or task
// definition. With ProblemsOnly only failing and warning rows are printed.
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
	writeWrapped(&b, "preflight "+Printable(r.Command)+": "+header, "", "  ")
	shown := r.Results
	if r.ProblemsOnly {
		shown = problems(r.Results)
	}
	t := newTable(shown)
	scopes := groupByScope(r.Results)
	if len(scopes) > 1 {
		// A sweep of several account-Regions: each under its own
		// heading, its rows by workload, and its own counts.
		for _, sc := range scopes {
			b.WriteString("\n")
			writeWrapped(&b, "== "+scopeTitle(sc.key)+" ==", "", "   ")
			rows := sc.rows
			if r.ProblemsOnly {
				rows = problems(rows)
			}
			r.writeGroups(&b, t, rows)
			writeWrapped(&b, scopeTitle(sc.key)+": "+countLine(sc.rows, r.Command), "", "  ")
		}
		n := 0
		for _, sc := range scopes {
			if sc.key != (scopeKey{}) {
				n++
			}
		}
		b.WriteString("\n")
		writeWrapped(&b, fmt.Sprintf("Total: %s in %s.", Plural(n, "account-Region", "account-Regions"),
			Plural(accounts(scopes), "account", "accounts")), "", "  ")
	} else {
		r.writeGroups(&b, t, shown)
	}
	if len(shown) == 0 && len(r.Results) > 0 {
		b.WriteString("\nNothing failed or warned.\n")
	}
	if r.Partial {
		b.WriteString("\n")
		writeWrapped(&b, "Partial report: "+Printable(r.PartialNote), "", "  ")
	}
	counts, exit := r.summary(len(r.Results) - len(shown))
	b.WriteString("\n")
	if width(counts)+1+width(exit) <= TextWidth {
		writeWrapped(&b, counts+" "+exit, "", "")
	} else {
		writeWrapped(&b, counts, "", "")
		writeWrapped(&b, exit, "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGroups writes rows under a heading per workload.
func (r *Report) writeGroups(b *strings.Builder, t table, rows []Result) {
	for _, g := range groupByWorkload(rows) {
		b.WriteString("\n")
		if g.workload != nil {
			writeWrapped(b, heading(g.workload), "", "  ")
		}
		t.writeHead(b)
		for _, res := range g.rows {
			t.writeRow(b, res, g.workload, r.PlanBelow)
		}
	}
}

// problems are the rows that fail or warn.
func problems(rows []Result) []Result {
	var out []Result
	for _, res := range rows {
		if res.Status == StatusFail || res.Status == StatusWarn {
			out = append(out, res)
		}
	}
	return out
}

// scopeKey is the account-Region a row is about.
type scopeKey struct{ account, region string }

// scope is the rows of one account-Region.
type scope struct {
	key  scopeKey
	rows []Result
}

// groupByScope gathers rows by their account and Region, in the order
// each first appears. Rows that name neither (every run but a sweep) make
// one scope.
func groupByScope(rows []Result) []scope {
	var scopes []scope
	index := map[scopeKey]int{}
	for _, res := range rows {
		k := scopeKey{res.Account, res.Region}
		if k == (scopeKey{}) {
			continue
		}
		i, ok := index[k]
		if !ok {
			i = len(scopes)
			index[k] = i
			scopes = append(scopes, scope{key: k})
		}
		scopes[i].rows = append(scopes[i].rows, res)
	}
	// Rows about the whole run (a sweep's coverage row) come last.
	var whole []Result
	for _, res := range rows {
		if res.Account == "" && res.Region == "" {
			whole = append(whole, res)
		}
	}
	if len(whole) > 0 {
		scopes = append(scopes, scope{rows: whole})
	}
	return scopes
}

// accounts counts the distinct accounts of scopes.
func accounts(scopes []scope) int {
	seen := map[string]bool{}
	for _, sc := range scopes {
		if sc.key != (scopeKey{}) {
			seen[sc.key.account] = true
		}
	}
	return len(seen)
}

// scopeTitle names an account-Region: "account 111122223333, us-east-1".
func scopeTitle(k scopeKey) string {
	if k == (scopeKey{}) {
		return "the whole sweep"
	}
	return "account " + Printable(orDash(k.account)) + ", " + Printable(orDash(k.region))
}

// countLine counts rows by status: "3 findings: 2 passed, 1 failed, 0
// warnings, 0 skipped."
func countLine(rows []Result, command string) string {
	n := map[Status]int{}
	for _, res := range rows {
		n[res.Status]++
	}
	one, many := "check", "checks"
	if command == "audit" {
		// audit's rows are findings about the configuration, not checks
		// of the network.
		one, many = "finding", "findings"
	}
	return fmt.Sprintf("%s: %d passed, %d failed, %s, %d skipped.",
		Plural(len(rows), one, many), n[StatusPass], n[StatusFail], Plural(n[StatusWarn], "warning", "warnings"), n[StatusSkip])
}

// summary is the report's last line (two when it does not fit): the
// counts, and the exit code in the command's own words.
func (r *Report) summary(hidden int) (counts, exit string) {
	s := strings.TrimSuffix(countLine(r.Results, r.Command), ".") + " in " + r.Elapsed.Round(time.Millisecond).String() + "."
	if hidden > 0 {
		s += fmt.Sprintf(" Not shown: %d passed or skipped (--only problems).", hidden)
	}
	return s, fmt.Sprintf("Exit %d: %s.", r.Code, ExitMeaningFor(r.Command, r.Code))
}

// group is a run of rows under one heading; workload is nil for rows that
// are about no workload (the data plane).
type group struct {
	workload *Workload
	rows     []Result
}

// groupByWorkload gathers rows by workload, in the order each workload
// first appears, keeping the rows' order within a group.
func groupByWorkload(rows []Result) []group {
	var groups []group
	index := map[Workload]int{}
	none := -1 // the group of rows about no workload
	for _, res := range rows {
		var i int
		if res.Workload == nil {
			if none < 0 {
				none = len(groups)
				groups = append(groups, group{})
			}
			i = none
		} else {
			j, ok := index[*res.Workload]
			if !ok {
				j = len(groups)
				index[*res.Workload] = j
				groups = append(groups, group{workload: res.Workload})
			}
			i = j
		}
		groups[i].rows = append(groups[i].rows, res)
	}
	return groups
}

// heading names a workload: "cluster prod, service orders, task definition
// orders:7", or "task definition orders:7" before deploy.
func heading(wl *Workload) string { return workloadTitle(wl, Printable) }

// workloadTitle is heading with each value passed through quote: the text
// report makes them printable, the formats that escape for themselves
// (XML, HTML) take them as they are.
func workloadTitle(wl *Workload, quote func(string) string) string {
	var parts []string
	if wl.Cluster != "" {
		parts = append(parts, "cluster "+quote(CutName(wl.Cluster)))
	}
	if wl.Service != "" {
		parts = append(parts, "service "+quote(CutName(wl.Service)))
	}
	if wl.TaskDefinition != "" {
		parts = append(parts, "task definition "+quote(CutName(wl.TaskDefinition)))
	}
	if len(parts) == 0 {
		return quote(CutName(wl.Name))
	}
	return strings.Join(parts, ", ")
}

// table holds the widths of the report's columns.
type table struct{ status, check, target int }

func newTable(rows []Result) table {
	t := table{status: len("STATUS"), check: len("CHECK"), target: len("TARGET")}
	for _, res := range rows {
		t.status = max(t.status, width(statusLabel(res.Status)))
		t.check = max(t.check, width(Printable(string(res.Check))))
		if n := width(Printable(res.Target)); n <= maxTargetWidth {
			t.target = max(t.target, n)
		}
	}
	return t
}

// detailColumn is where the DETAIL column starts.
func (t table) detailColumn() int { return t.status + 2 + t.check + 2 + t.target + 2 }

func (t table) writeHead(b *strings.Builder) {
	fmt.Fprintf(b, "%-*s  %-*s  %-*s  DETAIL\n", t.status, "STATUS", t.check, "CHECK", t.target, "TARGET")
}

// writeRow writes one row: the row line, then what goes under it. With
// planBelow, a row the fix plan fixes names its steps; its hint is left
// out when it is a command, which the plan prints.
func (t table) writeRow(b *strings.Builder, res Result, wl *Workload, planBelow bool) {
	prefix := fmt.Sprintf("%-*s  %-*s  ", t.status, statusLabel(res.Status), t.check, Printable(string(res.Check)))
	target := Printable(res.Target)
	detail := Printable(detailText(res))
	problem := res.Status == StatusFail || res.Status == StatusWarn
	errText := ""
	if res.Error != "" && res.Status != StatusPass {
		errText = Printable(res.Error)
		if detail == "" {
			// A row that says nothing else (most failing audit rows)
			// shows what is wrong in its DETAIL cell.
			detail, errText = errText, ""
		}
	}
	if detail != "" && width(target) <= t.target && t.detailColumn()+width(detail) <= TextWidth {
		fmt.Fprintf(b, "%s%-*s  %s\n", prefix, t.target, target, detail)
		detail = ""
	} else {
		writeWrapped(b, target, prefix, strings.Repeat(" ", width(prefix)))
	}
	under := strings.Repeat(" ", underIndent)
	if detail != "" {
		writeWrapped(b, detail, under, under)
	}
	labeled := func(label, text string) {
		writeWrapped(b, text, under+label, under+strings.Repeat(" ", width(label)))
	}
	if errText != "" {
		labeled("error: ", errText)
	}
	if !problem {
		return
	}
	if why := res.Reason; why != "" {
		if wl != nil {
			// The heading names the workload; the reason need not.
			why = strings.TrimPrefix(why, wl.Name+": ")
		}
		labeled("why:   ", Printable(why))
	}
	steps := planBelow && len(res.FixSteps) > 0
	if res.Hint != "" && !(steps && isCommand(res.Hint)) {
		labeled("hint:  ", Printable(res.Hint))
	}
	if steps {
		labeled("fix:   ", planSteps(res.FixSteps))
	}
	if c := res.Cause; c != nil {
		line := c.Error
		if len(c.Resources) > 0 {
			line += " [" + strings.Join(c.Resources, " ") + "]"
		}
		labeled("cause: ", Printable(line))
		if c.Hint != "" {
			labeled("fix:   ", Printable(c.Hint))
		}
	}
}

// isCommand reports whether a hint is a command to paste (the AWS CLI)
// rather than words: the fix plan prints the commands, the words stay.
func isCommand(hint string) bool { return strings.HasPrefix(hint, "aws ") }

// planSteps names fix plan steps: "steps 2, 3 of the fix plan below".
func planSteps(steps []int) string {
	nums := make([]string, len(steps))
	for i, n := range steps {
		nums[i] = fmt.Sprint(n)
	}
	word := "steps "
	if len(steps) == 1 {
		word = "step "
	}
	return word + strings.Join(nums, ", ") + " of the fix plan below"
}

// writeWrapped writes text as lines of at most TextWidth columns: the
// first after first, the others after rest, broken between words (runs of
// spaces become one); a word too long for a line after rest gets a line of
// its own, indented less, and a word longer than TextWidth is cut.
func writeWrapped(b *strings.Builder, text, first, rest string) {
	for _, line := range wrap(text, first, rest) {
		b.WriteString(line)
		b.WriteString("\n")
	}
}

// wrap breaks text into lines for writeWrapped, trailing spaces trimmed.
func wrap(text, first, rest string) []string {
	var lines []string
	line, lineWidth := first, width(first)
	empty := true // nothing of text on line yet
	flush := func() {
		lines = append(lines, strings.TrimRight(line, " "))
		line, lineWidth, empty = rest, width(rest), true
	}
	for _, word := range strings.Fields(text) {
		w := width(word)
		if !empty && lineWidth+1+w > TextWidth {
			flush()
		}
		if !empty {
			line += " "
			lineWidth++
		}
		if lineWidth+w > TextWidth && w <= TextWidth {
			// A word too long for an indented line but not for the
			// report (a quoted --ip-permissions argument): on a line of
			// its own, indented less, so that it stays whole to copy.
			if !empty || strings.TrimSpace(line) != "" {
				flush()
			}
			indent := min(width(rest), TextWidth-w)
			line, lineWidth = strings.Repeat(" ", indent), indent
		}
		for lineWidth+w > TextWidth {
			// A word longer than what is left of a fresh line: cut it.
			room := max(TextWidth-lineWidth, 1)
			cut := byteIndex(word, room)
			line += word[:cut]
			lineWidth += room
			word = word[cut:]
			w = width(word)
			empty = false
			flush()
		}
		line += word
		lineWidth += w
		empty = false
	}
	if !empty || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// width is the number of columns s takes: one per rune. Printable has
// turned control characters into escapes; wide characters (CJK) count as
// one, which AWS names and preflight's own words never contain.
func width(s string) int { return utf8.RuneCountInString(s) }

// byteIndex is the byte offset of rune n of s.
func byteIndex(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
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
