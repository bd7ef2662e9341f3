package audit

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// internetNeed judges an image from a registry no VPC endpoint serves:
// the tasks need an internet path, and a security group and network ACLs
// that let the need's port (443, or the registry's own) out.
func (e *evaluator) internetNeed(tn *taskNet, n Need) []report.Result {
	if n.DualStack {
		return e.dualStackNeed(tn, n)
	}
	base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
	r := base
	r.Check = CheckRoute
	r.Resources = uniqSorted(append(tn.subnetIDs(), tn.routeIDs()...)...)
	switch tn.internetAll() {
	case TriFalse:
		r.Status, r.Class = report.StatusFail, report.ClassConnect
		natHint := "add a NAT gateway route (0.0.0.0/0) to route tables " + joinComma(tn.routeIDs()) + "."
		if tn.bpaOnly() {
			// The routes give a path and BPA closes it: reopen it.
			natHint = "reopen the path: " + tn.bpaHints()
		}
		if n.Internet {
			r.Error = "the registry is only reachable over the internet and a task subnet has no internet path: the image pull times out"
			r.Hint = "Copy the image into ECR in " + e.f.Region + " (or an ECR pull-through cache rule: aws ecr create-pull-through-cache-rule) and use that URI, or " + natHint
		} else {
			r.Error = "the check asks for the public path and a task subnet has no internet path: connections time out"
			r.Hint = "To reach it publicly, " + natHint
		}
		if why := tn.bpaWhy(false); why != "" {
			r.Error += " (" + why + ")"
			addResources(&r, tn.bpaIDs(false)...)
		}
		r.Hint = checked(r.Hint, regions(e.f.Region), routeIDs(tn.routeIDs()...))
		return []report.Result{r}
	case TriUnknown:
		return []report.Result{withBase(base, e.unknownInternetRow(tn, CheckRoute, "the task subnets have an internet path"))}
	}
	// The destination's addresses are unknown, so only ACL rules that
	// cover 0.0.0.0/0 on the need's port (443, or a registry's own port)
	// and on the return ports prove the path.
	checks := []report.Result{e.internetEgressRow(tn, n.Port), e.naclRow(tn, []naclPeer{{cidr: defaultRoute4}}, n.Port)}
	return summarise(base, "internet path "+tn.internetRoutes(), tn.publicPathIDs(), checks)
}

