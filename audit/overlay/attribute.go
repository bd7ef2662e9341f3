package overlay

import (
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// Attribute names the change on the rows it is to blame for. rows are the
// rules' verdicts on res.Facts, before their verdicts on the account as
// it is. A row that is not a pass names every change to a resource it
// lists; a row the change makes worse (a pass that fails or warns, a
// warning that fails, a row that was not there) also names the changes
// to its workload's VPC that its check judges (an endpoint row the
// endpoints, a route row the route tables...), and an update of its own
// service that changes what the rules judge of it (subnets, groups,
// public IP, launch type, task definition). Named changes join the row's
// resources (address and account id) and its error ("the change deletes
// aws_vpc_endpoint.ecr_dkr (vpce-0abc)"). A row that is not a pass also
// names the change's data sources that read the ids it lists ("it reads
// data.aws_vpc.main (vpc-0abc)"): the block a reviewer follows to the
// resource. rows is modified in place and returned.
func Attribute(rows, before []report.Result, res *Result) []report.Result {
	was := map[string]report.Status{}
	for _, r := range before {
		k := rowKey(r)
		if s, ok := was[k]; !ok || rank(r.Status) > rank(s) {
			was[k] = r.Status
		}
	}
	for i := range rows {
		r := &rows[i]
		if rank(r.Status) == 0 {
			continue
		}
		var named []Touched
		for _, t := range res.Touched {
			if t.ID != "" && slices.Contains(r.Resources, t.ID) {
				named = appendTouched(named, t)
			}
		}
		prev, seen := was[rowKey(*r)]
		if !seen || rank(r.Status) > rank(prev) {
			w := workloadOf(res.Facts, r)
			vpc := ""
			if w != nil && len(w.Subnets) > 0 {
				if s := res.Facts.Subnets[w.Subnets[0]]; s != nil {
					vpc = s.VPCID
				}
			}
			for _, t := range res.Touched {
				switch {
				case t.Kind == KindWorkload && w != nil && t.ID == w.ServiceARN && res.reconfigured[t.ID]:
					named = appendTouched(named, t)
				case vpc != "" && t.VPCID == vpc && judges(r.Check, t.Kind):
					named = appendTouched(named, t)
				}
			}
		}
		var read []Change
		for _, rd := range readBy(r.Resources, res) {
			r.Resources = appendNew(r.Resources, rd.Address)
			if !strings.Contains(r.Error, rd.Address) {
				read = append(read, rd)
			}
		}
		if len(named) == 0 && len(read) == 0 {
			continue
		}
		var says []string
		for _, t := range named {
			s := t.Action.verb() + " " + t.Address
			if t.ID != "" {
				s += " (" + t.ID + ")"
				r.Resources = appendNew(r.Resources, t.ID)
			}
			r.Resources = appendNew(r.Resources, t.Address)
			says = append(says, s)
		}
		var msg string
		if len(says) > 0 {
			msg = "the change " + strings.Join(says, ", ")
		}
		if len(read) > 0 {
			// One data source with the ids it read: data.aws_subnets.x
			// (subnet-1, subnet-2).
			var addrs []string
			ids := map[string][]string{}
			for _, rd := range read {
				if ids[rd.Address] == nil {
					addrs = append(addrs, rd.Address)
				}
				ids[rd.Address] = append(ids[rd.Address], rd.ID)
			}
			var named []string
			for _, a := range addrs {
				named = append(named, a+" ("+strings.Join(ids[a], ", ")+")")
			}
			msg = strings.TrimPrefix(msg+"; it reads "+strings.Join(named, ", "), "; ")
		}
		if r.Error == "" {
			r.Error = msg
		} else {
			r.Error += "; " + msg
		}
	}
	return rows
}

// readBy are the data sources of the change that read the ids a row
// lists (data.aws_vpc.main for vpc-0abc), one per id, in the row's order.
func readBy(ids []string, res *Result) []Change {
	var out []Change
	for _, id := range ids {
		for _, a := range res.Addresses[id] {
			if res.reads[a] {
				out = append(out, Change{Address: a, ID: id})
				break
			}
		}
	}
	return out
}

// judges says whether a row of check can be decided by a fact of kind.
func judges(check report.Check, kind Kind) bool {
	switch check {
	case audit.CheckEndpoint, audit.CheckPrivateDNS, audit.CheckEndpointAZ, audit.CheckEndpointPolicy, audit.CheckCrossRegion:
		return kind == KindEndpoint || kind == KindVPC || kind == KindSubnet
	case audit.CheckRoute:
		return kind == KindRouteTable || kind == KindEndpoint || kind == KindSubnet
	case audit.CheckSecurityGroup, audit.CheckEgress:
		return kind == KindSecurityGroup || kind == KindEndpoint
	case audit.CheckNACL:
		return kind == KindNACL || kind == KindSubnet
	case audit.CheckDNSSupport, audit.CheckDHCP:
		return kind == KindVPC
	}
	return true
}

// workloadOf is the workload a row is about, or nil.
func workloadOf(f *audit.Facts, r *report.Result) *audit.Workload {
	name := r.Target
	if r.Workload != nil {
		name = r.Workload.Name
	}
	for _, w := range f.Workloads {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// rowKey identifies a row across two evaluations.
func rowKey(r report.Result) string {
	return string(r.Check) + "\x00" + r.Target + "\x00" + r.Host + "\x00" + r.Expect
}

// rank orders statuses by how bad they are.
func rank(s report.Status) int {
	switch s {
	case report.StatusFail:
		return 2
	case report.StatusWarn:
		return 1
	}
	return 0
}

func appendTouched(l []Touched, t Touched) []Touched {
	if slices.ContainsFunc(l, func(x Touched) bool { return x.Address == t.Address }) {
		return l
	}
	return append(l, t)
}

func appendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}
