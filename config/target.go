package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Target is one concrete thing to probe: a host and port with an
// expectation, and what the catalogue knows about it for hints.
type Target struct {
	// Name labels metrics and report rows; unique within one Expand result
	// (see Expand for the rule).
	Name   string
	Host   string
	Port   int
	Expect Expect
	// Region is the region the host belongs to; empty for plain hosts.
	Region string
	// Account is the account in the host (ecr.dkr); empty otherwise.
	Account string
	// Service is the catalogue row; nil for plain host names and IPs.
	Service *Service
	// EndpointService is the VPC endpoint service name, e.g.
	// "com.amazonaws.us-east-1.ecr.dkr"; empty for plain hosts.
	EndpointService string
	// From is the entry the target came from, in the --checks grammar, or
	// the reason auto derived it.
	From string

	// explicit: the entry named the expectation (not a catalogue default);
	// derived: auto made the entry from the task metadata.
	explicit, derived bool
}

// Override records two entries that name one host and port: the first is
// checked, the second is not. Plans report it.
type Override struct {
	Address       string
	Kept, Dropped string
}

// Address is host:port, bracketing IPv6 literals.
func (t Target) Address() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
}

// Expand turns entries into targets using the run's region and account
// (an entry's own Region/Account win). Entries must not contain "auto";
// callers replace it first. Duplicate host:port pairs are probed once.
//
// Target names are metric label values, so they are unique and do not
// depend on entry order: a catalogue target in the run's own region and
// account is named after its service ("ecr.dkr"); in another region
// NAME@REGION ("logs@us-west-2"); another account's registry in the run's
// region NAME@ACCOUNT ("ecr.dkr@111122223333"); both NAME@ACCOUNT.REGION.
// Only services whose host names an account get the account part. A plain
// host is named after itself. When a name is already taken by the same
// name on another port, ":PORT" is appended ("db.internal:5433").
func Expand(entries []Entry, region, account string) ([]Target, error) {
	targets, _, err := ExpandAll(entries, region, account)
	return targets, err
}

// ExpandAll is Expand that also says which entries lost to another for the
// same host and port. One address is checked once, under one expectation:
// an entry that names its expectation wins over a catalogue default or a
// bundle member (ecr,ecr.api=public), an entry of the user's wins over one
// auto derived (auto,ecr.api=any); two entries that name different
// expectations for one address are an error that names both.
func ExpandAll(entries []Entry, region, account string) ([]Target, []Override, error) {
	// An entry is one target unless it names a bundle: size for that.
	targets := make([]Target, 0, len(entries))
	var overrides []Override
	var errs []error
	at := make(map[string]int, len(entries)) // address -> index in targets
	names := make(map[string]bool, len(entries))
	add := func(t Target) {
		key := t.Address()
		i, seen := at[key]
		if !seen {
			if names[t.Name] {
				t.Name += ":" + strconv.Itoa(t.Port)
			}
			names[t.Name] = true
			at[key] = len(targets)
			targets = append(targets, t)
			return
		}
		old := targets[i]
		if old.Expect == t.Expect {
			return
		}
		switch {
		case old.explicit && t.explicit && !old.derived && !t.derived:
			errs = append(errs, fmt.Errorf("entries %q and %q both check %s, expecting %s and %s: keep one", old.From, t.From, key, old.Expect, t.Expect))
		case rank(t) > rank(old):
			t.Name = old.Name
			targets[i] = t
			overrides = append(overrides, Override{Address: key, Kept: t.From, Dropped: old.From})
		default:
			overrides = append(overrides, Override{Address: key, Kept: old.From, Dropped: t.From})
		}
	}
	for _, e := range entries {
		if e.Name == AutoEntry {
			errs = append(errs, errors.New("internal: auto entry reached expansion"))
			continue
		}
		r, a := region, account
		if e.Region != "" {
			r = e.Region
		}
		if e.Account != "" {
			a = e.Account
		}
		members := []string{e.Name}
		if m, ok := bundles[e.Name]; ok {
			members = m
		}
		for _, name := range members {
			svc, ok := LookupService(name)
			if !ok {
				add(Target{Name: e.Name, Host: e.Name, Port: portOr(e.Port), Expect: expectOr(e.Expect, ExpectAny),
					From: e.from(), explicit: e.Expect != "", derived: e.Derived != ""})
				continue
			}
			if !svc.Probeable() {
				errs = append(errs, fmt.Errorf("entry %q: service %s cannot be probed: %s", e.String(), name, svc.NoHost))
				continue
			}
			if r == "" {
				errs = append(errs, fmt.Errorf("entry %q: service %s needs a region: set --region, PREFLIGHT_REGION or AWS_REGION, or run inside ECS (the task ARN names it)", e.String(), name))
				continue
			}
			if !ValidRegion(r) {
				errs = append(errs, fmt.Errorf("entry %q: service %s: region %q is in no AWS partition", e.String(), name, r))
				continue
			}
			tgtAccount := ""
			if needsAccount(svc) {
				if a == "" {
					errs = append(errs, fmt.Errorf("entry %q: service %s needs an account ID: pass --account or PREFLIGHT_ACCOUNT, or run inside ECS", e.String(), name))
					continue
				}
				tgtAccount = a
			}
			s := svc
			add(Target{
				Name:            targetName(name, r, tgtAccount, region, account),
				Host:            hostFor(svc, r, a),
				Port:            portOr(e.Port),
				Expect:          expectOr(e.Expect, svc.Expect),
				Region:          r,
				Account:         tgtAccount,
				Service:         &s,
				EndpointService: EndpointServiceName(svc, r),
				From:            e.from(),
				explicit:        e.Expect != "",
				derived:         e.Derived != "",
			})
		}
	}
	return targets, overrides, errors.Join(errs...)
}