// dualStackNeed judges a destination on the internet that answers on IPv4
// and IPv6 alike: an ECR dual-stack name (ACCOUNT.dkr-ecr.REGION.on.aws),
// which ECR's PrivateLink endpoints do not serve, so only the internet
// reaches it. Its name resolves to A and AAAA records, and the pull's
// dialer (Go's, in the Fargate agent and containerd) tries the family the
// task can use, falling back to the other (RFC 6555/8305), so each task
// subnet needs one working family: an IPv4 internet path (NAT, or an
// internet gateway with a public IP) with egress to 0.0.0.0/0, or an IPv6
// one (::/0 to an egress-only or internet gateway, from a subnet with an
// IPv6 block) with egress to ::/0. An IPv6-only subnet has only the
// second (or NAT64).
func (e *evaluator) dualStackNeed(tn *taskNet, n Need) []report.Result {
	base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
	sg4 := e.sgAllowsTCP(tn.sgIDs, true, n.Port, sgPeer{cidrs: []netip.Prefix{defaultRoute4}})
	sg6 := e.sgAllowsTCP(tn.sgIDs, true, n.Port, sgPeer{cidrs: []netip.Prefix{defaultRoute6}})
	sg64 := e.sgAllowsTCP(tn.sgIDs, true, n.Port, sgPeer{cidrs: []netip.Prefix{nat64Prefix}})
	var paths, noRoute, unknown []string
	var sg4Needed, sg6Needed []string
	for _, s := range tn.subnets {
		r4, r6 := tn.internet[s.ID], tn.internet6[s.ID]
		v4 := sg4
		if !s.CIDR.IsValid() {
			// An IPv6-only subnet's IPv4 path is NAT64: the tasks send
			// to 64:ff9b::/96, which their egress must allow.
			v4 = sg64
		}
		switch {
		case r4 == TriTrue && v4.allowed:
			paths = append(paths, fmt.Sprintf("%s via %s (IPv4)", s.ID, tn.internetVia[s.ID]))
		case r6 == TriTrue && sg6.allowed:
			paths = append(paths, fmt.Sprintf("%s via %s (IPv6)", s.ID, tn.internet6Via[s.ID]))
		case r4 == TriUnknown && r6 != TriTrue, r6 == TriUnknown && r4 != TriTrue:
			unknown = append(unknown, s.ID)
		case r6 == TriTrue:
			sg6Needed = append(sg6Needed, fmt.Sprintf("%s (IPv6 via %s)", s.ID, tn.internet6Via[s.ID]))
		case r4 == TriTrue:
			sg4Needed = append(sg4Needed, fmt.Sprintf("%s (IPv4 via %s)", s.ID, tn.internetVia[s.ID]))
		default:
			why4, why6 := "no IPv4 internet path", "no ::/0 route to an egress-only or internet gateway"
			if v := tn.bpa[s.ID]; v != nil && v.open == TriFalse {
				why4 = v.why
			}
			if v := tn.bpa6[s.ID]; v != nil && v.open == TriFalse {
				why6 = v.why
			}
			why := why4 + "; " + why6
			if !s.IPv6.IsValid() {
				why = why4 + "; and no IPv6 block"
			}
			noRoute = append(noRoute, s.ID+" ("+why+")")
		}
	}
	what := "the destination is a dual-stack name that ECR PrivateLink does not serve, so only an internet path (IPv4 or IPv6) reaches it"
	var rows []report.Result
	if len(noRoute) > 0 {
		r := report.Result{Check: CheckRoute, Status: report.StatusFail, Class: report.ClassConnect,
			Resources: uniqSorted(append(tn.subnetIDs(), tn.routeIDs()...)...)}
		r.Error = fmt.Sprintf("%s, and task subnets have neither: %s: the image pull times out", what, strings.Join(noRoute, "; "))
		addResources(&r, tn.bpaIDs(false)...)
		r.Hint = fmt.Sprintf("Give the task subnets an IPv6 block and a ::/0 route to an egress-only internet gateway (aws ec2 create-egress-only-internet-gateway --vpc-id %s, then aws ec2 create-route --destination-ipv6-cidr-block ::/0 on route tables %s), or a NAT gateway route (0.0.0.0/0)",
			tn.vpcID, joinComma(tn.routeIDs()))
		if host, err := config.HostFor("ecr.dkr", n.Region, e.f.Account); err == nil {
			r.Hint += fmt.Sprintf("; or pull through the IPv4 name %s with the ecr.api, ecr.dkr and S3 gateway endpoints", host)
		}
		r.Hint = checked(r.Hint+".", vpcIDs(tn.vpcID), routeIDs(tn.routeIDs()...))
		if h := tn.bpaHints(); h != "" {
			r.Hint += " Or reopen the path VPC Block Public Access closes: " + h
		}
		rows = append(rows, r)
	}
	if len(unknown) > 0 {
		u := e.unknownInternetRow(tn.only(unknown), CheckRoute, joinComma(unknown)+" have an internet path")
		u.Resources = uniqSorted(append(u.Resources, unknown...)...)
		rows = append(rows, u)
	}
	if len(sg4Needed)+len(sg6Needed) > 0 {
		u := sg6.undecided
		if u == nil {
			u = sg4.undecided
		}
		if u != nil {
			rows = append(rows, undecidedRow(CheckSecurityGroup, "", *u, "the task security groups decide whether the tasks get out", e.opts))
		} else {
			r := report.Result{Check: CheckSecurityGroup, Status: report.StatusFail, Class: report.ClassConnect, Resources: tn.sgIDs}
			// The rule for the family whose route exists; IPv6 first,
			// the path the dual-stack name exists for.
			family, cidr := "0.0.0.0/0", defaultRoute4
			if len(sg6Needed) > 0 {
				family, cidr = "::/0", defaultRoute6
			}
			r.Error = fmt.Sprintf("task security groups %s do not allow outbound TCP %d to %s, and the internet path of %s needs it: the image pull times out",
				joinComma(tn.sgIDs), n.Port, family, strings.Join(append(sg6Needed, sg4Needed...), ", "))
			if len(tn.sgIDs) > 0 {
				if cidr == defaultRoute6 {
					r.Hint = checked(fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,Ipv6Ranges=[{CidrIpv6=::/0}]'", tn.sgIDs[0], n.Port, n.Port),
						groupIDs(tn.sgIDs[0]))
				} else {
					r.Hint = hintSGCIDR("egress", tn.sgIDs[0], n.Port, "0.0.0.0/0")
				}
				e.propose(&r, Change{Kind: ChangeAuthorizeEgress, Group: tn.sgIDs[0], Protocol: "tcp", FromPort: n.Port, ToPort: n.Port,
					CIDR: cidr.String(), Description: "preflight: the internet"})
			}
			rows = append(rows, r)
		}
	}
	if len(rows) > 0 {
		for i := range rows {
			rows[i] = withBase(base, rows[i])
		}
		return rows
	}
	return summarise(base, "dual-stack name (no ECR PrivateLink): internet path "+strings.Join(paths, ", "), tn.sgIDs, nil)
}

