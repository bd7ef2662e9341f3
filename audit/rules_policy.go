package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// policyStatement is the part of an IAM policy statement the layer check
// reads. Fields that can be a string or a list are kept raw.
type policyStatement struct {
	Effect      string
	Principal   json.RawMessage
	Action      json.RawMessage
	NotAction   json.RawMessage
	Resource    json.RawMessage
	NotResource json.RawMessage
	Condition   json.RawMessage
}

// policyAllows reports whether doc provably allows action on resource for
// any principal: an unconditional Allow statement matches, and no Deny
// statement might match. When it cannot prove it, why says what is missing.
// It errs towards "not provable": NotAction, NotResource and conditions
// are not evaluated.
func policyAllows(doc, action, resource string) (ok bool, why string) {
	var p struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return false, fmt.Sprintf("policy is not valid JSON: %v", err)
	}
	var stmts []policyStatement
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one policyStatement
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return false, "policy has no readable Statement"
		}
		stmts = []policyStatement{one}
	}
	allowed := false
	for i, s := range stmts {
		matches := len(s.NotAction) == 0 && len(s.NotResource) == 0 &&
			anyGlob(stringList(s.Action), action, true) && anyGlob(stringList(s.Resource), resource, false)
		switch {
		case strings.EqualFold(s.Effect, "Deny"):
			// A Deny that might apply (NotAction/NotResource/conditions
			// included) defeats the proof.
			if len(s.NotAction) > 0 || len(s.NotResource) > 0 || matches {
				return false, fmt.Sprintf("statement %d denies it (or might)", i+1)
			}
		case strings.EqualFold(s.Effect, "Allow"):
			if matches && len(s.Condition) == 0 && anyPrincipal(s.Principal) {
				allowed = true
			}
		}
	}
	if !allowed {
		return false, "no unconditional Allow statement for any principal matches"
	}
	return true, ""
}

// stringList reads a string or a list of strings; nil for anything else.
func stringList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// anyPrincipal reports whether principal is "*" or {"AWS":"*"}.
func anyPrincipal(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	for _, s := range stringList(raw) {
		if s == "*" {
			return true
		}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		for _, s := range stringList(m["AWS"]) {
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
