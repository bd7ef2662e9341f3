package audit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// gatewayNeed judges a need a gateway endpoint serves (S3 for ECR layers,
// S3, DynamoDB). Gateway endpoints are invisible to DNS: the name still
// resolves to public addresses and the route to the service's prefix list
// carries the traffic. So S3 is judged by route, security group and NACL
// towards the prefix list, never by address class.
func (e *evaluator) gatewayNeed(tn *taskNet, n Need, svc config.Service) []report.Result {
	base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
	name := config.EndpointServiceName(svc, n.Region)
	if u := findUndecided(e.f, ActionDescribeVpcEndpoints, tn.vpcID); u != nil {
		return []report.Result{withBase(base, undecidedRow(CheckEndpoint, n.Service, *u, "the VPC endpoints decide whether "+name+" is routed privately", e.opts))}
	}
	ep, others := findEndpoint(e.f, tn.vpcID, name, EndpointGateway, n.Service)
	pl := prefixListNamed(e.f, name)
	if ep == nil {
		r := base
		r.Check, r.Status, r.Class = CheckEndpoint, report.StatusFail, report.ClassConnect
		msg := fmt.Sprintf("no available gateway endpoint for %s in %s", name, tn.vpcID) + notCounted(others)
		inbound := s3InboundOnly(e.f, tn.vpcID, name)
		if len(inbound) > 0 {
			msg += fmt.Sprintf(" (%s for %s is an interface endpoint with private DNS only for inbound Resolver endpoints: it answers on-premises clients, and the tasks in the VPC still resolve S3's public addresses, which only a gateway endpoint routes privately)", joinComma(inbound), n.Service)
		}
		r.Resources = uniqSorted(append(append(append([]string{tn.vpcID}, tn.routeIDs()...), inbound...), skippedIDs(others)...)...)
		if tn.internetAll() == TriTrue {
			r.Error = msg
			e.publicPath(&r, tn, n, "the tasks reach it", "a gateway endpoint for "+name)
		} else {
			r.Error = msg + ": a task subnet has no internet path, so the connections time out"
			if note := tn.bpaNote(); note != "" {
				r.Error += " (" + strings.TrimPrefix(note, "; ") + ")"
				addResources(&r, tn.bpaIDs(false)...)
			} else if why := tn.bpaWhy(true); why != "" {
				r.Error = msg + ": whether the tasks reach it over the internet is unknown: " + why
				addResources(&r, tn.bpaIDs(true)...)
			}
		}
		r.Hint = hintCreateGatewayEndpoint(tn.vpcID, name, tn.routeIDs())
		if rts := tn.routeIDs(); len(rts) > 0 {
			e.propose(&r, Change{Kind: ChangeCreateGatewayEndpoint, VPC: tn.vpcID, Service: name, RouteTables: rts,
				Endpoint: endpointRef(tn.vpcID, name, n.Region)})
		}
		return []report.Result{r}
	}
	checks := []report.Result{
		e.gatewayRouteRow(tn, n, ep, pl),
		e.taskEgressToPrefixListRow(tn, name, pl, n.Port),
	}
	if n.Service == "ecr.layers" {
		checks = append(checks, layerPolicyRow(ep, n.Region))
	}
	if pl != nil {
		var peers []naclPeer
		for _, c := range pl.CIDRs {
			peers = append(peers, naclPeer{cidr: c})
		}
		checks = append(checks, e.naclRow(tn, peers, n.Port))
	}
	return summarise(base, fmt.Sprintf("%s (%s) available", ep.ID, name), []string{ep.ID}, checks)
}

// s3InboundOnly lists the available interface endpoints for name in
// vpcID whose private DNS answers only a Route 53 Resolver inbound
// endpoint (DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint). AWS
// offers the option only for services with gateway endpoints too (S3):
// it "routes traffic that originates from the VPC to the gateway endpoint
// and traffic that originates from on-premises to the interface endpoint"
// (EC2 API reference, DnsOptionsSpecification; S3 User Guide, "AWS
// PrivateLink for Amazon S3", Private DNS:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html#private-dns).
// So such an endpoint is never the tasks' path: the gateway endpoint's
// route still has to exist.
func s3InboundOnly(f *Facts, vpcID, name string) []string {
	var ids []string
	for _, ep := range f.Endpoints {
		if ep.VPCID == vpcID && ep.ServiceName == name && strings.EqualFold(ep.Type, EndpointInterface) &&
			strings.EqualFold(ep.State, "available") && ep.PrivateDNSEnabled && ep.PrivateDNSOnlyForInbound {
			ids = append(ids, ep.ID)
		}
	}
	return uniqSorted(ids...)
}