// internetEgressRow: a task group must let TCP port out to the internet.
// The destination addresses are not known in advance, so only rules
// covering 0.0.0.0/0 prove it (64:ff9b::/96 for an IPv6-only subnet's
// NAT64 path).
func (e *evaluator) internetEgressRow(tn *taskNet, port int) report.Result {
	var peer sgPeer
	for _, s := range tn.subnets {
		c := defaultRoute4
		if !s.CIDR.IsValid() {
			c = nat64Prefix
		}
		if !slices.Contains(peer.cidrs, c) {
			peer.cidrs = append(peer.cidrs, c)
		}
	}
	v := e.sgAllowsTCP(tn.sgIDs, true, port, peer)
	r := report.Result{Check: CheckSecurityGroup, Resources: tn.sgIDs}
	if v.allowed {
		r.Status, r.Detail = report.StatusPass, fmt.Sprintf("tasks may send TCP %d to %s", port, prefixesString(peer.cidrs))
		return r
	}
	if v.undecided != nil {
		return undecidedRow(CheckSecurityGroup, "", *v.undecided, "the task security groups decide whether the tasks get out", e.opts)
	}
	r.Status, r.Class = report.StatusFail, report.ClassConnect
	r.Error = fmt.Sprintf("task security groups %s do not allow outbound TCP %d to %s, and the destination is on the internet", joinComma(tn.sgIDs), port, prefixesString(v.uncovered))
	if len(tn.sgIDs) > 0 {
		c := v.uncovered[0]
		r.Hint = hintSGCIDR("egress", tn.sgIDs[0], port, c.String())
		if c.Addr().Is6() {
			r.Hint = checked(fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,Ipv6Ranges=[{CidrIpv6=%s}]'", tn.sgIDs[0], port, port, c),
				groupIDs(tn.sgIDs[0]))
		}
		e.propose(&r, Change{Kind: ChangeAuthorizeEgress, Group: tn.sgIDs[0], Protocol: "tcp", FromPort: port, ToPort: port,
			CIDR: c.String(), Description: "preflight: the internet"})
	}
	return r
}

