package terraform

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
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
	// Data holds the instances of the data sources Terraform read at
	// plan time (prior_state), of the types whose ids the reader follows
	// (dataRead), by resource address without the instance key
	// ("module.net.data.aws_subnets.private").
	Data map[string][]*dataSource
	// DataDeferred holds the resource addresses of the data sources
	// resource_changes lists: Terraform reads them at apply, so their
	// values are not known, whatever an older state says.
	DataDeferred map[string]bool
	// dataBytes counts the bytes of data source values kept, against
	// maxDataBytes.
	dataBytes int
}

// dataSource is one instance of a data source as prior_state has it.
type dataSource struct {
	addr string
	typ  string
	// index is the count index (float64) or for_each key (string), or nil.
	index any
	// values are the attributes Terraform read, undecoded.
	values map[string]json.RawMessage
}

// maxDataBytes bounds the values of data sources the reader keeps from
// prior_state: the ids of a few dozen VPCs, subnets and groups take a few
// KiB; what is past it is not kept (its references stay undecided).
const maxDataBytes = 16 << 20

// maxModuleDepth bounds the nesting of prior_state's child_modules the
// reader walks; deeper modules are skipped.
const maxModuleDepth = 32

// dataRead lists the data source types whose values the reader keeps:
// those that read ids of the network and of ECS. Other data sources (a
// secret's value, a rendered template) are never held, so no value of
// theirs can reach a row.
func dataRead(typ string) bool {
	switch typ {
	case "aws_vpc", "aws_vpcs", "aws_subnet", "aws_subnets", "aws_subnet_ids",
		"aws_security_group", "aws_security_groups", "aws_route_table", "aws_route_tables",
		"aws_network_acls", "aws_vpc_endpoint", "aws_ec2_managed_prefix_list", "aws_prefix_list",
		"aws_vpc_dhcp_options", "aws_ecs_cluster", "aws_ecs_task_definition":
		return true
	}
	return false
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
		Actions []string `json:"actions"`
		// Before holds the instance's attributes in the account before
		// the change (its id), read to lay the plan over the account.
		Before map[string]json.RawMessage `json:"before"`
		// After and AfterUnknown keep their attributes undecoded: the
		// reader decodes the few it reads (tags and the like stay bytes).
		After        map[string]json.RawMessage `json:"after"`
		AfterUnknown map[string]json.RawMessage `json:"after_unknown"`
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

// decodePlan reads a plan document key by key: resource_changes one
// element at a time, keeping only the managed resources (and the
// addresses of data sources read at apply), prior_state walked by a byte
// scanner that keeps only the values of the data sources of dataRead's
// types, and the values it does not read (planned_values, the managed
// resources of prior_state: half of a plan or more) skipped without
// holding any of them in memory. Its errors
// name the problem, never a value of the document.
func decodePlan(r io.Reader, limit int64, keep func(typ string) bool) (*plan, error) {
	sc := &scanner{br: bufio.NewReaderSize(&capReader{r: r, left: limit, limit: limit}, 64<<10)}
	p := &plan{}
	c, err := sc.next()
	if err != nil {
		return nil, decodeErr("not JSON", err)
	}
	if c != '{' {
		if c == '[' {
			return nil, errors.New("not JSON of a Terraform plan: the document is not a JSON object")
		}
		return nil, errors.New("not JSON: the document does not start with { (make the plan's JSON with terraform show -json tfplan)")
	}
	for first := true; ; first = false {
		c, err := sc.next()
		if err != nil {
			return nil, decodeErr("invalid JSON", err)
		}
		if c == '}' && first {
			break
		}
		if !first {
			if c == '}' {
				break
			}
			if c != ',' {
				return nil, fmt.Errorf("invalid JSON: at byte %d: want , or } after a value", sc.off)
			}
			if c, err = sc.next(); err != nil {
				return nil, decodeErr("invalid JSON", err)
			}
		}
		if c != '"' {
			return nil, fmt.Errorf("invalid JSON: at byte %d: want a key", sc.off)
		}
		key, err := sc.key()
		if err != nil {
			return nil, decodeErr("invalid JSON", err)
		}
		if c, err = sc.next(); err != nil || c != ':' {
			return nil, decodeErr("invalid JSON", orErr(err, fmt.Errorf("at byte %d: want : after a key", sc.off)))
		}
		switch key {
		case "format_version":
			err = sc.decode(&p.FormatVersion)
		case "errored":
			err = sc.decode(&p.Errored)
		case "variables":
			err = sc.decode(&p.Variables)
		case "configuration":
			err = sc.decode(&p.Config)
		case "resource_changes":
			p.ResourceChangesSeen = true
			err = sc.changes(p, keep)
		case "planned_values":
			p.PlannedValues = true
			err = sc.skip()
		case "prior_state":
			err = sc.priorState(p)
		case "values":
			p.Values = true
			err = sc.skip()
		default:
			err = sc.skip()
		}
		if err != nil {
			where := "a top-level key"
			if safeID(key) && len(key) <= 64 {
				where = "key " + strconv.Quote(key)
			}
			return nil, decodeErr("invalid JSON at "+where, err)
		}
	}
	return p, nil
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// scanner reads the top level of a JSON document itself and hands single
// values to encoding/json. A json.Decoder reads ahead: what it buffered
// is put back in front of the stream after each value.
type scanner struct {
	br  *bufio.Reader
	off int64
	// keyBuf holds the last key keyBytes read; addrBuf, modeBuf and
	// typBuf the last address, mode and type of a prior_state resource.
	keyBuf, addrBuf, modeBuf, typBuf []byte
}

// next is the next byte that is not white space.
func (s *scanner) next() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		s.off++
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

// key reads a key after its opening quote. Keys of the plan format are
// plain names; an escaped one is kept with its escapes (and matches none).
func (s *scanner) key() (string, error) {
	b, err := s.keyBytes()
	return string(b), err
}

// keyBytes is key without allocating: the bytes are valid until the next
// key is read.
func (s *scanner) keyBytes() ([]byte, error) {
	b := s.keyBuf[:0]
	defer func() { s.keyBuf = b }()
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return nil, err
		}
		s.off++
		switch {
		case c == '"':
			return b, nil
		case c == '\\':
			if _, err := s.br.ReadByte(); err != nil {
				return nil, err
			}
			s.off++
			b = append(b, '\\')
		case len(b) < 256:
			b = append(b, c)
		}
	}
}

