package cloudformation

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
)

// Options are what a template does not say about where it will be deployed.
type Options struct {
	// Region is AWS::Region, and the Region the facts are about.
	Region string
	// Account is AWS::AccountId; empty leaves the stand-in StandInAccount.
	Account string
	// Parameters are --parameter KEY=VALUE: they win over a parameter's
	// Default, in every stack that declares KEY.
	Parameters map[string]string
}

// StandInAccount is AWS::AccountId when no account is given. No rule
// judges by the account; it only fills ARNs and registry host names
// (ACCOUNT.dkr.ecr...), where it reads as what it is.
const StandInAccount = "000000000000"

// Read reads the template at path, or every stack of the cdk.out
// directory at path, into facts. An error means the input cannot be read
// at all (not a template, an unknown intrinsic function, a YAML alias, a
// file too large): the caller exits 2 with it.
func Read(path string, opts Options) (*audit.Facts, error) {
	stacks, err := readInput(path)
	if err != nil {
		return nil, err
	}
	return build(stacks, opts)
}

// build turns parsed stacks into facts.
func build(stacks []*stack, opts Options) (*audit.Facts, error) {
	part := config.PartitionOf(opts.Region)
	account := opts.Account
	if account == "" {
		account = StandInAccount
	}
	f := &audit.Facts{Region: opts.Region, Account: opts.Account, Partition: part.Name, Source: audit.SourceCloudFormation,
		VPCs: map[string]*audit.VPC{}, Subnets: map[string]*audit.Subnet{}, SecurityGroups: map[string]*audit.SecurityGroup{},
		ContainerInstances: map[string][]*audit.ContainerInstance{}}
	// A logical id is the fact's id; one that two stacks share is
	// qualified with the stack's name, so each finding still names one
	// block.
	count := map[string]int{}
	for _, st := range stacks {
		for id := range st.Doc["Resources"].(map[string]any) {
			count[id]++
		}
	}
	used := map[string]bool{}
	steps := 0
	exports := map[string]func() (any, error){}
	scopes := make([]*scope, len(stacks))
	for i, st := range stacks {
		s := &scope{st: st, region: opts.Region, account: account, partition: part.Name, urlSuffix: part.DNSSuffix,
			resources: map[string]map[string]any{}, condCache: map[string]any{}, condBusy: map[string]bool{}, exports: exports, steps: &steps}
		s.id = func(logical string) string {
			if count[logical] > 1 && st.Name != "" {
				return st.Name + "/" + logical
			}
			return logical
		}
		for id, raw := range st.Doc["Resources"].(map[string]any) {
			r, ok := raw.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: Resources.%s: want a mapping", st.Path, id)
			}
			if _, ok := r["Type"].(string); !ok {
				return nil, fmt.Errorf("%s: Resources.%s: no Type", st.Path, id)
			}
			s.resources[id] = r
		}
		s.mappings, _ = st.Doc["Mappings"].(map[string]any)
		s.conditions, _ = st.Doc["Conditions"].(map[string]any)
		var err error
		if s.params, err = parameters(st, opts.Parameters, used); err != nil {
			return nil, err
		}
		outputs, _ := st.Doc["Outputs"].(map[string]any)
		for _, name := range sortedKeys(outputs) {
			out, _ := outputs[name].(map[string]any)
			exp, _ := out["Export"].(map[string]any)
			if exp == nil {
				continue
			}
			n, err := s.eval(exp["Name"], "Outputs."+name+".Export.Name")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", st.Path, err)
			}
			if key, ok := n.(string); ok {
				value := out["Value"]
				exports[key] = func() (any, error) { return s.eval(value, "Outputs."+name+".Value") }
			}
		}
		scopes[i] = s
	}
	for k := range opts.Parameters {
		if !used[k] {
			return nil, fmt.Errorf("--parameter %s: no template of the input declares that parameter", k)
		}
	}
	b := &builder{f: f, kinds: map[string]string{}}
	for _, s := range scopes {
		if err := b.stack(s); err != nil {
			return nil, fmt.Errorf("%s: %w", s.st.Path, err)
		}
	}
	b.finish()
	declare(f, scopes)
	if len(scopes) > 1 {
		f.Stacks = stacksOf(scopes)
	}
	return f, nil
}

// stacksOf says which stack declares each resource of several stacks, by
// its id in the facts: a fix for it is written for that stack's template.
func stacksOf(scopes []*scope) map[string]audit.Stack {
	out := map[string]audit.Stack{}
	for _, s := range scopes {
		for logical := range s.resources {
			out[s.id(logical)] = audit.Stack{Name: s.st.Name, Template: s.st.Path}
		}
	}
	return out
}

// parameters resolves the declared parameters of st: --parameter, else
// Default; an SSM-typed one is resolved by CloudFormation at deploy, so
// it is open unless --parameter gives the value it resolves to.
func parameters(st *stack, given map[string]string, used map[string]bool) (map[string]*param, error) {
	decl, _ := st.Doc["Parameters"].(map[string]any)
	out := map[string]*param{}
	for name, raw := range decl {
		d, _ := raw.(map[string]any)
		typ, _ := d["Type"].(string)
		p := &param{typ: typ}
		p.noEcho = fmt.Sprint(d["NoEcho"]) == "true"
		var v string
		var have bool
		if g, ok := given[name]; ok {
			used[name] = true
			v, have = g, true
		} else if def, ok := d["Default"]; ok {
			s, ok := scalarString(def)
			if !ok {
				return nil, fmt.Errorf("Parameters.%s.Default: want a string", name)
			}
			if strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") {
				p.why = fmt.Sprintf("comes from parameter %s, resolved from SSM at deploy (give --parameter %s=VALUE)", name, name)
				out[name] = p
				continue
			}
			v, have = s, true
		}
		if p.noEcho {
			// A NoEcho value is a secret: it never enters the facts, so
			// no row, log line or error can print it.
			p.why = fmt.Sprintf("comes from NoEcho parameter %s, whose value preflight does not read", name)
			out[name] = p
			continue
		}
		if !have {
			p.why = fmt.Sprintf("comes from parameter %s, which has no Default (give --parameter %s=VALUE)", name, name)
			out[name] = p
			continue
		}
		if strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" || strings.Contains(typ, "<List<") {
			var list []any
			for _, item := range strings.Split(v, ",") {
				list = append(list, strings.TrimSpace(item))
			}
			p.value = list
		} else {
			p.value = v
		}
		out[name] = p
	}
	return out, nil
}