func crossRegionHint(n Need, region, account string) string {
	switch {
	case strings.HasPrefix(n.Service, "ecr."):
		return fmt.Sprintf("Replicate the repository into %s and use that image URI: aws ecr put-replication-configuration --region %s --replication-configuration 'rules=[{destinations=[{region=%s,registryId=%s}]}]'",
			region, n.Region, region, account)
	case n.Service == "logs":
		return fmt.Sprintf("Ship the logs in %s: set the awslogs-region log option to %s (and create the log group there).", region, region)
	case n.Service == "secretsmanager":
		return fmt.Sprintf("Replicate the secret into %s (aws secretsmanager replicate-secret-to-regions --secret-id with the secret's ARN and --add-replica-regions Region=%s) and reference the replica's ARN.", region, region)
	case n.Service == "ssm":
		return fmt.Sprintf("Create the parameter in %s and reference it there.", region)
	}
	return fmt.Sprintf("Use the %s endpoint in %s, or give the tasks an internet path.", n.Service, region)
}

// egressOpen warns, zero-trust style, when a task group allows all traffic
// to 0.0.0.0/0 and the route has an internet path: anything in the task
// can reach anywhere.
func (e *evaluator) egressOpen(tn *taskNet) []report.Result {
	sgs, open := e.allEgressOpen(tn.sgIDs, defaultRoute4)
	sg := joinComma(sgs)
	r := report.Result{Check: CheckEgress, Target: tn.name, Resources: tn.sgIDs}
	if !open {
		// All traffic to ::/0 from subnets with an IPv6 internet path is
		// as open, with no NAT in the way.
		if sgs6, open6 := e.allEgressOpen(tn.sgIDs, defaultRoute6); open6 && tn.internet6Routes() != "" {
			sg6 := joinComma(sgs6)
			r.Status, r.Class = report.StatusWarn, report.ClassEgressOpen
			r.Resources = sgs6
			r.Error = fmt.Sprintf("%s allows all traffic to ::/0 and the task subnets reach the IPv6 internet (%s): nothing limits where a compromised task sends data", sg6, tn.internet6Routes())
			r.Hint = checked(fmt.Sprintf("Replace the allow-all IPv6 egress of %s with the rules the tasks need (preflight audit --egress-rules cli prints them).", sg6),
				groupIDs(sgs6...))
			return []report.Result{r}
		}
		// "Not open" is only proven when every task group was read.
		for _, id := range tn.sgIDs {
			if _, ok := e.f.SecurityGroups[id]; ok {
				continue
			}
			u := findUndecided(e.f, ActionDescribeSecurityGroups, id)
			if u == nil {
				u = &Undecided{Action: ActionDescribeSecurityGroups, Resource: id, Err: "security group not in the facts"}
			}
			r := undecidedRow(CheckEgress, tn.name, *u, "the task security groups decide how open egress is", e.opts)
			r.Resources = uniqSorted(append(r.Resources, id)...)
			return []report.Result{r}
		}
		r.Status, r.Detail = report.StatusPass, "no task security group allows all traffic to 0.0.0.0/0"
		return []report.Result{r}
	}
	if tn.internetAll() == TriFalse {
		r.Status, r.Detail = report.StatusPass, sg+" allows all egress, but the task subnets have no internet path"
		return []report.Result{r}
	}
	r.Status, r.Class = report.StatusWarn, report.ClassEgressOpen
	r.Resources = sgs
	r.Error = fmt.Sprintf("%s allows all traffic to 0.0.0.0/0 and the task subnets reach the internet (%s): nothing limits where a compromised task sends data", sg, tn.internetRoutes())
	if why := tn.bpaWhy(true); why != "" {
		r.Error = fmt.Sprintf("%s allows all traffic to 0.0.0.0/0 and the task subnets may reach the internet (%s; %s): nothing limits where a compromised task sends data", sg, tn.internetRoutes(), why)
	}
	r.Hint = checked(fmt.Sprintf("Replace the allow-all egress of %s with the least rule set: preflight audit%s --egress-rules cli prints the rules to add and the revoke of the allow-all.", sg, e.checksFlag()),
		groupIDs(sgs...))
	return []report.Result{r}
}

