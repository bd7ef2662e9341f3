package audit

import (
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// changeName is a stable Terraform resource name for a change, made
// from what it changes, so that a second rendering of the same plan names
// the same resources: egress_sg_0abc_tcp_443_sg_0def.
func changeName(c Change) string {
	if c.creates() {
		return refName(c.Endpoint + c.Group)
	}
	id := func(s string) string {
		if n := refName(s); n != "" {
			return n
		}
		return s
	}
	var s string
	switch c.Kind {
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress, ChangeRevokeEgress:
		dir := map[ChangeKind]string{ChangeAuthorizeIngress: "ingress", ChangeAuthorizeEgress: "egress", ChangeRevokeEgress: "revoke"}[c.Kind]
		s = fmt.Sprintf("%s_%s_%s_%d_%s", dir, id(c.Group), c.Protocol, c.FromPort, id(peerOf(c, id)))
	case ChangeNACLInsert, ChangeNACLDelete:
		dir := "ingress"
		if c.Egress {
			dir = "egress"
		}
		s = fmt.Sprintf("%s_%s_%d", c.ACL, dir, c.RuleNumber)
	default:
		parts := []string{c.Kind.String(), id(c.Endpoint)}
		for _, x := range append(append([]string(nil), c.Subnets...), c.RouteTables...) {
			parts = append(parts, id(x))
		}
		s = strings.Join(parts, "_")
	}
	// Only letters, digits and underscores: an address brings brackets
	// and quotes (aws_subnet.private[0], interface["ecr.dkr"]), a CIDR
	// slashes and colons.
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if len(s) > maxChangeName {
		// Long module paths: keep the name a CloudFormation logical id
		// can be (255 characters), and distinct.
		h := fnv.New32a()
		h.Write([]byte(s))
		s = fmt.Sprintf("%s_%08x", s[:maxChangeName-9], h.Sum32())
	}
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "r_" + s
	}
	return s
}

// maxChangeName bounds a resource name made from a change.
const maxChangeName = 120

// logicalName turns a resource name into a CloudFormation logical id
// (alphanumeric only): endpoint_sg → EndpointSg.
func logicalName(name string) string {
	var b strings.Builder
	up := true
	for _, c := range name {
		switch {
		case c == '_':
			up = true
		case up && c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
			up = false
		default:
			b.WriteRune(c)
			up = false
		}
	}
	return b.String()
}

// tfValue is an id as a Terraform expression: a quoted string, a
// reference to the resource the plan creates, or, from a plan, the
// plan's own resource (aws_vpc.main.id, aws_vpc.main.default_security_group_id),
// named as its own module names it (writePlanTerraform says which module
// a block goes in).
func tfValue(kinds map[string]string, id string) string {
	if n := refName(id); n != "" {
		return kinds[n] + "." + n + ".id"
	}
	if a, ok := parseTFAddress(id); ok {
		return a.expr()
	}
	return strconv.Quote(id)
}

// sourceIDs are the ids of c that are names of the input's own (an
// address, a logical id), not AWS ids or plan references: the resources
// do not exist yet, so no AWS command can name them.
func (c *Change) sourceIDs(source string) []string {
	if source == SourceAWS {
		return nil
	}
	var out []string
	for _, f := range c.fields() {
		v := *f.val
		if v != "" && refName(v) == "" && !f.re.MatchString(v) && isSourceID(source, v) {
			out = append(out, v)
		}
	}
	return out
}

// tfModules places the steps of a plan made from a Terraform plan: a
// resource inside a module can be named only in that module's own
// configuration, so a step goes where its addresses are. module[i] is
// the module path of step i ("" for the root, "module.vpc." for one);
// ok[i] is false for a step whose addresses (or the resources the plan
// creates that it uses) lie in more than one module: no block can name
// them all, and the step is said in words.
func tfModules(p *Plan) (module []string, ok []bool) {
	module, ok = make([]string, len(p.Changes)), make([]bool, len(p.Changes))
	created := map[string]string{}
	for i, c := range p.Changes {
		mods := map[string]bool{}
		for _, id := range c.sourceIDs(p.Source) {
			a, _ := parseTFAddress(id)
			mods[a.module] = true
		}
		for _, r := range c.refs() {
			mods[created[r]] = true
		}
		ok[i] = len(mods) <= 1
		// One module, or, for a step said in words, the first in order:
		// never the map's order, which would place a later step that
		// uses what this one creates differently from run to run.
		if len(mods) > 0 {
			module[i] = slices.Sorted(maps.Keys(mods))[0]
		}
		if c.creates() {
			created[refName(c.Endpoint+c.Group)] = module[i]
		}
	}
	return module, ok
}

