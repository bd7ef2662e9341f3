package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// crossRegionNeed judges a need in another Region than the tasks'. AWS
// PrivateLink serves some services across Regions (config.Service
// CrossRegion, from config.CrossRegionSource: S3, ECR, ECS, KMS, Data
// Firehose, ...): an interface endpoint created with --service-region
// carries the other Region's service name and ServiceRegion, and with
// private DNS the other Region's names resolve to it. Such an endpoint in
// the task VPC is a path, judged like any interface endpoint. Without one
// (and always for CloudWatch Logs, Secrets Manager, SSM and the other
// services PrivateLink serves only in their own Region) the tasks resolve
// the public name: it times out without an internet path (fail); through
// one it is a public path (publicPath: fail unless accepted) for the
// services a cross-Region endpoint would serve, and a warning for the
// others, which have no private option.
func (e *evaluator) crossRegionNeed(tn *taskNet, n Need) []report.Result {
	svc, ok := config.LookupService(n.Service)
	if ok && svc.CrossRegion {
		if u := findUndecided(e.f, ActionDescribeVpcEndpoints, tn.vpcID); u != nil {
			base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
			return []report.Result{withBase(base, undecidedRow(CheckCrossRegion, n.Service, *u,
				"the VPC endpoints decide whether a cross-Region endpoint serves "+config.EndpointServiceName(svc, n.Region), e.opts))}
		}
		if strings.HasPrefix(n.Service, "ecr.") {
			// An image pull takes ecr.api, ecr.dkr and the layers alike:
			// once the VPC has a cross-Region ECR endpoint for the
			// image's Region, each of the three is judged on its own.
			if e.hasCrossRegionECR(tn.vpcID, n.Region) {
				if n.Service == "ecr.layers" {
					return e.crossRegionLayers(tn, n, svc)
				}
				return e.interfaceNeed(tn, n, svc)
			}
		} else if ep, _ := findEndpoint(e.f, tn.vpcID, config.EndpointServiceName(svc, n.Region), EndpointInterface, n.Service); ep != nil {
			return e.interfaceNeed(tn, n, svc)
		}
	}
	// One row per cross-region registry: ecr.dkr speaks for ecr.api and
	// the layers, which share its region and its remedy.
	if n.Service == "ecr.api" || n.Service == "ecr.layers" {
		return nil
	}
	r := report.Result{Check: CheckCrossRegion, Target: n.Service, Port: n.Port, Reason: tn.reason(n),
		Resources: uniqSorted(append(tn.subnetIDs(), tn.routeIDs()...)...)}
	what := fmt.Sprintf("%s in %s is outside the task's region %s", n.Service, n.Region, e.f.Region)
	r.Hint = checked(crossRegionHint(n, e.f.Region, e.f.Account), regions(e.f.Region, n.Region), accounts(e.f.Account))
	if ok && svc.CrossRegion {
		name := config.EndpointServiceName(svc, n.Region)
		_, others := findEndpoint(e.f, tn.vpcID, name, EndpointInterface, n.Service)
		r.Resources = uniqSorted(append(r.Resources, skippedIDs(others)...)...)
		what += fmt.Sprintf(", and %s has no available cross-Region interface endpoint for %s%s", tn.vpcID, name, notCounted(others))
		r.Hint += fmt.Sprintf(" Or keep it private with cross-Region interface endpoints (aws ec2 create-vpc-endpoint --service-region %s; see %s)%s.",
			n.Region, config.CrossRegionSource(), ecrCrossRegionNote(n))
	} else {
		what += fmt.Sprintf(", and %s has no cross-Region VPC endpoint (AWS PrivateLink serves it only in its own Region: %s)", n.Service, config.CrossRegionSource())
	}
	internet := tn.internetAll()
	switch {
	case internet == TriTrue && ok && svc.CrossRegion:
		// A cross-Region endpoint would keep it private: the one rule
		// for public paths judges it, as it does a need in the tasks'
		// own Region.
		r.Error = what
		e.publicPath(&r, tn, n, "the tasks resolve the public name and reach it", "a cross-Region interface endpoint for "+config.EndpointServiceName(svc, n.Region))
	case internet == TriTrue:
		r.Status, r.Class = report.StatusWarn, report.ClassConnect
		r.Error = what + ": the traffic leaves through " + tn.internetRoutes()
		addResources(&r, tn.publicPathIDs()...)
	case internet == TriFalse:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = what + ": the tasks resolve the public name and time out (a task subnet has no internet path" + tn.bpaNote() + ")"
		addResources(&r, tn.bpaIDs(false)...)
		if tn.bpaOnly() {
			r.Hint += " Or reopen the internet path: " + tn.bpaHints()
		}
	default:
		r.Status, r.Class = report.StatusWarn, report.ClassUndecided
		r.Error = what + "; whether the task subnets have an internet path is unknown"
		if why := tn.bpaWhy(true); why != "" {
			r.Error += ": " + why
			addResources(&r, tn.bpaIDs(true)...)
		}
	}
	return []report.Result{r}
}

