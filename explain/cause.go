// Package explain attaches causes from the control plane to the rows of a
// run that failed inside the task: it finds the task's own network
// interface, reads that one VPC with the live reader (audit/live), runs audit's
// rules for exactly the failing targets' services, and keeps only the
// findings that agree with what the probe saw. Cause is the pure part:
// (symptom, findings) → cause.
package explain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/internal/awsid"
	"github.com/preflight-dev/preflight/report"
)

// Symptom is a failing or warning row of the data plane with what the
// catalogue and the classifier know about it.
type Symptom struct {
	Row report.Result
	// Service is the catalogue name of the row's target ("logs",
	// "ecr.layers").
	Service string
	// PrivateAddrs is true when every failed address of a connect row is a
	// private one (an interface endpoint's ENI, as the classifier sees it).
	PrivateAddrs bool
}

// kind is what a symptom can be caused by, judged from the evidence.
type kind int

const (
	kindNone kind = iota
	// kindDNS: the name resolved to public addresses (dns_posture), or a
	// connection to the public addresses of an interface-endpoint service
	// failed: only the endpoint, its private DNS or the VPC's DNS settings
	// explain that.
	kindDNS
	// kindInterfacePath: a connection to an interface endpoint's private
	// address failed: the endpoint's or the task's security groups, or the
	// network ACLs.
	kindInterfacePath
	// kindGatewayPath: a connection to a gateway-endpoint service (S3,
	// ECR layers) failed: the gateway endpoint, its route, the task's
	// egress to the prefix list, or the network ACLs.
	kindGatewayPath
)

func kindOf(s Symptom) kind {
	svc, ok := config.LookupService(s.Service)
	if !ok {
		return kindNone
	}
	switch {
	case s.Row.Check == report.CheckDNS && s.Row.Class == report.ClassDNSPosture && svc.Kind == config.Interface:
		return kindDNS
	case s.Row.Check != report.CheckConnect || s.Row.Class != report.ClassConnect:
		return kindNone
	case svc.Kind == config.Gateway:
		return kindGatewayPath
	case s.PrivateAddrs:
		return kindInterfacePath
	default:
		return kindDNS
	}
}

// agrees reports whether finding f can explain a symptom of kind k.
func agrees(k kind, f report.Result) bool {
	switch k {
	case kindDNS:
		switch f.Check {
		case audit.CheckPrivateDNS, audit.CheckDNSSupport, audit.CheckDHCP:
			return true
		case audit.CheckEndpoint:
			// A missing interface endpoint: the name resolves public.
			return f.Class == report.ClassDNSPosture || f.Class == report.ClassUndecided
		}
	case kindInterfacePath:
		return f.Check == audit.CheckSecurityGroup || f.Check == audit.CheckNACL ||
			(f.Check == audit.CheckEndpoint && f.Class == report.ClassUndecided)
	case kindGatewayPath:
		switch f.Check {
		case audit.CheckEndpoint, audit.CheckRoute, audit.CheckSecurityGroup, audit.CheckNACL:
			return true
		}
	}
	return false
}

// relevant reports whether f is about the symptom's service or the VPC the
// service depends on (DNS attributes, DHCP options).
func relevant(s Symptom, f report.Result) bool {
	switch f.Check {
	case audit.CheckDNSSupport, audit.CheckDHCP:
		return true
	case audit.CheckUndecided:
		return true
	}
	return f.Target == s.Service
}

// Cause explains symptom from the audit findings of the task's network,
// or returns nil when the findings say nothing about it. Only findings that
// agree with the evidence are blamed: a blocked endpoint security group
// explains a connect timeout to the endpoint's address, never a public DNS
// answer. When every agreeing rule passes, the cause says the configuration
// allows the path and where to look instead; when the rules that would
// decide could not read their facts, it names the IAM actions to grant.
func Cause(s Symptom, findings []report.Result) *report.Cause {
	k := kindOf(s)
	if k == kindNone {
		return nil
	}
	var blamed, passed []report.Result
	var denied []string
	var failedReads []report.Result
	var missing *report.Result
	seen := false
	for _, f := range findings {
		if !relevant(s, f) {
			continue
		}
		if k == kindInterfacePath && f.Check == audit.CheckEndpoint && f.Class == report.ClassDNSPosture && f.Status != report.StatusPass {
			missing = &f
		}
		if f.Check == audit.CheckUndecided || f.Class == report.ClassUndecided {
			switch {
			case f.Check != audit.CheckUndecided && !agrees(k, f):
			case audit.GrantHint(f) || f.Hint == "":
				denied = append(denied, undecidedAction(f))
			default:
				// A server error, no connection, throttling: no grant
				// helps, the row's own words say what to check.
				failedReads = append(failedReads, f)
			}
			continue
		}
		if !agrees(k, f) && !(f.Check == audit.CheckEndpoint && f.Status == report.StatusPass) {
			continue
		}
		seen = true
		switch f.Status {
		case report.StatusFail, report.StatusWarn:
			blamed = append(blamed, f)
		case report.StatusPass:
			passed = append(passed, f)
		}
	}
	switch {
	case len(blamed) > 0:
		return join(blamed)
	case missing != nil:
		return answeredElsewhere(s, *missing)
	case len(denied) > 0:
		denied = uniq(denied)
		return &report.Cause{
			Error: fmt.Sprintf("cause unknown: grant %s to the task role (the findings that would explain this need it)", strings.Join(denied, ", ")),
			Hint:  fmt.Sprintf("Allow %s to the task role (see audit-policy.json).", strings.Join(denied, ", ")),
		}
	case len(failedReads) > 0:
		return unread(failedReads)
	case !seen:
		return nil
	}
	return allowed(k, passed)
}