// prefixListNamed finds the managed prefix list named name
// ("com.amazonaws.REGION.s3"), or nil.
func prefixListNamed(f *Facts, name string) *PrefixList {
	for _, pl := range f.PrefixLists {
		if pl.Name == name {
			return pl
		}
	}
	return nil
}

// gatewayRouteRow: every task subnet's route table must be associated with
// the gateway endpoint (which installs the prefix-list route).
func (e *evaluator) gatewayRouteRow(tn *taskNet, n Need, ep *Endpoint, pl *PrefixList) report.Result {
	var missing, missingSubnets []string
	viaInternetOnly := true
	for _, s := range tn.subnets {
		rt := tn.routeTable[s.ID]
		if rt == nil {
			continue // reported by resolve
		}
		if contains(ep.RouteTableIDs, rt.ID) || routesToEndpoint(rt, ep.ID, pl) {
			continue
		}
		if !contains(missing, rt.ID) {
			missing = append(missing, rt.ID)
		}
		missingSubnets = append(missingSubnets, s.ID)
		if tn.internet[s.ID] != TriTrue {
			viaInternetOnly = false
		}
	}
	r := report.Result{Check: CheckRoute, Resources: uniqSorted(append([]string{ep.ID}, tn.routeIDs()...)...)}
	if len(missing) == 0 {
		r.Status, r.Detail = report.StatusPass, "routed from "+joinComma(tn.routeIDs())
		return r
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Resources = uniqSorted(append(append([]string{ep.ID}, missing...), missingSubnets...)...)
	r.Error = fmt.Sprintf("route tables %s of subnets %s are not associated with %s, so the connections time out (no internet path%s)", joinComma(missing), joinComma(missingSubnets), ep.ID, tn.only(missingSubnets).bpaNote())
	if viaInternetOnly {
		// The same rule as a missing endpoint: a public path where a
		// private one exists (the endpoint, not routed here).
		r.Error = fmt.Sprintf("route tables %s of subnets %s are not associated with %s", joinComma(missing), joinComma(missingSubnets), ep.ID)
		e.publicPath(&r, tn.only(missingSubnets), n, "the tasks reach it", ep.ID+" (associate the route tables)")
	} else {
		addResources(&r, tn.only(missingSubnets).bpaIDs(false)...)
	}
	r.Hint = checked(fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --add-route-table-ids %s", ep.ID, strings.Join(missing, " ")),
		endpointIDs(ep.ID), routeIDs(missing...))
	e.propose(&r, Change{Kind: ChangeEndpointAddRouteTables, Endpoint: ep.ID, RouteTables: missing})
	return r
}

// routesToEndpoint reports whether rt has an active route to the
// endpoint's prefix list through the endpoint.
func routesToEndpoint(rt *RouteTable, epID string, pl *PrefixList) bool {
	for _, r := range rt.Routes {
		if r.TargetID == epID && !strings.EqualFold(r.State, "blackhole") && (pl == nil || r.DestinationPrefixListID == pl.ID) {
			return true
		}
	}
	return false
}

// unreadEntries is the failed GetManagedPrefixListEntries of pl, or nil.
func (e *evaluator) unreadEntries(pl *PrefixList) *Undecided {
	if pl == nil || len(pl.CIDRs) > 0 {
		return nil
	}
	return findUndecided(e.f, ActionGetManagedPrefixListEntries, pl.ID)
}

// taskEgressToPrefixListRow: a task group must let TCP out to the prefix
// list, by its id or a block covering all of its CIDRs (0.0.0.0/0 does).
func (e *evaluator) taskEgressToPrefixListRow(tn *taskNet, name string, pl *PrefixList, port int) report.Result {
	peer := sgPeer{cidrs: []netip.Prefix{defaultRoute4}}
	plID := "the prefix list " + name
	if pl != nil {
		peer = sgPeer{prefixList: pl.ID, cidrs: pl.CIDRs}
		plID = pl.ID
	} else if u := findUndecided(e.f, ActionDescribeManagedPrefixLists); u != nil {
		// The list is looked up by name, Region-wide: the row names the
		// VPC and the task groups it is about.
		r := undecidedRow(CheckSecurityGroup, "", *u, "the prefix list "+name+" decides which addresses the tasks must reach", e.opts)
		addResources(&r, append([]string{tn.vpcID}, tn.sgIDs...)...)
		return r
	}
	v := e.sgAllowsTCP(tn.sgIDs, true, port, peer)
	if u := e.unreadEntries(pl); u != nil && !v.allowed {
		// The entries were not read: only a rule naming the list, or
		// one that covers every IPv4 address, is known to cover them.
		if all := e.sgAllowsTCP(tn.sgIDs, true, port, sgPeer{cidrs: []netip.Prefix{defaultRoute4}}); all.allowed {
			v = all
		} else {
			return undecidedRow(CheckSecurityGroup, "", *u, "the entries of "+pl.ID+" decide whether the task groups' rules cover them", e.opts)
		}
	}
	r := report.Result{Check: CheckSecurityGroup, Resources: uniqSorted(append([]string{plID}, tn.sgIDs...)...)}
	if pl == nil {
		r.Resources = uniqSorted(tn.sgIDs...)
	}
	if v.allowed {
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("tasks may send TCP %d to %s (%s)", port, plID, v.by)
		return r
	}
	if v.undecided != nil {
		return v.undecidedRow("the task security groups decide whether the tasks get out", e.opts)
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Error = fmt.Sprintf("task security groups %s do not allow outbound TCP %d to %s (%s): connections time out",
		joinComma(tn.sgIDs), port, plID, name)
	switch {
	case pl == nil:
		r.Hint = checked(fmt.Sprintf("Allow outbound TCP %d to the managed prefix list %s (aws ec2 describe-managed-prefix-lists names its id) on %s.", port, name, joinComma(tn.sgIDs)),
			serviceNames(name), groupIDs(tn.sgIDs...))
	case len(tn.sgIDs) > 0:
		r.Hint = hintSGPrefixList(tn.sgIDs[0], port, plID)
		e.propose(&r, Change{Kind: ChangeAuthorizeEgress, Group: tn.sgIDs[0], Protocol: "tcp", FromPort: port, ToPort: port,
			PeerPrefixList: pl.ID, Description: "preflight: to " + name})
	}
	return r
}

// layerPolicyRow judges a custom gateway endpoint policy on the ECR layer
// download (s3:GetObject on the layer bucket). A policy that provably
// denies it (an explicit Deny for everyone, or no statement that can
// allow it) stops every image pull with a 403 on the layers: a failure
// naming the statement. One that depends on what the facts do not show
// (a condition, a named principal) is a warning.
func layerPolicyRow(ep *Endpoint, region string) report.Result {
	r := report.Result{Check: CheckEndpointPolicy, Resources: []string{ep.ID}}
	if strings.TrimSpace(ep.PolicyDocument) == "" {
		r.Status, r.Detail = report.StatusPass, "default endpoint policy"
		return r
	}
	resource := fmt.Sprintf("arn:%s:s3:::%s/*", config.PartitionOf(region).Name, config.ECRLayerBucket(region))
	v := evalPolicy(ep.PolicyDocument, "s3:GetObject", resource)
	stmt := fmt.Sprintf(`{"Sid":"AllowECRLayers","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"%s"}`, resource)
	add := fmt.Sprintf("Add this statement to the policy of %s: %s", ep.ID, stmt)
	switch {
	case v.decision == decisionAllow:
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("endpoint policy allows s3:GetObject on the ECR layer bucket (%s)", v.stmt)
		return r
	case v.decision == decisionDeny && v.stmt != "":
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("the policy of %s denies s3:GetObject on %s: %s: every image pull fails with 403 on the layers", ep.ID, resource, v.why)
		r.Hint = checked(fmt.Sprintf("Remove %s of the policy of %s, or narrow it so that it no longer matches the ECR layer bucket (an explicit Deny wins over any Allow); then, if nothing allows the bucket: %s", v.stmt, ep.ID, add),
			endpointIDs(ep.ID))
		return r
	case v.decision == decisionDeny:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("the policy of %s does not allow s3:GetObject on %s: %s: every image pull fails with 403 on the layers", ep.ID, resource, v.why)
	default:
		r.Status, r.Class = report.StatusWarn, report.ClassConnect
		r.Error = fmt.Sprintf("the policy of %s does not provably allow s3:GetObject on %s (%s): image pulls may fail with 403 on the layers", ep.ID, resource, v.why)
	}
	r.Hint = checked(add, endpointIDs(ep.ID))
	return r
}