// builder fills the facts from the resources of every stack.
type builder struct {
	f *audit.Facts
	// kinds maps a fact id to its CloudFormation type, so a route's
	// GatewayId says whether it is an internet or a VPN gateway.
	kinds map[string]string
	// Separate resources merged into their parents after all are read.
	routes      []pendingRoute
	tables      map[string]*audit.RouteTable
	acls        map[string]*audit.NetworkACL
	assocRT     [][2]string // subnet, route table
	assocACL    [][2]string // subnet, network ACL
	sgRules     []pendingRule
	naclEntries []pendingEntry
	dhcp        map[string][]string
	dhcpAssoc   [][2]string // VPC, DHCP options
	// clusterLaunch is the launch type a cluster's default capacity
	// provider strategy gives a service that names neither a launch
	// type nor a strategy.
	clusterLaunch map[string]string
	defaulted     map[*audit.Workload]bool
	taskDefs      map[string]*taskDef
	services      []*audit.Workload
	svcTaskDef    map[*audit.Workload]string
	sgOpen        map[string]bool
	openTables    map[string]string
	pendingVPC    []pendingVPC
	// openSubnets are subnets whose route table or network ACL the
	// template leaves open: the rules fall back on the VPC's main table
	// or default ACL when a subnet has none, so such a subnet is taken
	// out of the facts and made undecided instead.
	openSubnets map[string]string
	// inline marks the groups whose egress the template wrote (inline or
	// by a first AWS::EC2::SecurityGroupEgress), so no allow-all default.
	inline map[string]bool
}

type pendingRoute struct {
	table string
	route audit.Route
}

type pendingRule struct {
	group  string
	egress bool
	rule   audit.Rule
}

type pendingEntry struct {
	acl   string
	entry audit.NACLEntry
}

type taskDef struct {
	td  *audit.TaskDefinition
	why string // non-empty when open
}

// undecided records a fact the template leaves open.
func (b *builder) undecided(action, resource, property, why string) {
	b.f.Undecided = append(b.f.Undecided, audit.Undecided{Action: action, Resource: resource,
		Code: audit.CodeUnknownInSource, Err: strings.TrimSpace(property + " " + why)})
}

// props is the evaluated Properties of one resource.
type props struct {
	m  map[string]any
	id string
}

// str is a string property; ok false when absent; o non-nil when open.
func (p props) str(key string) (string, *open, bool) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return "", nil, false
	}
	return asString(v)
}

func asString(v any) (string, *open, bool) {
	switch t := v.(type) {
	case open:
		return "", &t, true
	case string:
		if strings.Contains(t, "{{resolve:") {
			return "", &open{"is a dynamic reference resolved at deploy"}, true
		}
		return t, nil, true
	}
	if s, ok := scalarString(v); ok {
		return s, nil, true
	}
	return "", &open{"is not a string"}, true
}

// strs is a list-of-strings property.
func (p props) strs(key string) ([]string, *open) {
	v, ok := p.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	if o, isOpen := v.(open); isOpen {
		return nil, &o
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &open{"is not a list"}
	}
	var out []string
	for _, x := range list {
		s, o, _ := asString(x)
		if o != nil {
			return nil, o
		}
		out = append(out, s)
	}
	return out, nil
}

// boolean is a Boolean property (true, "true"); def when absent.
func (p props) boolean(key string, def bool) (audit.Tri, *open) {
	s, o, ok := p.str(key)
	switch {
	case o != nil:
		return audit.TriUnknown, o
	case !ok:
		return audit.TriOf(def), nil
	}
	return audit.TriOf(strings.EqualFold(s, "true")), nil
}

// integer is an Integer property; def when absent.
func (p props) integer(key string, def int) (int, *open) {
	s, o, ok := p.str(key)
	if o != nil {
		return 0, o
	}
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &open{"is not an integer"}
	}
	return n, nil
}

// prefix is a CIDR property; invalid when absent.
func (p props) prefix(key string) (netip.Prefix, *open) {
	s, o, ok := p.str(key)
	if o != nil || !ok {
		return netip.Prefix{}, o
	}
	pf, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, &open{"is not a CIDR block"}
	}
	return pf.Masked(), nil
}

// stack reads the resources of one stack.
func (b *builder) stack(s *scope) error {
	if b.tables == nil {
		b.tables, b.acls, b.dhcp = map[string]*audit.RouteTable{}, map[string]*audit.NetworkACL{}, map[string][]string{}
		b.clusterLaunch, b.defaulted, b.taskDefs, b.svcTaskDef = map[string]string{}, map[*audit.Workload]bool{}, map[string]*taskDef{}, map[*audit.Workload]string{}
		b.sgOpen, b.openTables, b.openSubnets = map[string]bool{}, map[string]string{}, map[string]string{}
	}
	for _, logical := range sortedKeys(s.resources) {
		b.kinds[s.id(logical)], _ = s.resources[logical]["Type"].(string)
	}
	for _, logical := range sortedKeys(s.resources) {
		r := s.resources[logical]
		typ := r["Type"].(string)
		id := s.id(logical)
		var openCond string
		if cond, ok := r["Condition"].(string); ok {
			c, err := s.condition(cond, "Resources."+logical+".Condition")
			if err != nil {
				return err
			}
			if c == false {
				continue
			}
			if o, isOpen := c.(open); isOpen {
				openCond = "Condition " + cond + " (whether " + logical + " is created) " + o.why
			}
		}
		if !readsType(typ) {
			// Only resources audit reads are evaluated: an intrinsic
			// function elsewhere is still checked by name below.
			if err := checkFunctions(r, "Resources."+logical); err != nil {
				return err
			}
			continue
		}
		raw, _ := r["Properties"].(map[string]any)
		ev, err := s.eval(raw, "Resources."+logical+".Properties")
		if err != nil {
			return err
		}
		m, _ := ev.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if err := b.resource(s, typ, id, logical, props{m: m, id: id}); err != nil {
			return err
		}
		if openCond != "" {
			b.openExistence(typ, id, props{m: m, id: id}, openCond)
		}
	}
	return nil
}

