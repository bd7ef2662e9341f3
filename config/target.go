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
	var targets []Target
	var errs []error
	seen := map[string]bool{}
	names := map[string]bool{}
	add := func(t Target) {
		key := t.Address()
		if seen[key] {
			return
		}
		seen[key] = true
		if names[t.Name] {
			t.Name += ":" + strconv.Itoa(t.Port)
		}
		names[t.Name] = true
		targets = append(targets, t)
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
				add(Target{Name: e.Name, Host: e.Name, Port: portOr(e.Port), Expect: expectOr(e.Expect, ExpectAny)})
				continue
			}
			if !svc.Probeable() {
				errs = append(errs, fmt.Errorf("entry %q: service %s cannot be probed: %s", e.String(), name, svc.NoHost))
				continue
			}
			if r == "" {
				errs = append(errs, fmt.Errorf("entry %q: service %s needs a region: pass --region or PREFLIGHT_REGION, or run inside ECS", e.String(), name))
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
			})
		}
	}
	return targets, errors.Join(errs...)
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
