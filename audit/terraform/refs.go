package terraform

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// value is what a reference resolves to: the id of a resource instance
// (its address when the plan creates it) or a literal (an id, a CIDR).
type value struct {
	s string
	// of is the instance the value is an attribute of; nil for a literal.
	of *instance
	// attr is the attribute referenced ("id", "cidr_block", ...).
	attr string
}

// resolver follows the references of the plan's configuration.
type resolver struct {
	p *plan
	// byResource holds the instances of each resource:
	// "module.vpc.aws_subnet.private" → its instances.
	byResource map[string][]*instance
}

// unresolved says why a link cannot be followed: "comes from local.subnets".
type unresolved struct{ why string }

func (u *unresolved) Error() string { return u.why }

// expr is the configuration expression of in's attribute at p (nested
// blocks as lists of objects), or nil.
func (in *instance) expr(p path) map[string]any {
	if in.cfg == nil {
		return nil
	}
	v, ok := lookup(in.cfg.Expressions, p)
	if !ok {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// values resolves in's attribute at p: the known values of the plan
// first, else the references of its expression. scalar says the
// attribute holds one value.
func (r *resolver) values(in *instance, p path, scalar bool) ([]value, error) {
	if !in.unknownAt(p) {
		v, ok := in.afterAt(p)
		if !ok || v == nil {
			return nil, nil
		}
		return literals(v)
	}
	e := in.expr(p)
	if e == nil {
		if in.unsetInConfig(p) {
			// Not written: the provider computes it (a default, or what
			// association and rule resources add, merged by the reader).
			return nil, nil
		}
		return nil, &unresolved{why: "it is not written in the configuration (a dynamic block or a value the provider computes)"}
	}
	return r.expression(in.module, e, in.index, scalar)
}

// literals turns a known value (a string or a list of strings) into values.
func literals(v any) ([]value, error) {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil, nil
		}
		return []value{{s: t}}, nil
	case []any:
		var out []value
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, &unresolved{why: "it is not a list of strings"}
			}
			out = append(out, value{s: s})
		}
		return out, nil
	}
	return nil, &unresolved{why: "it is not a string"}
}

// expression resolves a configuration expression in module instance mod.
// self is the index of the instance the expression belongs to, for
// X[count.index] and X[each.key].
func (r *resolver) expression(mod string, e map[string]any, self any, scalar bool) ([]value, error) {
	if c, ok := e["constant_value"]; ok {
		return literals(c)
	}
	refs := targets(e["references"])
	if len(refs) == 0 {
		return nil, &unresolved{why: "it is a function of no reference the plan knows"}
	}
	selfIndex := false
	var real []string
	for _, ref := range refs {
		switch {
		case ref == "count.index" || ref == "each.key":
			selfIndex = true
		default:
			real = append(real, ref)
		}
	}
	if len(real) == 0 {
		return nil, &unresolved{why: "it comes from " + strings.Join(refs, " and ")}
	}
	if scalar && len(real) > 1 {
		return nil, &unresolved{why: "it is a function of several values: " + strings.Join(real, ", ")}
	}
	var out []value
	for _, ref := range real {
		vs, err := r.reference(mod, ref, self, selfIndex)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	if scalar && len(out) != 1 {
		return nil, &unresolved{why: fmt.Sprintf("it comes from %s, which has %d instances, not one", real[0], len(out))}
	}
	return out, nil
}

// targets keeps the most precise of the references Terraform lists for
// an expression: of aws_subnet.a[0].id, aws_subnet.a[0] and aws_subnet.a
// only the first.
func targets(raw any) []string {
	l, _ := raw.([]any)
	var all []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			if !safeID(s) {
				// A crafted configuration's reference reaches the
				// messages: one that is not an address is not printed.
				s = "(a reference that is not an address)"
			}
			all = append(all, s)
		}
	}
	var out []string
	for _, a := range all {
		covered := false
		for _, b := range all {
			if b != a && (strings.HasPrefix(b, a+".") || strings.HasPrefix(b, a+"[")) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, a)
		}
	}
	return out
}