func tfList(kinds map[string]string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tfValue(kinds, id)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// tfBlock is one resource: its type, name and attributes in order.
type tfBlock struct {
	typ, name string
	attrs     [][2]string
}

// terraformBlocks renders a change as resources, or returns nil when
// Terraform cannot take the step (changing or deleting what another
// configuration owns).
func terraformBlocks(kinds map[string]string, c Change) []tfBlock {
	v := func(id string) string { return tfValue(kinds, id) }
	name := changeName(c)
	switch c.Kind {
	case ChangeCreateSecurityGroup:
		return []tfBlock{{"aws_security_group", name, [][2]string{
			{"name", strconv.Quote("preflight-endpoints")}, {"description", strconv.Quote(sgDescription(c.Description))}, {"vpc_id", v(c.VPC)}}}}
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress:
		typ := "aws_vpc_security_group_ingress_rule"
		if c.Kind == ChangeAuthorizeEgress {
			typ = "aws_vpc_security_group_egress_rule"
		}
		attrs := [][2]string{{"security_group_id", v(c.Group)}}
		if d := sgDescription(c.Description); d != "" {
			attrs = append(attrs, [2]string{"description", strconv.Quote(d)})
		}
		attrs = append(attrs, [2]string{"ip_protocol", strconv.Quote(c.Protocol)})
		if c.Protocol != "-1" {
			attrs = append(attrs, [2]string{"from_port", strconv.Itoa(c.FromPort)}, [2]string{"to_port", strconv.Itoa(c.ToPort)})
		}
		switch {
		case c.PeerGroup != "":
			attrs = append(attrs, [2]string{"referenced_security_group_id", v(c.PeerGroup)})
		case c.PeerPrefixList != "":
			attrs = append(attrs, [2]string{"prefix_list_id", v(c.PeerPrefixList)})
		case strings.Contains(c.CIDR, ":"):
			attrs = append(attrs, [2]string{"cidr_ipv6", strconv.Quote(c.CIDR)})
		default:
			attrs = append(attrs, [2]string{"cidr_ipv4", strconv.Quote(c.CIDR)})
		}
		return []tfBlock{{typ, name, attrs}}
	case ChangeCreateInterfaceEndpoint:
		return []tfBlock{{"aws_vpc_endpoint", name, [][2]string{
			{"vpc_id", v(c.VPC)}, {"service_name", strconv.Quote(c.Service)}, {"vpc_endpoint_type", strconv.Quote(EndpointInterface)},
			{"subnet_ids", tfList(kinds, c.Subnets)}, {"security_group_ids", tfList(kinds, c.Groups)}, {"private_dns_enabled", "true"}}}}
	case ChangeCreateGatewayEndpoint:
		return []tfBlock{{"aws_vpc_endpoint", name, [][2]string{
			{"vpc_id", v(c.VPC)}, {"service_name", strconv.Quote(c.Service)}, {"vpc_endpoint_type", strconv.Quote(EndpointGateway)},
			{"route_table_ids", tfList(kinds, c.RouteTables)}}}}
	case ChangeEndpointAddRouteTables, ChangeEndpointAddSubnets:
		var out []tfBlock
		typ, attr, ids := "aws_vpc_endpoint_route_table_association", "route_table_id", c.RouteTables
		if c.Kind == ChangeEndpointAddSubnets {
			typ, attr, ids = "aws_vpc_endpoint_subnet_association", "subnet_id", c.Subnets
		}
		for _, id := range ids {
			out = append(out, tfBlock{typ, changeName(Change{Kind: c.Kind, Endpoint: c.Endpoint, Subnets: []string{id}}),
				[][2]string{{"vpc_endpoint_id", v(c.Endpoint)}, {attr, v(id)}}})
		}
		return out
	case ChangeEndpointGroups:
		// The removal, if any, is a change to the endpoint's own
		// configuration: writePlanTerraform says it in a comment.
		var out []tfBlock
		for _, g := range c.Groups {
			out = append(out, tfBlock{"aws_vpc_endpoint_security_group_association", changeName(Change{Kind: c.Kind, Endpoint: c.Endpoint, Subnets: []string{g}}),
				[][2]string{{"vpc_endpoint_id", v(c.Endpoint)}, {"security_group_id", v(g)}}})
		}
		return out
	case ChangeNACLInsert:
		block := "cidr_block"
		if strings.Contains(c.CIDR, ":") {
			block = "ipv6_cidr_block"
		}
		return []tfBlock{{"aws_network_acl_rule", name, [][2]string{
			{"network_acl_id", v(c.ACL)}, {"rule_number", strconv.Itoa(c.RuleNumber)}, {"egress", strconv.FormatBool(c.Egress)},
			{"protocol", strconv.Quote("tcp")}, {"rule_action", strconv.Quote("allow")}, {block, strconv.Quote(c.CIDR)},
			{"from_port", strconv.Itoa(c.FromPort)}, {"to_port", strconv.Itoa(c.ToPort)}}}}
	}
	return nil
}

func writePlanTerraform(w io.Writer, p *Plan) {
	run := "Resources reference what they need; the steps Terraform cannot take here are comments with their AWS CLI command."
	if p.Source == SourceTerraform {
		run = "Add them to the change: resources reference the plan's own by address; the steps that are no resource of their own say what to change where."
	}
	// Names marks a change laid over the account (nil for every other
	// source).
	over := p.Source == SourceTerraform && p.Names != nil
	if over {
		run = "Add them to the change: resources reference what it declares by address, and the account's other resources by their ids (each step says which lie outside the change); the steps that are no resource of their own say what to change where."
	}
	header(w, "#", p, run)
	kinds := map[string]string{}
	for _, c := range p.Changes {
		if c.creates() {
			kinds[refName(c.Endpoint+c.Group)] = map[bool]string{true: "aws_security_group", false: "aws_vpc_endpoint"}[c.Kind == ChangeCreateSecurityGroup]
		}
	}
	ref := func(id string) string { return tfValue(kinds, id) }
	module, placed := tfModules(p)
	for i, c := range p.Changes {
		fmt.Fprintln(w)
		comment(w, "#", stepTitle(i, c, ref))
		if over {
			if note := outsideNote(c); note != "" {
				comment(w, "#", note)
			}
		}
		if !placed[i] {
			comment(w, "#", "This step is not written as a block: its resources lie in different modules, and a module's resources can be named only inside it; add it where they meet, passing the ids through module outputs.")
			continue
		}
		blocks := terraformBlocks(kinds, c)
		if blocks == nil {
			comment(w, "#", "This step is "+manualStep(p, c, func(id string) string { return refName(id) + "_id" }))
			continue
		}
		if m := strings.TrimSuffix(module[i], "."); m != "" {
			comment(w, "#", "In the configuration of "+m+", which alone can name its resources:")
		}
		owner, setting := inlineSetting(c)
		sets, known := p.Inline[owner]
		switch {
		case owner != "" && slices.Contains(sets, setting):
			writeInlineEdit(w, kinds, c, owner, setting)
			blocks = nil
		case over && !known:
			if note := inlineNote(c); note != "" {
				comment(w, "#", note)
			}
		}
		for j, b := range blocks {
			if j > 0 {
				fmt.Fprintln(w)
			}
			// terraform fmt aligns the = of consecutive attributes.
			width := 0
			for _, a := range b.attrs {
				width = max(width, len(a[0]))
			}
			fmt.Fprintf(w, "resource %q %q {\n", b.typ, b.name)
			for _, a := range b.attrs {
				fmt.Fprintf(w, "  %-*s = %s\n", width, a[0], a[1])
			}
			fmt.Fprintln(w, "}")
		}
		if c.Kind == ChangeEndpointGroups && len(c.RemoveGroups) > 0 {
			// Once the association exists, the task group comes off.
			rm := Change{Kind: c.Kind, Endpoint: c.Endpoint, RemoveGroups: c.RemoveGroups}
			if len(rm.sourceIDs(p.Source)) > 0 {
				comment(w, "#", fmt.Sprintf("Then take %s off %s where %s is declared.", joinComma(c.RemoveGroups), c.Endpoint, c.Endpoint))
			} else {
				comment(w, "#", fmt.Sprintf("After apply, take %s off %s where it is managed, or run: %s", joinComma(c.RemoveGroups), c.Endpoint, cliText(p.Region, rm)))
			}
		}
	}
	for i, c := range p.Changes {
		if c.Kind == ChangeCreateSecurityGroup && module[i] == "" {
			n := refName(c.Group)
			fmt.Fprintf(w, "\noutput %q {\n  value = aws_security_group.%s.id\n}\n", n+"_id", n)
		}
	}
}

// inlineSetting is the resource a step adds a rule or an association
// to, and the setting (Facts.Inline) that holds it when that resource
// manages them itself; "" for the other steps.
func inlineSetting(c Change) (owner, setting string) {
	switch c.Kind {
	case ChangeAuthorizeIngress:
		return c.Group, InlineIngress
	case ChangeAuthorizeEgress:
		return c.Group, InlineEgress
	case ChangeNACLInsert:
		if c.Egress {
			return c.ACL, InlineEgress
		}
		return c.ACL, InlineIngress
	case ChangeEndpointAddRouteTables:
		return c.Endpoint, InlineRouteTableIDs
	case ChangeEndpointAddSubnets:
		return c.Endpoint, InlineSubnetIDs
	case ChangeEndpointGroups:
		return c.Endpoint, InlineSecurityGroupIDs
	}
	return "", ""
}

// writeInlineEdit writes a step on a resource that manages setting
// itself as an edit of that resource, not a resource of its own (which
// the next apply would take off again, and which would put it back: a
// perpetual diff). A rule is a block to add to the resource, in HCL; an
// association is an id to add to its list, in words: the list's own
// expression is the author's (a splat, a concat, a variable), so no line
// of HCL can replace it.
func writeInlineEdit(w io.Writer, kinds map[string]string, c Change, owner, setting string) {
	v := func(id string) string { return tfValue(kinds, id) }
	var attrs [][2]string
	switch c.Kind {
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress:
		if d := sgDescription(c.Description); d != "" {
			attrs = append(attrs, [2]string{"description", strconv.Quote(d)})
		}
		from, to := c.FromPort, c.ToPort
		if c.Protocol == "-1" {
			from, to = 0, 0 // the provider wants both 0 for all protocols
		}
		attrs = append(attrs, [2]string{"protocol", strconv.Quote(c.Protocol)},
			[2]string{"from_port", strconv.Itoa(from)}, [2]string{"to_port", strconv.Itoa(to)})
		switch {
		case c.PeerGroup != "" && c.PeerGroup == c.Group:
			// A block cannot name its own resource (a cycle).
			attrs = append(attrs, [2]string{"self", "true"})
		case c.PeerGroup != "":
			attrs = append(attrs, [2]string{"security_groups", tfList(kinds, []string{c.PeerGroup})})
		case c.PeerPrefixList != "":
			attrs = append(attrs, [2]string{"prefix_list_ids", tfList(kinds, []string{c.PeerPrefixList})})
		case strings.Contains(c.CIDR, ":"):
			attrs = append(attrs, [2]string{"ipv6_cidr_blocks", "[" + strconv.Quote(c.CIDR) + "]"})
		default:
			attrs = append(attrs, [2]string{"cidr_blocks", "[" + strconv.Quote(c.CIDR) + "]"})
		}
	case ChangeNACLInsert:
		block := "cidr_block"
		if strings.Contains(c.CIDR, ":") {
			block = "ipv6_cidr_block"
		}
		attrs = [][2]string{{"rule_no", strconv.Itoa(c.RuleNumber)}, {"action", strconv.Quote("allow")}, {"protocol", strconv.Quote("tcp")},
			{block, strconv.Quote(c.CIDR)}, {"from_port", strconv.Itoa(c.FromPort)}, {"to_port", strconv.Itoa(c.ToPort)}}
	default:
		ids := map[string][]string{InlineRouteTableIDs: c.RouteTables, InlineSubnetIDs: c.Subnets, InlineSecurityGroupIDs: c.Groups}[setting]
		vals := make([]string, len(ids))
		for i, id := range ids {
			vals[i] = v(id)
		}
		comment(w, "#", owner+" sets its "+setting+" itself, and the provider lets either that list or separate association resources manage them, never both: this step is an edit of "+owner+", not a resource of its own.")
		comment(w, "#", "Add "+strings.Join(vals, ", ")+" to the "+setting+" of "+owner+".")
		return
	}
	comment(w, "#", owner+" sets its "+setting+" blocks itself, and the provider lets either those blocks or separate rule resources manage its rules, never both: add this block to "+owner+" rather than a resource of its own.")
	width := 0
	for _, a := range attrs {
		width = max(width, len(a[0]))
	}
	fmt.Fprintf(w, "#   %s {\n", setting)
	for _, a := range attrs {
		fmt.Fprintf(w, "#     %-*s = %s\n", width, a[0], a[1])
	}
	fmt.Fprintln(w, "#   }")
}

// manualStep says how to take a step a template cannot: with its CLI
// command, or, when the step uses a resource the template creates (whose
// id no command line can know before the stack exists), in words naming
// the template's output that holds the id.
//
// A step on a resource of a plan or template (which does not exist yet)
// is said in words, naming where to change it: no AWS command can name it.
func manualStep(p *Plan, c Change, output func(ref string) string) string {
	region := p.Region
	if c.Kind == ChangeDisablePublicIP {
		if a, ok := parseTFAddress(c.Workload); ok && p.Source == SourceTerraform && a.attr == "" {
			return "not a resource of its own: set assign_public_ip = false in the network_configuration of " + c.Workload + "."
		}
		if p.Source == SourceCloudFormation && isSourceID(p.Source, c.ECSService) {
			return "not a resource of its own: set AssignPublicIp: DISABLED in the NetworkConfiguration of " + cfnLogical(c.ECSService) + "."
		}
	}
	if len(c.sourceIDs(p.Source)) > 0 {
		return fmt.Sprintf("not a resource of its own: change %s where it is declared in the change (%s).",
			owner(c), summary(c, func(id string) string { return "the group in the output " + output(id) }))
	}
	if len(c.refs()) > 0 {
		return fmt.Sprintf("not a resource of its own: once the stack exists, %s (aws ec2 %s), or change it where %s is managed.",
			summary(c, func(id string) string { return "the group in the output " + output(id) }), c.Kind, owner(c))
	}
	return "not a resource of its own; change it where " + owner(c) + " is managed, or run: " + cliText(region, c)
}

// owner names the resource whose own configuration a step changes.
func owner(c Change) string {
	switch c.Kind {
	case ChangeVPCAttribute:
		return c.VPC
	case ChangeNACLDelete:
		return c.ACL
	case ChangeRevokeEgress:
		return c.Group
	case ChangeDisablePublicIP:
		return "service " + c.ECSService
	}
	return c.Endpoint
}

// cfnRef is an id as a CloudFormation YAML value: a quoted string, or
// !GetAtt of the resource the plan creates.
func cfnRef(id string) string {
	v, _ := cfnValue(id, false)
	return v
}

// cfnAttrs are the Fn::GetAtt attributes of a template's resources that
// a fix names (the VPC's default security group and ACL). A VPC's main
// route table has none: a template cannot name it.
var cfnAttrs = map[string]bool{"DefaultSecurityGroup": true, "DefaultNetworkAcl": true}

// cfnValue is an id as a CloudFormation YAML value: a quoted AWS id,
// !GetAtt of the resource the plan creates, or, from a template, its own
// resource: !GetAtt X.GroupId for a security group (group), !Ref X for
// the others, !GetAtt X.Attribute for an attribute. ok is false for what
// a template cannot name (an attribute outside cfnAttrs).
func cfnValue(id string, group bool) (string, bool) {
	if n := refName(id); n != "" {
		attr := "Id"
		if strings.HasPrefix(n, "endpoint_sg") {
			attr = "GroupId"
		}
		return "!GetAtt " + logicalName(n) + "." + attr, true
	}
	// A step is written for the template of its resources' stack (see
	// cfnStacks), where they are named without it.
	if c, ok := parseLogicalID(id); ok {
		switch {
		case c.attr != "":
			return "!GetAtt " + c.logical + "." + c.attr, cfnAttrs[c.attr]
		case group:
			return "!GetAtt " + c.logical + ".GroupId", true
		}
		return "!Ref " + c.logical, true
	}
	return strconv.Quote(id), true
}

// cfnResource renders a change as a resource's type and properties (YAML
// lines under Properties), and false when CloudFormation cannot take the
// step (changing what the template does not own, or naming what it
// cannot).
func cfnResource(c Change) (string, []string, bool) {
	var props []string
	ok := true
	add := func(k, v string) { props = append(props, k+": "+v) }
	val := func(id string, group bool) string {
		v, good := cfnValue(id, group)
		ok = ok && good
		return v
	}
	cfnValue := func(id string) string { return val(id, false) }
	cfnGroup := func(id string) string { return val(id, true) }
	cfnList := func(ids []string, group bool) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = val(id, group)
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	switch c.Kind {
	case ChangeCreateSecurityGroup:
		add("GroupDescription", strconv.Quote(sgDescription(c.Description)))
		add("VpcId", cfnValue(c.VPC))
		return "AWS::EC2::SecurityGroup", props, ok
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress:
		add("GroupId", cfnGroup(c.Group))
		if d := sgDescription(c.Description); d != "" {
			add("Description", strconv.Quote(d))
		}
		add("IpProtocol", strconv.Quote(c.Protocol))
		if c.Protocol != "-1" {
			add("FromPort", strconv.Itoa(c.FromPort))
			add("ToPort", strconv.Itoa(c.ToPort))
		}
		in := c.Kind == ChangeAuthorizeIngress
		switch {
		case c.PeerGroup != "" && in:
			add("SourceSecurityGroupId", cfnGroup(c.PeerGroup))
		case c.PeerGroup != "":
			add("DestinationSecurityGroupId", cfnGroup(c.PeerGroup))
		case c.PeerPrefixList != "" && in:
			add("SourcePrefixListId", cfnValue(c.PeerPrefixList))
		case c.PeerPrefixList != "":
			add("DestinationPrefixListId", cfnValue(c.PeerPrefixList))
		case strings.Contains(c.CIDR, ":"):
			add("CidrIpv6", strconv.Quote(c.CIDR))
		default:
			add("CidrIp", strconv.Quote(c.CIDR))
		}
		if in {
			return "AWS::EC2::SecurityGroupIngress", props, ok
		}
		return "AWS::EC2::SecurityGroupEgress", props, ok
	case ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint:
		add("VpcId", cfnValue(c.VPC))
		add("ServiceName", strconv.Quote(c.Service))
		if c.Kind == ChangeCreateGatewayEndpoint {
			add("VpcEndpointType", EndpointGateway)
			add("RouteTableIds", cfnList(c.RouteTables, false))
		} else {
			add("VpcEndpointType", EndpointInterface)
			add("SubnetIds", cfnList(c.Subnets, false))
			add("SecurityGroupIds", cfnList(c.Groups, true))
			add("PrivateDnsEnabled", "true")
		}
		return "AWS::EC2::VPCEndpoint", props, ok
	case ChangeNACLInsert:
		add("NetworkAclId", cfnValue(c.ACL))
		add("RuleNumber", strconv.Itoa(c.RuleNumber))
		add("Protocol", "6")
		add("RuleAction", "allow")
		add("Egress", strconv.FormatBool(c.Egress))
		if strings.Contains(c.CIDR, ":") {
			add("Ipv6CidrBlock", strconv.Quote(c.CIDR))
		} else {
			add("CidrBlock", strconv.Quote(c.CIDR))
		}
		add("PortRange", fmt.Sprintf("{From: %d, To: %d}", c.FromPort, c.ToPort))
		return "AWS::EC2::NetworkAclEntry", props, ok
	}
	return "", nil, false
}

func writePlanCloudFormation(w io.Writer, p *Plan) {
	run := "Resources reference what they need; the steps a template cannot take are comments with their AWS CLI command."
	if p.Source == SourceCloudFormation {
		run = "Add the resources to the template: they reference its own by logical id; the steps that are no resource of their own say what to change where."
	}
	places := cfnStacks(p)
	if places != nil {
		run = "Add the resources of each stack to that stack's template: they reference its own by logical id; the steps that are no resource of their own say what to change where."
	}
	header(w, "#", p, run)
	// Each stack's steps are one template; from one template or a plan
	// of AWS ids, all are (stack "").
	docs := map[string]*cfnDoc{}
	var manual []string // steps across stacks
	for i, c := range p.Changes {
		what := stepTitle(i, c, cfnRef)
		var place cfnPlace
		if places != nil {
			place = places[i]
		}
		if len(place.across) > 0 {
			// Said in words: a created resource by its logical id.
			what = stepTitle(i, c, func(id string) string { return logicalName(refName(id)) })
			manual = append(manual, what+": "+acrossStacks(place.across))
			continue
		}
		d := docs[place.stack]
		if d == nil {
			d = &cfnDoc{}
			docs[place.stack] = d
		}
		typ, props, ok := cfnResource(c)
		if !ok {
			step := manualStep(p, c, func(id string) string { return logicalName(refName(id)) + "Id" })
			if len(c.refs()) > 0 {
				what = fmt.Sprintf("%d. %s", i+1, c.Endpoint+c.Group) // the step says the rest
			}
			d.manual = append(d.manual, what+": "+step)
			continue
		}
		d.resources = append(d.resources, cfnRes{id: logicalName(changeName(c)), typ: typ, note: c.Note, props: props})
		if c.Kind == ChangeCreateSecurityGroup {
			d.groups = append(d.groups, logicalName(refName(c.Group)))
		}
	}
	for _, m := range manual {
		comment(w, "#", m)
	}
	if len(manual) > 0 {
		comment(w, "#", acrossHow)
	}
	templates := stackTemplates(p)
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		if places != nil {
			// One YAML document per stack, under the stack it is for.
			fmt.Fprintln(w, "---")
			switch t, ok := templates[name]; {
			case name == "":
				comment(w, "#", "Any stack's template: these steps name no resource of the input.")
			case ok:
				// On one line however long the path: the line says
				// where the document goes. A line break in a crafted
				// file name (\n, \u2028) is escaped, not written.
				fmt.Fprintf(w, "# Stack %s (%s):\n", name, report.Printable(t))
			default:
				fmt.Fprintf(w, "# Stack %s:\n", name)
			}
		}
		docs[name].write(w)
	}
}

