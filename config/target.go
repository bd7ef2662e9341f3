package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Target is one concrete thing to probe: a host and port with an
// expectation, and what the catalogue knows about it for hints.
type Target struct {
	// Name is the entry name the target came from ("ecr.dkr", "example.com").
	Name   string
	Host   string
	Port   int
	Expect Expect
	// Region is the region the host belongs to; empty for plain hosts.
	Region string
	// Service is the catalogue row; nil for plain host names and IPs.
	Service *Service
	// EndpointService is the VPC endpoint service name, e.g.
	// "com.amazonaws.us-east-1.ecr.dkr"; empty for plain hosts.
	EndpointService string
}

// Address is host:port, bracketing IPv6 literals.
func (t Target) Address() string {
	return netipJoin(t.Host, t.Port)
}

func netipJoin(host string, port int) string {
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// Expand turns entries into targets using the run's region and account
// (an entry's own Region/Account win). Entries must not contain "auto";
// callers replace it first. Duplicate host:port pairs are probed once.
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
		// Names label metrics and report rows: keep them unique when one
		// service is checked in two regions (auto, cross-region images).
		if names[t.Name] && t.Region != "" {
			t.Name += "@" + t.Region
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
			if r == "" {
				errs = append(errs, fmt.Errorf("entry %q: service %s needs a region: pass --region or PREFLIGHT_REGION, or run inside ECS", e.String(), name))
				continue
			}
			if strings.Contains(svc.HostTemplate, "{account}") && a == "" {
				errs = append(errs, fmt.Errorf("entry %q: service %s needs an account ID: pass --account or PREFLIGHT_ACCOUNT, or run inside ECS", e.String(), name))
				continue
			}
			s := svc
			add(Target{
				Name:            name,
				Host:            hostFor(svc, r, a),
				Port:            portOr(e.Port),
				Expect:          expectOr(e.Expect, svc.Expect),
				Region:          r,
				Service:         &s,
				EndpointService: EndpointServiceName(svc, r),
			})
		}
	}
	return targets, errors.Join(errs...)
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