// decode decodes the next value into v with encoding/json.
func (s *scanner) decode(v any) error {
	dec := json.NewDecoder(s.br)
	err := dec.Decode(v)
	s.resume(dec)
	return err
}

// resume puts what dec read ahead back in front of the stream.
func (s *scanner) resume(dec *json.Decoder) {
	s.off += dec.InputOffset()
	s.br = bufio.NewReaderSize(io.MultiReader(dec.Buffered(), s.br), 64<<10)
}

// changes streams the resource_changes array.
func (s *scanner) changes(p *plan, keep func(string) bool) error {
	dec := json.NewDecoder(s.br)
	defer s.resume(dec)
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
		if rc.Mode == "data" && slices.Contains(rc.Change.Actions, "read") && safeID(rc.Address) {
			// Read at apply: its values are not known before.
			if p.DataDeferred == nil {
				p.DataDeferred = map[string]bool{}
			}
			p.DataDeferred[resourceOf(rc.Address, len(rc.Index) > 0 && string(rc.Index) != "null")] = true
		}
		if rc.Mode != "managed" {
			continue
		}
		if !keep(rc.Type) {
			// Kept for its address (a reference to it names its kind),
			// not for its values.
			rc.Change.After, rc.Change.AfterUnknown, rc.Change.Before = nil, nil, nil
		}
		// Of the values before the change, only the ids the overlay
		// reads are kept (a plan holds thousands).
		for k := range rc.Change.Before {
			if !beforeKept(k) {
				delete(rc.Change.Before, k)
			}
		}
		p.Changes = append(p.Changes, rc)
	}
	_, err = dec.Token()
	return err
}

// skip reads past one value without keeping it: strings with their
// escapes, objects and arrays by depth. It checks only what it needs to
// find the value's end.
func (s *scanner) skip() error {
	c, err := s.next()
	if err != nil {
		return err
	}
	return s.walk(c, nil)
}

// record collects the bytes of a value walk reads, up to max; past it
// the value is read to its end but not kept (over is set).
type record struct {
	buf  []byte
	max  int
	over bool
}

func (r *record) add(b ...byte) {
	if r.over {
		return
	}
	if len(r.buf)+len(b) > r.max {
		r.over, r.buf = true, nil
		return
	}
	r.buf = append(r.buf, b...)
}

// walk reads past the value that starts with c, its bytes going to rec
// when rec is not nil.
func (s *scanner) walk(c byte, rec *record) error {
	depth := 0
	for {
		if rec != nil {
			rec.add(c)
		}
		switch c {
		case '"':
			if err := s.skipString(rec); err != nil {
				return err
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return fmt.Errorf("at byte %d: unexpected %c", s.off, c)
			}
		default:
			if depth == 0 {
				// A number, true, false or null: up to the next delimiter.
				for {
					c, err := s.br.ReadByte()
					if err != nil {
						return err
					}
					if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\t' || c == '\r' {
						return s.br.UnreadByte()
					}
					if rec != nil {
						rec.add(c)
					}
					s.off++
				}
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if c, err = s.br.ReadByte(); err != nil {
			return err
		}
		s.off++
	}
}

// skipString reads past a string after its opening quote, its bytes
// (and the closing quote) going to rec when rec is not nil.
func (s *scanner) skipString(rec *record) error {
	for {
		chunk, err := s.br.ReadSlice('"')
		s.off += int64(len(chunk))
		if rec != nil {
			rec.add(chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return err
		}
		// The quote ends the string unless an odd run of backslashes
		// escapes it. A run split by a full buffer is counted from this
		// chunk alone: Terraform does not write strings of 64 KiB of
		// backslashes.
		n := 0
		for i := len(chunk) - 2; i >= 0 && chunk[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			return nil
		}
	}
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

// beforeKept lists the attributes kept of a change's before: its id and
// the parents' ids a part names.
func beforeKept(k string) bool {
	switch k {
	case "id", "route_table_id", "network_acl_id", "security_group_id", "vpc_endpoint_id", "vpc_id":
		return true
	}
	return false
}
