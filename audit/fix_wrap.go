package audit

import (
	"strings"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/report"
)

// planWidth is the widest line a plan writes where it can choose: the
// text report it ends fits report.TextWidth columns, and so does --fix
// output read in a terminal or a pull request.
const planWidth = report.TextWidth

// shellIndent starts every continuation line of a wrapped command.
const shellIndent = "    "

// wrapShell joins the words of one shell command into lines of at most
// width columns, each but the last ending in " \" (a continuation bash
// reads as one line). A flag starts a new line together with its value
// where that fits, so every line reads as "--flag value". A single word
// wider than the line (a quoted --network-configuration) is never split:
// it stands alone on its line, since cutting it would change the command.
func wrapShell(words []string, width int) string {
	var b strings.Builder
	line := ""
	flush := func() {
		b.WriteString(line)
		b.WriteString(" \\\n")
		line = shellIndent
	}
	for i := 0; i < len(words); i++ {
		chunk := words[i]
		// Keep a flag with its value, unless the pair cannot fit a line.
		if strings.HasPrefix(chunk, "--") && i+1 < len(words) && !strings.HasPrefix(words[i+1], "--") &&
			len(shellIndent)+utf8.RuneCountInString(chunk)+1+utf8.RuneCountInString(words[i+1])+len(" \\") <= width {
			chunk += " " + words[i+1]
			i++
		}
		switch {
		case line == "":
			line = chunk
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(chunk)+len(" \\") <= width:
			line += " " + chunk
		default:
			flush()
			line += chunk
		}
	}
	b.WriteString(line)
	return b.String()
}

// wrapComment splits text into comment lines of at most width columns
// after mark (a word wider than that keeps its own line).
func wrapComment(mark, text string, width int) []string {
	var lines []string
	line := mark
	for _, w := range strings.Fields(text) {
		if line != mark && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, line)
			// A continuation is indented under the first word.
			line = mark + "  " + w
			continue
		}
		line += " " + w
	}
	return append(lines, line)
}