// reference resolves one reference in module instance mod.
func (r *resolver) reference(mod, ref string, self any, selfIndex bool) ([]value, error) {
	parts := splitRef(ref)
	switch parts[0] {
	case "var":
		if len(parts) < 2 {
			break
		}
		return r.variable(mod, parts[1], ref)
	case "local":
		return nil, &unresolved{why: "it comes from " + ref}
	case "data":
		return r.data(mod, ref, parts, self, selfIndex)
	case "each", "self", "path", "terraform", "count":
		return nil, &unresolved{why: "it comes from " + ref}
	case "module":
		if len(parts) < 3 {
			return nil, &unresolved{why: "it comes from all of " + ref}
		}
		return r.output(mod, parts[1], parts[2], ref)
	}
	if len(parts) < 2 {
		return nil, &unresolved{why: "it comes from " + ref}
	}
	// A resource: TYPE.NAME[KEY].ATTR...
	name, key, hasKey := cutIndex(parts[1])
	res := parts[0] + "." + name
	insts := r.byResource[joinAddr(mod, res)]
	if len(insts) == 0 {
		return nil, &unresolved{why: "it comes from " + ref + ", which the plan neither creates nor keeps"}
	}
	attr := "id"
	if len(parts) > 2 {
		attr = parts[2]
	}
	pick := pickInstances(insts, func(in *instance) any { return in.index }, key, hasKey, self, selfIndex)
	if len(pick) == 0 {
		return nil, &unresolved{why: "it comes from " + ref + ", an instance the plan does not have"}
	}
	out := make([]value, 0, len(pick))
	for _, in := range pick {
		out = append(out, value{s: in.addr, of: in, attr: attr})
	}
	return out, nil
}

// pickInstances picks the instances a reference names: the one of its
// key, the only one, the one of the referring instance's own index
// (count.index, each.key), or every one (a splat, a whole map) in index
// order.
func pickInstances[T any](insts []T, index func(T) any, key string, hasKey bool, self any, selfIndex bool) []T {
	var pick []T
	switch {
	case hasKey:
		for _, in := range insts {
			if indexKey(index(in)) == key {
				pick = append(pick, in)
			}
		}
	case len(insts) == 1 && index(insts[0]) == nil:
		pick = insts
	case selfIndex && self != nil:
		for _, in := range insts {
			if indexKey(index(in)) == indexKey(self) {
				pick = append(pick, in)
			}
		}
	default:
		pick = append([]T(nil), insts...)
		sort.SliceStable(pick, func(i, j int) bool { return indexLess(index(pick[i]), index(pick[j])) })
	}
	return pick
}

// variable resolves var.NAME in module instance mod: a root variable's
// value from the plan, a module's from the argument of its call.
func (r *resolver) variable(mod, name, ref string) ([]value, error) {
	if mod == "" {
		v, ok := r.p.Variables[name]
		if !ok {
			return nil, &unresolved{why: "it comes from " + ref + ", which the plan does not set"}
		}
		var val any
		if err := json.Unmarshal(v.Value, &val); err != nil {
			return nil, &unresolved{why: "it comes from " + ref + ", whose value is not JSON"}
		}
		vs, err := literals(val)
		if err != nil {
			return nil, &unresolved{why: "it comes from " + ref + ", which is not a string or a list of strings"}
		}
		return vs, nil
	}
	parent, call := parentModule(mod)
	mc := r.moduleCall(parent, call)
	if mc == nil {
		return nil, &unresolved{why: "it comes from " + ref + " of " + mod + ", a module the configuration does not show"}
	}
	e, _ := mc.Expressions[name].(map[string]any)
	if e == nil {
		return nil, &unresolved{why: "it comes from " + ref + ", which " + mod + " leaves to its default"}
	}
	vs, err := r.expression(parent, e, nil, false)
	if err != nil {
		return nil, &unresolved{why: "it comes from " + ref + " of " + mod + ", and " + err.Error()}
	}
	return vs, nil
}

