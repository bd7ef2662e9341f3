package cloudformation

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The YAML a CloudFormation template is written in, read into the same
// values encoding/json gives (map[string]any, []any, string, json.Number,
// bool, nil), with each short-form tag turned into its long form
// (!Ref X → {"Ref": X}), so that one evaluator serves both formats.
//
// Why not gopkg.in/yaml.v3: linked into preflight it adds 149,647 bytes
// to the gzip -9 linux/amd64 binary, three quarters of what the budget
// leaves for both change readers; this reader of the subset templates use
// costs a small fraction of that. What it leaves out is refused with the
// line: anchors and aliases (CloudFormation refuses them too, and they are
// what a YAML bomb is made of), multi-document streams, complex keys,
// plain scalars continued over several lines.

// maxDepth bounds the nesting of a template's values, so a crafted
// "[[[[..." cannot exhaust the stack of the reader or the evaluator.
const maxDepth = 64

// longForm is the long-form key of a short-form tag (!GetAtt →
// Fn::GetAtt); false for a tag CloudFormation does not know.
func longForm(tag string) (string, bool) {
	switch tag {
	case "Ref", "Condition":
		return tag, true
	case "GetAtt", "Sub", "Join", "Select", "GetAZs", "If", "Equals", "And", "Or", "Not",
		"FindInMap", "ImportValue", "Split", "Base64", "Cidr", "Length", "ToJsonString", "Transform", "GetParam":
		return "Fn::" + tag, true
	}
	return "", false
}

// yamlParser reads one YAML document from src.
type yamlParser struct {
	src   []byte
	pos   int
	depth int
	// inResources is set while the top-level Resources value is read;
	// resources holds the byte offset of each of its keys.
	inResources bool
	resources   map[string]int
}

// errorf is a problem at the line of pos.
func (p *yamlParser) errorf(format string, args ...any) error {
	line := 1 + strings.Count(string(p.src[:min(p.pos, len(p.src))]), "\n")
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

// parseYAML reads src, one YAML document, into JSON-like values.
func parseYAML(src []byte) (any, error) {
	v, _, err := parseYAMLResources(src)
	return v, err
}

// parseYAMLResources is parseYAML that also gives the byte offset of each
// key of the top-level Resources block mapping (a template's logical ids).
func parseYAMLResources(src []byte) (any, map[string]int, error) {
	p := &yamlParser{src: src, resources: map[string]int{}}
	p.skipDocumentStart()
	if !p.nextLine() {
		return nil, nil, nil
	}
	v, err := p.node(-1)
	if err != nil {
		return nil, nil, err
	}
	if p.nextLine() {
		if p.startsWith("---") || p.startsWith("...") {
			rest := p.pos + 3
			p.pos = rest
			if p.nextLine() {
				return nil, nil, p.errorf("more than one YAML document: a template is one")
			}
			return v, p.resources, nil
		}
		return nil, nil, p.errorf("unexpected %q: bad indentation", p.lineRest())
	}
	return v, p.resources, nil
}

// skipDocumentStart skips directives and the first "---".
func (p *yamlParser) skipDocumentStart() {
	for p.nextLine() {
		switch {
		case p.col() == 0 && p.startsWith("%"):
			p.skipLine()
		case p.col() == 0 && p.startsWith("---") && (p.pos+3 == len(p.src) || isSpace(p.src[p.pos+3])):
			p.pos += 3
			return
		default:
			return
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nextLine moves to the next character that starts content, skipping
// spaces, blank lines and comments; false at the end.
func (p *yamlParser) nextLine() bool {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.pos++
		case c == '#' && (p.pos == 0 || isSpace(p.src[p.pos-1])):
			p.skipLine()
		default:
			return true
		}
	}
	return false
}

// skipSpaces skips spaces and tabs on the current line (and a comment);
// it reports whether the line has more content.
func (p *yamlParser) skipSpaces() bool {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] == '#' && p.pos > 0 && isSpace(p.src[p.pos-1]) {
		p.skipLine()
		return false
	}
	return p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r'
}

func (p *yamlParser) skipLine() {
	for p.pos < len(p.src) && p.src[p.pos] != '\n' {
		p.pos++
	}
}

// col is the column of pos on its line.
func (p *yamlParser) col() int {
	i := p.pos
	for i > 0 && p.src[i-1] != '\n' {
		i--
	}
	return p.pos - i
}

func (p *yamlParser) startsWith(s string) bool { return strings.HasPrefix(string(p.src[p.pos:]), s) }

func (p *yamlParser) lineRest() string {
	end := p.pos
	for end < len(p.src) && p.src[end] != '\n' && end-p.pos < 40 {
		end++
	}
	return strings.TrimSpace(string(p.src[p.pos:end]))
}

// atDocumentEnd reports whether pos is at a "---" or "..." marker.
func (p *yamlParser) atDocumentEnd() bool {
	return p.col() == 0 && (p.startsWith("---") || p.startsWith("...")) &&
		(p.pos+3 == len(p.src) || isSpace(p.src[p.pos+3]))
}

// isSeqEntry reports whether pos is at a block sequence's "- ".
func (p *yamlParser) isSeqEntry() bool {
	return p.pos < len(p.src) && p.src[p.pos] == '-' && (p.pos+1 == len(p.src) || isSpace(p.src[p.pos+1]))
}

// node reads the value at pos, whose parent block sits at column parent.
func (p *yamlParser) node(parent int) (any, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf("nested deeper than %d levels", maxDepth)
	}
	switch c := p.src[p.pos]; c {
	case '&', '*':
		return nil, p.errorf("YAML anchors and aliases are not allowed: CloudFormation refuses them, and they are how a YAML bomb multiplies")
	case '!':
		return p.tagged(parent, false)
	case '|', '>':
		return p.blockScalar(parent)
	case '[', '{':
		return p.flow()
	case '-':
		if p.isSeqEntry() {
			return p.sequence(p.col())
		}
	case '?':
		if p.pos+1 < len(p.src) && isSpace(p.src[p.pos+1]) {
			return nil, p.errorf("complex mapping keys are not supported")
		}
	}
	if p.isKey() {
		return p.mapping(p.col())
	}
	v, err := p.scalar(false)
	if err != nil {
		return nil, err
	}
	if str, ok := v.(string); ok || v == nil {
		if more := p.continuation(parent); more != "" {
			return strings.TrimSpace(str + " " + more), nil
		}
	}
	return v, nil
}