// ecrCrossRegionNote names the three endpoints an image pull from another
// Region takes, for the ECR row that speaks for them.
func ecrCrossRegionNote(n Need) string {
	if !strings.HasPrefix(n.Service, "ecr.") {
		return ""
	}
	return fmt.Sprintf(" for ecr.api, ecr.dkr and s3 (the image layers) of %s", n.Region)
}

// hasCrossRegionECR reports whether vpcID has an interface endpoint, in
// any state, for ECR (ecr.api or ecr.dkr) of region.
func (e *evaluator) hasCrossRegionECR(vpcID, region string) bool {
	for _, name := range []string{"ecr.api", "ecr.dkr"} {
		svc, _ := config.LookupService(name)
		sn := config.EndpointServiceName(svc, region)
		for _, ep := range e.f.Endpoints {
			if ep.VPCID == vpcID && ep.ServiceName == sn && strings.EqualFold(ep.Type, EndpointInterface) {
				return true
			}
		}
	}
	return false
}

// crossRegionEndpoint is the available cross-Region interface endpoint of
// vpcID that serves n, or nil (n in the task's Region, a service
// PrivateLink does not serve across Regions, or no such endpoint).
func crossRegionEndpoint(f *Facts, vpcID string, n Need) *Endpoint {
	svc, ok := config.LookupService(n.Service)
	if !ok || !svc.CrossRegion || !n.CrossRegion(f.Region) {
		return nil
	}
	ep, _ := findEndpoint(f, vpcID, config.EndpointServiceName(svc, n.Region), EndpointInterface, n.Service)
	return ep
}

// crossRegionLayers judges the layers of an image in another Region when
// the VPC pulls it through cross-Region ECR endpoints. The layers come
// from S3 in the image's Region, which a gateway endpoint (own Region
// only) does not serve: a cross-Region S3 interface endpoint with private
// DNS does; without one they take the public path, or time out.
func (e *evaluator) crossRegionLayers(tn *taskNet, n Need, svc config.Service) []report.Result {
	name := config.EndpointServiceName(svc, n.Region)
	ep, others := findEndpoint(e.f, tn.vpcID, name, EndpointInterface, n.Service)
	if ep != nil {
		return e.interfaceNeed(tn, n, svc)
	}
	r := report.Result{Check: CheckCrossRegion, Target: n.Service, Port: n.Port, Reason: tn.reason(n), Status: report.StatusFail, Class: report.ClassConnect,
		Resources: uniqSorted(append(append([]string{tn.vpcID}, tn.subnetIDs()...), skippedIDs(others)...)...)}
	msg := fmt.Sprintf("the layers of an image in %s come from S3 in %s, which no gateway endpoint of the task's Region serves, and %s has no available cross-Region interface endpoint for %s%s",
		n.Region, n.Region, tn.vpcID, name, notCounted(others))
	switch tn.internetAll() {
	case TriTrue:
		r.Error = msg
		e.publicPath(&r, tn, n, "the tasks reach it", "a cross-Region interface endpoint for "+name)
	case TriFalse:
		r.Error = msg + ": the image pull times out (a task subnet has no internet path" + tn.bpaNote() + ")"
		addResources(&r, tn.bpaIDs(false)...)
	default:
		r.Status, r.Class = report.StatusWarn, report.ClassUndecided
		r.Error = msg + "; whether the task subnets have an internet path is unknown"
		if why := tn.bpaWhy(true); why != "" {
			r.Error += ": " + why
			addResources(&r, tn.bpaIDs(true)...)
		}
	}
	r.Hint = hintCreateCrossRegionEndpoint(tn.vpcID, name, n.Region, tn.azSubnets(), e.existingEndpointGroup(tn, n.Port))
	return []report.Result{r}
}

