package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// interfaceNeed judges a need an interface endpoint serves: the endpoint
// exists and is available, has private DNS, covers the task AZs, and the
// security groups and network ACLs on both sides pass TCP to it.
func (e *evaluator) interfaceNeed(tn *taskNet, n Need, svc config.Service) []report.Result {
	base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
	name := config.EndpointServiceName(svc, n.Region)
	if u := findUndecided(e.f, ActionDescribeVpcEndpoints, tn.vpcID); u != nil {
		return []report.Result{withBase(base, undecidedRow(CheckEndpoint, n.Service, *u, "the VPC endpoints decide whether "+name+" is reachable privately", e.opts))}
	}
	ep, others := findEndpoint(e.f, tn.vpcID, name, EndpointInterface, n.Service)
	if ep == nil {
		return []report.Result{e.missingInterfaceEndpoint(tn, n, name, others, base)}
	}
	if row, ok := e.ecsEndpointSetRow(tn, n, ep, base); ok {
		return []report.Result{row}
	}
	gep, dflt := e.withDefaultGroup(ep, tn.vpcID)
	checks := []report.Result{
		e.endpointFamilyRow(tn, ep, n),
		e.privateDNSRow(ep),
		e.endpointAZRow(tn, ep),
		saysDefaultGroup(e.endpointIngressRow(tn, gep, n.Port), dflt),
		e.taskEgressToEndpointRow(tn, gep, n.Port),
		e.naclRow(tn, e.endpointPeers(ep), n.Port),
	}
	head := fmt.Sprintf("%s (%s) available", ep.ID, name)
	if n.CrossRegion(e.f.Region) {
		head += fmt.Sprintf(", a cross-Region endpoint (service Region %s) from %s", cmp.Or(ep.ServiceRegion, n.Region), e.f.Region)
	}
	return summarise(base, head, []string{ep.ID}, checks)
}

