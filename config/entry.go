package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Expect is what a check entry requires of the addresses a name resolves to.
type Expect string

const (
	// ExpectPrivate: every address inside the private CIDRs, and reachable.
	ExpectPrivate Expect = "private"
	// ExpectPublic: every address outside the private CIDRs, and reachable.
	ExpectPublic Expect = "public"
	// ExpectAny: only reachability counts.
	ExpectAny Expect = "any"
	// ExpectBlocked: no address may accept a TCP connection.
	ExpectBlocked Expect = "blocked"
)

func parseExpect(s string) (Expect, bool) {
	switch e := Expect(s); e {
	case ExpectPrivate, ExpectPublic, ExpectAny, ExpectBlocked:
		return e, true
	}
	return "", false
}

// AutoEntry is the entry name that asks preflight to derive checks from the
// task metadata.
const AutoEntry = "auto"

// DefaultPort is the port probed when an entry names none.
const DefaultPort = 443

// Entry is one parsed element of --checks: NAME[@SCOPE][:PORT][=EXPECT],
// where SCOPE (catalogue names only) is REGION, ACCOUNT or ACCOUNT.REGION,
// as target names print them (logs@us-west-2, ecr.dkr@111122223333.eu-west-1).
type Entry struct {
	// Name is a catalogue name, a bundle, "auto", a host name or an IP
	// literal; never with its @SCOPE (that is in Region and Account).
	Name string
	// Port is 0 when the entry did not name one.
	Port int
	// Expect is empty when the entry did not name one.
	Expect Expect
	// Region and Account override the run's region and account: set by a
	// NAME@SCOPE entry, and for entries derived from task metadata (an
	// image in another account).
	Region, Account string
	// Derived is why auto derived the entry ("image 1234....dkr.ecr...");
	// empty for the user's entries.
	Derived string
}

// from names the entry in reports: its text, or auto's reason.
func (e Entry) from() string {
	if e.Derived != "" {
		return "auto (" + e.Derived + ")"
	}
	return e.String()
}

// String renders e in the --checks grammar; ParseEntry reads it back.
func (e Entry) String() string {
	s := e.Name
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() && e.Port != 0 {
		s = "[" + s + "]"
	}
	switch {
	case e.Account != "" && e.Region != "":
		s += "@" + e.Account + "." + e.Region
	case e.Account != "":
		s += "@" + e.Account
	case e.Region != "":
		s += "@" + e.Region
	}
	if e.Port != 0 {
		s += ":" + strconv.Itoa(e.Port)
	}
	if e.Expect != "" {
		s += "=" + string(e.Expect)
	}
	return s
}

// ParseEntries parses a comma-separated --checks value. It returns every
// entry it could parse and one error per bad entry.
func ParseEntries(list string) ([]Entry, error) {
	var entries []Entry
	var errs []error
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		e, err := ParseEntry(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no check entries: want NAME[@SCOPE][:PORT][=EXPECT], comma-separated, or auto"))
	}
	return entries, errors.Join(errs...)
}

// ParseEntry parses one NAME[@SCOPE][:PORT][=EXPECT] entry. An IPv6
// literal with a port is written in brackets: [fd00::1]:443. A catalogue
// name may carry the scope a target name prints (NAME@REGION,
// NAME@ACCOUNT, NAME@ACCOUNT.REGION), so that a name copied from a report
// checks that same target again.
func ParseEntry(raw string) (Entry, error) {
	fail := func(format string, a ...any) (Entry, error) {
		return Entry{}, fmt.Errorf("entry %q: %s", raw, fmt.Sprintf(format, a...))
	}
	var e Entry
	rest := raw
	if i := strings.LastIndexByte(rest, '='); i >= 0 {
		exp, ok := parseExpect(rest[i+1:])
		if !ok {
			return fail("unknown expectation %q: want private, public, any or blocked", rest[i+1:])
		}
		e.Expect, rest = exp, rest[:i]
	}
	name, port, err := splitNamePort(rest)
	if err != nil {
		return fail("%v", err)
	}
	e.Name, e.Port = strings.ToLower(strings.TrimSuffix(name, ".")), port
	if at := strings.IndexByte(e.Name, '@'); at >= 0 {
		scoped, err := parseScope(e, at)
		if err != nil {
			return fail("%v", err)
		}
		return scoped, nil
	}
	if e.Name == AutoEntry {
		if e.Port != 0 || e.Expect != "" {
			return fail("auto takes no port or expectation")
		}
		return e, nil
	}
	if isCatalogueName(e.Name) {
		if svc, ok := LookupService(e.Name); ok && !svc.Probeable() {
			return fail("service %s cannot be probed: %s", e.Name, svc.NoHost)
		}
		return e, nil
	}
	if _, err := netip.ParseAddr(name); err == nil {
		e.Name = name
		return e, nil
	}
	if !strings.Contains(e.Name, ".") {
		return fail("unknown service %q: want one of %s, or a host name with a dot", e.Name, strings.Join(catalogueNames(), ", "))
	}
	if err := validHostName(e.Name); err != nil {
		return fail("%v", err)
	}
	return e, nil
}