// rank orders entries that compete for one address: the user's over auto's,
// then a named expectation over a default.
func rank(t Target) int {
	r := 0
	if !t.derived {
		r += 2
	}
	if t.explicit {
		r++
	}
	return r
}

// targetName names a catalogue target relative to the run's region and
// account (see Expand). account is empty for services without one.
func targetName(service, region, account, runRegion, runAccount string) string {
	otherRegion := region != runRegion
	otherAccount := account != "" && account != runAccount
	switch {
	case otherAccount && otherRegion:
		return service + "@" + account + "." + region
	case otherAccount:
		return service + "@" + account
	case otherRegion:
		return service + "@" + region
	}
	return service
}

func portOr(p int) int {
	if p == 0 {
		return DefaultPort
	}
	return p
}

func expectOr(e, def Expect) Expect {
	if e == "" {
		return def
	}
	return e
}

// PrivateOption is the VPC endpoint service whose interface endpoint,
// with private DNS, would answer t's host privately in a VPC of region:
// t.EndpointService for an interface service of that region, or of
// another region when AWS PrivateLink serves the service across Regions.
// It is empty when no endpoint would: a plain host, a gateway service (S3
// and DynamoDB answer public addresses through their gateway endpoints
// too), or a service in another region that no cross-Region endpoint
// serves (logs). An empty region means t's own.
func (t Target) PrivateOption(region string) string {
	if t.Service == nil || t.Service.Kind != Interface {
		return ""
	}
	if region != "" && t.Region != "" && t.Region != region && !t.Service.CrossRegion {
		return ""
	}
	return t.EndpointService
}

// RelaxedBy is the entry that accepts any address for t: the user's own
// entry (from --checks or PREFLIGHT_CHECKS, not one auto derived) that
// named =any, as its text; empty otherwise. Such an entry wins over a
// catalogue default and over what auto derived, so that it relaxes one
// need alone.
func (t Target) RelaxedBy() string {
	if t.Expect != ExpectAny || !t.explicit || t.derived {
		return ""
	}
	return t.From
}
