package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// unreadService reports whether w stands for a service whose description
// could not be read (see UnreadService): it has no
// network configuration because none is known, not because it has none.
func (e *evaluator) unreadService(w *Workload) bool {
	if len(w.Subnets) > 0 {
		return false
	}
	if findUndecided(e.f, ActionDescribeServices, w.Name) != nil {
		return true
	}
	return strings.HasSuffix(w.Name, "/*") && unlistedUndecided(e.f, w.Cluster) != nil
}

// unlistedUndecided is the failed call that left services of cluster
// unlisted (a "/*" placeholder workload): ListServices, a cluster gone
// mid-sweep (DescribeClusters), or ListClusters for cluster "*".
func unlistedUndecided(f *Facts, cluster string) *Undecided {
	if u := findUndecided(f, ActionListServices, cluster); u != nil {
		return u
	}
	if u := findUndecided(f, ActionDescribeClusters, cluster); u != nil && u.Code == CodeClusterGone {
		return u
	}
	if cluster == "*" {
		return findUndecidedAny(f, ActionListClusters)
	}
	return nil
}

// onInstances judges a workload of the EC2 or EXTERNAL launch type. What
// the host does for its tasks (ViaInstance needs) is judged on the
// network of each container instance of its cluster; what the tasks do
// themselves on the task ENI (awsvpc), or, in bridge and host mode, where
// the containers share the instance's network, on the instances too.
func (e *evaluator) onInstances(w *Workload, needs []Need) []report.Result {
	var host, task []Need
	for _, n := range needs {
		if n.ViaInstance {
			host = append(host, n)
		} else {
			task = append(task, n)
		}
	}
	if len(w.Subnets) == 0 {
		return e.instanceNetworks(w, oneNetworkNeeds(e.f.Region, host, task))
	}
	out := e.instanceNetworks(w, host)
	nc := NetConfig{Name: w.Name + " (task ENI)", Subnets: w.Subnets, SecurityGroups: w.SecurityGroups, AssignPublicIP: w.AssignPublicIP, OSFamily: w.osFamily()}
	return append(out, e.network(nc, task)...)
}

// oneNetworkNeeds merges the host's and the tasks' needs for judging on
// one network (bridge and host mode): a need both have is judged once,
// with both reasons.
func oneNetworkNeeds(region string, lists ...[]Need) []Need {
	c := needCollector{region: region}
	for _, list := range lists {
		for _, n := range list {
			n.ViaInstance = false
			c.add(n)
		}
	}
	return c.list()
}

// instanceNet is the network a group of container instances share: one
// subnet, the same security groups, and a public IPv4 address or none.
type instanceNet struct {
	subnet    string
	groups    []string
	public    bool
	instances []string
}

// clusterInstances returns the container instances of w's cluster that
// its launch type runs on, or the rows that say, per need, why they are
// not known.
func (e *evaluator) clusterInstances(w *Workload, needs []Need) ([]*ContainerInstance, []report.Result) {
	list, known := e.f.ContainerInstances[w.Cluster]
	if w.Cluster == "" {
		return nil, e.hostUndecided(w, needs,
			"no cluster given: the container instances' network decides image pulls, logs and secrets of the "+w.LaunchType+" launch type",
			"Pass --cluster (the cluster the tasks will run in) so that the audit reads its container instances.")
	}
	if !known {
		u := findUndecided(e.f, ActionListContainerInstances, w.Cluster)
		if u == nil {
			u = findUndecided(e.f, ActionDescribeContainerInstances, w.Cluster)
		}
		if u == nil {
			u = &Undecided{Action: ActionListContainerInstances, Resource: w.Cluster, Err: "container instances not in the facts"}
		}
		var rows []report.Result
		for _, n := range needs {
			r := undecidedRow(CheckEndpoint, needTarget(n), *u, "the container instances' network decides image pulls, logs and secrets", e.opts)
			r.Port, r.Reason = n.Port, w.Name+" (container instances): "+n.Reason
			rows = append(rows, r)
		}
		return nil, rows
	}
	var out []*ContainerInstance
	for _, ci := range list {
		if ci.External() == (w.LaunchType == LaunchExternal) && w.placesOn(ci) {
			out = append(out, ci)
		}
	}
	if len(out) == 0 {
		kind := "container instances"
		if w.LaunchType == LaunchExternal {
			kind = "external instances"
		}
		if len(w.CapacityProviders) > 0 {
			kind += " of capacity provider " + joinComma(w.CapacityProviders)
		}
		return nil, e.hostUndecided(w, needs,
			fmt.Sprintf("no %s registered in cluster %s: the host's network decides image pulls, logs and secrets", kind, w.Cluster),
			checked(fmt.Sprintf("Register %s in cluster %s (or let its capacity provider scale out), then run the audit again.", kind, w.Cluster),
				ecsNames("cluster", w.Cluster)))
	}
	return out, nil
}