// parseScope reads the NAME@SCOPE of e.Name, split at at: SCOPE is a
// 12-digit account, a region some partition accepts, or ACCOUNT.REGION.
// Only catalogue names take one (a host name has its own region or
// none), and an account only where the host names one (ecr.dkr).
func parseScope(e Entry, at int) (Entry, error) {
	name, scope := e.Name[:at], e.Name[at+1:]
	switch {
	case name == AutoEntry:
		return Entry{}, errors.New("auto takes no @REGION or @ACCOUNT")
	case name == "":
		return Entry{}, errors.New("empty name before @")
	case !isCatalogueName(name):
		return Entry{}, fmt.Errorf("%q before @ is not a catalogue service: only catalogue names take @REGION, @ACCOUNT or @ACCOUNT.REGION", name)
	}
	switch acct, region, _ := strings.Cut(scope, "."); {
	case ValidAccount(scope):
		e.Account = scope
	case ValidAccount(acct) && ValidRegion(region):
		e.Account, e.Region = acct, region
	case ValidRegion(scope):
		e.Region = scope
	default:
		return Entry{}, fmt.Errorf("%q after @ is neither a region (us-west-2), a 12-digit account nor ACCOUNT.REGION", scope)
	}
	e.Name = name
	if svc, ok := LookupService(name); ok && !svc.Probeable() {
		return Entry{}, fmt.Errorf("service %s cannot be probed: %s", name, svc.NoHost)
	}
	if e.Account != "" && !takesAccount(name) {
		return Entry{}, fmt.Errorf("service %s has no account in its host name: write %s@REGION", name, name)
	}
	return e, nil
}

// takesAccount reports whether a catalogue name (or one member of a
// bundle) has the account in its host name.
func takesAccount(name string) bool {
	members := []string{name}
	if m, ok := bundles[name]; ok {
		members = m
	}
	for _, n := range members {
		if svc, ok := LookupService(n); ok && needsAccount(svc) {
			return true
		}
	}
	return false
}

func splitNamePort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("empty name")
	}
	var name, portText string
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("missing ] after IPv6 address")
		}
		name = s[1:end]
		if a, err := netip.ParseAddr(name); err != nil || !a.Is6() {
			return "", 0, fmt.Errorf("%q in brackets is not an IPv6 address", name)
		}
		after := s[end+1:]
		if after != "" {
			if !strings.HasPrefix(after, ":") {
				return "", 0, fmt.Errorf("unexpected %q after ]", after)
			}
			portText = after[1:]
		}
	case strings.Count(s, ":") > 1:
		// A bare IPv6 literal: no port possible without brackets.
		if _, err := netip.ParseAddr(s); err != nil {
			return "", 0, fmt.Errorf("%q is not an IPv6 address (write [ADDR]:PORT for a port)", s)
		}
		return s, 0, nil
	default:
		name = s
		if i := strings.IndexByte(s, ':'); i >= 0 {
			name, portText = s[:i], s[i+1:]
		}
	}
	if name == "" {
		return "", 0, errors.New("empty name")
	}
	if portText == "" {
		if strings.HasSuffix(s, ":") {
			return "", 0, errors.New("empty port")
		}
		return name, 0, nil
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q: want a number from 1 to 65535", portText)
	}
	return name, port, nil
}

func validHostName(name string) error {
	if len(name) > 253 {
		return fmt.Errorf("host name longer than 253 characters")
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return fmt.Errorf("host name %q has an empty label", name)
		}
		if len(label) > 63 {
			return fmt.Errorf("host name label %q longer than 63 characters", label)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host name label %q starts or ends with a hyphen", label)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("host name %q has invalid character %q", name, c)
			}
		}
	}
	return nil
}
