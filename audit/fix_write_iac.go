package audit

import (
	"fmt"
	"io"
	"strconv"
	"strings"
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
	s = strings.NewReplacer("-", "_", ".", "_", "/", "_", ":", "_").Replace(s)
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "r_" + s
	}
	return s
}

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

// tfValue is an id as a Terraform expression: a quoted string, or a
// reference to the resource the plan creates.
func tfValue(kinds map[string]string, id string) string {
	if n := refName(id); n != "" {
		return kinds[n] + "." + n + ".id"
	}
	return strconv.Quote(id)
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
	header(w, "#", p, "Resources reference what they need; the steps Terraform cannot take here are comments with their AWS CLI command.")
	kinds := map[string]string{}
	for _, c := range p.Changes {
		if c.creates() {
			kinds[refName(c.Endpoint+c.Group)] = map[bool]string{true: "aws_security_group", false: "aws_vpc_endpoint"}[c.Kind == ChangeCreateSecurityGroup]
		}
	}
	ref := func(id string) string { return tfValue(kinds, id) }
	for i, c := range p.Changes {
		fmt.Fprintln(w)
		comment(w, "#", stepTitle(i, c, ref))
		blocks := terraformBlocks(kinds, c)
		if blocks == nil {
			comment(w, "#", "This step is "+manualStep(p.Region, c, func(id string) string { return refName(id) + "_id" }))
			continue
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
			comment(w, "#", fmt.Sprintf("After apply, take %s off %s where it is managed, or run: %s", joinComma(c.RemoveGroups), c.Endpoint, cliText(p.Region, rm)))
		}
	}
	for _, c := range p.Changes {
		if c.Kind == ChangeCreateSecurityGroup {
			n := refName(c.Group)
			fmt.Fprintf(w, "\noutput %q {\n  value = aws_security_group.%s.id\n}\n", n+"_id", n)
		}
	}
}

// manualStep says how to take a step a template cannot: with its CLI
// command, or, when the step uses a resource the template creates (whose
// id no command line can know before the stack exists), in words naming
// the template's output that holds the id.
func manualStep(region string, c Change, output func(ref string) string) string {
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

// cfnValue is an id as a CloudFormation YAML value: a quoted string, or
// !GetAtt of the resource the plan creates.
func cfnValue(id string) string {
	if n := refName(id); n != "" {
		attr := "Id"
		if strings.HasPrefix(n, "endpoint_sg") {
			attr = "GroupId"
		}
		return "!GetAtt " + logicalName(n) + "." + attr
	}
	return strconv.Quote(id)
}

func cfnList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = cfnValue(id)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// cfnResource renders a change as a resource's type and properties (YAML
// lines under Properties), or "" when CloudFormation cannot take the step
// (changing what the template does not own).
func cfnResource(c Change) (string, []string) {
	var props []string
	add := func(k, v string) { props = append(props, k+": "+v) }
	switch c.Kind {
	case ChangeCreateSecurityGroup:
		add("GroupDescription", strconv.Quote(sgDescription(c.Description)))
		add("VpcId", cfnValue(c.VPC))
		return "AWS::EC2::SecurityGroup", props
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress:
		add("GroupId", cfnValue(c.Group))
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
			add("SourceSecurityGroupId", cfnValue(c.PeerGroup))
		case c.PeerGroup != "":
			add("DestinationSecurityGroupId", cfnValue(c.PeerGroup))
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
			return "AWS::EC2::SecurityGroupIngress", props
		}
		return "AWS::EC2::SecurityGroupEgress", props
	case ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint:
		add("VpcId", cfnValue(c.VPC))
		add("ServiceName", strconv.Quote(c.Service))
		if c.Kind == ChangeCreateGatewayEndpoint {
			add("VpcEndpointType", EndpointGateway)
			add("RouteTableIds", cfnList(c.RouteTables))
		} else {
			add("VpcEndpointType", EndpointInterface)
			add("SubnetIds", cfnList(c.Subnets))
			add("SecurityGroupIds", cfnList(c.Groups))
			add("PrivateDnsEnabled", "true")
		}
		return "AWS::EC2::VPCEndpoint", props
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
		return "AWS::EC2::NetworkAclEntry", props
	}
	return "", nil
}

func writePlanCloudFormation(w io.Writer, p *Plan) {
	header(w, "#", p, "Resources reference what they need; the steps a template cannot take are comments with their AWS CLI command.")
	type res struct {
		id, typ, note string
		props         []string
	}
	var resources []res
	var manual []string
	for i, c := range p.Changes {
		what := stepTitle(i, c, cfnValue)
		typ, props := cfnResource(c)
		if typ == "" {
			step := manualStep(p.Region, c, func(id string) string { return logicalName(refName(id)) + "Id" })
			if len(c.refs()) > 0 {
				what = fmt.Sprintf("%d. %s", i+1, c.Endpoint+c.Group) // the step says the rest
			}
			manual = append(manual, what+": "+step)
			continue
		}
		resources = append(resources, res{id: logicalName(changeName(c)), typ: typ, note: c.Note, props: props})
	}
	for _, m := range manual {
		comment(w, "#", m)
	}
	if len(resources) == 0 {
		return
	}
	fmt.Fprintln(w, `AWSTemplateFormatVersion: "2010-09-09"`)
	fmt.Fprintln(w, `Description: "Changes that make the ECS tasks audited by preflight reach what they need"`)
	fmt.Fprintln(w, "Resources:")
	for _, r := range resources {
		if r.note != "" {
			comment(w, "  #", r.note) // what the resource cannot know
		}
		fmt.Fprintf(w, "  %s:\n    Type: %s\n    Properties:\n", r.id, r.typ)
		for _, p := range r.props {
			fmt.Fprintf(w, "      %s\n", p)
		}
	}
	outputs := false
	for _, c := range p.Changes {
		if c.Kind == ChangeCreateSecurityGroup {
			if !outputs {
				fmt.Fprintln(w, "Outputs:")
				outputs = true
			}
			n := logicalName(refName(c.Group))
			fmt.Fprintf(w, "  %sId:\n    Value: !GetAtt %s.GroupId\n", n, n)
		}
	}
}
