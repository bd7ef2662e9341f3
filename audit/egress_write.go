package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Egress rule formats (--egress-rules).
const (
	EgressCLI            = "cli"
	EgressTerraform      = "terraform"
	EgressCloudFormation = "cloudformation"
	EgressJSON           = "json"
)

// WriteEgressRules renders rules, the EgressRules of f, in format: "cli",
// "terraform" or "cloudformation" (as a fix plan of authorize and revoke
// steps: see WritePlan), or "json" (an array). f says where the groups
// are (its Region) and how the input names them (its Source and Stacks):
// from a plan or template they are written against its own names, in its
// own format (WritePlan says which), and from several stacks for each
// stack's template. An id that matches neither its AWS pattern nor the
// source's grammar is refused, not printed.
func WriteEgressRules(w io.Writer, format string, f *Facts, rules []EgressRule) error {
	if format == EgressJSON {
		// JSON is data, but it is pasted into scripts and code as well:
		// its ids are checked as the other formats' are.
		for i, r := range rules {
			c := r.change()
			if err := c.validate(f.Source); err != nil {
				return fmt.Errorf("egress rules: rule %d: %w", i+1, err)
			}
		}
		if rules == nil {
			rules = []EgressRule{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rules); err != nil {
			return fmt.Errorf("write json egress rules: %w", err)
		}
		return nil
	}
	p := sourcePlan(f)
	p.Note = "the task security groups hold exactly the least egress set, and no allow-all."
	for _, r := range rules {
		p.Changes = append(p.Changes, r.change())
	}
	if len(p.Changes) > 0 {
		p.Note = "the least egress set of the task security groups, then the revoke of the allow-all it replaces."
	}
	if err := WritePlan(w, format, p); err != nil {
		return fmt.Errorf("egress rules: %w", err)
	}
	return nil
}

// sgDescription keeps the characters security group rule descriptions
// accept (and drops quotes, so the text is safe inside shell quotes).
func sgDescription(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" ._-:/()#,@[]+=&;{}!$*", r):
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > 255 {
		out = out[:255]
	}
	return out
}
