// Package iam renders the parts of deploy/iam's files that repeat a policy
// kept elsewhere, so that no copy can drift from its source: the member
// role's permissions are audit-policy.json (at the repository's root),
// the caller's are management-policy.json (here). `go generate
// ./deploy/iam` writes them; a test fails when a committed file differs
// from what would be written.
package iam

//go:generate go run ./gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Sources are the policies the generated files are rendered from.
type Sources struct {
	// AuditPolicy is audit-policy.json: every read audit makes.
	AuditPolicy []byte
	// ManagementPolicy is management-policy.json, written for the aws
	// partition and the default role name (DefaultRoleName).
	ManagementPolicy []byte
}

// DefaultRoleName is the member role's name where none is given; the
// management policy names it, and the templates replace it with their
// role-name parameter.
const DefaultRoleName = "preflight-audit"

// Generated is one file this package writes: a path relative to
// deploy/iam, and how its new content follows from the sources and the
// committed content (a template keeps everything outside its markers).
type Generated struct {
	Path   string
	Render func(src Sources, old []byte) ([]byte, error)
}

// Files lists every generated file.
func Files() []Generated {
	return []Generated{
		{"member-role.yaml", func(src Sources, old []byte) ([]byte, error) {
			return replaceBlock(old, src.AuditPolicy, nil)
		}},
		{"management-policy.yaml", func(src Sources, old []byte) ([]byte, error) {
			return replaceBlock(old, src.ManagementPolicy, cfnSub)
		}},
		{"terraform/member-role/audit-policy.json", func(src Sources, _ []byte) ([]byte, error) {
			if err := checkPolicy(src.AuditPolicy); err != nil {
				return nil, fmt.Errorf("audit-policy.json: %w", err)
			}
			return src.AuditPolicy, nil
		}},
		{"terraform/management-policy/management-policy.json.tftpl", func(src Sources, _ []byte) ([]byte, error) {
			if err := checkPolicy(src.ManagementPolicy); err != nil {
				return nil, fmt.Errorf("management-policy.json: %w", err)
			}
			return terraformTemplate(src.ManagementPolicy)
		}},
	}
}

// Render returns the content every generated file should have, by path
// relative to dir (deploy/iam), reading the sources (auditPolicy, the
// path of audit-policy.json, and dir's management-policy.json) and the
// committed files.
func Render(dir, auditPolicy string) (map[string][]byte, error) {
	var src Sources
	var err error
	if src.AuditPolicy, err = os.ReadFile(auditPolicy); err != nil {
		return nil, err
	}
	if src.ManagementPolicy, err = os.ReadFile(filepath.Join(dir, "management-policy.json")); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range Files() {
		old, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		b, err := f.Render(src, old)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", f.Path, err)
		}
		out[f.Path] = b
	}
	return out, nil
}

// roleARN is how management-policy.json names the member role: every
// account's role of the default name, in the aws partition.
const roleARN = "arn:aws:iam::*:role/" + DefaultRoleName

// terraformTemplate turns management-policy.json into a templatefile()
// template with the partition and the role name as variables.
func terraformTemplate(policy []byte) ([]byte, error) {
	s := string(policy)
	if strings.Contains(s, "${") || strings.Contains(s, "%{") {
		return nil, fmt.Errorf("management-policy.json holds a template sequence (${ or %%{) that templatefile would read")
	}
	if !strings.Contains(s, roleARN) {
		return nil, fmt.Errorf("management-policy.json does not name %s", roleARN)
	}
	s = strings.ReplaceAll(s, roleARN, "arn:${partition}:iam::*:role/${role_name}")
	if strings.Contains(s, "arn:aws:") {
		return nil, fmt.Errorf("management-policy.json names an ARN other than %s, which would stay in the aws partition", roleARN)
	}
	return []byte(s), nil
}

// cfnSub writes a management-policy.json string for CloudFormation: the
// role ARN with the stack's partition and role-name parameter.
func cfnSub(s string) (string, error) {
	if s == roleARN {
		return `!Sub "arn:${AWS::Partition}:iam::*:role/${RoleName}"`, nil
	}
	if strings.Contains(s, "arn:aws:") {
		return "", fmt.Errorf("management-policy.json names %s; only %s is rewritten for the stack's partition", s, roleARN)
	}
	return quote(s), nil
}

// checkPolicy refuses what is not an IAM policy document of the shape both
// sources have, so that a broken source fails generation, not deployment.
func checkPolicy(b []byte) error {
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		return fmt.Errorf("want Version 2012-10-17 and at least one Statement; got Version %q, %d statements", doc.Version, len(doc.Statement))
	}
	return nil
}

// The markers a template puts around its generated PolicyDocument.
const (
	beginMarker = "# BEGIN generated by `go generate ./deploy/iam`"
	endMarker   = "# END generated"
)

