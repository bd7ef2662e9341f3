package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// policyDecision is what an endpoint policy does to one request.
type policyDecision int8

const (
	// decisionUndecided: the facts cannot say (a condition, a named
	// principal, a form that cannot be read); the zero value, so a
	// verdict nobody filled in never passes or fails.
	decisionUndecided policyDecision = iota
	// decisionAllow: an Allow statement matches and no Deny can.
	decisionAllow
	// decisionDeny: an explicit Deny matches, or no statement can allow
	// (the implicit deny).
	decisionDeny
)

// policyVerdict is the decision of a policy on one request, the
// statement that decided it (`statement "Sid"` or `statement 2` when it
// has no Sid; empty for the implicit deny) and, when not allowed, why.
type policyVerdict struct {
	decision policyDecision
	stmt     string
	why      string
}

// policyStatement is the part of an IAM policy statement the evaluation
// reads. Fields that can be a string or a list are kept raw.
type policyStatement struct {
	Sid          string
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       json.RawMessage
	NotAction    json.RawMessage
	Resource     json.RawMessage
	NotResource  json.RawMessage
	Condition    json.RawMessage
}

// stmtMatch is whether one statement applies to the request: no, yes,
// or maybe (the facts cannot say; why names what is missing).
type stmtMatch struct {
	no, maybe bool
	why       string
}

// evalPolicy decides what a VPC endpoint policy does to action on
// resource for the principal that pulls images (the task execution role
// or the instance role, which the policy may or may not name). It
// evaluates as IAM does: an explicit Deny that matches wins; then an
// Allow that matches; else the implicit deny. A statement matches when
// its principal is everyone ("*" or {"AWS":"*"}), its Action (or
// NotAction) and Resource (or NotResource) cover the request, and it has
// no Condition. A condition, a named principal, NotPrincipal or a field
// that cannot be read make a statement a "maybe": a maybe-Deny or an
// Allow that only maybe matches leaves the verdict undecided, never
// passed; a document that does not parse is undecided too.
func evalPolicy(doc, action, resource string) policyVerdict {
	var p struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return policyVerdict{why: fmt.Sprintf("policy is not valid JSON: %v", err)}
	}
	var stmts []policyStatement
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one policyStatement
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return policyVerdict{why: "policy has no readable Statement"}
		}
		stmts = []policyStatement{one}
	}
	var allow, maybeAllow, maybeDeny policyVerdict
	for i, s := range stmts {
		label := fmt.Sprintf("statement %d", i+1)
		if s.Sid != "" {
			label = fmt.Sprintf("statement %q", s.Sid)
		}
		deny := strings.EqualFold(s.Effect, "Deny")
		if !deny && !strings.EqualFold(s.Effect, "Allow") {
			return policyVerdict{stmt: label, why: fmt.Sprintf("%s has Effect %q, neither Allow nor Deny", label, s.Effect)}
		}
		m := s.match(action, resource)
		switch {
		case m.no:
		case deny && !m.maybe:
			return policyVerdict{decision: decisionDeny, stmt: label, why: label + " denies it explicitly"}
		case deny:
			if maybeDeny.stmt == "" {
				maybeDeny = policyVerdict{stmt: label, why: fmt.Sprintf("%s denies it if %s", label, m.why)}
			}
		case !m.maybe:
			if allow.stmt == "" {
				allow = policyVerdict{decision: decisionAllow, stmt: label}
			}
		default:
			if maybeAllow.stmt == "" {
				maybeAllow = policyVerdict{stmt: label, why: fmt.Sprintf("%s allows it only if %s", label, m.why)}
			}
		}
	}
	switch {
	case allow.stmt == "" && maybeAllow.stmt == "":
		return policyVerdict{decision: decisionDeny, why: "no statement allows it (implicit deny)"}
	case maybeDeny.stmt != "":
		return maybeDeny
	case allow.stmt != "":
		return allow
	}
	return maybeAllow
}

// match decides whether s applies to action on resource for a principal
// the policy cannot be expected to name.
func (s policyStatement) match(action, resource string) stmtMatch {
	var maybe []string
	switch {
	case len(s.NotPrincipal) > 0:
		maybe = append(maybe, "the pulling role is outside its NotPrincipal")
	case !anyPrincipal(s.Principal):
		maybe = append(maybe, "the pulling role is among its Principal")
	}
	for _, f := range []struct {
		name        string
		val, notVal json.RawMessage
		want        string
		fold        bool
	}{
		{"Action", s.Action, s.NotAction, action, true},
		{"Resource", s.Resource, s.NotResource, resource, false},
	} {
		has, hasNot := len(f.val) > 0, len(f.notVal) > 0
		raw := f.val
		if hasNot {
			raw = f.notVal
		}
		list, ok := stringList(raw)
		switch {
		case has == hasNot || !ok:
			maybe = append(maybe, "its "+f.name+" (unreadable) covers it")
		case anyGlob(list, f.want, f.fold) == hasNot:
			return stmtMatch{no: true}
		}
	}
	if c := bytes.TrimSpace(s.Condition); len(c) > 0 && !bytes.Equal(c, []byte("null")) && !bytes.Equal(c, []byte("{}")) {
		maybe = append(maybe, "its Condition holds")
	}
	if len(maybe) > 0 {
		return stmtMatch{maybe: true, why: strings.Join(maybe, " and ")}
	}
	return stmtMatch{}
}

// stringList reads a string or a list of strings; ok is false for
// anything else.
func stringList(raw json.RawMessage) (list []string, ok bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, true
	}
	return nil, false
}

// anyPrincipal reports whether principal is "*" or {"AWS":"*"}.
func anyPrincipal(raw json.RawMessage) bool {
	if list, _ := stringList(raw); len(list) > 0 {
		for _, s := range list {
			if s == "*" {
				return true
			}
		}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		list, _ := stringList(m["AWS"])
		for _, s := range list {
			if s == "*" {
				return true
			}
		}
	}
	return false
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch matches IAM wildcards: * any run (slashes included), ? one
// character.
func globMatch(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
