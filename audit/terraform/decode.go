package terraform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// DefaultMaxBytes bounds the plan JSON Read accepts: a plan of 5,000
// resource instances is about 50 MB, and the decoder holds at most one
// top-level value of the document in memory at a time.
const DefaultMaxBytes int64 = 256 << 20

// plan is the part of `terraform show -json` the audit reads. Field names
// follow Terraform's JSON output format
// (https://developer.hashicorp.com/terraform/internals/json-format#plan-representation).
type plan struct {
	FormatVersion string
	Errored       bool
	// Variables are the root module's input variables (name → value).
	Variables map[string]planVariable
	Changes   []*resourceChange
	Config    *configuration
	// PlannedValues and ResourceChangesSeen say which keys the document
	// had: a state file has "values" and neither of these.
	PlannedValues, ResourceChangesSeen, Values bool
}

type planVariable struct {
	Value json.RawMessage `json:"value"`
}

// resourceChange is one element of resource_changes.
type resourceChange struct {
	Address       string          `json:"address"`
	ModuleAddress string          `json:"module_address"`
	Mode          string          `json:"mode"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Index         json.RawMessage `json:"index"`
	Change        struct {
		Actions      []string        `json:"actions"`
		After        json.RawMessage `json:"after"`
		AfterUnknown json.RawMessage `json:"after_unknown"`
	} `json:"change"`
}

// configuration is the plan's "configuration": the modules as written,
// with the references of every expression.
type configuration struct {
	ProviderConfig map[string]providerConfig `json:"provider_config"`
	RootModule     *configModule             `json:"root_module"`
}

type providerConfig struct {
	Name        string         `json:"name"`
	Alias       string         `json:"alias"`
	Expressions map[string]any `json:"expressions"`
}

type configModule struct {
	Resources   []*configResource      `json:"resources"`
	ModuleCalls map[string]*moduleCall `json:"module_calls"`
	Outputs     map[string]struct {
		Expression map[string]any `json:"expression"`
	} `json:"outputs"`
}

type configResource struct {
	Address           string         `json:"address"`
	Mode              string         `json:"mode"`
	Type              string         `json:"type"`
	Name              string         `json:"name"`
	Expressions       map[string]any `json:"expressions"`
	CountExpression   map[string]any `json:"count_expression"`
	ForEachExpression map[string]any `json:"for_each_expression"`
}

type moduleCall struct {
	Source            string         `json:"source"`
	Expressions       map[string]any `json:"expressions"`
	CountExpression   map[string]any `json:"count_expression"`
	ForEachExpression map[string]any `json:"for_each_expression"`
	Module            *configModule  `json:"module"`
}

// errTooLarge is returned by capReader past its limit.
type errTooLarge struct{ limit int64 }

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("larger than %d MiB: not read further (a plan of 5,000 resource instances is about 50 MB)", e.limit>>20)
}

// capReader fails once more than limit bytes were read, so a huge input
// is refused after reading limit bytes, never held whole.
type capReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, &errTooLarge{limit: c.limit}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// skipValue decodes any JSON value into nothing.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// decodePlan reads a plan document key by key: resource_changes one
// element at a time, keeping only the managed resources, and the values
// it does not read (planned_values, prior_state) decoded into nothing.
// Its errors name the problem, never a value of the document.
func decodePlan(r io.Reader, limit int64, keep func(typ string) bool) (*plan, error) {
	dec := json.NewDecoder(&capReader{r: r, left: limit, limit: limit})
	p := &plan{}
	tok, err := dec.Token()
	if err != nil {
		return nil, decodeErr("not JSON", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not JSON of a Terraform plan: the document is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, decodeErr("invalid JSON", err)
		}
		key, _ := tok.(string)
		switch key {
		case "format_version":
			err = dec.Decode(&p.FormatVersion)
		case "errored":
			err = dec.Decode(&p.Errored)
		case "variables":
			err = dec.Decode(&p.Variables)
		case "configuration":
			err = dec.Decode(&p.Config)
		case "resource_changes":
			p.ResourceChangesSeen = true
			err = decodeChanges(dec, p, keep)
		case "planned_values":
			p.PlannedValues = true
			err = dec.Decode(&skipValue{})
		case "values":
			p.Values = true
			err = dec.Decode(&skipValue{})
		default:
			err = dec.Decode(&skipValue{})
		}
		if err != nil {
			return nil, decodeErr("invalid JSON at key "+strconv.Quote(key), err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, decodeErr("invalid JSON", err)
	}
	return p, nil
}

// decodeChanges streams the resource_changes array.
func decodeChanges(dec *json.Decoder, p *plan, keep func(string) bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("resource_changes is not an array")
	}
	for dec.More() {
		rc := &resourceChange{}
		if err := dec.Decode(rc); err != nil {
			return err
		}
		if rc.Mode != "managed" {
			continue
		}
		if !keep(rc.Type) {
			// Kept for its address (a reference to it names its kind),
			// not for its values.
			rc.Change.After, rc.Change.AfterUnknown = nil, nil
		}
		p.Changes = append(p.Changes, rc)
	}
	_, err = dec.Token()
	return err
}

// decodeErr words a decoding error: the size cap as it is, a syntax
// error with its offset (the JSON package's messages quote at most one
// character of the input, never a value).
func decodeErr(what string, err error) error {
	var tooLarge *errTooLarge
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: the document ends early", what)
	case errors.As(err, &syn):
		return fmt.Errorf("%s: at byte %d: %v", what, syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("%s: %s is a JSON %s, not the %s the plan format has", what, orDocument(typ.Field), typ.Value, typ.Type)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func orDocument(field string) string {
	if field == "" {
		return "the value"
	}
	return field
}

// checkVersion accepts format versions 0.1 to 1.x, the versions whose
// shape this reader knows; 2.0 would be a breaking change of the format.
func checkVersion(v string) error {
	if v == "" {
		return errors.New("no format_version: not the JSON of a Terraform plan (make it with terraform show -json tfplan)")
	}
	major, minor, ok := strings.Cut(v, ".")
	maj, err1 := strconv.Atoi(major)
	min := 0
	var err2 error
	if ok {
		minorOnly, _, _ := strings.Cut(minor, ".")
		min, err2 = strconv.Atoi(minorOnly)
	}
	if !ok || err1 != nil || err2 != nil || maj < 0 || min < 0 || len(v) > 16 {
		return errors.New("format_version is not MAJOR.MINOR: not the JSON of a Terraform plan")
	}
	if maj >= 2 {
		return fmt.Errorf("plan format_version %d.%d is not supported: preflight reads format versions 0.1 to 1.x", maj, min)
	}
	if maj == 0 && min < 1 {
		return fmt.Errorf("plan format_version 0.%d is older than 0.1, the first Terraform published: not supported", min)
	}
	return nil
}