// openExistence makes undecided what depends on a resource whose
// Condition is open: it is read as if created, and the Undecided is
// keyed where the rules that would use it look first, so they neither
// pass on it nor fail without it.
func (b *builder) openExistence(typ, id string, p props, why string) {
	action := actionOf(typ)
	resource := id
	str := func(key string) string { v, _, _ := p.str(key); return v }
	switch typ {
	case "AWS::ECS::Service":
		w := b.services[len(b.services)-1]
		resource, w.Subnets = w.Name, nil
	case "AWS::EC2::VPCEndpoint", "AWS::EC2::RouteTable", "AWS::EC2::NetworkAcl":
		resource = str("VpcId")
	case "AWS::EC2::Route":
		b.openTables[str("RouteTableId")] = why
		return
	case "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SubnetNetworkAclAssociation":
		b.openSubnets[str("SubnetId")] = why
		return
	case "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress":
		resource = str("GroupId")
	case "AWS::EC2::NetworkAclEntry", "AWS::EC2::VPCCidrBlock", "AWS::EC2::VPCDHCPOptionsAssociation", "AWS::EC2::DHCPOptions":
		resource = "" // every network ACL (VPC) is in doubt
	}
	if action != "" {
		b.undecided(action, resource, why, "")
	}
}

// readsType reports whether audit reads resources of type typ.
func readsType(typ string) bool {
	return actionOf(typ) != "" || typ == "AWS::ECS::Cluster" || typ == "AWS::ECS::ClusterCapacityProviderAssociations"
}

// actionOf is the IAM action that would read a resource of type typ live:
// an Undecided about it carries this action, so the rule that needs the
// fact finds it.
func actionOf(typ string) string {
	switch typ {
	case "AWS::EC2::VPC", "AWS::EC2::VPCCidrBlock", "AWS::EC2::VPCDHCPOptionsAssociation":
		return audit.ActionDescribeVpcs
	case "AWS::EC2::DHCPOptions":
		return audit.ActionDescribeDhcpOptions
	case "AWS::EC2::Subnet":
		return audit.ActionDescribeSubnets
	case "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
		"AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::NatGateway", "AWS::EC2::EIP":
		return audit.ActionDescribeRouteTables
	case "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation":
		return audit.ActionDescribeNetworkAcls
	case "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress":
		return audit.ActionDescribeSecurityGroups
	case "AWS::EC2::VPCEndpoint":
		return audit.ActionDescribeVpcEndpoints
	case "AWS::ECS::Service":
		return audit.ActionDescribeServices
	case "AWS::ECS::TaskDefinition":
		return audit.ActionDescribeTaskDefinition
	}
	return ""
}