// checksFlag is " --checks ENTRIES" when the audit ran with --checks, so
// that a command a hint prints derives the same needs (the rules of
// --egress-rules without them would leave those needs out and its revoke
// would cut them off), or "".
func (e *evaluator) checksFlag() string {
	if len(e.opts.Extra) == 0 {
		return ""
	}
	list := make([]string, len(e.opts.Extra))
	for i, x := range e.opts.Extra {
		list[i] = x.String()
	}
	return " --checks " + shellWord(strings.Join(list, ","))
}

// efsNeed judges an EFS volume: TCP 2049 from the tasks to a mount target
// in each task AZ, through both security groups and the NACLs.
//
// A task mounts the mount target of its own Availability Zone: "The file
// system DNS name automatically resolves to the mount target's IP address
// in the Availability Zone of the connecting Amazon EC2 instance" (Amazon
// EFS User Guide, "Mounting on Amazon EC2 with a DNS name",
// mounting-fs-mount-cmd-dns-name). So each task AZ is judged on its own
// mount target: an open mount target in one AZ does not let the tasks of
// another in, and a mount target in an AZ where no task runs decides
// nothing.
func (e *evaluator) efsNeed(tn *taskNet, n Need) []report.Result {
	base := report.Result{Target: n.Service, Port: n.Port, Reason: tn.reason(n)}
	var mts []*MountTarget
	for _, mt := range e.f.MountTargets {
		if mt.FileSystemID == n.FileSystemID {
			mts = append(mts, mt)
		}
	}
	if len(mts) == 0 {
		u := findUndecided(e.f, ActionDescribeMountTargets, n.FileSystemID)
		if u == nil {
			u = &Undecided{Action: ActionDescribeMountTargets, Resource: n.FileSystemID, Err: "no mount targets in the facts"}
		}
		return []report.Result{withBase(base, undecidedRow(CheckEndpoint, n.Service, *u, "the mount targets decide whether the volume mounts", e.opts))}
	}
	var ids, groups []string
	byAZ := map[string]bool{}
	for _, mt := range mts {
		ids = append(ids, mt.ID)
		groups = append(groups, mt.SecurityGroupIDs...)
		if s, ok := e.f.Subnets[mt.SubnetID]; ok {
			byAZ[s.AZ] = true
		}
	}
	groups = uniqSorted(groups...)
	checks := []report.Result{}
	var missingAZ []string
	for _, s := range tn.subnets {
		if !byAZ[s.AZ] && !contains(missingAZ, s.AZ) {
			missingAZ = append(missingAZ, s.AZ)
		}
	}
	if len(missingAZ) > 0 && len(byAZ) > 0 {
		checks = append(checks, report.Result{Check: CheckEndpointAZ, Status: report.StatusWarn, Class: report.ClassConnect,
			Error: fmt.Sprintf("%s has no mount target in %s, where tasks run", n.FileSystemID, strings.Join(missingAZ, ", ")),
			Hint:  efsMountTargetHint(n.FileSystemID, tn, missingAZ, groups),
		})
	}
	zones := e.efsZones(tn, mts)
	if len(zones) == 0 {
		// No task AZ has a mount target: the file system's DNS name does
		// not resolve there, and nothing is proven to pass.
		out := make([]report.Result, len(checks))
		for i, c := range checks {
			out[i] = withBase(base, c)
		}
		return out
	}
	var ingress, egress, nacl []azRow
	var unread []*efsZone
	for _, z := range zones {
		ep := &Endpoint{ID: z.mt.ID, SecurityGroupIDs: z.mt.SecurityGroupIDs, SubnetIDs: []string{z.mt.SubnetID}}
		u := findUndecided(e.f, ActionDescribeMountTargetSecGroups, z.mt.ID)
		dflt := ""
		if u == nil {
			ep, dflt = e.withDefaultGroup(ep, tn.vpcID)
		}
		in := saysDefaultGroup(e.endpointIngressRow(z.tn, ep, n.Port), dflt)
		out := e.taskEgressToEndpointRow(z.tn, ep, n.Port)
		if u != nil {
			// A mount target whose groups could not be read is not one
			// without groups: its ingress is undecided, not closed, and
			// so is egress that only a reference to them could allow.
			unread = append(unread, z)
			in = undecidedRow(CheckSecurityGroup, "", *u, fmt.Sprintf("the security groups of mount target %s, which could not be read, decide whether the tasks get in", z.mt.ID), e.opts)
			if out.Status == report.StatusFail {
				out = undecidedRow(CheckSecurityGroup, "", *u, fmt.Sprintf("the security groups of mount target %s, which could not be read, decide whether the task groups' rules let the tasks out to it", z.mt.ID), e.opts)
			}
			addResources(&in, z.mt.ID)
			addResources(&out, z.mt.ID)
		}
		var peers []naclPeer
		if z.subnet != nil {
			peers = append(peers, naclPeer{subnet: z.subnet, cidr: z.subnet.CIDR, cidr6: z.subnet.IPv6})
		}
		ingress = append(ingress, azRow{z, in})
		egress = append(egress, azRow{z, out})
		nacl = append(nacl, azRow{z, e.naclRow(z.tn, peers, n.Port)})
	}
	in := mergeAZRows(ingress)
	if len(unread) > 1 && in.Status != report.StatusFail && in.Status != report.StatusPass {
		// One row for every unread mount target, as the reads are one
		// call each.
		var unreadIDs, azs []string
		for _, z := range unread {
			unreadIDs = append(unreadIDs, z.mt.ID)
			azs = append(azs, z.az)
		}
		first := findUndecided(e.f, ActionDescribeMountTargetSecGroups, unread[0].mt.ID)
		in = undecidedRow(CheckSecurityGroup, "", *first, fmt.Sprintf("the security groups of mount targets %s, which could not be read, decide whether the tasks get in (the tasks in %s mount them)",
			joinComma(unreadIDs), strings.Join(uniqSorted(azs...), ", ")), e.opts)
		addResources(&in, unreadIDs...)
	}
	for _, r := range []report.Result{in, mergeAZRows(egress), mergeAZRows(nacl)} {
		if r.Status != "" && r.Check != CheckNACL {
			// The volume's rows name the file system, as the
			// endpoint rows name the endpoint.
			addResources(&r, n.FileSystemID)
		}
		checks = append(checks, r)
	}
	return summarise(base, "mount targets "+joinComma(ids), append([]string{n.FileSystemID}, ids...), checks)
}

