package terraform

import (
	"encoding/json"
	"fmt"
	"sort"
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
	create  bool
	after   map[string]any
	unknown map[string]any
	cfg     *configResource
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

// unknownAt reports whether after_unknown marks p, or any part of it, as
// known only after apply.
func (in *instance) unknownAt(p path) bool {
	var v any = in.unknown
	for _, e := range p {
		if b, ok := v.(bool); ok {
			return b
		}
		var ok bool
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
	v, _ := lookup(in.after, p)
	s, _ := v.(string)
	return s
}

// boolean is the known bool at p, and whether it was set.
func (in *instance) boolean(p ...any) (bool, bool) {
	v, _ := lookup(in.after, p)
	b, ok := v.(bool)
	return b, ok
}

// number is the known number at p as an int.
func (in *instance) number(p ...any) (int, bool) {
	v, _ := lookup(in.after, p)
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
	v, _ := lookup(in.after, p)
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
	v, _ := lookup(in.after, p)
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

// sortedInstances orders instances by index (numbers, then keys).
func sortedInstances(l []*instance) []*instance {
	out := append([]*instance(nil), l...)
	sort.SliceStable(out, func(i, j int) bool { return indexLess(out[i].index, out[j].index) })
	return out
}

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
