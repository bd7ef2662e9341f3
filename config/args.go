package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// scan reads command's flags from args over the options table. Unlike the
// standard flag package it does not stop at the first problem: it returns
// the values given (by option name; the last of repeated flags wins, except
// that a repeatable flag's values are joined with flagSeparator) and
// an error for every unknown flag, flag of another command, missing value
// and stray argument, so that one run shows everything to fix. help
// reports -h or --help.
//
// Accepted forms: --name=value, --name value, -name (either number of
// dashes), and for a bool flag --name or --name=false. "--" ends the flags.
// flagSeparator joins the values of a repeatable flag given more than
// once. A NUL cannot be in a command-line argument, so any value,
// commas included, comes back whole.
const flagSeparator = "\x00"

func scan(command string, args []string) (values map[string]string, errs []error, help bool) {
	values = map[string]string{}
	var stray []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			stray = append(stray, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			stray = append(stray, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		if name == "h" || name == "help" {
			help = true
			continue
		}
		// next takes the following argument as the flag's value.
		next := func() (string, bool) {
			if i+1 < len(args) && !isFlag(command, args[i+1]) {
				i++
				return args[i], true
			}
			return "", false
		}
		o, ok := lookup(command, name)
		if !ok {
			// Swallow the value of a flag that takes one, so that it is not
			// reported again as a stray argument.
			if other, known := lookupAny(name); (known && !other.isBool) || (!known && !hasValue) {
				if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
					i++
				}
			}
			errs = append(errs, unknownFlag(command, name))
			continue
		}
		switch {
		case hasValue:
		case o.isBool:
			value = "true"
			// --tls false sets --tls and leaves "false" behind, which the
			// standard flag package silently took for an argument.
			if i+1 < len(args) && isBoolWord(args[i+1]) {
				errs = append(errs, fmt.Errorf("flag --%s %s: a bool flag takes its value after \"=\": did you mean --%s=%s?", name, args[i+1], name, args[i+1]))
				i++
				continue
			}
		default:
			v, ok := next()
			if !ok {
				errs = append(errs, fmt.Errorf("flag --%s needs a value (%s)", name, o.valueName()))
				continue
			}
			value = v
		}
		if prev, ok := values[o.name]; ok && o.repeatable {
			value = prev + flagSeparator + value
		}
		values[o.name] = value
	}
	if len(stray) > 0 {
		quoted := make([]string, len(stray))
		for i, s := range stray {
			quoted[i] = fmt.Sprintf("%q", s)
		}
		errs = append(errs, fmt.Errorf("unexpected argument %s: %s takes flags only", strings.Join(quoted, " "), command))
	}
	return values, errs, help
}

// isFlag says whether arg is a flag rather than a value: a known flag of
// any command, or -h/--help. A value may begin with a dash (--wait -1s
// gets "must not be negative", not "needs a value").
func isFlag(command, arg string) bool {
	if !strings.HasPrefix(arg, "-") {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	_, known := lookupAny(name)
	return known || name == "h" || name == "help" || strings.HasPrefix(arg, "--")
}

func isBoolWord(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false":
		return true
	}
	return false
}

// lookup finds the option name of command.
func lookup(command, name string) (option, bool) {
	for _, o := range options {
		if o.name == name && o.appliesTo(command) {
			return o, true
		}
	}
	return option{}, false
}

// lookupAny finds an option name of any command.
func lookupAny(name string) (option, bool) {
	for _, o := range options {
		if o.name == name {
			return o, true
		}
	}
	return option{}, false
}

// commandsOf lists the commands that take flag name, in table order.
func commandsOf(name string) []string {
	var out []string
	for _, o := range options {
		if o.name != name {
			continue
		}
		for _, c := range o.cmds() {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// unknownFlag explains a flag command does not take: whose flag it is, or
// the closest flag it may have meant.
func unknownFlag(command, name string) error {
	if cmds := commandsOf(name); cmds != nil {
		return fmt.Errorf("flag --%s does not apply to %s (it is a flag of %s)", name, command, andList(cmds))
	}
	if s := suggest(name, func(o option) bool { return o.appliesTo(command) }); s != "" {
		return fmt.Errorf("unknown flag --%s: did you mean --%s?", name, s)
	}
	if s := suggest(name, func(option) bool { return true }); s != "" {
		return fmt.Errorf("unknown flag --%s: did you mean --%s? (a flag of %s, not %s)", name, s, andList(commandsOf(s)), command)
	}
	return errors.New("unknown flag --" + name)
}

// suggest returns the option name closest to name among those keep
// accepts, if it is at most two edits away.
func suggest(name string, keep func(option) bool) string {
	var names []string
	for _, o := range options {
		if keep(o) {
			names = append(names, o.name)
		}
	}
	return Closest(name, names)
}

// Closest returns the candidate closest to name, if it is at most two edits
// away and not a complete rewrite of a short word; "" otherwise. The first
// of equally close candidates wins.
func Closest(name string, candidates []string) string {
	return closest(name, candidates, editDistance)
}

// maxSuggestEdits is how far a suggestion may be from what was typed.
const maxSuggestEdits = 2

// closest is Closest with the distance function as a seam. The distance
// is at least the difference in length, so a candidate whose length
// differs by more than maxSuggestEdits is skipped before dist runs: a
// 120 KB flag costs a length comparison per candidate, not a 120 KB
// distance table each.
func closest(name string, candidates []string, dist func(a, b string) int) string {
	best, bestDist := "", maxSuggestEdits+1
	for _, c := range candidates {
		if diff := len(name) - len(c); diff > maxSuggestEdits || -diff > maxSuggestEdits {
			continue
		}
		if d := dist(name, c); d < bestDist && d < len(c) && d < len(name) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment): --wiat is one edit from --wait.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// andList joins values as "a, b and c".
func andList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " and " + values[len(values)-1]
}

// Flag describes one flag of a command, for help and shell completion.
type Flag struct {
	Name, Env, Default, Usage string
	// Placeholder names the value's type in help ("duration", "list",
	// "deny|strict|warn|off"); empty for a bool flag.
	Placeholder string
	Bool        bool
	// Values are the accepted values of an enumeration, nil otherwise
	// (and for a bool flag).
	Values []string
}

// FlagsFor lists the flags command takes, in table order.
func FlagsFor(command string) []Flag {
	var out []Flag
	for _, o := range options {
		if !o.appliesTo(command) {
			continue
		}
		f := Flag{Name: o.name, Env: EnvName(o.name), Default: o.def, Usage: o.usageOf(command), Placeholder: o.valueName(), Bool: o.isBool}
		if !o.isBool {
			f.Values = slices.Clone(o.values)
		}
		out = append(out, f)
	}
	return out
}

// FlagCommands lists the commands that take flag name (without dashes).
func FlagCommands(name string) []string { return commandsOf(name) }