// checkFunctions walks v and refuses an intrinsic function CloudFormation
// does not have, naming it and where, as the evaluator does for the
// resources it reads.
func checkFunctions(v any, path string) error {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k := range t {
				if strings.HasPrefix(k, "Fn::") && !knownFunction(k) {
					return &evalError{path, "unknown intrinsic function " + k}
				}
			}
		}
		for _, k := range sortedKeys(t) {
			if err := checkFunctions(t[k], path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range t {
			if err := checkFunctions(x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func knownFunction(k string) bool {
	switch k {
	case "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::GetAZs", "Fn::If", "Fn::Equals", "Fn::And",
		"Fn::Or", "Fn::Not", "Fn::FindInMap", "Fn::ImportValue", "Fn::Split", "Fn::Base64", "Fn::Cidr",
		"Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Fn::GetParam":
		return true
	}
	return false
}

// need reads a string property that names another resource by its id;
// false when it is absent, or open (then an Undecided says why).
func (b *builder) need(p props, key, action, resource string) (string, bool) {
	v, o, ok := p.str(key)
	switch {
	case o != nil:
		b.undecided(action, resource, key, o.why)
		return "", false
	case !ok || v == "":
		return "", false
	}
	return v, true
}

// resource reads one resource into the facts.
func (b *builder) resource(s *scope, typ, id, logical string, p props) error {
	f := b.f
	switch typ {
	case "AWS::EC2::VPC":
		v := &audit.VPC{ID: id}
		v.DHCPOptionsID, v.DomainNameServers = defaultDHCP(id)
		if c, o := p.prefix("CidrBlock"); o != nil {
			b.undecided(audit.ActionDescribeVpcs, id, "CidrBlock", o.why)
		} else if c.IsValid() {
			v.CIDRs = append(v.CIDRs, c)
		}
		var o *open
		if v.DNSSupport, o = p.boolean("EnableDnsSupport", defaultDNSSupport); o != nil {
			b.undecided(audit.ActionDescribeVpcAttribute, id, "EnableDnsSupport", o.why)
		}
		if v.DNSHostnames, o = p.boolean("EnableDnsHostnames", defaultDNSHostnames); o != nil {
			b.undecided(audit.ActionDescribeVpcAttribute, id, "EnableDnsHostnames", o.why)
		}
		f.VPCs[id] = v
	case "AWS::EC2::VPCCidrBlock":
		vpc, ok := b.need(p, "VpcId", audit.ActionDescribeVpcs, id)
		if c, o := p.prefix("CidrBlock"); ok && o == nil && c.IsValid() {
			b.afterVPC(vpc, func(v *audit.VPC) { v.CIDRs = append(v.CIDRs, c) })
		}
	case "AWS::EC2::DHCPOptions":
		servers, o := p.strs("DomainNameServers")
		if o != nil {
			b.undecided(audit.ActionDescribeDhcpOptions, id, "DomainNameServers", o.why)
			return nil
		}
		if servers == nil {
			servers = []string{}
		}
		b.dhcp[id] = servers
	case "AWS::EC2::VPCDHCPOptionsAssociation":
		vpc, ok := b.need(p, "VpcId", audit.ActionDescribeVpcs, id)
		opt, ok2 := b.need(p, "DhcpOptionsId", audit.ActionDescribeVpcs, vpc)
		if ok && ok2 {
			b.dhcpAssoc = append(b.dhcpAssoc, [2]string{vpc, opt})
		}
	case "AWS::EC2::Subnet":
		sn := &audit.Subnet{ID: id}
		var ok bool
		if sn.VPCID, ok = b.need(p, "VpcId", audit.ActionDescribeSubnets, id); !ok {
			return nil
		}
		c, o := p.prefix("CidrBlock")
		if o != nil {
			b.undecided(audit.ActionDescribeSubnets, id, "CidrBlock", o.why)
			return nil
		}
		sn.CIDR = c
		sn.IPv6, _ = p.prefix("Ipv6CidrBlock")
		sn.AZ, _, _ = p.str("AvailabilityZone")
		sn.AZID, _, _ = p.str("AvailabilityZoneId")
		pub, _ := p.boolean("MapPublicIpOnLaunch", false)
		sn.MapPublicIPOnLaunch = pub == audit.TriTrue
		f.Subnets[id] = sn
	case "AWS::EC2::RouteTable":
		vpc, ok := b.need(p, "VpcId", audit.ActionDescribeRouteTables, id)
		if ok {
			b.tables[id] = &audit.RouteTable{ID: id, VPCID: vpc}
		}
	case "AWS::EC2::Route":
		rt, ok := b.need(p, "RouteTableId", audit.ActionDescribeRouteTables, id)
		if !ok {
			return nil
		}
		r, why := b.route(p)
		if why != "" {
			b.openTables[rt] = logical + " " + why
			return nil
		}
		b.routes = append(b.routes, pendingRoute{rt, r})
	case "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SubnetNetworkAclAssociation":
		sn, ok := b.need(p, "SubnetId", actionOf(typ), "")
		key := "RouteTableId"
		if typ == "AWS::EC2::SubnetNetworkAclAssociation" {
			key = "NetworkAclId"
		}
		target, o, ok2 := p.str(key)
		switch {
		case !ok:
		case o != nil:
			b.openSubnets[sn] = logical + " " + key + " " + o.why
		case ok2 && key == "RouteTableId":
			b.assocRT = append(b.assocRT, [2]string{sn, target})
		case ok2:
			b.assocACL = append(b.assocACL, [2]string{sn, target})
		}
	case "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::VPCGatewayAttachment":
		// Route targets: their kind is in b.kinds. CloudFormation refuses
		// a route to a gateway not attached to the route table's VPC.
	case "AWS::EC2::NetworkAcl":
		vpc, ok := b.need(p, "VpcId", audit.ActionDescribeNetworkAcls, id)
		if ok {
			b.acls[id] = &audit.NetworkACL{ID: id, VPCID: vpc}
		}
	case "AWS::EC2::NetworkAclEntry":
		acl, ok := b.need(p, "NetworkAclId", audit.ActionDescribeNetworkAcls, id)
		if !ok {
			return nil
		}
		e, why := naclEntry(p)
		if why != "" {
			b.undecided(audit.ActionDescribeNetworkAcls, acl, logical, why)
			return nil
		}
		b.naclEntries = append(b.naclEntries, pendingEntry{acl, e})
	case "AWS::EC2::SecurityGroup":
		vpc, ok := b.need(p, "VpcId", audit.ActionDescribeSecurityGroups, id)
		if !ok {
			// Without VpcId the group is in the default VPC, which a
			// template does not describe.
			if _, o, _ := p.str("VpcId"); o == nil {
				b.undecided(audit.ActionDescribeSecurityGroups, id, "VpcId", "is not set, so the group is in the Region's default VPC, which the template does not describe")
			}
			return nil
		}
		g := &audit.SecurityGroup{ID: id, VPCID: vpc}
		g.Name, _, _ = p.str("GroupName")
		if g.Name == "" {
			g.Name = logical
		}
		for _, dir := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
			list, isList := p.m[dir].([]any)
			if o, isOpen := p.m[dir].(open); isOpen {
				b.undecided(audit.ActionDescribeSecurityGroups, id, dir, o.why)
				return nil
			}
			for i, raw := range list {
				m, _ := raw.(map[string]any)
				rule, why := sgRule(props{m: m}, dir == "SecurityGroupEgress")
				if why != "" {
					b.undecided(audit.ActionDescribeSecurityGroups, id, fmt.Sprintf("%s[%d] %s", dir, i, ""), why)
					return nil
				}
				if dir == "SecurityGroupEgress" {
					g.Egress = append(g.Egress, rule)
				} else {
					g.Ingress = append(g.Ingress, rule)
				}
			}
			if dir == "SecurityGroupEgress" {
				if isList {
					b.markInline(id)
				} else {
					g.Egress = allowAllEgress()
				}
			}
		}
		f.SecurityGroups[id] = g
	case "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress":
		egress := typ == "AWS::EC2::SecurityGroupEgress"
		group, ok := b.need(p, "GroupId", audit.ActionDescribeSecurityGroups, id)
		if !ok {
			return nil
		}
		rule, why := sgRule(p, egress)
		if why != "" {
			b.undecided(audit.ActionDescribeSecurityGroups, group, logical, why)
			b.sgOpen[group] = true
			return nil
		}
		b.sgRules = append(b.sgRules, pendingRule{group, egress, rule})
	case "AWS::EC2::VPCEndpoint":
		return b.endpoint(id, p)
	case "AWS::ECS::Cluster":
		if lt := strategyLaunch(p.m["DefaultCapacityProviderStrategy"]); lt != "" {
			b.clusterLaunch[id] = lt
		}
	case "AWS::ECS::ClusterCapacityProviderAssociations":
		if cluster, _, ok := p.str("Cluster"); ok {
			if lt := strategyLaunch(p.m["DefaultCapacityProviderStrategy"]); lt != "" {
				b.clusterLaunch[cluster] = lt
			}
		}
	case "AWS::ECS::TaskDefinition":
		b.taskDefs[id] = taskDefinition(id, logical, p)
	case "AWS::ECS::Service":
		b.service(id, p)
	}
	return nil
}

// afterVPC runs fn on VPC vpc once every resource is read.
func (b *builder) afterVPC(vpc string, fn func(*audit.VPC)) {
	b.pendingVPC = append(b.pendingVPC, pendingVPC{vpc, fn})
}

type pendingVPC struct {
	vpc string
	fn  func(*audit.VPC)
}

// route reads one AWS::EC2::Route; why is non-empty when it is open.
func (b *builder) route(p props) (audit.Route, string) {
	r := audit.Route{State: "active"}
	for _, k := range []string{"DestinationCidrBlock", "DestinationIpv6CidrBlock"} {
		pf, o := p.prefix(k)
		if o != nil {
			return r, k + " " + o.why
		}
		if pf.IsValid() {
			r.Destination = pf
		}
	}
	pl, o, _ := p.str("DestinationPrefixListId")
	if o != nil {
		return r, "DestinationPrefixListId " + o.why
	}
	r.DestinationPrefixListID = pl
	targets := []struct{ key, kind string }{
		{"GatewayId", ""}, {"NatGatewayId", audit.TargetNAT}, {"TransitGatewayId", audit.TargetTGW},
		{"VpcPeeringConnectionId", audit.TargetPCX}, {"NetworkInterfaceId", audit.TargetENI},
		{"InstanceId", audit.TargetInstance}, {"EgressOnlyInternetGatewayId", audit.TargetEIGW},
		{"VpcEndpointId", audit.TargetVPCE}, {"CarrierGatewayId", audit.TargetOther}, {"LocalGatewayId", audit.TargetOther},
		{"CoreNetworkArn", audit.TargetOther},
	}
	for _, t := range targets {
		v, o, ok := p.str(t.key)
		if o != nil {
			return r, t.key + " " + o.why
		}
		if !ok || v == "" {
			continue
		}
		r.TargetID, r.Target = v, t.kind
		if t.key == "GatewayId" {
			switch {
			case v == "local":
				r.Target = audit.TargetLocal
			case b.kinds[v] == "AWS::EC2::InternetGateway" || strings.HasPrefix(v, "igw-"):
				r.Target = audit.TargetIGW
			case b.kinds[v] == "AWS::EC2::VPNGateway" || strings.HasPrefix(v, "vgw-"):
				r.Target = audit.TargetVGW
			case b.kinds[v] == "AWS::EC2::VPCEndpoint" || strings.HasPrefix(v, "vpce-"):
				r.Target = audit.TargetVPCE
			default:
				r.Target = audit.TargetOther
			}
		}
		break
	}
	if r.TargetID == "" {
		return r, "has no target"
	}
	return r, ""
}

// sgRule reads one security group rule (inline or a separate
// SecurityGroupIngress/Egress); why is non-empty when it is open.
func sgRule(p props, egress bool) (audit.Rule, string) {
	r := audit.Rule{}
	proto, o, _ := p.str("IpProtocol")
	if o != nil {
		return r, "IpProtocol " + o.why
	}
	r.Protocol = strings.ToLower(proto)
	var o2 *open
	if r.FromPort, o = p.integer("FromPort", -1); o != nil {
		return r, "FromPort " + o.why
	}
	if r.ToPort, o2 = p.integer("ToPort", -1); o2 != nil {
		return r, "ToPort " + o2.why
	}
	peers := []string{"CidrIp", "CidrIpv6"}
	if egress {
		peers = append(peers, "DestinationPrefixListId", "DestinationSecurityGroupId")
	} else {
		peers = append(peers, "SourcePrefixListId", "SourceSecurityGroupId")
	}
	for _, k := range peers {
		v, o, ok := p.str(k)
		if o != nil {
			return r, k + " " + o.why
		}
		if !ok || v == "" {
			continue
		}
		switch {
		case strings.HasPrefix(k, "Cidr"):
			pf, err := netip.ParsePrefix(v)
			if err != nil {
				return r, k + " is not a CIDR block"
			}
			r.CIDRs = append(r.CIDRs, pf.Masked())
		case strings.HasSuffix(k, "PrefixListId"):
			r.PrefixListIDs = append(r.PrefixListIDs, v)
		default:
			r.GroupIDs = append(r.GroupIDs, v)
		}
	}
	if !egress {
		if name, _, ok := p.str("SourceSecurityGroupName"); ok && name != "" {
			return r, "SourceSecurityGroupName names a group of the default VPC, which the template does not describe"
		}
	}
	return r, ""
}

// naclEntry reads one AWS::EC2::NetworkAclEntry.
func naclEntry(p props) (audit.NACLEntry, string) {
	e := audit.NACLEntry{}
	var o *open
	if e.RuleNumber, o = p.integer("RuleNumber", 0); o != nil {
		return e, "RuleNumber " + o.why
	}
	eg, o := p.boolean("Egress", false)
	if o != nil {
		return e, "Egress " + o.why
	}
	e.Egress = eg == audit.TriTrue
	proto, o, _ := p.str("Protocol")
	if o != nil {
		return e, "Protocol " + o.why
	}
	e.Protocol = proto
	action, o, _ := p.str("RuleAction")
	if o != nil {
		return e, "RuleAction " + o.why
	}
	e.Allow = strings.EqualFold(action, "allow")
	for _, k := range []string{"CidrBlock", "Ipv6CidrBlock"} {
		pf, o := p.prefix(k)
		if o != nil {
			return e, k + " " + o.why
		}
		if pf.IsValid() {
			e.CIDR = pf
		}
	}
	if pr, ok := p.m["PortRange"].(map[string]any); ok {
		pp := props{m: pr}
		if e.PortFrom, o = pp.integer("From", 0); o != nil {
			return e, "PortRange.From " + o.why
		}
		if e.PortTo, o = pp.integer("To", 0); o != nil {
			return e, "PortRange.To " + o.why
		}
	} else if o, isOpen := p.m["PortRange"].(open); isOpen {
		return e, "PortRange " + o.why
	}
	return e, ""
}

// endpoint reads one AWS::EC2::VPCEndpoint.
func (b *builder) endpoint(id string, p props) error {
	ep := &audit.Endpoint{ID: id, State: "available"}
	vpc, o, ok := p.str("VpcId")
	if o != nil {
		// Without its VPC the endpoint could serve any VPC: every
		// endpoint need is undecided.
		b.undecided(audit.ActionDescribeVpcEndpoints, "", id+" VpcId", o.why)
		return nil
	}
	if !ok {
		return nil
	}
	ep.VPCID = vpc
	name, o, _ := p.str("ServiceName")
	if o != nil {
		b.undecided(audit.ActionDescribeVpcEndpoints, vpc, id+" ServiceName", o.why)
		return nil
	}
	ep.ServiceName = name
	typ, o, ok := p.str("VpcEndpointType")
	switch {
	case o != nil:
		b.undecided(audit.ActionDescribeVpcEndpoints, vpc, id+" VpcEndpointType", o.why)
		return nil
	case !ok:
		typ = defaultEndpointType
	}
	ep.Type = typ
	dns, o := p.boolean("PrivateDnsEnabled", defaultPrivateDNS)
	if o != nil {
		b.undecided(audit.ActionDescribeVpcEndpoints, vpc, id+" PrivateDnsEnabled", o.why)
		return nil
	}
	ep.PrivateDNSEnabled = dns == audit.TriTrue
	lists := []struct {
		key string
		dst *[]string
	}{{"SubnetIds", &ep.SubnetIDs}, {"SecurityGroupIds", &ep.SecurityGroupIDs}, {"RouteTableIds", &ep.RouteTableIDs}}
	for _, l := range lists {
		v, o := p.strs(l.key)
		if o != nil {
			b.undecided(audit.ActionDescribeVpcEndpoints, vpc, id+" "+l.key, o.why)
			return nil
		}
		*l.dst = v
	}
	if strings.EqualFold(ep.Type, audit.EndpointInterface) && len(ep.SecurityGroupIDs) == 0 {
		ep.SecurityGroupIDs = []string{defaultGroupID(vpc)}
	}
	if doc, ok := p.m["PolicyDocument"]; ok {
		if _, isOpen := doc.(open); !isOpen {
			switch t := doc.(type) {
			case string:
				ep.PolicyDocument = t
			default:
				js, _ := json.Marshal(t)
				ep.PolicyDocument = string(js)
			}
		}
	}
	b.f.Endpoints = append(b.f.Endpoints, ep)
	return nil
}

// service reads one AWS::ECS::Service into a workload.
func (b *builder) service(id string, p props) {
	w := &audit.Workload{Service: id, Status: "ACTIVE"}
	cluster, o, ok := p.str("Cluster")
	switch {
	case o != nil:
		cluster = "(open)"
	case !ok:
		cluster = "default"
	}
	w.Cluster = cluster
	w.Name = "service/" + cluster + "/" + id
	b.services = append(b.services, w)
	if o != nil {
		b.undecided(audit.ActionDescribeServices, w.Name, "Cluster", o.why)
	}
	launch, o, ok := p.str("LaunchType")
	switch {
	case o != nil:
		b.undecided(audit.ActionDescribeServices, w.Name, "LaunchType", o.why)
		return
	case ok:
		w.LaunchType = launch
	default:
		w.LaunchType = strategyLaunch(p.m["CapacityProviderStrategy"])
		if w.LaunchType == "" {
			// The cluster's default strategy decides (in finish).
			w.LaunchType = defaultLaunchType
			b.defaulted[w] = true
		}
	}
	exec, _ := p.boolean("EnableExecuteCommand", false)
	w.EnableExecuteCommand = exec == audit.TriTrue
	if sc, ok := p.m["ServiceConnectConfiguration"].(map[string]any); ok {
		en, _ := props{m: sc}.boolean("Enabled", false)
		w.ServiceConnect = en == audit.TriTrue
	}
	td, o, ok := p.str("TaskDefinition")
	switch {
	case o != nil:
		b.undecided(audit.ActionDescribeTaskDefinition, td, id+" TaskDefinition", o.why)
	case ok:
		b.svcTaskDef[w] = td
	}
	nc, _ := p.m["NetworkConfiguration"].(map[string]any)
	if o, isOpen := p.m["NetworkConfiguration"].(open); isOpen {
		b.undecided(audit.ActionDescribeServices, w.Name, "NetworkConfiguration", o.why)
		return
	}
	avc, _ := nc["AwsvpcConfiguration"].(map[string]any)
	if o, isOpen := nc["AwsvpcConfiguration"].(open); isOpen {
		b.undecided(audit.ActionDescribeServices, w.Name, "NetworkConfiguration.AwsvpcConfiguration", o.why)
		return
	}
	ap := props{m: avc}
	subnets, o := ap.strs("Subnets")
	if o != nil {
		b.undecided(audit.ActionDescribeServices, w.Name, "NetworkConfiguration.AwsvpcConfiguration.Subnets", o.why)
		return
	}
	groups, o := ap.strs("SecurityGroups")
	if o != nil {
		b.undecided(audit.ActionDescribeServices, w.Name, "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", o.why)
		return
	}
	pub, o, ok := ap.str("AssignPublicIp")
	switch {
	case o != nil:
		b.undecided(audit.ActionDescribeServices, w.Name, "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", o.why)
	case ok:
		w.AssignPublicIP = pub
	default:
		w.AssignPublicIP = defaultAssignPublicIP
	}
	w.Subnets, w.SecurityGroups = subnets, groups
}

// strategyLaunch is the launch type a capacity provider strategy gives:
// Fargate when every provider is FARGATE or FARGATE_SPOT, else EC2 (an
// Auto Scaling group provider); "" for no strategy.
func strategyLaunch(v any) string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return ""
	}
	for _, c := range list {
		m, _ := c.(map[string]any)
		cp, _, _ := props{m: m}.str("CapacityProvider")
		if cp != "FARGATE" && cp != "FARGATE_SPOT" {
			return audit.LaunchEC2
		}
	}
	return audit.LaunchFargate
}

// taskDefinition maps an AWS::ECS::TaskDefinition onto the
// RegisterTaskDefinition JSON and reads it with the parser of
// --task-definition files, so both give the same audit.TaskDefinition.
func taskDefinition(id, logical string, p props) *taskDef {
	doc := map[string]any{"family": logical}
	if fam, _, ok := p.str("Family"); ok && fam != "" {
		doc["family"] = fam
	}
	read := []string{"NetworkMode", "RuntimePlatform", "ContainerDefinitions", "Volumes", "RequiresCompatibilities"}
	for _, k := range read {
		v, ok := p.m[k]
		if !ok {
			continue
		}
		conv, why := register(v, k, false)
		if why != "" {
			return &taskDef{why: why}
		}
		doc[lowerFirst(k)] = conv
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return &taskDef{why: "cannot be encoded: " + err.Error()}
	}
	td, _, err := audit.ParseTaskDefinitionJSON(js)
	if err != nil {
		return &taskDef{why: "is not a valid task definition: " + err.Error()}
	}
	td.ARN = id
	return &taskDef{td: td}
}

// register turns CloudFormation's PascalCase property names into the
// API's camelCase ones (FilesystemId → fileSystemId). An open value in a
// field the audit reads makes the task definition open; environment
// variables other than PREFLIGHT_* are dropped first (the audit keeps
// none of them, and their values may be secrets).
func register(v any, path string, inOptions bool) (any, string) {
	switch t := v.(type) {
	case open:
		return nil, path + " " + t.why
	case map[string]any:
		out := map[string]any{}
		container := strings.HasPrefix(path, "ContainerDefinitions[") && !strings.Contains(path, ".")
		for _, k := range sortedKeys(t) {
			if container && !readContainerKey(k) {
				continue // not read; may hold values open until deploy
			}
			key := k
			if !inOptions {
				key = lowerFirst(k)
				switch k {
				case "FilesystemId":
					key = "fileSystemId"
				case "EFSVolumeConfiguration":
					key = "efsVolumeConfiguration"
				}
			}
			child := t[k]
			if k == "Environment" && !inOptions {
				child = preflightEnv(child)
			}
			c, why := register(child, path+"."+k, inOptions || k == "Options")
			if why != "" {
				return nil, why
			}
			out[key] = c
		}
		return out, ""
	case []any:
		out := make([]any, 0, len(t))
		for i, x := range t {
			c, why := register(x, fmt.Sprintf("%s[%d]", path, i), inOptions)
			if why != "" {
				return nil, why
			}
			out = append(out, c)
		}
		return out, ""
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, ""
		}
		return t.String(), ""
	}
	return v, ""
}

