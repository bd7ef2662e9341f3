package cloudformation

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// open is a value the template leaves open until deploy: why says which
// function or parameter and why ("Fn::ImportValue shared-vpc-id is
// exported by a stack outside the input"). It never carries the value of
// a parameter, so it is safe to print.
type open struct{ why string }

// noValue is AWS::NoValue: the property is removed.
type noValue struct{}

// evalError is a template that cannot be read: an unknown intrinsic
// function, a malformed one, a reference to nothing.
type evalError struct {
	path string
	msg  string
}

func (e *evalError) Error() string { return e.path + ": " + e.msg }

// param is one declared parameter.
type param struct {
	typ    string
	value  any // string or []any; nil when open
	why    string
	noEcho bool
}

// scope evaluates the intrinsic functions of one stack.
type scope struct {
	st         *stack
	region     string
	account    string // Options.Account, or StandInAccount
	partition  string
	urlSuffix  string
	resources  map[string]map[string]any
	params     map[string]*param
	mappings   map[string]any
	conditions map[string]any
	condCache  map[string]any
	condBusy   map[string]bool
	// id turns a logical id of this stack into the id used in the facts.
	id func(logical string) string
	// exports are the Export names of every stack of the input, resolved
	// in their own stack (Fn::ImportValue).
	exports map[string]func() (any, error)
	depth   int
	// steps counts evaluations, and attCache and attBusy hold the
	// properties Fn::GetAtt read: a crafted template whose references
	// branch or loop ends in an error, not in exponential work.
	steps    *int
	attCache map[string]any
	attBusy  map[string]bool
}

// maxSteps bounds the evaluations of one input: a 200-service template
// takes about 60,000.
const maxSteps = 2_000_000

// maxValueBytes bounds a string Fn::Join or Fn::Sub builds: references
// that double a value at each step would otherwise fill memory.
const maxValueBytes = 1 << 20

