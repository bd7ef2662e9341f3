package terraform

import (
	"encoding/json"
	"fmt"
	"strings"
)

// instance is one resource instance of the plan with its planned values.
type instance struct {
	addr string
	// module is the module instance address ("" for the root,
	// "module.vpc", "module.a[\"x\"].module.b").
	module string
	// resource is the address without the instance key, within module
	// ("aws_subnet.private").
	resource string
	typ      string
	// index is the count index (float64) or for_each key (string); nil
	// for a resource without either.
	index any
	// create is true when the plan creates the instance (the account does
	// not have it yet).
	create bool
	// afterRaw and unknownRaw are the planned values and after_unknown by
	// attribute, undecoded; after and unknown cache the decoded ones (a
	// nested block's instance has only these).
	afterRaw, unknownRaw map[string]json.RawMessage
	after, unknown       map[string]any
	cfg                  *configResource
}

// path is an attribute path into after / after_unknown: strings for
// attributes, ints for block and list elements.
type path []any

// String renders p as Terraform writes it: network_configuration.subnets
// (the first element of a single nested block is left out).
func (p path) String() string {
	var b strings.Builder
	for _, e := range p {
		switch v := e.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case int:
			if v != 0 {
				fmt.Fprintf(&b, "[%d]", v)
			}
		}
	}
	return b.String()
}

// lookup walks v along p.
func lookup(v any, p path) (any, bool) {
	for _, e := range p {
		switch k := e.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok = m[k]
			if !ok {
				return nil, false
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil, false
			}
			v = l[k]
		}
	}
	return v, true
}

// top is the decoded top-level attribute k of the planned values (or of
// after_unknown).
func (in *instance) top(unknown bool, k string) (any, bool) {
	cache, raw := &in.after, in.afterRaw
	if unknown {
		cache, raw = &in.unknown, in.unknownRaw
	}
	if v, ok := (*cache)[k]; ok {
		return v, true
	}
	r, ok := raw[k]
	if !ok {
		return nil, false
	}
	var v any
	if json.Unmarshal(r, &v) != nil {
		return nil, false
	}
	if *cache == nil {
		*cache = map[string]any{}
	}
	(*cache)[k] = v
	return v, true
}

// at walks the planned values (or after_unknown) along p.
func (in *instance) at(unknown bool, p path) (any, bool) {
	if len(p) == 0 {
		return nil, false
	}
	k, ok := p[0].(string)
	if !ok {
		return nil, false
	}
	v, ok := in.top(unknown, k)
	if !ok {
		return nil, false
	}
	return lookup(v, p[1:])
}

// afterAt is the planned value at p.
func (in *instance) afterAt(p path) (any, bool) { return in.at(false, p) }

// unknownAt reports whether after_unknown marks p, or any part of it, as
// known only after apply.
func (in *instance) unknownAt(p path) bool {
	if len(p) == 0 {
		return false
	}
	k, _ := p[0].(string)
	v, ok := in.top(true, k)
	if !ok {
		return false
	}
	for _, e := range p[1:] {
		if b, ok := v.(bool); ok {
			return b
		}
		v, ok = lookup(v, path{e})
		if !ok {
			return false
		}
	}
	return anyTrue(v)
}

func anyTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case []any:
		for _, e := range t {
			if anyTrue(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if anyTrue(e) {
				return true
			}
		}
	}
	return false
}

// str is the known string at p ("" when absent or null).
func (in *instance) str(p ...any) string {
	v, _ := in.afterAt(p)
	s, _ := v.(string)
	return s
}

// boolean is the known bool at p, and whether it was set.
func (in *instance) boolean(p ...any) (bool, bool) {
	v, _ := in.afterAt(p)
	b, ok := v.(bool)
	return b, ok
}

// number is the known number at p as an int.
func (in *instance) number(p ...any) (int, bool) {
	v, _ := in.afterAt(p)
	switch n := v.(type) {
	case float64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// strs is the known list of strings at p.
func (in *instance) strs(p ...any) []string {
	v, _ := in.afterAt(p)
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// blocks is the number of elements of the nested block (or list) at p.
func (in *instance) blocks(p ...any) int {
	v, _ := in.afterAt(p)
	l, _ := v.([]any)
	return len(l)
}

// safeID says whether an id or address taken from a plan may reach a
// row, a hint or a command: letters, digits and the punctuation of ids,
// ARNs and addresses, so that a crafted plan's key cannot carry a shell
// metacharacter or a newline into them.
func safeID(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_.:/[]\"*@+=,-", r):
		default:
			return false
		}
	}
	return true
}

// indexLess orders instance indexes: numbers, then keys.
func indexLess(a, b any) bool {
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	switch {
	case aNum && bNum:
		return fa < fb
	case aNum != bNum:
		return aNum
	}
	sa, _ := a.(string)
	sb, _ := b.(string)
	return sa < sb
}