// continuation reads the lines that continue a plain scalar in a block
// (indented deeper than its parent, not a comment), folded as YAML does:
// each line break a space, an empty line a newline. It returns "" and
// leaves pos alone when the next line does not continue it.
func (p *yamlParser) continuation(parent int) string {
	var b strings.Builder
	newlines := 0
	for {
		save := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != '\n' {
			p.pos++
		}
		if p.pos >= len(p.src) {
			p.pos = save
			break
		}
		p.pos++ // the line break
		lineStart := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
			p.pos++
		}
		if p.pos < len(p.src) && (p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
			newlines++ // an empty line; pos is at its end
			continue
		}
		if p.pos >= len(p.src) || p.pos-lineStart <= parent || p.src[p.pos] == '#' || p.isKey() || p.isSeqEntry() {
			p.pos = save
			break
		}
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != '\n' && !(p.src[p.pos] == '#' && isSpace(p.src[p.pos-1])) {
			p.pos++
		}
		if b.Len() > 0 || newlines > 0 {
			if newlines > 0 {
				b.WriteString(strings.Repeat("\n", newlines))
			} else {
				b.WriteByte(' ')
			}
		}
		newlines = 0
		b.WriteString(strings.TrimSpace(string(p.src[start:p.pos])))
		// pos is at the end of this line: the loop looks at the next.
		for p.pos < len(p.src) && p.src[p.pos] != '\n' {
			p.pos++
		}
	}
	return b.String()
}

