package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Plan is one ordered, de-duplicated set of changes that turns the failing
// rows of an audit green, and the failing rows it cannot fix.
type Plan struct {
	// Region and Account are where the changes apply.
	Region, Account string
	// Source is the Facts.Source the plan was made from: from a plan or
	// a template its ids may be the input's own names, and the writers
	// write against them.
	Source string
	// Stacks is Facts.Stacks: from an input of several CloudFormation
	// stacks, the stack of each resource, whose template a step on it is
	// written for.
	Stacks map[string]Stack
	// Names are the Facts.Names the plan was made from: the input's own
	// names of the account's ids, for a change laid over the account.
	// The writer of Source's own format names a resource by them (see
	// named); the others, and --fix cli, keep the ids, which exist.
	Names map[string]string
	// Inline is Facts.Inline: which rules and associations a resource
	// the input declares manages itself, by id. The writer of the input's
	// own format edits that setting of the resource rather than adding
	// a resource of its own for a step on it.
	Inline map[string][]string
	// Changes run in order; a change that uses a created resource comes
	// after the change that creates it.
	Changes []Change
	// Unfixed are the findings the plan does not fix, one line each
	// ("endpoint_policy ecr.layers: ..."), for comment lines.
	Unfixed []string
	// Note, when set, is said in a comment at the top (why nothing is
	// done, or what the plan is about).
	Note string
	// steps are the steps (numbered from 1) each row of the audit asked
	// for; see MarkSteps.
	steps map[rowKey][]int
}

// rowKey names a row of an audit report: its workload, check, target and
// port, and n, its place among the rows of the report with the same
// names (two security_group rows of one endpoint: the endpoint's ingress,
// the tasks' egress).
type rowKey struct {
	workload string
	check    report.Check
	target   string
	port     int
	n        int
}

// rowKeys names every row of rows (see rowKey).
func rowKeys(rows []report.Result) []rowKey {
	count := map[rowKey]int{}
	keys := make([]rowKey, len(rows))
	for i, r := range rows {
		k := rowKey{check: r.Check, target: r.Target, port: r.Port}
		if r.Workload != nil {
			k.workload = r.Workload.Name
		}
		k.n = count[k]
		count[k]++
		keys[i] = k
	}
	return keys
}

// planned is a change with the rows of the audit that asked for it: a
// change several rows ask for, or one merged from several asks (an
// endpoint two workloads need, a NACL deny that blocks two legs), keeps
// every row's name through merging and de-duplication.
type planned struct {
	c    Change
	rows []rowKey
}

// planPasses bounds the planning loop: each pass fixes what the previous
// one's changes uncovered (a new endpoint's NACLs and egress), and none
// needs more than a few.
const planPasses = 6