// efsZone is one task AZ that has a mount target: the tasks there (tn
// narrowed to the task subnets of az) and the mount target they mount.
type efsZone struct {
	az     string
	tn     *taskNet
	mt     *MountTarget
	subnet *Subnet // the mount target's subnet; nil when not in the facts
}

// efsZones pairs each task AZ with the mount targets in it, in the order
// of the task subnets. A mount target in an AZ without tasks is left out:
// no task mounts it.
func (e *evaluator) efsZones(tn *taskNet, mts []*MountTarget) []*efsZone {
	var azs []string
	subnets := map[string][]string{}
	for _, s := range tn.subnets {
		if _, ok := subnets[s.AZ]; !ok {
			azs = append(azs, s.AZ)
		}
		subnets[s.AZ] = append(subnets[s.AZ], s.ID)
	}
	var zones []*efsZone
	for _, az := range azs {
		for _, mt := range mts {
			s := e.f.Subnets[mt.SubnetID]
			mtAZ := mt.AZ
			if s != nil {
				mtAZ = s.AZ
			}
			if mtAZ != az {
				continue
			}
			zones = append(zones, &efsZone{az: az, tn: tn.only(subnets[az]), mt: mt, subnet: s})
		}
	}
	return zones
}

// azRow is one check of an EFS need judged for the tasks of one AZ.
type azRow struct {
	z *efsZone
	r report.Result
}