// hintCreateCrossRegionEndpoint creates a cross-Region interface endpoint
// in group, an endpoint group of the VPC that admits the tasks ("" when
// there is none: the hint says what the group needs). The fix plan does
// not create these (its writers have no service Region), so the hint is
// the command.
func hintCreateCrossRegionEndpoint(vpcID, serviceName, serviceRegion string, subnets []string, group string) string {
	if bad := checkHintIDs(vpcIDs(vpcID), serviceNames(serviceName), regions(serviceRegion), subnetIDs(subnets...), groupIDs(group)); bad != "" {
		return bad
	}
	cmd := fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Interface --service-name %s --service-region %s --subnet-ids %s --private-dns-enabled",
		vpcID, serviceName, serviceRegion, strings.Join(subnets, " "))
	if group != "" {
		return cmd + " --security-group-ids " + group
	}
	return fmt.Sprintf("Create a security group that admits TCP 443 from the task groups, then: %s --security-group-ids <that group> (see %s).", cmd, config.CrossRegionSource())
}

// ecsEndpointSetRow judges the ECS endpoints (ecs, ecs-agent,
// ecs-telemetry) in a Region introduced starting on December 23, 2023,
// where AWS says the ECS traffic goes over the public endpoints unless all
// three exist (config.ECSEndpointSet). ep is the available endpoint found
// for n; when one of the three is missing, ok is true and row says that
// ep does not count. In older Regions each endpoint serves its own
// traffic, and ok is false.
func (e *evaluator) ecsEndpointSetRow(tn *taskNet, n Need, ep *Endpoint, base report.Result) (row report.Result, ok bool) {
	set, source := config.ECSEndpointSet(n.Region)
	if !set || !slices.Contains(config.ECSEndpointSetServices(), n.Service) {
		return report.Result{}, false
	}
	var missing []string
	for _, name := range config.ECSEndpointSetServices() {
		svc, _ := config.LookupService(name)
		sn := config.EndpointServiceName(svc, n.Region)
		if other, _ := findEndpoint(e.f, tn.vpcID, sn, EndpointInterface, name); other == nil {
			missing = append(missing, sn)
		}
	}
	if len(missing) == 0 {
		return report.Result{}, false
	}
	r := base
	r.Check, r.Status, r.Class = CheckEndpoint, report.StatusFail, report.ClassDNSPosture
	r.Resources = uniqSorted(append([]string{ep.ID, tn.vpcID}, tn.subnetIDs()...)...)
	msg := fmt.Sprintf("%s for %s does not count: %s is a Region introduced starting on 2023-12-23, where the ECS traffic uses the VPC endpoints only when all three of ecs, ecs-agent and ecs-telemetry exist (%s), and %s has no available interface endpoint for %s, so it goes to the public endpoints",
		ep.ID, n.Service, n.Region, source, tn.vpcID, strings.Join(missing, ", "))
	switch tn.internetAll() {
	case TriTrue:
		r.Error = msg
		e.publicPath(&r, tn, n, "the container agent reaches it", "creating "+strings.Join(missing, ", "))
	case TriFalse:
		r.Error = msg + ": a task subnet has no internet path, so the connections time out"
	default:
		r.Error = msg
	}
	r.Hint = checked(fmt.Sprintf("Create the interface endpoints %s in %s beside %s (their own rows give the command).", strings.Join(missing, ", "), tn.vpcID, ep.ID),
		vpcIDs(tn.vpcID), endpointIDs(ep.ID))
	return r, true
}