// PlanFixes plans the changes that turn every failing row of f green. It
// judges f, lays the changes the rules ask for on a copy of the facts,
// judges the copy again (a created endpoint brings its own security
// group, egress and NACL needs), and repeats until nothing new is asked.
// What still fails on the copy is listed in Unfixed. f is not modified.
// An id that does not match its AWS pattern is refused with an error
// naming the field.
//
// The plan remembers which rows of Evaluate(f, opts) asked for which
// steps (MarkSteps). Only the first pass judges the facts the report was
// made from; a step a later pass asks for (the egress to an endpoint the
// plan creates) belongs to the report's rows of the same workload, target
// and port that asked for changes in the first pass: it is what their
// changes need to work.
func PlanFixes(f *Facts, opts Options) (*Plan, error) {
	sim := cloneFacts(f)
	index := map[string]int{}
	var steps []planned
	// byNeed are the first pass's asking rows by their need.
	byNeed := map[rowKey][]rowKey{}
	for pass := range planPasses {
		e := &evaluator{f: sim, opts: opts, trace: true}
		rows := e.evaluate()
		asked := make([]planned, len(e.fixes))
		for i, c := range e.fixes {
			asked[i].c = c
		}
		keys := rowKeys(rows)
		for i, r := range rows {
			if len(r.FixSteps) == 0 {
				continue
			}
			need := rowKey{workload: keys[i].workload, target: keys[i].target, port: keys[i].port}
			askers := []rowKey{keys[i]}
			if pass == 0 {
				byNeed[need] = append(byNeed[need], keys[i])
			} else {
				askers = byNeed[need]
			}
			for _, j := range r.FixSteps {
				asked[j].rows = append(asked[j].rows, askers...)
			}
		}
		var fresh []Change
		for _, pc := range mergeChanges(sim, resolveNACL(sim, asked)) {
			k := pc.c.key()
			if i, ok := index[k]; ok {
				steps[i].rows = append(steps[i].rows, pc.rows...)
				continue
			}
			index[k] = len(steps)
			steps = append(steps, pc)
			fresh = append(fresh, pc.c)
		}
		if len(fresh) == 0 {
			break
		}
		for _, c := range fresh {
			applyChange(sim, c)
		}
	}
	slices.SortStableFunc(steps, func(a, b planned) int { return cmp.Compare(a.c.Kind, b.c.Kind) })
	p := sourcePlan(f)
	p.Account, p.steps = f.Account, map[rowKey][]int{}
	for i, s := range steps {
		p.Changes = append(p.Changes, s.c)
		for _, k := range s.rows {
			if !slices.Contains(p.steps[k], i+1) {
				p.steps[k] = append(p.steps[k], i+1)
			}
		}
	}
	for _, r := range Evaluate(sim, opts) {
		if r.Status == report.StatusFail {
			p.Unfixed = append(p.Unfixed, unfixedLine(r))
		}
	}
	p.Unfixed = uniqStable(p.Unfixed)
	shortenRefs(p.Changes)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// MarkSteps sets the FixSteps of each of rows, the rows of Evaluate on
// the facts and options p was planned from, to the steps of p it asked
// for (in ascending order; none for a row the plan does not fix).
func (p *Plan) MarkSteps(rows []report.Result) {
	for i, k := range rowKeys(rows) {
		rows[i].FixSteps = slices.Clone(p.steps[k])
	}
}

// sourcePlan is an empty plan for the facts f: where its steps apply
// (the region) and how the input names the resources (Source, Stacks,
// Names, Inline), which the writers write against.
func sourcePlan(f *Facts) *Plan {
	return &Plan{Region: f.Region, Source: f.Source, Stacks: f.Stacks, Names: f.Names, Inline: f.Inline}
}

// Validate checks every change and the region: a plan that validates
// renders into commands that cannot be turned into something else.
func (p *Plan) Validate() error {
	// A region of the partition table, in lower case (the table's \w
	// would let an underscore or a capital through).
	if p.Region != "" && (!reRegion.MatchString(p.Region) || !config.ValidRegion(p.Region)) {
		return fmt.Errorf("fix plan: region %q: not a region of the partition table", p.Region)
	}
	for i := range p.Changes {
		if err := p.Changes[i].validate(p.Source); err != nil {
			return fmt.Errorf("fix plan: step %d (%s): %w", i+1, p.Changes[i].Kind, err)
		}
		// The stack a step is written for is named in a comment and
		// its header: a crafted manifest's stack name is refused.
		for _, id := range p.stackIDs(p.Changes[i]) {
			if st, ok := p.stackOf(id); ok && !reStackName.MatchString(st.Name) {
				return fmt.Errorf("fix plan: step %d (%s): stack %q of %s: not a CloudFormation stack name (%s)",
					i+1, p.Changes[i].Kind, st.Name, id, reStackName)
			}
		}
	}
	return nil
}

// unfixedLine is one comment line about a finding the plan leaves alone.
func unfixedLine(r report.Result) string {
	what := r.Error
	if what == "" {
		what = r.Detail
	}
	line := string(r.Check) + " " + r.Target + ": " + what
	if r.Hint != "" {
		line += " (" + r.Hint + ")"
	}
	return line
}

func uniqStable(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// propose records the changes the failing or warning row r asks for.
// When the evaluator traces (PlanFixes), r.FixSteps gets the changes'
// indices in e.fixes, so that the planner knows which row asked for
// which change after it merges and de-duplicates them.
func (e *evaluator) propose(r *report.Result, cs ...Change) {
	for _, c := range cs {
		if e.trace {
			r.FixSteps = append(r.FixSteps, len(e.fixes))
		}
		e.fixes = append(e.fixes, c)
	}
}

// mergeChanges folds the creations of one endpoint service in one VPC
// (asked for by several workloads) into one, with one subnet per AZ, and
// the route-table additions of one endpoint into one. A merged change
// keeps the rows of every change folded into it.
func mergeChanges(f *Facts, cs []planned) []planned {
	var out []planned
	index := map[string]int{}
	for _, pc := range cs {
		c := pc.c
		var k string
		switch c.Kind {
		case ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint:
			k = fmt.Sprint(c.Kind, c.VPC, c.Service)
		case ChangeEndpointAddRouteTables, ChangeEndpointAddSubnets:
			k = fmt.Sprint(c.Kind, c.Endpoint)
		default:
			out = append(out, pc)
			continue
		}
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			c.Subnets, c.RouteTables = slices.Clone(c.Subnets), slices.Clone(c.RouteTables)
			out = append(out, planned{c, slices.Clone(pc.rows)})
			continue
		}
		out[i].rows = append(out[i].rows, pc.rows...)
		m := &out[i].c
		m.RouteTables = uniqSorted(append(m.RouteTables, c.RouteTables...)...)
		m.Groups = uniqSorted(append(m.Groups, c.Groups...)...)
		azs := map[string]bool{}
		for _, id := range m.Subnets {
			if s, ok := f.Subnets[id]; ok {
				azs[s.AZ] = true
			}
		}
		for _, id := range c.Subnets {
			if s, ok := f.Subnets[id]; ok && !azs[s.AZ] && !contains(m.Subnets, id) {
				azs[s.AZ] = true
				m.Subnets = append(m.Subnets, id)
			}
		}
	}
	return out
}

// naclAsk is one blocked leg: TCP ports lo-hi to or from cidr through one
// direction of acl, first denied by rule blocker (0: the "*" entry).
type naclAsk struct {
	cidr    netip.Prefix
	lo, hi  int
	blocker int
}

// resolveNACL turns the rules' asks to let TCP through an ACL into entry
// changes, per ACL and direction: deleting the denies that block when
// that alone lets every blocked leg through and takes fewer steps than
// inserting allows; otherwise an allow entry per blocked block and port
// range, at free rule numbers right below the rule that denies it (after
// the last entry when only the default "*" entry denies).
// Renumbering a deny is not offered: moving it behind the allow it blocks
// changes the same traffic as deleting it and takes two steps.
// An entry change keeps the rows of the asks it serves.
func resolveNACL(f *Facts, cs []planned) []planned {
	type dir struct {
		acl    string
		egress bool
	}
	asks := map[dir][]naclAsk{}
	askRows := map[dir][][]rowKey{}
	var order []dir
	var out []planned
	for _, pc := range cs {
		c := pc.c
		if c.Kind != changeNACLAllow {
			out = append(out, pc)
			continue
		}
		if c.Blocker >= 32767 {
			c.Blocker = 0 // the "*" entry, listed: it cannot be deleted
		}
		d := dir{c.ACL, c.Egress}
		if _, ok := asks[d]; !ok {
			order = append(order, d)
		}
		a := naclAsk{netip.MustParsePrefix(c.CIDR), c.FromPort, c.ToPort, c.Blocker}
		i := slices.Index(asks[d], a)
		if i < 0 {
			i = len(asks[d])
			asks[d] = append(asks[d], a)
			askRows[d] = append(askRows[d], nil)
		}
		askRows[d][i] = append(askRows[d][i], pc.rows...)
	}
	for _, d := range order {
		acl := aclByID(f, d.acl)
		if acl == nil {
			continue
		}
		changes, served := naclChanges(acl, d.egress, asks[d])
		for j, c := range changes {
			var rows []rowKey
			for _, i := range served[j] {
				rows = append(rows, askRows[d][i]...)
			}
			out = append(out, planned{c, rows})
		}
	}
	return out
}

// naclChanges plans one direction of one ACL (see resolveNACL); served
// are, for each change, the indices of the asks it lets through.
func naclChanges(acl *NetworkACL, egress bool, asks []naclAsk) (changes []Change, served [][]int) {
	var denies []int
	for _, a := range asks {
		if a.blocker != 0 && !slices.Contains(denies, a.blocker) {
			denies = append(denies, a.blocker)
		}
	}
	slices.Sort(denies)
	var inserts []Change
	var insertServed [][]int
	used := map[int]bool{}
	for _, e := range acl.Entries {
		if e.Egress == egress {
			used[e.RuleNumber] = true
		}
	}
	// Where only the "*" entry denies (no entry matched), the allows go
	// after the highest numbered entry, in steps of 10 as AWS's own
	// numbering does, leaving room between them.
	next := 0
	for n := range used {
		if n < 32767 {
			next = max(next, n)
		}
	}
	next = next - next%10 + 10
	for i, a := range asks {
		n := 0
		if a.blocker == 0 {
			for next < 32767 && used[next] {
				next += 10
			}
			if next < 32767 {
				n = next
			}
		} else {
			n = a.blocker - 1
			for n > 0 && used[n] {
				n--
			}
		}
		if n <= 0 {
			continue // no free number below the deny: left unfixed
		}
		used[n] = true
		inserts = append(inserts, Change{Kind: ChangeNACLInsert, ACL: acl.ID, Egress: egress, RuleNumber: n,
			Protocol: "tcp", FromPort: a.lo, ToPort: a.hi, CIDR: a.cidr.String()})
		insertServed = append(insertServed, []int{i})
	}
	if len(denies) > 0 && len(denies) < len(inserts) {
		trial := &NetworkACL{ID: acl.ID}
		for _, e := range acl.Entries {
			if e.Egress != egress || !slices.Contains(denies, e.RuleNumber) {
				trial.Entries = append(trial.Entries, e)
			}
		}
		ok := true
		for _, a := range asks {
			if !naclAllowsTCP(trial, egress, a.cidr, a.lo, a.hi).Allowed {
				ok = false
			}
		}
		if ok {
			for _, n := range denies {
				changes = append(changes, Change{Kind: ChangeNACLDelete, ACL: acl.ID, Egress: egress, RuleNumber: n})
				var by []int
				for i, a := range asks {
					if a.blocker == n {
						by = append(by, i)
					}
				}
				served = append(served, by)
			}
			return changes, served
		}
	}
	return inserts, insertServed
}

func aclByID(f *Facts, id string) *NetworkACL {
	for _, a := range f.NetworkACLs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// cloneFacts copies what applyChange modifies (VPCs, security groups,
// endpoints, NACLs, workloads); the rest is shared read-only.
func cloneFacts(f *Facts) *Facts {
	c := *f
	c.VPCs = make(map[string]*VPC, len(f.VPCs))
	for k, v := range f.VPCs {
		vv := *v
		c.VPCs[k] = &vv
	}
	c.SecurityGroups = make(map[string]*SecurityGroup, len(f.SecurityGroups))
	for k, sg := range f.SecurityGroups {
		s := *sg
		s.Ingress, s.Egress = slices.Clone(sg.Ingress), slices.Clone(sg.Egress)
		c.SecurityGroups[k] = &s
	}
	c.Endpoints = make([]*Endpoint, len(f.Endpoints))
	for i, ep := range f.Endpoints {
		e := *ep
		e.SubnetIDs, e.SecurityGroupIDs, e.RouteTableIDs = slices.Clone(ep.SubnetIDs), slices.Clone(ep.SecurityGroupIDs), slices.Clone(ep.RouteTableIDs)
		c.Endpoints[i] = &e
	}
	c.NetworkACLs = make([]*NetworkACL, len(f.NetworkACLs))
	for i, a := range f.NetworkACLs {
		aa := *a
		aa.Entries = slices.Clone(a.Entries)
		c.NetworkACLs[i] = &aa
	}
	c.Workloads = make([]*Workload, len(f.Workloads))
	for i, w := range f.Workloads {
		ww := *w
		c.Workloads[i] = &ww
	}
	c.Undecided = slices.Clone(f.Undecided)
	return &c
}

// ruleOf is the security group rule a change authorizes or revokes.
func ruleOf(c Change) Rule {
	r := Rule{Protocol: c.Protocol, FromPort: c.FromPort, ToPort: c.ToPort}
	switch {
	case c.PeerGroup != "":
		r.GroupIDs = []string{c.PeerGroup}
	case c.PeerPrefixList != "":
		r.PrefixListIDs = []string{c.PeerPrefixList}
	case c.CIDR != "":
		r.CIDRs = []netip.Prefix{netip.MustParsePrefix(c.CIDR)}
	}
	return r
}

// applyChange lays c on the facts, as AWS would after the step ran.
func applyChange(f *Facts, c Change) {
	switch c.Kind {
	case ChangeVPCAttribute:
		if v := f.VPCs[c.VPC]; v != nil {
			if c.Attribute == "enableDnsSupport" {
				v.DNSSupport = TriTrue
			} else {
				v.DNSHostnames = TriTrue
			}
		}
	case ChangeCreateSecurityGroup:
		// A new group allows all egress and no ingress.
		f.SecurityGroups[c.Group] = &SecurityGroup{ID: c.Group, VPCID: c.VPC, Name: c.Description,
			Egress: []Rule{{Protocol: "-1", CIDRs: []netip.Prefix{defaultRoute4}}}}
	case ChangeAuthorizeIngress:
		if sg := f.SecurityGroups[c.Group]; sg != nil {
			sg.Ingress = append(sg.Ingress, ruleOf(c))
		}
	case ChangeAuthorizeEgress:
		if sg := f.SecurityGroups[c.Group]; sg != nil {
			sg.Egress = append(sg.Egress, ruleOf(c))
		}
	case ChangeRevokeEgress:
		if sg := f.SecurityGroups[c.Group]; sg != nil {
			sg.Egress = revokeRule(sg.Egress, ruleOf(c))
		}
	case ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint:
		typ := EndpointInterface
		if c.Kind == ChangeCreateGatewayEndpoint {
			typ = EndpointGateway
		}
		f.Endpoints = append(f.Endpoints, &Endpoint{ID: c.Endpoint, VPCID: c.VPC, ServiceName: c.Service, Type: typ,
			State: "available", PrivateDNSEnabled: typ == EndpointInterface, SubnetIDs: slices.Clone(c.Subnets),
			SecurityGroupIDs: slices.Clone(c.Groups), RouteTableIDs: slices.Clone(c.RouteTables)})
	case ChangeEndpointGroups, ChangeEndpointPrivateDNS, ChangeEndpointAddSubnets, ChangeEndpointAddRouteTables:
		for _, ep := range f.Endpoints {
			if ep.ID != c.Endpoint {
				continue
			}
			ep.SecurityGroupIDs = append(slices.DeleteFunc(ep.SecurityGroupIDs, func(g string) bool { return contains(c.RemoveGroups, g) }), c.Groups...)
			ep.SubnetIDs = append(ep.SubnetIDs, c.Subnets...)
			ep.RouteTableIDs = append(ep.RouteTableIDs, c.RouteTables...)
			ep.PrivateDNSEnabled = ep.PrivateDNSEnabled || c.Kind == ChangeEndpointPrivateDNS
		}
	case ChangeNACLDelete, ChangeNACLInsert:
		if a := aclByID(f, c.ACL); a != nil {
			if c.Kind == ChangeNACLDelete {
				a.Entries = slices.DeleteFunc(a.Entries, func(e NACLEntry) bool { return e.Egress == c.Egress && e.RuleNumber == c.RuleNumber })
			} else {
				a.Entries = append(a.Entries, NACLEntry{RuleNumber: c.RuleNumber, Egress: c.Egress, Protocol: "6",
					PortFrom: c.FromPort, PortTo: c.ToPort, CIDR: netip.MustParsePrefix(c.CIDR), Allow: true})
			}
		}
	case ChangeDisablePublicIP:
		for _, w := range f.Workloads {
			if w.Cluster == c.Cluster && w.Service == c.ECSService {
				w.AssignPublicIP = PublicIPDisabled
			}
		}
	}
}

// samePorts reports whether two rules name the same protocol and ports.
func samePorts(a, b Rule) bool {
	norm := func(p string) string {
		if p = strings.ToLower(p); p == "all" {
			return "-1"
		}
		return p
	}
	pa, pb := norm(a.Protocol), norm(b.Protocol)
	return pa == pb && (pa == "-1" || a.FromPort == b.FromPort && a.ToPort == b.ToPort)
}

// ruleHolds reports whether have already grants every peer of want on
// the same protocol and ports. AWS groups the peers of one protocol and
// port range into one permission, so a rule the plan would add may be
// one peer of a larger rule.
func ruleHolds(have, want Rule) bool {
	if !samePorts(have, want) {
		return false
	}
	for _, c := range want.CIDRs {
		if !slices.Contains(have.CIDRs, c) {
			return false
		}
	}
	for _, g := range want.GroupIDs {
		if !slices.Contains(have.GroupIDs, g) {
			return false
		}
	}
	for _, pl := range want.PrefixListIDs {
		if !slices.Contains(have.PrefixListIDs, pl) {
			return false
		}
	}
	return true
}

// revokeRule takes the peers of gone off the rules with its protocol and
// ports, as RevokeSecurityGroupEgress does, dropping a rule left empty.
func revokeRule(rules []Rule, gone Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		if samePorts(r, gone) {
			r.CIDRs = slices.DeleteFunc(slices.Clone(r.CIDRs), func(c netip.Prefix) bool { return slices.Contains(gone.CIDRs, c) })
			r.GroupIDs = slices.DeleteFunc(slices.Clone(r.GroupIDs), func(g string) bool { return slices.Contains(gone.GroupIDs, g) })
			r.PrefixListIDs = slices.DeleteFunc(slices.Clone(r.PrefixListIDs), func(p string) bool { return slices.Contains(gone.PrefixListIDs, p) })
			if len(r.CIDRs)+len(r.GroupIDs)+len(r.PrefixListIDs) == 0 {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// shortenRefs drops the VPC suffix of the references when the plan
// creates resources in one VPC only: ENDPOINT_SG rather than
// ENDPOINT_SG_0A1B2C.
func shortenRefs(cs []Change) {
	vpcs := map[string]bool{}
	for _, c := range cs {
		if c.creates() {
			vpcs[refSuffix(c.VPC)] = true
		}
	}
	if len(vpcs) != 1 {
		return
	}
	var suffix string
	for v := range vpcs {
		suffix = "_" + v
	}
	for i := range cs {
		for _, f := range cs[i].fields() {
			if n := refName(*f.val); n != "" {
				*f.val = refID(strings.TrimSuffix(n, suffix))
			}
		}
	}
}

// String names the kind as the AWS CLI command it becomes.
func (k ChangeKind) String() string {
	switch k {
	case ChangeVPCAttribute:
		return "modify-vpc-attribute"
	case ChangeCreateSecurityGroup:
		return "create-security-group"
	case ChangeAuthorizeIngress:
		return "authorize-security-group-ingress"
	case ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint:
		return "create-vpc-endpoint"
	case ChangeEndpointGroups, ChangeEndpointPrivateDNS, ChangeEndpointAddSubnets, ChangeEndpointAddRouteTables:
		return "modify-vpc-endpoint"
	case ChangeNACLDelete:
		return "delete-network-acl-entry"
	case ChangeNACLInsert, changeNACLAllow:
		return "create-network-acl-entry"
	case ChangeAuthorizeEgress:
		return "authorize-security-group-egress"
	case ChangeRevokeEgress:
		return "revoke-security-group-egress"
	case ChangeDisablePublicIP:
		return "update-service"
	}
	return fmt.Sprintf("change(%d)", int(k))
}
