package cloudformation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// position is the line and column (both from 1) of a resource's logical
// id in its template. The column counts UTF-16 code units, as SARIF's
// regions do by default.
type position struct {
	Line, Column int
}

// positions turns byte offsets into src, by key, into lines and columns,
// in one pass over src however many keys there are.
func positions(src []byte, offsets map[string]int) map[string]position {
	if len(offsets) == 0 {
		return nil
	}
	keys := make([]string, 0, len(offsets))
	for k := range offsets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return offsets[a] - offsets[b] })
	out := make(map[string]position, len(keys))
	line, lineStart, at := 1, 0, 0
	for _, k := range keys {
		off := min(offsets[k], len(src))
		for {
			i := bytes.IndexByte(src[at:off], '\n')
			if i < 0 {
				break
			}
			line++
			at += i + 1
			lineStart = at
		}
		at = off
		out[k] = position{Line: line, Column: 1 + utf16Len(src[lineStart:off])}
	}
	return out
}

// utf16Len is the length of b in UTF-16 code units.
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// parseJSON decodes a JSON template (numbers as json.Number) and notes
// the byte offset of each key of its Resources: the top level and
// Resources are walked token by token, every other value decoded whole.
func parseJSON(src []byte) (any, map[string]int, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return nil, nil, err
	} else if tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("want an object, not %v", tok)
	}
	doc := map[string]any{}
	var offsets map[string]int
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, _ := tok.(string)
		if key != "Resources" {
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, nil, err
			}
			doc[key] = v
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, err
		}
		// raw is the value's bytes as they stand in src, ending where the
		// decoder is.
		v, offs, err := resourcesJSON(raw, int(dec.InputOffset())-len(raw))
		if err != nil {
			return nil, nil, err
		}
		doc[key], offsets = v, offs
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("data after the template")
	}
	return doc, offsets, nil
}

// resourcesJSON decodes the Resources value raw, which starts at byte
// base of the template, and notes where each of its keys starts.
func resourcesJSON(raw []byte, base int) (any, map[string]int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || raw[0] != '{' {
		// Not a mapping: parseTemplate says so.
		var v any
		return v, nil, dec.Decode(&v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	m := map[string]any{}
	offsets := map[string]int{}
	for dec.More() {
		// The key starts after the white space and comma that follow the
		// previous value.
		at := int(dec.InputOffset())
		for at < len(raw) && (raw[at] == ',' || raw[at] == ' ' || raw[at] == '\t' || raw[at] == '\r' || raw[at] == '\n') {
			at++
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		m[key], offsets[key] = v, base+at
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	return m, offsets, nil
}

// declare fills f.Declared: each logical id of each stack (as the facts
// name it, qualified when two stacks share it) at its line; each service's
// workload name at its service's; and what EC2 creates with a VPC (its
// default security group, network ACL, main route table and DHCP options),
// which findings name but no template declares, at the VPC's.
func declare(f *audit.Facts, scopes []*scope) {
	f.Declared = map[string]report.Location{}
	for _, s := range scopes {
		for logical, pos := range s.st.Keys {
			f.Declared[s.id(logical)] = report.Location{Path: s.st.Path, Line: pos.Line, Column: pos.Column}
		}
	}
	for _, w := range f.Workloads {
		if loc, ok := f.Declared[w.Service]; ok && w.Service != "" {
			f.Declared[w.Name] = loc
		}
	}
	for id := range f.VPCs {
		loc, ok := f.Declared[id]
		if !ok {
			continue
		}
		dhcp, _ := defaultDHCP(id)
		for _, implicit := range []string{defaultGroupID(id), defaultACLID(id), mainTableID(id), dhcp} {
			if _, taken := f.Declared[implicit]; !taken {
				f.Declared[implicit] = loc
			}
		}
	}
}