// where names the AZ of a row and the task subnets in it.
func (a azRow) where() string {
	ids := make([]string, len(a.z.tn.subnets))
	for i, s := range a.z.tn.subnets {
		ids[i] = s.ID
	}
	return fmt.Sprintf("in %s (task subnets %s, mount target %s)", a.z.az, joinComma(ids), a.z.mt.ID)
}

// mergeAZRows folds one check judged per task AZ into one row: it fails
// when any AZ fails (naming only the AZs that do), is undecided when none
// fails and some AZ is not proven, and passes only when every AZ passes.
// Rows whose check did not apply (no status) are left out.
func mergeAZRows(rows []azRow) report.Result {
	var pass, fail, open []azRow
	for _, a := range rows {
		switch a.r.Status {
		case "":
		case report.StatusPass:
			pass = append(pass, a)
		case report.StatusFail:
			if a.r.Class == report.ClassUndecided {
				open = append(open, a) // --fail-undecided
				continue
			}
			fail = append(fail, a)
		default:
			open = append(open, a)
		}
	}
	switch {
	case len(fail) > 0:
		return joinAZRows(fail, open)
	case len(open) > 0:
		return joinAZRows(open, nil)
	case len(pass) > 0:
		r := pass[0].r
		var details, res []string
		for _, a := range pass {
			details = append(details, a.z.mt.ID+" in "+a.z.az+": "+a.r.Detail)
			res = append(res, a.r.Resources...)
		}
		r.Detail = strings.Join(details, "; ")
		r.Resources = uniqSorted(res...)
		return r
	}
	return report.Result{}
}

// joinAZRows is one row for the rows of rs, each error said with its AZ,
// and the errors of also (AZs not proven beside failing ones) noted. The
// hint is each distinct command, joined by &&, or the first hint when
// one is not a command.
func joinAZRows(rs, also []azRow) report.Result {
	r := rs[0].r
	r.FixSteps = nil
	var errs, res, hints []string
	allCmds := true
	for _, a := range append(append([]azRow(nil), rs...), also...) {
		errs = append(errs, a.where()+": "+a.r.Error)
		res = append(res, a.r.Resources...)
		res = append(res, a.z.mt.ID)
		for _, s := range a.z.tn.subnets {
			res = append(res, s.ID)
		}
		r.FixSteps = append(r.FixSteps, a.r.FixSteps...)
		if h := a.r.Hint; h != "" && !contains(hints, h) {
			hints = append(hints, h)
			allCmds = allCmds && strings.HasPrefix(h, "aws ")
		}
	}
	r.Error = strings.Join(errs, "; ")
	r.Resources = uniqSorted(res...)
	switch {
	case len(hints) == 0:
		r.Hint = ""
	case allCmds:
		r.Hint = strings.Join(hints, " && ")
	default:
		r.Hint = hints[0]
	}
	return r
}

// efsMountTargetHint creates a mount target in one task subnet of each AZ
// that has none.
func efsMountTargetHint(fs string, tn *taskNet, azs, groups []string) string {
	if bad := checkHintIDs(fileSystemIDs(fs), groupIDs(groups...)); bad != "" {
		return bad
	}
	var cmds []string
	for _, az := range azs {
		for _, s := range tn.subnets {
			if s.AZ == az {
				if bad := checkHintIDs(subnetIDs(s.ID)); bad != "" {
					return bad
				}
				cmds = append(cmds, fmt.Sprintf("aws efs create-mount-target --file-system-id %s --subnet-id %s --security-groups %s", fs, s.ID, strings.Join(groups, " ")))
				break
			}
		}
	}
	return strings.Join(cmds, " && ")
}
