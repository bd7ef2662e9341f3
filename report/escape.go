package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable escapes what a terminal would act on: C0 and C1 control
// characters (ESC, BEL, CR, LF, ...), DEL and invalid UTF-8 become Go-style
// escapes (\x1b, \r), and so do the bidirectional controls (\u202e). Text
// reports print values that come from the network being diagnosed
// (certificate names, task metadata, DNS answers); raw, they could rewrite
// the operator's terminal or forge a "pass" row.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, size) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r, size):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// needsEscape: control characters, invalid UTF-8, the Unicode line and
// paragraph separators, and the bidirectional embedding, override and
// isolate controls (U+202A-U+202E, U+2066-U+2069), which reorder what a
// terminal shows so that a printed value can read as something else.
func needsEscape(r rune, size int) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r == utf8.RuneError && size == 1) ||
		r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// MaxNameLen bounds a name from an API in the report: ECS allows 255
// characters for a cluster, service or task-definition family name, so a
// longer one did not come from ECS and is cut.
const MaxNameLen = 255

// CutName returns s cut to MaxNameLen bytes (on a rune boundary) with a
// note of how much was cut, so that a name an endpoint made up cannot fill
// the report.
func CutName(s string) string {
	if len(s) <= MaxNameLen {
		return s
	}
	end := MaxNameLen
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return fmt.Sprintf("%s…(%d bytes cut)", s[:end], len(s)-end)
}