// unread is the cause that cannot be told because the reads that would
// tell it failed without a denial: the rows' errors and their hints (the
// endpoint, the network, a later run), never a grant.
func unread(rows []report.Result) *report.Cause {
	c := join(rows)
	c.Error = "cause unknown: " + c.Error
	return c
}

// answeredElsewhere is the cause of a timeout to a private address when
// the VPC has no interface endpoint for the service: the name resolves
// privately all the same, so something else answers for it, and that is
// where the connection goes.
func answeredElsewhere(s Symptom, missing report.Result) *report.Cause {
	return &report.Cause{
		Error: fmt.Sprintf("%s; yet %s resolves to private %s: something else answers for the name (a private hosted zone, a Route 53 Resolver rule, or an endpoint in a peered or shared VPC), and it does not accept the connection",
			missing.Error, s.Row.Host, strings.Join(s.Row.FailedAddresses, ", ")),
		Resources: missing.Resources,
		Hint:      "Find who answers: aws route53 list-hosted-zones-by-vpc (and the Resolver rules associated with the VPC); then fix that path, or create the endpoint: " + missing.Hint,
	}
}

// join merges agreeing findings into one cause: every error, every
// resource, every distinct fix.
func join(rows []report.Result) *report.Cause {
	var errs, hints, ids []string
	for _, r := range rows {
		errs = append(errs, r.Error)
		if r.Hint != "" && !slices.Contains(hints, r.Hint) {
			hints = append(hints, r.Hint)
		}
		ids = append(ids, r.Resources...)
	}
	return &report.Cause{Error: strings.Join(errs, "; "), Resources: uniq(ids), Hint: strings.Join(hints, " && ")}
}

// allowed is the cause when the facts say the path is open: no resource
// is blamed, and the cause says where else to look.
func allowed(k kind, passed []report.Result) *report.Cause {
	var details, ids []string
	for _, r := range passed {
		if r.Detail != "" {
			details = append(details, r.Detail)
		}
		ids = append(ids, r.Resources...)
	}
	ids = uniq(ids)
	what := "the configuration allows it"
	if len(details) > 0 {
		what += " (" + strings.Join(details, "; ") + ")"
	}
	c := &report.Cause{Resources: ids}
	var endpoints []string
	for _, id := range ids {
		if strings.HasPrefix(id, "vpce-") {
			endpoints = append(endpoints, id)
		}
	}
	switch k {
	case kindDNS:
		c.Error = what + "; look at the resolver the task uses: a custom resolver, a Route 53 Resolver rule or a private hosted zone may answer for the name"
		c.Hint = "Compare the answer of the VPC resolver (VPC base address +2) with the task's resolvers (preflight's resolver row)."
	case kindInterfacePath:
		c.Error = what + "; look at the NACLs / the endpoint's health"
	default:
		c.Error = what + "; look at the NACLs / the endpoint's health, or a firewall on the path"
	}
	if c.Hint == "" && len(endpoints) > 0 {
		c.Hint = "aws ec2 describe-vpc-endpoints --vpc-endpoint-ids " + strings.Join(endpoints, " ") + " (State, and the network interfaces' status)"
		// The ids come from the account's answers: one that is not an
		// endpoint id (a crafted "vpce-1;touch pwned") prints no command.
		if err := awsid.CheckAll("vpc_endpoint_id", awsid.VPCEndpoint, endpoints...); err != nil {
			c.Hint = "No command: a vpc_endpoint_id of the facts is not a valid AWS id (want " + awsid.VPCEndpoint.String() + "); look at the endpoints in the console."
		}
	}
	return c
}

// undecidedAction is the IAM action an undecided row names ("could not
// decide: ec2:DescribeVpcEndpoints failed ...").
func undecidedAction(r report.Result) string {
	s := strings.TrimPrefix(r.Error, "could not decide: ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ";")
	if !strings.Contains(s, ":") {
		return "the actions of audit-policy.json"
	}
	return s
}

func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
