package config

import (
	"regexp"
	"strings"
	"sync"
)

// regionMatcher decides whether a region matches a partition's botocore
// regionRegex without compiling it at start-up. Every pattern in botocore
// today has one shape, literal prefixes then `\-\w+\-\d+$`
// (`^(us|eu|ap)\-\w+\-\d+$`, `^eusc\-(de)\-\w+\-\d+$`): that shape is
// matched with string operations. Compiling the eight patterns at package
// initialisation cost every process 86 KB and about half a millisecond,
// although a run asks about one region. A pattern of any other shape is
// compiled on first use, so a new botocore pattern stays correct, only
// slower. TestRegionMatcherAgreesWithRegexp holds both paths to regexp's
// answer.
type regionMatcher struct {
	pattern string
	// prefixes are the literal expansions of the pattern's head ("us-",
	// "eu-"); nil when the pattern has another shape.
	prefixes []string

	once sync.Once
	re   *regexp.Regexp
}

// regionTail is what every botocore region pattern ends with: a word
// (letters, digits, underscore: no hyphen), a hyphen, digits.
const regionTail = `\-\w+\-\d+$`

func newRegionMatcher(pattern string) *regionMatcher {
	return &regionMatcher{pattern: pattern, prefixes: literalPrefixes(pattern)}
}

func (m *regionMatcher) match(region string) bool {
	if m.prefixes == nil {
		m.once.Do(func() { m.re = regexp.MustCompile(m.pattern) })
		return m.re.MatchString(region)
	}
	for _, p := range m.prefixes {
		if rest, ok := strings.CutPrefix(region, p); ok && wordHyphenDigits(rest) {
			return true
		}
	}
	return false
}

// wordHyphenDigits reports whether s is `\w+\-\d+` exactly. \w has no
// hyphen, so the one hyphen splits the word from the digits.
func wordHyphenDigits(s string) bool {
	word, digits, ok := strings.Cut(s, "-")
	if !ok || word == "" || digits == "" {
		return false
	}
	for i := 0; i < len(word); i++ {
		if c := word[i]; !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// literalPrefixes expands `^HEAD\-\w+\-\d+$`, where HEAD is lower-case
// letters and digits, `\-` and groups of such alternatives, into every
// literal HEAD plus its hyphen ("us-", "eusc-de-"). It returns nil for any
// other pattern.
func literalPrefixes(pattern string) []string {
	head, ok := strings.CutPrefix(pattern, "^")
	if !ok {
		return nil
	}
	if head, ok = strings.CutSuffix(head, regionTail); !ok || head == "" {
		return nil
	}
	out := []string{""}
	appendAll := func(alts []string) {
		next := make([]string, 0, len(out)*len(alts))
		for _, o := range out {
			for _, a := range alts {
				next = append(next, o+a)
			}
		}
		out = next
	}
	for head != "" {
		switch {
		case strings.HasPrefix(head, `\-`):
			appendAll([]string{"-"})
			head = head[2:]
		case head[0] == '(':
			group, rest, ok := strings.Cut(head[1:], ")")
			if !ok {
				return nil
			}
			alts := strings.Split(group, "|")
			for _, a := range alts {
				if !plainLiteral(a) {
					return nil
				}
			}
			appendAll(alts)
			head = rest
		case plainLiteral(head[:1]):
			appendAll([]string{head[:1]})
			head = head[1:]
		default:
			return nil
		}
	}
	for i := range out {
		out[i] += "-"
	}
	return out
}

// plainLiteral reports whether s is one or more lower-case letters or
// digits: characters that mean themselves in a regexp.
func plainLiteral(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