// endpointFamilyRow: tasks in IPv6-only subnets have no IPv4 address, so
// they reach an interface endpoint only over IPv6: ECR's PrivateLink
// serves IPv4 alone (its dual-stack names have no PrivateLink), and any
// other endpoint needs IPv6 addresses on its interfaces (IP address type
// dualstack), which Endpoint.Addrs shows when it was read.
func (e *evaluator) endpointFamilyRow(tn *taskNet, ep *Endpoint, n Need) report.Result {
	var v6only []string
	for _, s := range tn.subnets {
		if !s.CIDR.IsValid() && s.IPv6.IsValid() {
			v6only = append(v6only, s.ID)
		}
	}
	if len(v6only) == 0 {
		return report.Result{}
	}
	r := report.Result{Check: CheckEndpoint, Resources: uniqSorted(append([]string{ep.ID}, v6only...)...)}
	if strings.HasPrefix(n.Service, "ecr.") {
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("task subnets %s are IPv6-only and ECR's PrivateLink endpoint %s serves IPv4 only: the tasks cannot reach it", joinComma(v6only), ep.ID)
		r.Hint = "Run the tasks in subnets with an IPv4 block."
		if host, ok := config.ECRDualStackRegistry(e.f.Account, n.Region); ok {
			r.Hint = fmt.Sprintf("Pull through ECR's dual-stack name %s (no PrivateLink: give the subnets ::/0 to an egress-only internet gateway and egress to ::/0 on 443), or run the tasks in subnets with an IPv4 block.", host)
		}
		return r
	}
	has6 := slices.ContainsFunc(ep.Addrs, netip.Addr.Is6)
	switch {
	case has6:
		r.Status, r.Detail = report.StatusPass, "IPv6 addresses on its interfaces for the IPv6-only subnets"
	case ep.Addrs == nil:
		u := findUndecided(e.f, ActionDescribeNetworkInterfaces, ep.ID)
		if u == nil {
			u = &Undecided{Action: ActionDescribeNetworkInterfaces, Resource: ep.ID, Err: "addresses of its network interfaces not in the facts"}
		}
		return undecidedRow(CheckEndpoint, "", *u, "IPv6-only task subnets "+joinComma(v6only)+" reach the endpoint only if its interfaces have IPv6 addresses", e.opts)
	default:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		r.Error = fmt.Sprintf("task subnets %s are IPv6-only and the interfaces of %s have no IPv6 address (IP address type ipv4): the tasks cannot reach it", joinComma(v6only), ep.ID)
		r.Hint = checked(fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --ip-address-type dualstack (its subnets need IPv6 blocks)", ep.ID), endpointIDs(ep.ID))
	}
	return r
}

// summarise turns a need's sub-checks into rows: every problem as its own
// row, and one endpoint pass row that lists what was proven.
func summarise(base report.Result, head string, ids []string, checks []report.Result) []report.Result {
	pass := base
	pass.Check, pass.Status = CheckEndpoint, report.StatusPass
	details := []string{head}
	resources := append([]string(nil), ids...)
	var out []report.Result
	for _, c := range checks {
		if c.Status == "" {
			continue // the sub-check did not apply
		}
		if c.Status == report.StatusPass {
			if c.Detail != "" {
				details = append(details, c.Detail)
			}
			resources = append(resources, c.Resources...)
			continue
		}
		out = append(out, withBase(base, c))
	}
	pass.Detail = strings.Join(details, "; ")
	pass.Resources = uniqSorted(resources...)
	return append([]report.Result{pass}, out...)
}

// withBase fills a row's target, port and reason from base where unset.
func withBase(base, r report.Result) report.Result {
	if r.Target == "" {
		r.Target = base.Target
	}
	if r.Port == 0 {
		r.Port = base.Port
	}
	if r.Reason == "" {
		r.Reason = base.Reason
	}
	return r
}

// findEndpoint returns the first available endpoint (by id) of type typ
// for serviceName in vpcID, and for every other endpoint of that name why
// it does not count ("vpce-0abc for ecr.dkr is pendingAcceptance, not
// available"), label naming the service. Only an available endpoint
// carries traffic: pending (minutes after creation), pendingAcceptance,
// rejected, failed, expired, partial, deleting and deleted ones do not.
// An endpoint of another kind for the same name (a GatewayLoadBalancer,
// Resource or ServiceNetwork endpoint) is never a path for a need; an S3
// interface endpoint beside the gateway one is judged by the S3 rule
// (s3InboundOnly), so Interface and Gateway mismatches are not listed.
func findEndpoint(f *Facts, vpcID, serviceName, typ, label string) (*Endpoint, []skipped) {
	var found []*Endpoint
	var others []skipped
	for _, ep := range f.Endpoints {
		if ep.VPCID != vpcID || ep.ServiceName == "" || ep.ServiceName != serviceName {
			continue
		}
		if !strings.EqualFold(ep.Type, typ) {
			if !strings.EqualFold(ep.Type, EndpointInterface) && !strings.EqualFold(ep.Type, EndpointGateway) {
				want := "an interface endpoint"
				if strings.EqualFold(typ, EndpointGateway) {
					want = "a gateway endpoint"
				}
				others = append(others, skipped{ep.ID, fmt.Sprintf("%s for %s is a %s endpoint, not %s", ep.ID, label, cmp.Or(ep.Type, "typeless"), want)})
			}
			continue
		}
		if strings.EqualFold(ep.State, "available") {
			found = append(found, ep)
		} else {
			others = append(others, skipped{ep.ID, fmt.Sprintf("%s for %s is %s, not available", ep.ID, label, cmp.Or(ep.State, "in no state"))})
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].id < others[j].id })
	if len(found) == 0 {
		return nil, others
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	return found[0], others
}

// skipped is an endpoint findEndpoint did not count, and why.
type skipped struct{ id, why string }

// notCounted is the note on a row about the endpoints findEndpoint did
// not count, "" when there are none.
func notCounted(others []skipped) string {
	if len(others) == 0 {
		return ""
	}
	why := make([]string, len(others))
	for i, o := range others {
		why[i] = o.why
	}
	return " (" + strings.Join(why, "; ") + ")"
}

// skippedIDs are the ids of the endpoints not counted, for a row's
// resources.
func skippedIDs(others []skipped) []string {
	ids := make([]string, len(others))
	for i, o := range others {
		ids[i] = o.id
	}
	return ids
}

func (e *evaluator) missingInterfaceEndpoint(tn *taskNet, n Need, name string, others []skipped, base report.Result) report.Result {
	r := base
	r.Check, r.Status, r.Class = CheckEndpoint, report.StatusFail, report.ClassDNSPosture
	msg := fmt.Sprintf("no available interface endpoint for %s in %s", name, tn.vpcID) + notCounted(others)
	r.Resources = uniqSorted(append(append([]string{tn.vpcID}, tn.subnetIDs()...), skippedIDs(others)...)...)
	switch tn.internetAll() {
	case TriTrue:
		r.Error = msg
		e.publicPath(&r, tn, n, "the tasks resolve the public name and reach it", "an interface endpoint for "+name)
	case TriFalse:
		r.Error = msg + ": the tasks resolve the public name and time out (a task subnet has no internet path" + tn.bpaNote() + ")"
		addResources(&r, tn.bpaIDs(false)...)
	default:
		r.Error = msg + ": the tasks resolve the public name"
		if why := tn.bpaWhy(true); why != "" {
			r.Error += "; whether they reach it is unknown: " + why
			addResources(&r, tn.bpaIDs(true)...)
		}
	}
	if n.CrossRegion(e.f.Region) {
		// The fix plan's writers know no service Region: the hint is
		// the command.
		r.Hint = hintCreateCrossRegionEndpoint(tn.vpcID, name, n.Region, tn.azSubnets(), e.existingEndpointGroup(tn, n.Port))
		return r
	}
	group := e.endpointGroup(&r, tn, n.Port)
	r.Hint = hintCreateInterfaceEndpoint(tn.vpcID, name, tn.azSubnets(), group)
	e.propose(&r, Change{Kind: ChangeCreateInterfaceEndpoint, VPC: tn.vpcID, Service: name,
		Endpoint: endpointRef(tn.vpcID, name, n.Region), Subnets: tn.azSubnets(), Groups: []string{group}})
	return r
}

// endpointGroup is the security group a new interface endpoint of the
// task's VPC gets: one that other interface endpoints of the VPC use and
// that already admits TCP port from the tasks, else the group the plan
// creates for the endpoints (with that ingress), which it proposes for r.
func (e *evaluator) endpointGroup(r *report.Result, tn *taskNet, port int) string {
	if id := e.existingEndpointGroup(tn, port); id != "" {
		return id
	}
	ref := endpointGroupRef(tn.vpcID)
	e.propose(r, Change{Kind: ChangeCreateSecurityGroup, VPC: tn.vpcID, Group: ref,
		Description: "VPC interface endpoints of the ECS tasks (preflight fix plan)"})
	e.propose(r, e.ingressFromTasks(tn, ref, port)...)
	return ref
}

// existingEndpointGroup is a security group that other interface
// endpoints of the task's VPC use and that already admits TCP port from
// the tasks, or "".
func (e *evaluator) existingEndpointGroup(tn *taskNet, port int) string {
	var ids []string
	for _, ep := range e.f.Endpoints {
		if ep.VPCID == tn.vpcID && strings.EqualFold(ep.Type, EndpointInterface) {
			ids = append(ids, ep.SecurityGroupIDs...)
		}
	}
	for _, id := range uniqSorted(ids...) {
		if refName(id) == "" && !contains(tn.sgIDs, id) && e.sgAllowsTCP([]string{id}, false, port, tn.sgPeer()).allowed {
			return id
		}
	}
	return ""
}

// sgPeer is the tasks as a security group rule names them: their groups,
// or every task subnet's block.
func (tn *taskNet) sgPeer() sgPeer {
	peer := sgPeer{groups: tn.sgIDs}
	for _, s := range tn.subnets {
		peer.cidrs = append(peer.cidrs, s.CIDR)
	}
	return peer
}

// ingressFromTasks are the rules that admit TCP port into group from the
// tasks: from their first security group, else from each task subnet.
func (e *evaluator) ingressFromTasks(tn *taskNet, group string, port int) []Change {
	c := Change{Kind: ChangeAuthorizeIngress, Group: group, Protocol: "tcp", FromPort: port, ToPort: port,
		Description: "preflight: from the ECS tasks"}
	if len(tn.sgIDs) > 0 {
		c.PeerGroup = tn.sgIDs[0]
		return []Change{c}
	}
	var out []Change
	for _, s := range tn.subnets {
		if s.CIDR.IsValid() {
			c.CIDR = s.CIDR.String()
			out = append(out, c)
		}
	}
	return out
}

func (e *evaluator) privateDNSRow(ep *Endpoint) report.Result {
	r := report.Result{Check: CheckPrivateDNS, Resources: []string{ep.ID}}
	if ep.PrivateDNSEnabled && ep.PrivateDNSOnlyForInbound {
		// DnsOptions: private DNS answers only queries from a Route 53
		// Resolver inbound endpoint; the VPC's own clients get the public
		// addresses (see s3InboundOnly).
		r.Status, r.Class = report.StatusFail, report.ClassDNSPosture
		r.Error = fmt.Sprintf("%s has private DNS only for inbound Resolver endpoints: tasks in the VPC resolve the service's public addresses, not the endpoint's", ep.ID)
		r.Hint = checked(fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --dns-options PrivateDnsOnlyForInboundResolverEndpoint=false", ep.ID), endpointIDs(ep.ID))
		return r
	}
	if ep.PrivateDNSEnabled {
		r.Status, r.Detail = report.StatusPass, "private DNS on"
		return r
	}
	r.Status, r.Class = report.StatusFail, report.ClassDNSPosture
	r.Error = fmt.Sprintf("%s has private DNS disabled: the service's public name resolves to public addresses, not to the endpoint", ep.ID)
	r.Hint = checked(fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --private-dns-enabled", ep.ID), endpointIDs(ep.ID))
	e.propose(&r, Change{Kind: ChangeEndpointPrivateDNS, Endpoint: ep.ID})
	return r
}

// endpointAZRow warns when a task AZ has no endpoint ENI: the endpoint is
// still reached across AZs, but an outage of its AZ takes it away.
func (e *evaluator) endpointAZRow(tn *taskNet, ep *Endpoint) report.Result {
	r := report.Result{Check: CheckEndpointAZ, Resources: []string{ep.ID}}
	epAZ := map[string]bool{}
	for _, id := range ep.SubnetIDs {
		if s, ok := e.f.Subnets[id]; ok {
			epAZ[s.AZ] = true
		}
	}
	if len(epAZ) == 0 {
		return report.Result{} // endpoint subnets not in the facts: nothing to compare
	}
	var missing, add []string
	for _, s := range tn.subnets {
		if !epAZ[s.AZ] && !contains(missing, s.AZ) {
			missing = append(missing, s.AZ)
			add = append(add, s.ID)
		}
	}
	if len(missing) == 0 {
		r.Status, r.Detail = report.StatusPass, "in every task AZ"
		return r
	}
	r.Status, r.Class = report.StatusWarn, report.ClassConnect
	r.Error = fmt.Sprintf("%s has no network interface in %s, where tasks run: they cross AZs to reach it and lose it when its AZ fails", ep.ID, strings.Join(missing, ", "))
	r.Hint = checked(fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --add-subnet-ids %s", ep.ID, strings.Join(add, " ")),
		endpointIDs(ep.ID), subnetIDs(add...))
	r.Resources = uniqSorted(append([]string{ep.ID}, add...)...)
	e.propose(&r, Change{Kind: ChangeEndpointAddSubnets, Endpoint: ep.ID, Subnets: add})
	return r
}

// endpointIngressRow: the endpoint's groups must admit TCP port from the
// tasks, by a reference to a task group or a block covering every task
// subnet.
func (e *evaluator) endpointIngressRow(tn *taskNet, ep *Endpoint, port int) report.Result {
	v := e.sgAllowsTCP(ep.SecurityGroupIDs, false, port, tn.sgPeer())
	r := report.Result{Check: CheckSecurityGroup, Resources: uniqSorted(append([]string{ep.ID}, ep.SecurityGroupIDs...)...)}
	if v.allowed {
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("%s admits TCP %d from the tasks (%s)", ep.ID, port, v.by)
		return r
	}
	if v.undecided != nil {
		return v.undecidedRow("the endpoint's security groups decide whether the tasks get in", e.opts)
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Error = fmt.Sprintf("security groups %s of %s do not allow inbound TCP %d from the task security groups %s or subnets %s: connections time out",
		joinComma(ep.SecurityGroupIDs), ep.ID, port, joinComma(tn.sgIDs), prefixesString(v.uncovered))
	if len(v.missing) > 0 {
		r.Error += " (not found: " + joinComma(v.missing) + ")"
	}
	r.Hint = e.fixEndpointIngress(&r, tn, ep, port)
	return r
}

// fixEndpointIngress proposes what lets the tasks into an endpoint and
// returns the hint of r, the row that asks for it. An interface endpoint guarded by a task group
// (or by none) gets a group of its own: opening the task group to itself
// would open every task to every other. Otherwise the endpoint's first
// group admits the tasks.
func (e *evaluator) fixEndpointIngress(r *report.Result, tn *taskNet, ep *Endpoint, port int) string {
	var shared []string
	for _, g := range ep.SecurityGroupIDs {
		if contains(tn.sgIDs, g) {
			shared = append(shared, g)
		}
	}
	if strings.EqualFold(ep.Type, EndpointInterface) && (len(shared) > 0 || len(ep.SecurityGroupIDs) == 0) {
		group := e.endpointGroup(r, tn, port)
		e.propose(r, Change{Kind: ChangeEndpointGroups, Endpoint: ep.ID, Groups: []string{group}, RemoveGroups: shared})
		if bad := checkHintIDs(endpointIDs(ep.ID), groupIDs(group), groupIDs(shared...)); bad != "" {
			return bad
		}
		if refName(group) != "" {
			return fmt.Sprintf("Give %s a security group of its own that admits TCP %d from the task groups, in place of %s (the fix plan creates it: preflight audit --fix cli).",
				ep.ID, port, joinComma(shared))
		}
		return fmt.Sprintf("aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --add-security-group-ids %s --remove-security-group-ids %s",
			ep.ID, group, strings.Join(shared, " "))
	}
	if len(ep.SecurityGroupIDs) == 0 {
		return ""
	}
	e.propose(r, e.ingressFromTasks(tn, ep.SecurityGroupIDs[0], port)...)
	if len(tn.sgIDs) == 0 {
		return checked(fmt.Sprintf("Allow inbound TCP %d on %s from the task subnets (see the fix plan: preflight audit --fix cli).", port, ep.SecurityGroupIDs[0]),
			groupIDs(ep.SecurityGroupIDs[0]))
	}
	return hintSGFromGroup("ingress", ep.SecurityGroupIDs[0], port, tn.sgIDs[0])
}

// taskEgressToEndpointRow: a task group must let TCP port out to the
// endpoint, by a reference to an endpoint group, blocks that together
// cover every endpoint subnet, or blocks that cover the private IPv4
// addresses of the endpoint's interfaces (what private DNS answers), when
// those were read.
func (e *evaluator) taskEgressToEndpointRow(tn *taskNet, ep *Endpoint, port int) report.Result {
	peer := sgPeer{groups: ep.SecurityGroupIDs}
	for _, id := range ep.SubnetIDs {
		if s, ok := e.f.Subnets[id]; ok && s.CIDR.IsValid() {
			peer.cidrs = append(peer.cidrs, s.CIDR)
		}
	}
	v := e.sgAllowsTCP(tn.sgIDs, true, port, peer)
	r := report.Result{Check: CheckSecurityGroup, Resources: uniqSorted(append([]string{ep.ID}, tn.sgIDs...)...)}
	if v.allowed {
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("tasks may send TCP %d to it (%s)", port, v.by)
		return r
	}
	if v.undecided != nil {
		return v.undecidedRow("the task security groups decide whether the tasks get out", e.opts)
	}
	var hosts []netip.Prefix
	for _, a := range ep.Addrs {
		if a.Is4() {
			hosts = append(hosts, hostPrefix(a))
		}
	}
	if len(hosts) > 0 && len(v.missing) == 0 {
		if hv := e.sgAllowsTCP(tn.sgIDs, true, port, sgPeer{cidrs: hosts}); hv.allowed {
			r.Status, r.Detail = report.StatusPass, fmt.Sprintf("tasks may send TCP %d to it (%s: the addresses of its interfaces %s)", port, hv.by, prefixesString(hosts))
			return r
		}
	}
	if ep.Addrs == nil && len(ep.NetworkInterfaceIDs) > 0 && e.egressIntoBlocks(tn.sgIDs, port, peer.cidrs) {
		// Some rule names addresses inside the endpoint subnets: they
		// may be its interfaces', which could not be read.
		if u := findUndecided(e.f, ActionDescribeNetworkInterfaces, ep.ID); u != nil {
			return undecidedRow(CheckSecurityGroup, "", *u, "the addresses of "+ep.ID+"'s interfaces decide whether the task groups' rules to addresses in its subnets reach it", e.opts)
		}
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Error = fmt.Sprintf("task security groups %s do not allow outbound TCP %d to %s (groups %s, subnets %s): connections time out",
		joinComma(tn.sgIDs), port, ep.ID, joinComma(ep.SecurityGroupIDs), prefixesString(v.uncovered))
	if len(v.missing) > 0 {
		r.Error += " (not found: " + joinComma(v.missing) + ")"
	}
	// The rule names the endpoint's own group; an endpoint that reuses a
	// task group gets one of its own first (fixEndpointIngress), and the
	// plan's next pass asks for the rule to it.
	var dest string
	for _, g := range ep.SecurityGroupIDs {
		if !contains(tn.sgIDs, g) {
			dest = g
			break
		}
	}
	switch {
	case dest != "" && len(tn.sgIDs) > 0:
		r.Hint = hintSGFromGroup("egress", tn.sgIDs[0], port, dest)
		e.propose(&r, Change{Kind: ChangeAuthorizeEgress, Group: tn.sgIDs[0], Protocol: "tcp", FromPort: port, ToPort: port,
			PeerGroup: dest, Description: "preflight: to " + cmp.Or(ep.ServiceName, ep.ID)})
	case len(ep.SecurityGroupIDs) > 0:
		r.Hint = checked(fmt.Sprintf("Give %s a security group of its own and let TCP %d out of the task groups to it: %s prints both steps.", ep.ID, port, hintFixPlan),
			endpointIDs(ep.ID))
	}
	return r
}

// egressIntoBlocks reports whether a rule of groups lets TCP port out to
// some address inside blocks (a narrower block than a whole one).
func (e *evaluator) egressIntoBlocks(groups []string, port int, blocks []netip.Prefix) bool {
	for _, id := range groups {
		sg, ok := e.f.SecurityGroups[id]
		if !ok {
			continue
		}
		for _, r := range sg.Egress {
			if !ruleCoversTCP(r, port) {
				continue
			}
			for _, rb := range e.ruleBlocks(r) {
				for _, b := range blocks {
					if rb.Overlaps(b) {
						return true
					}
				}
			}
		}
	}
	return false
}

// endpointPeers are the endpoint's subnets, as NACL peers.
func (e *evaluator) endpointPeers(ep *Endpoint) []naclPeer {
	var peers []naclPeer
	for _, id := range ep.SubnetIDs {
		if s, ok := e.f.Subnets[id]; ok && (s.CIDR.IsValid() || s.IPv6.IsValid()) {
			peers = append(peers, naclPeer{subnet: s, cidr: s.CIDR, cidr6: s.IPv6})
		}
	}
	return peers
}

func prefixesString(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

// withDefaultGroup is ep judged with the security group it is really in.
// On AWS an interface endpoint (and an EFS mount target) always has one:
// created without any, it is put in the VPC's default group, which
// DescribeVpcEndpoints then lists. Facts without groups (moto leaves them
// empty) are judged as that default group (the group named "default" of
// vpcID), whose only inbound rule, unless changed, admits its own members.
// dflt is the group substituted, or "" when ep names groups or the VPC's
// default group is not in the facts.
func (e *evaluator) withDefaultGroup(ep *Endpoint, vpcID string) (gep *Endpoint, dflt string) {
	if len(ep.SecurityGroupIDs) > 0 {
		return ep, ""
	}
	if ep.VPCID != "" {
		vpcID = ep.VPCID
	}
	var ids []string
	for id, sg := range e.f.SecurityGroups {
		if sg.VPCID == vpcID && sg.Name == "default" {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return ep, ""
	}
	c := *ep
	c.SecurityGroupIDs = ids
	return &c, ids[0]
}

// saysDefaultGroup notes on r that the groups judged are the VPC's
// default group, because none was given.
func saysDefaultGroup(r report.Result, dflt string) report.Result {
	if dflt == "" {
		return r
	}
	note := " (no security group listed: judged as the VPC's default group " + dflt + ", where AWS puts an endpoint or EFS mount target created without one)"
	switch {
	case r.Error != "":
		r.Error += note
	case r.Detail != "":
		r.Detail += note
	}
	return r
}
