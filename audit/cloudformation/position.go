package cloudformation

import (
	"bytes"
	"encoding/json"
	"errors"
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
	// col counts the code units from the line's start to at, so that a
	// template on one line (a compact JSON) is still read once.
	line, col, at := 1, 0, 0
	for _, k := range keys {
		off := min(offsets[k], len(src))
		for {
			i := bytes.IndexByte(src[at:off], '\n')
			if i < 0 {
				break
			}
			line++
			at += i + 1
			col = 0
		}
		col += utf16Len(src[at:off])
		at = off
		out[k] = position{Line: line, Column: 1 + col}
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
// Resources are walked token by token on one decoder, every other value
// decoded whole, so the template is scanned no more often than one
// Decode of it would.
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
		var v any
		if key == "Resources" && valueStart(src, int(dec.InputOffset())) == '{' {
			v, offsets, err = resourcesJSON(dec, src)
		} else {
			err = dec.Decode(&v)
		}
		if err != nil {
			return nil, nil, err
		}
		doc[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the template")
	}
	return doc, offsets, nil
}

// valueStart is the first byte of the value after a key that ends at
// src[at:]: past white space and the colon.
func valueStart(src []byte, at int) byte {
	at = skipJSONSpace(src, at, ':')
	if at < len(src) {
		return src[at]
	}
	return 0
}

// skipJSONSpace skips white space and the separator sep from at.
func skipJSONSpace(src []byte, at int, sep byte) int {
	for at < len(src) && (src[at] == sep || src[at] == ' ' || src[at] == '\t' || src[at] == '\r' || src[at] == '\n') {
		at++
	}
	return at
}

// resourcesJSON decodes the Resources object dec is at, noting where
// each of its keys starts in src.
func resourcesJSON(dec *json.Decoder, src []byte) (map[string]any, map[string]int, error) {
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	m := map[string]any{}
	offsets := map[string]int{}
	for dec.More() {
		// The key starts after the white space and comma that follow the
		// previous value (or the brace).
		at := skipJSONSpace(src, int(dec.InputOffset()), ',')
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		m[key], offsets[key] = v, at
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