// cfnRes is one resource of a CloudFormation fix plan.
type cfnRes struct {
	id, typ, note string
	props         []string
}

// cfnDoc is the part of a CloudFormation fix plan one template takes:
// the steps said in words, the resources, and the security groups it
// creates (whose ids are its outputs).
type cfnDoc struct {
	manual    []string
	resources []cfnRes
	groups    []string
}

func (d *cfnDoc) write(w io.Writer) {
	for _, m := range d.manual {
		comment(w, "#", m)
	}
	if len(d.resources) == 0 {
		return
	}
	fmt.Fprintln(w, `AWSTemplateFormatVersion: "2010-09-09"`)
	fmt.Fprintln(w, `Description: "Changes that make the ECS tasks audited by preflight reach what they need"`)
	fmt.Fprintln(w, "Resources:")
	for _, r := range d.resources {
		if r.note != "" {
			comment(w, "  #", r.note) // what the resource cannot know
		}
		fmt.Fprintf(w, "  %s:\n    Type: %s\n    Properties:\n", r.id, r.typ)
		for _, p := range r.props {
			fmt.Fprintf(w, "      %s\n", p)
		}
	}
	if len(d.groups) > 0 {
		fmt.Fprintln(w, "Outputs:")
	}
	for _, n := range d.groups {
		fmt.Fprintf(w, "  %sId:\n    Value: !GetAtt %s.GroupId\n", n, n)
	}
}