// output resolves module.CALL.OUTPUT in module instance mod.
func (r *resolver) output(mod, call, out, ref string) ([]value, error) {
	name, _, hasKey := cutIndex(call)
	mc := r.moduleCall(mod, name)
	if mc == nil || mc.Module == nil {
		return nil, &unresolved{why: "it comes from " + ref + ", a module the configuration does not show"}
	}
	if hasKey || mc.CountExpression != nil || mc.ForEachExpression != nil {
		return nil, &unresolved{why: "it comes from " + ref + ", a module with count or for_each"}
	}
	o, ok := mc.Module.Outputs[out]
	if !ok {
		return nil, &unresolved{why: "it comes from " + ref + ", an output the module does not have"}
	}
	child := joinAddr(mod, "module."+name)
	vs, err := r.expression(child, o.Expression, nil, false)
	if err != nil {
		return nil, &unresolved{why: "it comes from " + ref + ", and " + err.Error()}
	}
	return vs, nil
}

// moduleCall finds the call named call in the configuration of module
// instance mod.
func (r *resolver) moduleCall(mod, call string) *moduleCall {
	m := r.configModule(mod)
	if m == nil {
		return nil
	}
	return m.ModuleCalls[call]
}

// configModule is the configuration of module instance mod (instance
// keys dropped: every instance shares its module's configuration).
func (r *resolver) configModule(mod string) *configModule {
	if r.p.Config == nil {
		return nil
	}
	m := r.p.Config.RootModule
	for _, name := range moduleNames(mod) {
		if m == nil {
			return nil
		}
		mc := m.ModuleCalls[name]
		if mc == nil {
			return nil
		}
		m = mc.Module
	}
	return m
}

// moduleNames lists the call names of a module instance address:
// module.a["x"].module.b → a, b.
func moduleNames(mod string) []string {
	var out []string
	parts := splitRef(mod)
	for i := 0; i+1 < len(parts); i += 2 {
		name, _, _ := cutIndex(parts[i+1])
		out = append(out, name)
	}
	return out
}

// parentModule splits module.a.module.b into module.a and b.
func parentModule(mod string) (string, string) {
	parts := splitRef(mod)
	if len(parts) < 2 {
		return "", ""
	}
	name, _, _ := cutIndex(parts[len(parts)-1])
	return strings.Join(parts[:len(parts)-2], "."), name
}

// splitRef splits a reference on the dots outside brackets and quotes.
func splitRef(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' && (i == 0 || s[i-1] != '\\'):
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// cutIndex splits name[KEY] into name and the key as indexKey writes it.
func cutIndex(s string) (string, string, bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 || !strings.HasSuffix(s, "]") {
		return s, "", false
	}
	return s[:i], s[i+1 : len(s)-1], true
}

// indexKey writes an instance index as it appears in an address: 0 or "a".
func indexKey(v any) string {
	switch t := v.(type) {
	case float64:
		return strconv.Itoa(int(t))
	case string:
		return strconv.Quote(t)
	}
	return ""
}

func joinAddr(mod, rest string) string {
	if mod == "" {
		return rest
	}
	return mod + "." + rest
}

// unsetInConfig says whether the configuration shows that the attribute
// at p is not written: the block holding it is written without it.
func (in *instance) unsetInConfig(p path) bool {
	if in.cfg == nil || len(p) == 0 {
		return false
	}
	var parent any = in.cfg.Expressions
	if len(p) > 1 {
		v, ok := lookup(in.cfg.Expressions, p[:len(p)-1])
		if !ok {
			return false
		}
		parent = v
	}
	m, ok := parent.(map[string]any)
	if !ok {
		return false
	}
	_, written := m[p[len(p)-1].(string)]
	return !written
}