// tagged reads "!Tag value" into {"Fn::Tag": value}.
func (p *yamlParser) tagged(parent int, inFlow bool) (any, error) {
	start := p.pos + 1
	p.pos++
	for p.pos < len(p.src) && !isSpace(p.src[p.pos]) && !strings.ContainsRune(",]}", rune(p.src[p.pos])) {
		p.pos++
	}
	tag := string(p.src[start:p.pos])
	key, ok := longForm(tag)
	if !ok {
		return nil, p.errorf("unknown tag !%s: not a CloudFormation intrinsic function", tag)
	}
	var v any
	if p.skipSpaces() {
		if c := p.src[p.pos]; c == ',' || c == ']' || c == '}' {
			return map[string]any{key: ""}, nil
		}
		var err error
		if inFlow {
			v, err = p.flowValue()
		} else {
			v, err = p.node(parent)
		}
		if err != nil {
			return nil, err
		}
	} else if !inFlow && p.nextLine() && p.col() > parent {
		var err error
		if v, err = p.node(parent); err != nil {
			return nil, err
		}
	}
	if tag == "GetAtt" {
		// The short form takes "Resource.Attribute"; the long form a pair.
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
	}
	return map[string]any{key: v}, nil
}

// isKey reports whether the line at pos is "key: ..." (a plain or quoted
// key followed by a colon and a space or the end of the line).
func (p *yamlParser) isKey() bool {
	i := p.pos
	if c := p.src[i]; c == '"' || c == '\'' {
		i++
		for i < len(p.src) && p.src[i] != '\n' {
			if p.src[i] == '\\' && c == '"' {
				i += 2
				continue
			}
			if p.src[i] == c {
				if c == '\'' && i+1 < len(p.src) && p.src[i+1] == '\'' {
					i += 2
					continue
				}
				i++
				break
			}
			i++
		}
		for i < len(p.src) && p.src[i] == ' ' {
			i++
		}
		return i < len(p.src) && p.src[i] == ':' && (i+1 == len(p.src) || isSpace(p.src[i+1]))
	}
	for ; i < len(p.src) && p.src[i] != '\n'; i++ {
		if p.src[i] == '#' && i > 0 && isSpace(p.src[i-1]) {
			return false
		}
		if p.src[i] == ':' && (i+1 == len(p.src) || isSpace(p.src[i+1])) {
			return true
		}
	}
	return false
}

// mapping reads a block mapping whose keys sit at column col.
func (p *yamlParser) mapping(col int) (any, error) {
	m := map[string]any{}
	for {
		if p.src[p.pos] == '&' || p.src[p.pos] == '*' {
			return nil, p.errorf("YAML anchors and aliases are not allowed: CloudFormation refuses them, and they are how a YAML bomb multiplies")
		}
		start := p.pos
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, p.errorf("duplicate key %q", k)
		}
		// The top level is read at depth 1, the mapping under its
		// Resources key at depth 2.
		if p.inResources && p.depth == 2 {
			p.resources[k] = start
		}
		if p.depth == 1 {
			p.inResources = k == "Resources"
		}
		var v any
		if p.skipSpaces() {
			if v, err = p.node(col); err != nil {
				return nil, err
			}
		} else if p.nextLine() && (p.col() > col || p.col() == col && p.isSeqEntry()) {
			if v, err = p.node(col); err != nil {
				return nil, err
			}
		}
		if p.depth == 1 {
			p.inResources = false
		}
		m[k] = v
		if !p.nextLine() || p.col() < col {
			return m, nil
		}
		if p.col() > col {
			return nil, p.errorf("unexpected %q: bad indentation", p.lineRest())
		}
		if p.atDocumentEnd() {
			return m, nil
		}
		if !p.isKey() {
			if p.isSeqEntry() {
				return m, nil // a sequence that ends a parent's entry at the same column
			}
			return nil, p.errorf("want a key at %q", p.lineRest())
		}
	}
}