// replaceBlock rewrites the lines between a template's markers with a
// PolicyDocument key holding policy in block YAML, at the indentation of
// the begin marker; strings pass through str (nil: quoted as they are).
func replaceBlock(tmpl, policy []byte, str func(string) (string, error)) ([]byte, error) {
	if err := checkPolicy(policy); err != nil {
		return nil, err
	}
	begin := bytes.Index(tmpl, []byte(beginMarker))
	end := bytes.Index(tmpl, []byte(endMarker))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("no %q ... %q block", beginMarker, endMarker)
	}
	lineStart := bytes.LastIndexByte(tmpl[:begin], '\n') + 1
	indent := string(tmpl[lineStart:begin])
	if strings.TrimLeft(indent, " ") != "" {
		return nil, fmt.Errorf("the begin marker does not start its line")
	}
	afterBegin := begin + bytes.IndexByte(tmpl[begin:], '\n') + 1
	endLine := bytes.LastIndexByte(tmpl[:end], '\n') + 1
	v, err := decodeOrdered(json.NewDecoder(bytes.NewReader(policy)))
	if err != nil {
		return nil, err
	}
	if str == nil {
		str = func(s string) (string, error) { return quote(s), nil }
	}
	var out bytes.Buffer
	out.Write(tmpl[:afterBegin])
	out.WriteString(indent + "PolicyDocument:\n")
	if err := writeYAML(&out, v, indent+"  ", str); err != nil {
		return nil, err
	}
	out.Write(tmpl[endLine:])
	return out.Bytes(), nil
}

// value is a JSON value that keeps the order of an object's keys (IAM
// policies read best in their author's order).
type value struct {
	keys   []string // object
	fields []value  // object, beside keys
	items  []value  // array
	scalar any      // string, json.Number, bool or nil
	kind   byte     // '{', '[' or 0 for a scalar
}

// decodeOrdered reads one JSON value from dec.
func decodeOrdered(dec *json.Decoder) (value, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return value{}, err
	}
	switch tok {
	case json.Delim('{'):
		v := value{kind: '{'}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return value{}, err
			}
			f, err := decodeOrdered(dec)
			if err != nil {
				return value{}, err
			}
			v.keys = append(v.keys, k.(string))
			v.fields = append(v.fields, f)
		}
		_, err := dec.Token()
		return v, err
	case json.Delim('['):
		v := value{kind: '['}
		for dec.More() {
			item, err := decodeOrdered(dec)
			if err != nil {
				return value{}, err
			}
			v.items = append(v.items, item)
		}
		_, err := dec.Token()
		if err == nil && len(v.items) == 0 {
			err = fmt.Errorf("an empty array, which IAM refuses")
		}
		return v, err
	default:
		return value{scalar: tok}, nil
	}
}

// plainKey is a mapping key YAML reads as the same string unquoted.
var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// quote writes s as a YAML double-quoted scalar; JSON's escaping is a
// subset of YAML's, so the JSON encoding is one.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// writeYAML writes v, an object, as a block mapping at indent.
func writeYAML(w io.Writer, v value, indent string, str func(string) (string, error)) error {
	if v.kind != '{' {
		return fmt.Errorf("want an object; got %s", describe(v))
	}
	for i, k := range v.keys {
		key := k
		if !plainKey.MatchString(k) {
			key = quote(k)
		}
		if err := writeEntry(w, indent, key+":", v.fields[i], indent+"  ", str); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// writeEntry writes lead (a key, or "- " for an item) then f: a scalar on
// the same line, a collection on the following lines at childIndent.
func writeEntry(w io.Writer, indent, lead string, f value, childIndent string, str func(string) (string, error)) error {
	switch f.kind {
	case '{':
		fmt.Fprintf(w, "%s%s\n", indent, lead)
		return writeYAML(w, f, childIndent, str)
	case '[':
		fmt.Fprintf(w, "%s%s\n", indent, lead)
		for _, item := range f.items {
			switch item.kind {
			case '{':
				// "- " then the object's lines, the first on the dash's line.
				var b bytes.Buffer
				if err := writeYAML(&b, item, childIndent+"  ", str); err != nil {
					return err
				}
				fmt.Fprintf(w, "%s- %s", childIndent, strings.TrimPrefix(b.String(), childIndent+"  "))
			case '[':
				return fmt.Errorf("an array in an array, which no IAM policy element is")
			default:
				s, err := scalar(item.scalar, str)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s- %s\n", childIndent, s)
			}
		}
		return nil
	default:
		s, err := scalar(f.scalar, str)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s%s %s\n", indent, lead, s)
		return nil
	}
}

// scalar writes a JSON scalar as YAML: strings through str, numbers and
// booleans as they are.
func scalar(v any, str func(string) (string, error)) (string, error) {
	switch s := v.(type) {
	case string:
		return str(s)
	case json.Number:
		return s.String(), nil
	case bool:
		return fmt.Sprint(s), nil
	default:
		return "", fmt.Errorf("a null, which no IAM policy element is")
	}
}

// describe names a value's kind for an error.
func describe(v value) string {
	switch v.kind {
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return fmt.Sprintf("%v", v.scalar)
}