// hostUndecided is one undecided row per need, saying why the hosts'
// network could not be judged.
func (e *evaluator) hostUndecided(w *Workload, needs []Need, why, hint string) []report.Result {
	return e.undecidedNeeds(w, "container instances", needs, why, hint)
}

// needTarget is the Target of a need's rows.
func needTarget(n Need) string {
	if n.Service == NeedHost {
		return n.Host
	}
	return n.Service
}

// instanceNetworks judges needs on every distinct network of the
// container instances of w's cluster: instances that share a subnet,
// security groups and public addressing are judged once, together.
func (e *evaluator) instanceNetworks(w *Workload, needs []Need) []report.Result {
	if len(needs) == 0 {
		return nil
	}
	insts, rows := e.clusterInstances(w, needs)
	if len(insts) == 0 {
		return rows
	}
	if w.LaunchType == LaunchExternal {
		ids := make([]string, len(insts))
		for i, ci := range insts {
			ids[i] = ci.EC2InstanceID
		}
		for _, n := range needs {
			rows = append(rows, report.Result{
				Check: CheckRoute, Target: needTarget(n), Port: n.Port, Status: report.StatusSkip,
				Reason: w.Name + " (external instances): " + n.Reason,
				Detail: fmt.Sprintf("external (ECS Anywhere) instances %s are in no VPC: their path is outside what the audit reads; run preflight check on an instance", listIDs(ids)),
			})
		}
		return rows
	}
	nets := map[string]*instanceNet{}
	var keys []string
	for _, ci := range insts {
		if ci.SubnetID == "" {
			u := findUndecided(e.f, ActionDescribeInstances, ci.EC2InstanceID)
			if u == nil {
				u = &Undecided{Action: ActionDescribeInstances, Resource: ci.EC2InstanceID, Err: "instance network not in the facts"}
			}
			rows = append(rows, undecidedRow(CheckUndecided, w.Name, *u, "the instance's network decides image pulls, logs and secrets of the tasks placed on it", e.opts))
			continue
		}
		k := fmt.Sprintf("%s %s %t", ci.SubnetID, joinComma(ci.SecurityGroupIDs), ci.PublicIPv4.IsValid())
		n, ok := nets[k]
		if !ok {
			n = &instanceNet{subnet: ci.SubnetID, groups: ci.SecurityGroupIDs, public: ci.PublicIPv4.IsValid()}
			nets[k] = n
			keys = append(keys, k)
		}
		n.instances = append(n.instances, ci.EC2InstanceID)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n := nets[k]
		nc := NetConfig{Name: w.Name + " via " + n.label(), Subnets: []string{n.subnet}, SecurityGroups: n.groups, AssignPublicIP: PublicIPDisabled,
			OSFamily: w.osFamily()}
		if n.public {
			nc.AssignPublicIP = PublicIPEnabled
		}
		// No zero-trust egress row here: --egress-rules writes rules for
		// the task groups, not the instances'.
		rows = append(rows, e.judge(nc, needs, false)...)
	}
	return rows
}

