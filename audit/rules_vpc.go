package audit

import (
	"fmt"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// vpcRows judges the VPC settings that private DNS for interface endpoints
// depends on: enableDnsSupport, enableDnsHostnames and the DHCP resolver.
// They matter only when some need is served by an interface endpoint.
func (e *evaluator) vpcRows(tn *taskNet, needs []Need) []report.Result {
	var why []string
	for _, n := range needs {
		svc, ok := config.LookupService(n.Service)
		if !ok || n.Internet {
			continue
		}
		// A cross-Region interface endpoint (for S3 too) resolves by
		// private DNS like a local one.
		if n.CrossRegion(e.f.Region) && crossRegionEndpoint(e.f, tn.vpcID, n) != nil ||
			svc.Kind == config.Interface && !n.CrossRegion(e.f.Region) {
			why = append(why, n.Service)
		}
	}
	if len(why) == 0 {
		return nil
	}
	reason := tn.name + ": private DNS of the interface endpoints (" + strings.Join(uniqSorted(why...), ", ") + ")"
	if tn.vpc == nil {
		if u := findUndecided(e.f, ActionDescribeVpcs, tn.vpcID); u != nil {
			return []report.Result{undecidedRow(CheckDNSSupport, tn.vpcID, *u, "the VPC's DNS attributes decide private DNS", e.opts)}
		}
		return []report.Result{{
			Check: CheckDNSSupport, Target: tn.vpcID, Status: report.StatusWarn, Class: report.ClassUndecided,
			Reason: reason, Error: "VPC " + tn.vpcID + " is not in the facts", Resources: []string{tn.vpcID},
		}}
	}
	return []report.Result{e.dnsSupportRow(tn.vpc, reason), e.dhcpRow(tn.vpc, reason)}
}

func (e *evaluator) dnsSupportRow(v *VPC, reason string) report.Result {
	r := report.Result{Check: CheckDNSSupport, Target: v.ID, Reason: reason, Resources: []string{v.ID}}
	var bad, hints, unknown []string
	for _, a := range []struct {
		name, flag string
		val        Tri
	}{
		{"enableDnsSupport", "--enable-dns-support", v.DNSSupport},
		{"enableDnsHostnames", "--enable-dns-hostnames", v.DNSHostnames},
	} {
		switch a.val {
		case TriFalse:
			bad = append(bad, a.name+"=false")
			hints = append(hints, fmt.Sprintf(`aws ec2 modify-vpc-attribute --vpc-id %s %s '{"Value":true}'`, v.ID, a.flag))
			e.propose(&r, Change{Kind: ChangeVPCAttribute, VPC: v.ID, Attribute: a.name})
		case TriUnknown:
			unknown = append(unknown, a.name)
		}
	}
	// A known false is a finding on its own; an unknown only matters when
	// nothing is known to be wrong.
	if len(bad) == 0 && len(unknown) > 0 {
		u := findUndecided(e.f, ActionDescribeVpcAttribute, v.ID)
		if u == nil {
			u = &Undecided{Action: ActionDescribeVpcAttribute, Resource: v.ID, Err: strings.Join(unknown, " and ") + " not in the facts"}
		}
		ur := undecidedRow(CheckDNSSupport, v.ID, *u, strings.Join(unknown, " and ")+" decide whether endpoint private DNS answers", e.opts)
		ur.Reason = reason
		return ur
	}
	if len(bad) > 0 {
		r.Status, r.Class = report.StatusFail, report.ClassDNSPosture
		r.Error = fmt.Sprintf("VPC %s has %s: endpoint private DNS names do not resolve, so tasks resolve the public names", v.ID, strings.Join(bad, " and "))
		r.Hint = checked(strings.Join(hints, " && "), vpcIDs(v.ID))
		return r
	}
	r.Status, r.Detail = report.StatusPass, "enableDnsSupport=true, enableDnsHostnames=true"
	return r
}

func (e *evaluator) dhcpRow(v *VPC, reason string) report.Result {
	r := report.Result{Check: CheckDHCP, Target: v.ID, Reason: reason, Resources: uniqSorted(v.ID, v.DHCPOptionsID)}
	if v.DHCPOptionsID == "" {
		// The VPC was not described: which options it has is unknown.
		u := findUndecided(e.f, ActionDescribeVpcs, v.ID)
		if u == nil {
			u = &Undecided{Action: ActionDescribeVpcs, Resource: v.ID, Err: "the VPC's DHCP options set is not in the facts"}
		}
		ur := undecidedRow(CheckDHCP, v.ID, *u, "the DHCP options name the resolver the tasks use", e.opts)
		ur.Reason = reason
		return ur
	}
	if v.DHCPOptionsID == noDHCPOptions || (v.DomainNameServers != nil && len(v.DomainNameServers) == 0) {
		return e.noResolverRow(r, v)
	}
	if v.DomainNameServers == nil {
		u := findUndecided(e.f, ActionDescribeDhcpOptions, v.DHCPOptionsID, v.ID)
		if u == nil {
			u = &Undecided{Action: ActionDescribeDhcpOptions, Resource: v.DHCPOptionsID, Err: "the DHCP options set is not in the facts"}
		}
		ur := undecidedRow(CheckDHCP, v.ID, *u, "the DHCP options name the resolver the tasks use", e.opts)
		ur.Reason = reason
		return ur
	}
	var custom []string
	for _, s := range v.DomainNameServers {
		if !strings.EqualFold(s, "AmazonProvidedDNS") {
			custom = append(custom, s)
		}
	}
	if len(custom) == 0 {
		r.Status, r.Detail = report.StatusPass, "domain-name-servers=AmazonProvidedDNS"
		return r
	}
	r.Status, r.Class = report.StatusWarn, report.ClassResolver
	r.Error = fmt.Sprintf("DHCP options %s set domain-name-servers=%s: endpoint private DNS works only if these resolvers forward to the VPC resolver", v.DHCPOptionsID, strings.Join(v.DomainNameServers, ","))
	r.Hint = "Run `preflight check` inside a task to prove forwarding, or make the resolvers forward the endpoint names to the VPC resolver (VPC base address +2, or 169.254.169.253) or use a Route 53 Resolver outbound/inbound pair."
	return r
}

// noDHCPOptions is the DhcpOptionsId of a VPC with no DHCP options set.
const noDHCPOptions = "default"

// noResolverRow fails a VPC whose DHCP options name no DNS server: no set
// at all (DhcpOptionsId "default": AssociateDhcpOptions documents it as
// associating no DHCP options, a set with no DNS server), or a set without
// domain-name-servers. It is not the Amazon resolver: AWS's own default
// set names AmazonProvidedDNS explicitly (CreateDhcpOptions), and its
// absence is what leaves instances without one.
func (e *evaluator) noResolverRow(r report.Result, v *VPC) report.Result {
	what := "has no DHCP options set (DhcpOptionsId=default)"
	if v.DHCPOptionsID != noDHCPOptions {
		what = "has DHCP options " + v.DHCPOptionsID + " without domain-name-servers"
	}
	r.Status, r.Class = report.StatusFail, report.ClassDNSPosture
	r.Error = fmt.Sprintf("VPC %s %s: DHCP hands out no DNS server, which AWS documents as no name resolution for the VPC, not the Amazon resolver; "+
		"endpoint private DNS and every AWS name fail on instances (AWS does not document whether a Fargate task's platform resolver differs: run preflight check in a task to see)",
		v.ID, what)
	r.Hint = checked(fmt.Sprintf("aws ec2 create-dhcp-options --dhcp-configurations Key=domain-name-servers,Values=AmazonProvidedDNS, then aws ec2 associate-dhcp-options --vpc-id %s --dhcp-options-id with the new set's id.", v.ID),
		vpcIDs(v.ID))
	return r
}