// readContainerKey reports whether the audit reads a container
// definition's property k (what ParseTaskDefinitionJSON reads).
func readContainerKey(k string) bool {
	switch k {
	case "Name", "Image", "RepositoryCredentials", "Secrets", "EntryPoint", "Command", "Environment",
		"FirelensConfiguration", "LogConfiguration":
		return true
	}
	return false
}

// preflightEnv keeps the PREFLIGHT_* entries of a container's Environment.
func preflightEnv(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	var out []any
	for _, e := range list {
		m, _ := e.(map[string]any)
		if name, _ := m["Name"].(string); strings.HasPrefix(name, "PREFLIGHT_") {
			out = append(out, e)
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// finish merges the separate resources into their parents and adds what
// EC2 creates with every VPC.
func (b *builder) finish() {
	f := b.f
	for _, pv := range b.pendingVPC {
		if v := f.VPCs[pv.vpc]; v != nil {
			pv.fn(v)
		}
	}
	for _, a := range b.dhcpAssoc {
		v := f.VPCs[a[0]]
		if v == nil {
			continue
		}
		v.DHCPOptionsID = a[1]
		if servers, ok := b.dhcp[a[1]]; ok {
			v.DomainNameServers = servers
		} else if a[1] != "default" {
			b.undecided(audit.ActionDescribeDhcpOptions, a[0], "DhcpOptionsId", "names a DHCP options set outside the input")
		}
	}
	for _, id := range sortedKeys(f.VPCs) {
		v := f.VPCs[id]
		f.RouteTables = append(f.RouteTables, mainTable(id, v.CIDRs))
		f.NetworkACLs = append(f.NetworkACLs, defaultACL(id))
		f.SecurityGroups[defaultGroupID(id)] = defaultGroup(id)
	}
	for _, r := range b.sgRules {
		g := f.SecurityGroups[r.group]
		if g == nil || b.sgOpen[r.group] {
			continue
		}
		if r.egress {
			// The first AWS::EC2::SecurityGroupEgress replaces the
			// default allow-all rule of a group that had no inline
			// egress, as an inline rule would.
			if !b.inline[r.group] {
				g.Egress = nil
				b.markInline(r.group)
			}
			g.Egress = append(g.Egress, r.rule)
		} else {
			g.Ingress = append(g.Ingress, r.rule)
		}
	}
	for _, id := range sortedKeys(b.tables) {
		rt := b.tables[id]
		if why, isOpen := b.openTables[id]; isOpen {
			for _, a := range b.assocRT {
				if a[1] == id {
					b.openSubnets[a[0]] = why
				}
			}
			continue
		}
		if v := f.VPCs[rt.VPCID]; v != nil {
			for _, c := range v.CIDRs {
				rt.Routes = append(rt.Routes, audit.Route{Destination: c, Target: audit.TargetLocal, TargetID: "local", State: "active"})
			}
		}
		for _, r := range b.routes {
			if r.table == id {
				rt.Routes = append(rt.Routes, r.route)
			}
		}
		for _, a := range b.assocRT {
			if a[1] == id {
				rt.SubnetIDs = append(rt.SubnetIDs, a[0])
			}
		}
		f.RouteTables = append(f.RouteTables, rt)
	}
	for _, id := range sortedKeys(b.acls) {
		acl := b.acls[id]
		for _, e := range b.naclEntries {
			if e.acl == id {
				acl.Entries = append(acl.Entries, e.entry)
			}
		}
		// The "*" entries every custom ACL ends with (deny all).
		for _, eg := range []bool{false, true} {
			acl.Entries = append(acl.Entries, audit.NACLEntry{RuleNumber: 32767, Egress: eg, Protocol: "-1", CIDR: netip.MustParsePrefix("0.0.0.0/0")})
		}
		for _, a := range b.assocACL {
			if a[1] == id {
				acl.SubnetIDs = append(acl.SubnetIDs, a[0])
			}
		}
		f.NetworkACLs = append(f.NetworkACLs, acl)
	}
	for _, sn := range sortedKeys(b.openSubnets) {
		if f.Subnets[sn] != nil {
			delete(f.Subnets, sn)
			b.undecided(audit.ActionDescribeSubnets, sn, b.openSubnets[sn], "")
		}
	}
	for _, w := range b.services {
		if lt, ok := b.clusterLaunch[w.Cluster]; ok && b.defaulted[w] {
			w.LaunchType = lt
		}
		if tdID, ok := b.svcTaskDef[w]; ok {
			switch td := b.taskDefs[tdID]; {
			case td == nil:
				b.undecided(audit.ActionDescribeTaskDefinition, tdID, w.Service+" TaskDefinition", "names a task definition outside the input")
			case td.why != "":
				b.undecided(audit.ActionDescribeTaskDefinition, tdID, td.why, "")
			default:
				w.TaskDefinition = td.td
			}
		}
		if w.LaunchType == audit.LaunchEC2 || w.LaunchType == audit.LaunchExternal {
			// Which instances join the cluster is decided at run time.
			b.undecided(audit.ActionListContainerInstances, w.Cluster, "the cluster's container instances", "are registered at run time, not in the template")
		}
		f.Workloads = append(f.Workloads, w)
	}
	b.outside()
	f.Undecided = dedupe(f.Undecided)
}

// outsideWhy is why a resource the template names but does not create is
// undecided: --template reads no account.
const outsideWhy = "is not created by the input; preflight reads no AWS account with --template"

// outside makes undecided every resource the workloads and the subnets
// name but the input does not create (a literal subnet-0abc, a VPC
// imported by id): it may well exist, so it is neither missing nor passed.
func (b *builder) outside() {
	f := b.f
	for _, w := range f.Workloads {
		for _, id := range w.Subnets {
			if f.Subnets[id] == nil && !b.undecidedFor(audit.ActionDescribeSubnets, id) {
				b.undecided(audit.ActionDescribeSubnets, id, "subnet of "+w.Service, outsideWhy)
			}
		}
		for _, id := range w.SecurityGroups {
			if f.SecurityGroups[id] == nil && !b.undecidedFor(audit.ActionDescribeSecurityGroups, id) {
				b.undecided(audit.ActionDescribeSecurityGroups, id, "security group of "+w.Service, outsideWhy)
			}
		}
	}
	for _, id := range sortedKeys(f.Subnets) {
		if v := f.Subnets[id].VPCID; f.VPCs[v] == nil {
			for _, action := range []string{audit.ActionDescribeVpcs, audit.ActionDescribeRouteTables, audit.ActionDescribeVpcEndpoints, audit.ActionDescribeNetworkAcls} {
				b.undecided(action, v, "VPC of "+id, outsideWhy)
			}
		}
	}
	for _, ep := range f.Endpoints {
		for _, id := range ep.SecurityGroupIDs {
			if f.SecurityGroups[id] == nil && !b.undecidedFor(audit.ActionDescribeSecurityGroups, id) {
				b.undecided(audit.ActionDescribeSecurityGroups, id, "security group of "+ep.ID, outsideWhy)
			}
		}
	}
}

// undecidedFor reports whether an undecided fact already covers id.
func (b *builder) undecidedFor(action, id string) bool {
	for _, u := range b.f.Undecided {
		if u.Action == action && u.Resource == id {
			return true
		}
	}
	return false
}

func (b *builder) markInline(group string) {
	if b.inline == nil {
		b.inline = map[string]bool{}
	}
	b.inline[group] = true
}

// dedupe drops repeated undecided facts (one per container instance
// cluster, say), keeping the first.
func dedupe(us []audit.Undecided) []audit.Undecided {
	seen := map[audit.Undecided]bool{}
	var out []audit.Undecided
	for _, u := range us {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}