// key reads a mapping key and its colon.
func (p *yamlParser) key() (string, error) {
	var k string
	if c := p.src[p.pos]; c == '"' || c == '\'' {
		v, err := p.quoted()
		if err != nil {
			return "", err
		}
		k = v
		for p.pos < len(p.src) && p.src[p.pos] == ' ' {
			p.pos++
		}
	} else {
		start := p.pos
		for !(p.src[p.pos] == ':' && (p.pos+1 == len(p.src) || isSpace(p.src[p.pos+1]))) {
			p.pos++
		}
		k = strings.TrimSpace(string(p.src[start:p.pos]))
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ':' {
		return "", p.errorf("want a colon after key %q", k)
	}
	p.pos++
	return k, nil
}

// sequence reads a block sequence whose dashes sit at column col.
func (p *yamlParser) sequence(col int) (any, error) {
	list := []any{}
	for {
		p.pos++ // the dash
		var v any
		var err error
		if p.skipSpaces() {
			if v, err = p.node(col); err != nil {
				return nil, err
			}
		} else if p.nextLine() && p.col() > col {
			if v, err = p.node(col); err != nil {
				return nil, err
			}
		}
		list = append(list, v)
		if !p.nextLine() || p.col() < col {
			return list, nil
		}
		if p.col() > col {
			return nil, p.errorf("unexpected %q: bad indentation", p.lineRest())
		}
		if !p.isSeqEntry() || p.atDocumentEnd() {
			return list, nil // the parent mapping's next key
		}
	}
}

// flow reads a flow collection ([a, b] or {k: v}), which may span lines.
func (p *yamlParser) flow() (any, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf("nested deeper than %d levels", maxDepth)
	}
	open := p.src[p.pos]
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	// A document that is one flow mapping has its top level at depth 2;
	// the Resources mapping, written in flow style, is at depth 3 (under
	// a block or a flow top level): its keys are noted as a block
	// mapping's are.
	top := open == '{' && p.depth == 2
	resources := open == '{' && p.inResources && p.depth == 3
	p.pos++
	var list []any
	m := map[string]any{}
	for {
		if !p.nextLine() {
			return nil, p.errorf("unclosed %c", open)
		}
		if p.src[p.pos] == closer {
			p.pos++
			if open == '{' {
				return m, nil
			}
			if list == nil {
				list = []any{}
			}
			return list, nil
		}
		start := p.pos
		v, err := p.flowValue()
		if err != nil {
			return nil, err
		}
		if !p.nextLine() {
			return nil, p.errorf("unclosed %c", open)
		}
		if open == '{' {
			k, ok := v.(string)
			if !ok {
				return nil, p.errorf("a flow mapping key must be a string")
			}
			if resources {
				p.resources[k] = start
			}
			if top {
				p.inResources = k == "Resources"
			}
			var val any
			if p.src[p.pos] == ':' {
				p.pos++
				if !p.nextLine() {
					return nil, p.errorf("unclosed {")
				}
				if c := p.src[p.pos]; c != ',' && c != '}' {
					if val, err = p.flowValue(); err != nil {
						return nil, err
					}
				}
				if !p.nextLine() {
					return nil, p.errorf("unclosed {")
				}
			}
			if top {
				p.inResources = false
			}
			m[k] = val
		} else {
			list = append(list, v)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case closer:
		default:
			return nil, p.errorf("want , or %c at %q", closer, p.lineRest())
		}
	}
}

// flowValue reads one value inside a flow collection.
func (p *yamlParser) flowValue() (any, error) {
	switch c := p.src[p.pos]; c {
	case '[', '{':
		return p.flow()
	case '&', '*':
		return nil, p.errorf("YAML anchors and aliases are not allowed: CloudFormation refuses them, and they are how a YAML bomb multiplies")
	case '!':
		return p.tagged(0, true)
	}
	return p.scalar(true)
}

// scalar reads a quoted or plain scalar; in a flow collection a plain one
// ends at , ] } or ": ".
func (p *yamlParser) scalar(inFlow bool) (any, error) {
	if c := p.src[p.pos]; c == '"' || c == '\'' {
		return p.quoted()
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '\n' || c == '\r' || c == '#' && isSpace(p.src[p.pos-1]) {
			break
		}
		if inFlow && (c == ',' || c == ']' || c == '}' || c == ':' && (p.pos+1 == len(p.src) || isSpace(p.src[p.pos+1]) || p.src[p.pos+1] == ',')) {
			break
		}
		p.pos++
	}
	return plain(strings.TrimSpace(string(p.src[start:p.pos]))), nil
}