// intrinsic reports whether m is an intrinsic function call: one key that
// is Ref, Condition or Fn::*.
func intrinsic(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// eval resolves every intrinsic function in v. Values the template leaves
// open come back as open; a malformed template is an error naming path.
func (s *scope) eval(v any, path string) (any, error) {
	s.depth++
	defer func() { s.depth-- }()
	if s.depth > 4*maxDepth {
		return nil, &evalError{path, "references nested too deep (a cycle?)"}
	}
	if s.steps != nil {
		if *s.steps++; *s.steps > maxSteps {
			return nil, &evalError{path, fmt.Sprintf("more than %d evaluations: the references of the template multiply", maxSteps)}
		}
	}
	switch t := v.(type) {
	case map[string]any:
		if fn, arg, ok := intrinsic(t); ok {
			return s.call(fn, arg, path)
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			r, err := s.eval(x, path+"."+k)
			if err != nil {
				return nil, err
			}
			if _, gone := r.(noValue); !gone {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for i, x := range t {
			r, err := s.eval(x, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			if _, gone := r.(noValue); !gone {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

// call evaluates one intrinsic function.
func (s *scope) call(fn string, arg any, path string) (any, error) {
	at := path + "." + fn
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, &evalError{at, "want a name"}
		}
		return s.ref(name, at)
	case "Fn::GetAtt":
		return s.getAtt(arg, at)
	case "Fn::Sub":
		return s.sub(arg, at)
	case "Fn::Join":
		args, err := s.list(arg, at, 2)
		if err != nil {
			return nil, err
		}
		if o, ok := firstOpen(args...); ok {
			return o, nil
		}
		delim, ok := args[0].(string)
		items, ok2 := args[1].([]any)
		if !ok || !ok2 {
			return nil, &evalError{at, "want [delimiter, [values]]"}
		}
		parts := make([]string, 0, len(items))
		for _, it := range items {
			if o, ok := it.(open); ok {
				return o, nil
			}
			str, ok := scalarString(it)
			if !ok {
				return nil, &evalError{at, "want strings to join"}
			}
			parts = append(parts, str)
		}
		n := len(delim) * len(parts)
		for _, p := range parts {
			n += len(p)
		}
		if n > maxValueBytes {
			return nil, &evalError{at, fmt.Sprintf("a value over %d KiB: the references of the template multiply", maxValueBytes>>10)}
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		args, err := s.list(arg, at, 2)
		if err != nil {
			return nil, err
		}
		if o, ok := firstOpen(args...); ok {
			return o, nil
		}
		idxStr, _ := scalarString(args[0])
		idx, err := strconv.Atoi(idxStr)
		items, ok := args[1].([]any)
		if err != nil || !ok {
			return nil, &evalError{at, "want [index, [values]]"}
		}
		if idx < 0 || idx >= len(items) {
			return nil, &evalError{at, fmt.Sprintf("index %d out of range (%d values)", idx, len(items))}
		}
		return items[idx], nil
	case "Fn::GetAZs":
		r, err := s.eval(arg, at)
		if err != nil {
			return nil, err
		}
		region, _ := r.(string)
		if region == "" {
			region = s.region
		}
		return zones(region), nil
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, &evalError{at, "want [condition, value if true, value if false]"}
		}
		name, ok := args[0].(string)
		if !ok {
			return nil, &evalError{at, "want a condition name"}
		}
		c, err := s.condition(name, at)
		if err != nil {
			return nil, err
		}
		switch c {
		case true:
			return s.eval(args[1], at+"[1]")
		case false:
			return s.eval(args[2], at+"[2]")
		}
		return c, nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition":
		return s.boolean(fn, arg, at)
	case "Fn::FindInMap":
		args, err := s.list(arg, at, 3)
		if err != nil {
			return nil, err
		}
		if o, ok := firstOpen(args[:3]...); ok {
			return o, nil
		}
		var cur any = s.mappings
		for i, k := range args[:3] {
			key, _ := scalarString(k)
			m, ok := cur.(map[string]any)
			if ok {
				cur, ok = m[key]
			}
			if !ok {
				if len(args) > 3 {
					return args[3], nil
				}
				return nil, &evalError{at, fmt.Sprintf("no key %q at level %d of Mappings", key, i+1)}
			}
		}
		return s.eval(cur, at)
	case "Fn::ImportValue":
		r, err := s.eval(arg, at)
		if err != nil {
			return nil, err
		}
		name, ok := r.(string)
		if !ok {
			if o, isOpen := r.(open); isOpen {
				return o, nil
			}
			return nil, &evalError{at, "want an export name"}
		}
		if exp, ok := s.exports[name]; ok {
			return exp()
		}
		return open{fmt.Sprintf("comes from Fn::ImportValue %s, exported by a stack outside the input", name)}, nil
	case "Fn::Split":
		args, err := s.list(arg, at, 2)
		if err != nil {
			return nil, err
		}
		if o, ok := firstOpen(args...); ok {
			return o, nil
		}
		delim, ok := args[0].(string)
		str, ok2 := args[1].(string)
		if !ok || !ok2 || delim == "" {
			return nil, &evalError{at, "want [delimiter, string]"}
		}
		var out []any
		for _, p := range strings.Split(str, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Base64":
		r, err := s.eval(arg, at)
		if err != nil {
			return nil, err
		}
		if str, ok := r.(string); ok {
			return base64.StdEncoding.EncodeToString([]byte(str)), nil
		}
		return r, nil
	case "Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Fn::GetParam", "Fn::ForEach::":
		return open{fmt.Sprintf("comes from %s, which preflight does not evaluate", fn)}, nil
	}
	return nil, &evalError{path, fmt.Sprintf("unknown intrinsic function %s", fn)}
}

// list evaluates arg as a list of at least n values.
func (s *scope) list(arg any, at string, n int) ([]any, error) {
	raw, ok := arg.([]any)
	if !ok || len(raw) < n {
		return nil, &evalError{at, fmt.Sprintf("want a list of %d values", n)}
	}
	out := make([]any, len(raw))
	for i, x := range raw {
		r, err := s.eval(x, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func firstOpen(vs ...any) (open, bool) {
	for _, v := range vs {
		if o, ok := v.(open); ok {
			return o, true
		}
	}
	return open{}, false
}

// zones stands in for Fn::GetAZs: the template only says "the Nth zone of
// the Region", never which; the stand-ins keep that identity (two subnets
// on Select 0 share a zone) without naming a real zone.
func zones(region string) []any {
	out := make([]any, 6)
	for i := range out {
		out[i] = fmt.Sprintf("%s-zone%d", region, i+1)
	}
	return out
}

// ref resolves Ref: a pseudo parameter, a parameter or a resource.
func (s *scope) ref(name, at string) (any, error) {
	switch name {
	case "AWS::Region":
		return s.region, nil
	case "AWS::Partition":
		return s.partition, nil
	case "AWS::URLSuffix":
		return s.urlSuffix, nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::AccountId":
		return s.account, nil
	case "AWS::StackName":
		if s.st.Name != "" {
			return s.st.Name, nil
		}
		return open{"comes from AWS::StackName"}, nil
	case "AWS::StackId", "AWS::NotificationARNs":
		return open{"comes from " + name}, nil
	}
	if p, ok := s.params[name]; ok {
		if p.value == nil {
			return open{p.why}, nil
		}
		return p.value, nil
	}
	res, ok := s.resources[name]
	if !ok {
		return nil, &evalError{at, fmt.Sprintf("Ref %s: no parameter or resource of that name", name)}
	}
	typ, _ := res["Type"].(string)
	switch typ {
	case "AWS::SecretsManager::Secret":
		// Ref of a secret is its ARN: the needs read the service from it.
		return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", s.partition, s.region, s.account, name), nil
	}
	return s.id(name), nil
}

// getAtt resolves the attributes audit reads; any other is open.
func (s *scope) getAtt(arg any, at string) (any, error) {
	var res, attr string
	switch t := arg.(type) {
	case string:
		res, attr, _ = strings.Cut(t, ".")
	case []any:
		if len(t) != 2 {
			return nil, &evalError{at, "want [resource, attribute]"}
		}
		res, _ = t[0].(string)
		a, err := s.eval(t[1], at+"[1]")
		if err != nil {
			return nil, err
		}
		if o, ok := a.(open); ok {
			return o, nil
		}
		attr, _ = a.(string)
	}
	r, ok := s.resources[res]
	if !ok || attr == "" {
		return nil, &evalError{at, fmt.Sprintf("Fn::GetAtt %s.%s: no resource of that name", res, attr)}
	}
	typ, _ := r["Type"].(string)
	props, _ := r["Properties"].(map[string]any)
	prop := func(name string) (any, error) {
		v, ok := props[name]
		if !ok {
			return open{fmt.Sprintf("comes from Fn::GetAtt %s.%s, which the template leaves to AWS", res, attr)}, nil
		}
		key := res + "." + name
		if r, done := s.attCache[key]; done {
			return r, nil
		}
		if s.attBusy[key] {
			return nil, &evalError{at, fmt.Sprintf("Fn::GetAtt %s.%s refers to itself", res, attr)}
		}
		if s.attCache == nil {
			s.attCache, s.attBusy = map[string]any{}, map[string]bool{}
		}
		s.attBusy[key] = true
		r, err := s.eval(v, "Resources."+res+".Properties."+name)
		s.attBusy[key] = false
		if err == nil {
			s.attCache[key] = r
		}
		return r, err
	}
	switch typ + "." + attr {
	case "AWS::EC2::VPC.VpcId", "AWS::EC2::Subnet.SubnetId", "AWS::EC2::SecurityGroup.GroupId",
		"AWS::EC2::VPCEndpoint.Id", "AWS::EC2::RouteTable.RouteTableId", "AWS::EC2::NetworkAcl.Id",
		"AWS::EC2::InternetGateway.InternetGatewayId", "AWS::EC2::NatGateway.NatGatewayId":
		return s.id(res), nil
	case "AWS::EC2::VPC.CidrBlock", "AWS::EC2::Subnet.CidrBlock", "AWS::EC2::Subnet.AvailabilityZone",
		"AWS::EC2::Subnet.VpcId", "AWS::EC2::SecurityGroup.VpcId":
		return prop(attr)
	case "AWS::EC2::VPC.DefaultSecurityGroup":
		return defaultGroupID(s.id(res)), nil
	case "AWS::EC2::VPC.DefaultNetworkAcl":
		return defaultACLID(s.id(res)), nil
	case "AWS::SecretsManager::Secret.Id":
		return s.ref(res, at)
	}
	if strings.HasSuffix(attr, "Arn") || attr == "Arn" {
		// An ARN nothing in the audit parses (roles, clusters, log
		// groups): a stand-in that names the resource.
		return fmt.Sprintf("arn:%s:cloudformation:%s::%s/%s", s.partition, s.region, s.id(res), attr), nil
	}
	return open{fmt.Sprintf("comes from Fn::GetAtt %s.%s, known only after deploy", res, attr)}, nil
}

// sub resolves Fn::Sub, in its string and its [string, variables] forms.
func (s *scope) sub(arg any, at string) (any, error) {
	var str string
	vars := map[string]any{}
	switch t := arg.(type) {
	case string:
		str = t
	case []any:
		if len(t) != 2 {
			return nil, &evalError{at, "want a string or [string, {variables}]"}
		}
		str, _ = t[0].(string)
		m, ok := t[1].(map[string]any)
		if !ok {
			return nil, &evalError{at, "want [string, {variables}]"}
		}
		for k, v := range m {
			r, err := s.eval(v, at+"."+k)
			if err != nil {
				return nil, err
			}
			vars[k] = r
		}
	default:
		return nil, &evalError{at, "want a string or [string, {variables}]"}
	}
	var b strings.Builder
	for {
		i := strings.Index(str, "${")
		if i < 0 {
			b.WriteString(str)
			return b.String(), nil
		}
		b.WriteString(str[:i])
		end := strings.IndexByte(str[i:], '}')
		if end < 0 {
			return nil, &evalError{at, "unclosed ${"}
		}
		name := strings.TrimSpace(str[i+2 : i+end])
		str = str[i+end+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}") // ${!Literal}
			continue
		}
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			v, err = s.getAtt([]any{res, attr}, at)
		} else {
			v, err = s.ref(name, at)
		}
		if err != nil {
			return nil, err
		}
		if o, ok := v.(open); ok {
			return o, nil
		}
		str2, ok := scalarString(v)
		if !ok {
			return nil, &evalError{at, fmt.Sprintf("${%s} is not a string", name)}
		}
		b.WriteString(str2)
		if b.Len() > maxValueBytes {
			return nil, &evalError{at, fmt.Sprintf("a value over %d KiB: the references of the template multiply", maxValueBytes>>10)}
		}
	}
}

// condition evaluates a named condition to true, false or open.
func (s *scope) condition(name, at string) (any, error) {
	if v, ok := s.condCache[name]; ok {
		return v, nil
	}
	raw, ok := s.conditions[name]
	if !ok {
		return nil, &evalError{at, fmt.Sprintf("no condition %s", name)}
	}
	if s.condBusy[name] {
		return nil, &evalError{at, fmt.Sprintf("condition %s refers to itself", name)}
	}
	s.condBusy[name] = true
	v, err := s.eval(raw, "Conditions."+name)
	s.condBusy[name] = false
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case bool, open:
	default:
		return nil, &evalError{"Conditions." + name, "want a condition function"}
	}
	s.condCache[name] = v
	return v, nil
}

// boolean evaluates Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition.
func (s *scope) boolean(fn string, arg any, at string) (any, error) {
	if fn == "Condition" {
		name, ok := arg.(string)
		if !ok {
			return nil, &evalError{at, "want a condition name"}
		}
		return s.condition(name, at)
	}
	args, err := s.list(arg, at, 1)
	if err != nil {
		return nil, err
	}
	if fn == "Fn::Equals" {
		if len(args) != 2 {
			return nil, &evalError{at, "want two values"}
		}
		if o, ok := firstOpen(args...); ok {
			return o, nil
		}
		a, _ := json.Marshal(normalise(args[0]))
		b, _ := json.Marshal(normalise(args[1]))
		return string(a) == string(b), nil
	}
	var opened *open
	result := fn == "Fn::And"
	for _, a := range args {
		switch t := a.(type) {
		case open:
			opened = &t
		case bool:
			switch fn {
			case "Fn::Not":
				result = !t
			case "Fn::And":
				result = result && t
			case "Fn::Or":
				result = result || t
			}
		default:
			return nil, &evalError{at, "want conditions"}
		}
	}
	if opened != nil && (fn == "Fn::Not" || fn == "Fn::And" && result || fn == "Fn::Or" && !result) {
		return *opened, nil
	}
	return result, nil
}

// normalise makes numbers and strings compare as CloudFormation does
// (Fn::Equals compares strings: "443" equals 443).
func normalise(v any) any {
	if s, ok := scalarString(v); ok {
		return s
	}
	return v
}

// scalarString renders a string, number or boolean as a string.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// sortedKeys returns m's keys in order, so that facts and errors come out
// the same on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