// label names the network in the rows' reasons:
// "container instance i-0abc (subnet-1, sg-1)".
func (n *instanceNet) label() string {
	what := "container instance"
	if len(n.instances) > 1 {
		what += "s"
	}
	groups := joinComma(n.groups)
	if groups == "" {
		groups = "no security group"
	}
	return fmt.Sprintf("%s %s (%s, %s)", what, listIDs(n.instances), n.subnet, strings.ReplaceAll(groups, ",", ", "))
}

// listIDs joins ids, the first few of them when there are many.
func listIDs(ids []string) string {
	const shown = 5
	if len(ids) <= shown {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:shown], ", "), len(ids)-shown)
}

// instancePublicIPRow judges the public IPv4 of a workload whose tasks
// have no ENI of their own (bridge and host mode on EC2, EXTERNAL): they
// share the instance's address, so the instances decide. r is the row
// publicIPRow made, whose task-side verdict does not apply.
func (e *evaluator) instancePublicIPRow(w *Workload, r report.Result) report.Result {
	policy := e.opts.PublicIP
	if policy == "" {
		policy = config.PublicIPDeny
	}
	r.Reason = "the container instances' public IPv4: without awsvpc the tasks use the instance's address"
	r.Detail, r.Error, r.Hint, r.Class = "", "", "", ""
	unknown := func(why string) report.Result {
		r.Status, r.Class = report.StatusWarn, report.ClassPublicIPUnknown
		if policy == config.PublicIPStrict {
			r.Status = report.StatusFail
		}
		r.Error = why + ": whether the tasks have a public IPv4 address is unknown"
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictUnknown, Evidence: why, Source: "ec2"}
		return r
	}
	if w.LaunchType == LaunchExternal {
		return unknown("EXTERNAL launch type: the instances are outside any VPC")
	}
	list, known := e.f.ContainerInstances[w.Cluster]
	if !known {
		return unknown("the container instances of cluster " + cmp.Or(w.Cluster, "(none given)") + " were not read")
	}
	var public, unread, none []string
	var subnets []string
	for _, ci := range list {
		switch {
		case ci.External() || !w.placesOn(ci):
		case ci.SubnetID == "":
			unread = append(unread, ci.EC2InstanceID)
		case ci.PublicIPv4.IsValid():
			public = append(public, fmt.Sprintf("%s %s (%s)", ci.EC2InstanceID, ci.PublicIPv4, ci.SubnetID))
			subnets = append(subnets, ci.SubnetID)
			r.Resources = append(r.Resources, ci.EC2InstanceID)
			if r.PublicIP == nil || r.PublicIP.Verdict != report.VerdictPresent {
				r.PublicIP = &report.PublicIP{Verdict: report.VerdictPresent, Address: ci.PublicIPv4.String(), Source: "ec2"}
			}
		default:
			none = append(none, ci.EC2InstanceID)
		}
	}
	switch {
	case len(public) > 0:
		r.Status, r.Class = report.StatusFail, report.ClassPublicIP
		if policy == config.PublicIPWarn {
			r.Status = report.StatusWarn
		}
		r.Error = fmt.Sprintf("container instances with a public IPv4 address: %s: bridge and host-mode tasks share it (the EC2 counterpart of Security Hub ECS.2)", listIDs(public))
		r.PublicIP.Evidence = listIDs(public)
		subnets = uniqSorted(subnets...)
		r.Hint = checked(fmt.Sprintf("Launch the container instances without a public IPv4 address: turn auto-assign off on %s (aws ec2 modify-subnet-attribute --subnet-id %s --no-map-public-ip-on-launch) and set AssociatePublicIpAddress=false on the launch template's network interface, then replace the instances; give them a NAT gateway or the VPC endpoints for what they pull.",
			joinComma(subnets), subnets[0]), subnetIDs(subnets...))
		return r
	case len(unread) > 0:
		return unknown("the network of container instances " + listIDs(unread) + " could not be read")
	case len(none) == 0:
		return unknown("no container instances registered in cluster " + w.Cluster)
	}
	r.Status, r.Detail = report.StatusPass, "container instances "+listIDs(none)+" have no public IPv4 address"
	r.PublicIP = &report.PublicIP{Verdict: report.VerdictNone, Evidence: r.Detail, Source: "ec2"}
	return r
}