// plain resolves a plain scalar as YAML 1.1 does for the types a template
// uses: null, booleans, numbers, else a string.
func plain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '.' && !strings.ContainsAny(s, "xX_") && s != "Inf" && s != "NaN" {
		if json.Valid([]byte(s)) {
			return json.Number(s)
		}
	}
	return s
}

// quoted reads a single- or double-quoted scalar, which may span lines
// (each line break folds into a space).
func (p *yamlParser) quoted() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q && q == '\'' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'':
			b.WriteByte('\'')
			p.pos += 2
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && q == '"':
			if p.pos+1 >= len(p.src) {
				return "", p.errorf("unterminated string")
			}
			if err := p.escape(&b); err != nil {
				return "", err
			}
		case c == '\n':
			// Folding: a line break and the next line's indentation read
			// as one space, an empty line as a newline.
			s := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(s)
			p.pos++
			blank := false
			for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
				if p.src[p.pos] == '\n' {
					blank = true
					b.WriteByte('\n')
				}
				p.pos++
			}
			if !blank {
				b.WriteByte(' ')
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated string")
}

// escape reads one backslash escape of a double-quoted scalar.
func (p *yamlParser) escape(b *strings.Builder) error {
	c := p.src[p.pos+1]
	p.pos += 2
	simple := map[byte]string{'n': "\n", 't': "\t", 'r': "\r", '"': "\"", '\\': "\\", '/': "/", '0': "\x00", ' ': " ", 'e': "\x1b", 'a': "\a", 'b': "\b"}
	if s, ok := simple[c]; ok {
		b.WriteString(s)
		return nil
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if width == 0 || p.pos+width > len(p.src) {
		return p.errorf("bad escape \\%c", c)
	}
	r, err := strconv.ParseUint(string(p.src[p.pos:p.pos+width]), 16, 32)
	if err != nil {
		return p.errorf("bad escape \\%c", c)
	}
	b.WriteRune(rune(r))
	p.pos += width
	return nil
}

// blockScalar reads a literal (|) or folded (>) block scalar with its
// chomping (- strip, + keep) and optional indentation indicator.
func (p *yamlParser) blockScalar(parent int) (any, error) {
	folded := p.src[p.pos] == '>'
	p.pos++
	chomp, indent := byte(0), 0
	for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != ' ' && p.src[p.pos] != '#' {
		switch c := p.src[p.pos]; {
		case c == '-' || c == '+':
			chomp = c
		case c >= '1' && c <= '9':
			indent = parent + 1 + int(c-'1')
			if parent < 0 {
				indent = int(c - '0')
			}
		case c == '\r':
		default:
			return nil, p.errorf("bad block scalar header")
		}
		p.pos++
	}
	p.skipLine()
	var lines []string
	for p.pos < len(p.src) {
		p.pos++ // the newline
		lineStart := p.pos
		end := lineStart
		for end < len(p.src) && p.src[end] != '\n' {
			end++
		}
		line := strings.TrimRight(string(p.src[lineStart:end]), "\r")
		if strings.TrimSpace(line) == "" {
			lines = append(lines, "")
			p.pos = end
			continue
		}
		lead := len(line) - len(strings.TrimLeft(line, " "))
		if indent == 0 {
			if lead <= parent {
				p.pos = lineStart
				break
			}
			indent = lead
		}
		if lead < indent {
			p.pos = lineStart
			break
		}
		lines = append(lines, line[indent:])
		p.pos = end
	}
	// Trailing blank lines belong to chomping, not content.
	trail := 0
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
		trail++
	}
	var s string
	if folded {
		var b strings.Builder
		for i, l := range lines {
			if i > 0 {
				prev := lines[i-1]
				switch {
				case l == "" || prev == "" || strings.HasPrefix(l, " ") || strings.HasPrefix(prev, " "):
					b.WriteByte('\n')
				default:
					b.WriteByte(' ')
				}
			}
			b.WriteString(l)
		}
		s = b.String()
	} else {
		s = strings.Join(lines, "\n")
	}
	switch {
	case chomp == '-' || len(lines) == 0:
	case chomp == '+':
		s += "\n" + strings.Repeat("\n", trail)
	default:
		s += "\n"
	}
	return s, nil
}
