package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestSourceIDGrammar: the names a plan or template gives resources are
// taken by a strict grammar; a name that would end an HCL string or
// expression, or reach a shell, is not.
func TestSourceIDGrammar(t *testing.T) {
	for _, tt := range []struct {
		source, v string
		want      bool
	}{
		{SourceTerraform, "aws_vpc.main", true},
		{SourceTerraform, "module.vpc.aws_subnet.private[0]", true},
		{SourceTerraform, `module.net["eu"].aws_vpc_endpoint.interface["ecr.dkr"]`, true},
		{SourceTerraform, "data.aws_vpc.shared", true},
		{SourceTerraform, "aws_vpc.main.default_security_group_id", true},
		{SourceTerraform, "aws_vpc_endpoint.s3.prefix_list_id", true},
		{SourceTerraform, "Vpc8378EB38", false},
		{SourceTerraform, "aws_security_group.task[\"a\"]\nprovisioner \"local-exec\" {", false},
		{SourceTerraform, `aws_security_group.task["a\"b"]`, false},
		{SourceTerraform, `aws_security_group.task["${file("/etc/passwd")}"]`, false},
		{SourceTerraform, `aws_security_group.task["x"],aws_instance.evil["y"]`, false},
		{SourceTerraform, "aws_security_group.task[*]", false},
		{SourceTerraform, "aws_security_group.task.id.extra", false},
		{SourceTerraform, "aws_vpc.main " + strings.Repeat("x", 600), false},
		{SourceCloudFormation, "TaskSecurityGroup", true},
		{SourceCloudFormation, "Vpc.DefaultSecurityGroup", true},
		{SourceCloudFormation, "Task$(touch pwned)", false},
		// A logical id two stacks of a cdk.out share is qualified with
		// its stack's name; each part is checked by its own grammar.
		{SourceCloudFormation, "OrdersStack/TaskSg", true},
		{SourceCloudFormation, "Prod-Net/Vpc.DefaultSecurityGroup", true},
		{SourceCloudFormation, "Stack/TaskSg/Other", false},
		{SourceCloudFormation, "/TaskSg", false},
		{SourceCloudFormation, "Stack/", false},
		{SourceCloudFormation, "1Stack/TaskSg", false},
		{SourceCloudFormation, "Stack_1/TaskSg", false},
		{SourceCloudFormation, "Stack/Task-Sg", false},
		{SourceCloudFormation, "Sta ck/TaskSg", false},
		{SourceCloudFormation, "Stack\n  Type: AWS::IAM::Role/TaskSg", false},
		{SourceCloudFormation, "S" + strings.Repeat("x", 128) + "/TaskSg", false},
		{SourceCloudFormation, "S" + strings.Repeat("x", 127) + "/TaskSg", true},
		{SourceCloudFormation, "Stack/" + strings.Repeat("x", 600), false},
		{SourceCloudFormation, "TaskSg\n  Type: AWS::IAM::Role", false},
		{SourceCloudFormation, "aws_vpc.main", false},
		{SourceAWS, "aws_vpc.main", false},
		{SourceAWS, "TaskSecurityGroup", false},
	} {
		t.Run(tt.source+" "+tt.v, func(t *testing.T) {
			if got := isSourceID(tt.source, tt.v); got != tt.want {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestWritePlanRefusesCraftedNames: a step whose name from a plan or
// template fails its grammar, or whose CIDR is not one, is written in no
// format: the error names the field and the value, quoted (a newline in
// it escaped), and nothing is written.
func TestWritePlanRefusesCraftedNames(t *testing.T) {
	egress := func(source, group, cidr string) *Plan {
		return &Plan{Region: "us-east-1", Source: source, Changes: []Change{{Kind: ChangeAuthorizeEgress, Group: group,
			Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: cidr}}}
	}
	for _, tt := range []struct {
		name string
		p    *Plan
		want string
	}{
		{"address with a quote, a newline and a provisioner",
			egress(SourceTerraform, "aws_security_group.task[\"a\"]\nprovisioner \"local-exec\" {", "10.0.0.0/16"),
			`group_id "aws_security_group.task[\"a\"]\nprovisioner \"local-exec\" {": neither an AWS id (^sg-[0-9a-f]+$) nor a Terraform address`},
		{"logical id with a command substitution",
			egress(SourceCloudFormation, "Task$(touch pwned)", "10.0.0.0/16"),
			`group_id "Task$(touch pwned)": neither an AWS id (^sg-[0-9a-f]+$) nor a CloudFormation logical id`},
		{"CIDR with a command", egress(SourceTerraform, "aws_security_group.task", "10.0.0.0/16; rm -rf /"),
			`cidr "10.0.0.0/16; rm -rf /": not a canonical CIDR block`},
		{"a template's name in a plan", egress(SourceTerraform, "TaskSecurityGroup", "10.0.0.0/16"),
			`nor a Terraform address`},
		{"shared logical id of a stack with a space", egress(SourceCloudFormation, "Orders Stack/TaskSg", "10.0.0.0/16"),
			`group_id "Orders Stack/TaskSg": neither an AWS id (^sg-[0-9a-f]+$) nor a CloudFormation logical id`},
		{"stack name from a crafted manifest", stackOf(egress(SourceCloudFormation, "TaskSg", "10.0.0.0/16"), "TaskSg", "Orders\n# x"),
			`stack "Orders\n# x" of TaskSg: not a CloudFormation stack name`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{FixCLI, FixTerraform, FixCloudFormation} {
				var buf bytes.Buffer
				err := WritePlan(&buf, format, tt.p)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: got error %v; want one holding %s", format, err, tt.want)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("%s: got an error with a raw newline: %q", format, err)
				}
				if buf.Len() != 0 {
					t.Errorf("%s: got output %q; want none", format, buf.String())
				}
			}
		})
	}
}

// stackOf puts id of p in the stack name, as a cdk.out's manifest does.
func stackOf(p *Plan, id, name string) *Plan {
	p.Stacks = map[string]Stack{id: {Name: name, Template: name + ".template.json"}}
	return p
}

// TestWritePlanSourceFormats: a step that names a plan's or template's
// own resource is written in that source's format against the name, and
// refused in the others (the AWS CLI cannot name a resource that does
// not exist yet); a plan of literal ids is written in every format.
func TestWritePlanSourceFormats(t *testing.T) {
	step := func(source, group, peer string) *Plan {
		return &Plan{Region: "us-east-1", Source: source, Changes: []Change{{Kind: ChangeAuthorizeEgress, Group: group,
			Protocol: "tcp", FromPort: 443, ToPort: 443, PeerGroup: peer}}}
	}
	for _, tt := range []struct {
		name, format string
		p            *Plan
		want         string // in the output, or in the error when refused
		refused      bool
	}{
		{"plan as terraform", FixTerraform, step(SourceTerraform, "aws_security_group.task", `module.vpc.aws_vpc.main.default_security_group_id`),
			"its resources lie in different modules", false},
		{"plan as terraform, root", FixTerraform, step(SourceTerraform, `aws_security_group.task["a"]`, "sg-0123456789abcdef0"),
			`security_group_id            = aws_security_group.task["a"].id` + "\n", false},
		{"plan in a module", FixTerraform, step(SourceTerraform, "module.ecs.aws_security_group.task", "module.ecs.aws_vpc.main.default_security_group_id"),
			"# In the configuration of module.ecs, which alone can name its resources:\nresource \"aws_vpc_security_group_egress_rule\" \"egress_module_ecs_aws_security_group_task_tcp_443_module_ecs_aws_vpc_main_default_security_group_id\" {\n  security_group_id            = aws_security_group.task.id", false},
		{"plan as cli", FixCLI, step(SourceTerraform, "aws_security_group.task", "sg-0123456789abcdef0"),
			"cli: step 1 names aws_security_group.task, a Terraform address of a resource that does not exist yet, which no AWS command can name: write it as terraform", true},
		{"plan as cloudformation", FixCloudFormation, step(SourceTerraform, "aws_security_group.task", "sg-0123456789abcdef0"),
			"which cloudformation code cannot name: write it as terraform", true},
		{"template as cloudformation", FixCloudFormation, step(SourceCloudFormation, "TaskSg", "Vpc.DefaultSecurityGroup"),
			"      GroupId: !GetAtt TaskSg.GroupId\n", false},
		{"template's default group", FixCloudFormation, step(SourceCloudFormation, "TaskSg", "Vpc.DefaultSecurityGroup"),
			"DestinationSecurityGroupId: !GetAtt Vpc.DefaultSecurityGroup\n", false},
		{"template as terraform", FixTerraform, step(SourceCloudFormation, "TaskSg", "sg-0123456789abcdef0"),
			"which terraform code cannot name: write it as cloudformation", true},
		{"shared logical ids as cloudformation", FixCloudFormation, step(SourceCloudFormation, "OrdersStack/TaskSg", "OrdersStack/Vpc.DefaultSecurityGroup"),
			"---\n# Stack OrdersStack:\nAWSTemplateFormatVersion: \"2010-09-09\"\n", false},
		{"shared logical ids named in their stack", FixCloudFormation, step(SourceCloudFormation, "OrdersStack/TaskSg", "OrdersStack/Vpc.DefaultSecurityGroup"),
			"      GroupId: !GetAtt TaskSg.GroupId\n", false},
		{"a stack's own logical id", FixCloudFormation, stackOf(step(SourceCloudFormation, "TaskSg", "sg-0123456789abcdef0"), "TaskSg", "Billing"),
			"---\n# Stack Billing (Billing.template.json):\n", false},
		{"shared logical id as cli", FixCLI, step(SourceCloudFormation, "OrdersStack/TaskSg", "sg-0123456789abcdef0"),
			"cli: step 1 names OrdersStack/TaskSg, a CloudFormation logical id of a resource that does not exist yet", true},
		{"literal ids from a plan as cli", FixCLI, step(SourceTerraform, "sg-0123456789abcdef1", "sg-0123456789abcdef0"),
			"aws ec2 authorize-security-group-egress", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WritePlan(&buf, tt.format, tt.p)
			switch {
			case tt.refused && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got error %v; want one holding %q", err, tt.want)
			case tt.refused:
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Errorf("got %T; want a *FormatError", err)
				}
			case err != nil:
				t.Errorf("got error %v; want the plan", err)
			case !strings.Contains(buf.String(), tt.want):
				t.Errorf("got\n%s\nwant it to hold %q", buf.String(), tt.want)
			}
		})
	}
}

// TestHintNamesSourceID: a hint that would name a plan's or template's
// own resource in an AWS command says where to change it instead, and
// names the fix plan's format; anything else is still refused as not an
// AWS id.
func TestHintNamesSourceID(t *testing.T) {
	for _, tt := range []struct {
		ids  hintIDs
		want string
	}{
		{vpcIDs("aws_vpc.main"), "No AWS command: vpc_id aws_vpc.main names a resource of the plan, which does not exist yet: make the change in the plan (preflight audit --fix terraform writes it against aws_vpc.main)."},
		{groupIDs("TaskSg"), "No AWS command: security_group_id TaskSg names a resource of the template, which does not exist yet: make the change in the template (preflight audit --fix cloudformation writes it against TaskSg)."},
		{groupIDs("OrdersStack/TaskSg"), "No AWS command: security_group_id OrdersStack/TaskSg names a resource of the template, which does not exist yet: make the change in the template (preflight audit --fix cloudformation writes it against OrdersStack/TaskSg)."},
		{groupIDs("Task$(touch pwned)"), "No command: security_group_id 'Task$(touch pwned)' is not a valid AWS id"},
		{vpcIDs("vpc-0abc"), ""},
	} {
		t.Run(tt.ids.vals[0], func(t *testing.T) {
			got := checkHintIDs(tt.ids)
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestRefSuffixAddresses: the resources a fix creates for a plan's VPC
// are named after its address in letters, digits and underscores (a
// reference's name is a Terraform name and a shell variable), and no two
// VPCs, addresses, AWS ids or a template's ids alike, get one name.
func TestRefSuffixAddresses(t *testing.T) {
	for _, tt := range []struct{ vpc, want string }{
		{"aws_vpc.a", "aws_vpc__a"},
		{"module.net.aws_vpc.main", "module__net__aws_vpc__main"},
		{"data.aws_vpc.shared", "data__aws_vpc__shared"},
		{`aws_vpc.this["b"]`, "aws_5fvpc_2ethis_5b_22b_22_5d"},
		{"aws_vpc.main[0]", "aws_5fvpc_2emain_5b0_5d"},
		{"aws_vpc.a-b", "aws_5fvpc_2ea_2db"},
		{"aws_vpc.a__b", "aws_5fvpc_2ea_5f_5fb"},
		{"vpc-0abc", "0abc"},
		{"Prod-Net/Vpc", "Prod_Net_Vpc"},
	} {
		t.Run(tt.vpc, func(t *testing.T) {
			if got := refSuffix(tt.vpc); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
	// Pairs a plain "." → "_" would merge.
	vpcs := []string{
		"aws_vpc.a", "aws_vpc.A", "aws_vpc.a_b", "aws_vpc.a-b", "aws_vpc.a__b", "aws_vpc.a_",
		"module.a_b.aws_vpc.c", "module.a.b_aws_vpc.c", "module.a.aws_vpc.b_c", "module.a_aws_vpc.aws_vpc.b_c",
		"module.a-b.aws_vpc.c", "module.a.aws_vpc.b[0]", "module.a[0].aws_vpc.b", `module.a["0"].aws_vpc.b`,
		`aws_vpc.this["b"]`, `aws_vpc.this["b_"]`, `aws_vpc.this["b."]`, "aws_vpc.this[0]", "aws_vpc.this_0",
		"aws_5fvpc.x", "data.aws_vpc.a", "data_aws_vpc.a", "aws_vpc.data__aws_vpc",
		"vpc-0abc", "vpc-0123456789abcdef0", "Vpc", "Prod-Net/Vpc",
	}
	seen := map[string]string{}
	for _, v := range vpcs {
		n := refSuffix(v)
		if prev, ok := seen[n]; ok {
			t.Errorf("refSuffix(%q) = refSuffix(%q) = %q; want distinct names", v, prev, n)
		}
		seen[n] = v
		if ref := refName(endpointGroupRef(v)); !reRefName.MatchString(ref) {
			t.Errorf("endpointGroupRef(%q) = %q; want it to match %s", v, ref, reRefName)
		}
	}
}

// TestWritePlanInline: a step on a plan's resource that sets the rules
// or associations it adds itself (Plan.Inline) is written as an edit of
// that resource: a block to add, or an id to add to its list. A resource
// known to leave them out gets the separate resource, and over the
// account one whose declaration is not known gets it with a note.
func TestWritePlanInline(t *testing.T) {
	plan := func(inline map[string][]string, names map[string]string, c Change) *Plan {
		return &Plan{Region: "us-east-1", Source: SourceTerraform, Inline: inline, Names: names, Changes: []Change{c}}
	}
	sg := map[string][]string{"aws_security_group.task": {InlineEgress, InlineIngress}}
	for _, tt := range []struct {
		name       string
		p          *Plan
		want, deny string
	}{
		{"egress block to a group", plan(sg, nil, Change{Kind: ChangeAuthorizeEgress, Group: "aws_security_group.task", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "10.0.0.0/16"}),
			"rather than a resource of its own.\n#   egress {\n#     protocol    = \"tcp\"\n#     from_port   = 443\n#     to_port     = 443\n#     cidr_blocks = [\"10.0.0.0/16\"]\n#   }\n",
			"resource \""},
		{"ingress from the group itself", plan(sg, nil, Change{Kind: ChangeAuthorizeIngress, Group: "aws_security_group.task", Protocol: "-1", PeerGroup: "aws_security_group.task"}),
			"#   ingress {\n#     protocol  = \"-1\"\n#     from_port = 0\n#     to_port   = 0\n#     self      = true\n#   }\n", "resource \""},
		{"acl entry", plan(map[string][]string{"aws_network_acl.private": {InlineEgress}}, nil,
			Change{Kind: ChangeNACLInsert, ACL: "aws_network_acl.private", Egress: true, RuleNumber: 90, CIDR: "10.0.0.0/16", FromPort: 443, ToPort: 443}),
			"#   egress {\n#     rule_no    = 90\n#     action     = \"allow\"\n#     protocol   = \"tcp\"\n#     cidr_block = \"10.0.0.0/16\"\n", "aws_network_acl_rule"},
		{"acl setting the other direction only", plan(map[string][]string{"aws_network_acl.private": {InlineIngress}}, nil,
			Change{Kind: ChangeNACLInsert, ACL: "aws_network_acl.private", Egress: true, RuleNumber: 90, CIDR: "10.0.0.0/16", FromPort: 443, ToPort: 443}),
			`resource "aws_network_acl_rule"`, "#   egress {"},
		{"subnets of an endpoint", plan(map[string][]string{"aws_vpc_endpoint.logs": {InlineSubnetIDs}}, nil,
			Change{Kind: ChangeEndpointAddSubnets, Endpoint: "aws_vpc_endpoint.logs", Subnets: []string{"aws_subnet.private[1]", "subnet-0123456789abcdef0"}}),
			"# Add aws_subnet.private[1].id, \"subnet-0123456789abcdef0\" to the subnet_ids of\n#  aws_vpc_endpoint.logs.\n", "resource \""},
		{"groups of an endpoint", plan(map[string][]string{"aws_vpc_endpoint.logs": {InlineSecurityGroupIDs}}, nil,
			Change{Kind: ChangeEndpointGroups, Endpoint: "aws_vpc_endpoint.logs", Groups: []string{"aws_security_group.endpoints"}}),
			"# Add aws_security_group.endpoints.id to the security_group_ids of aws_vpc_endpoint.logs.\n", "resource \""},
		{"an endpoint that leaves them out", plan(map[string][]string{"aws_vpc_endpoint.s3": {}}, nil,
			Change{Kind: ChangeEndpointAddRouteTables, Endpoint: "aws_vpc_endpoint.s3", RouteTables: []string{"aws_route_table.b"}}),
			`resource "aws_vpc_endpoint_route_table_association"`, "\n# Add "},
		{"over the account, by its name", plan(map[string][]string{"vpce-0123456789abcdef0": {InlineRouteTableIDs}}, map[string]string{"vpce-0123456789abcdef0": "aws_vpc_endpoint.s3", "rtb-0123456789abcdef0": "aws_route_table.b"},
			Change{Kind: ChangeEndpointAddRouteTables, Endpoint: "vpce-0123456789abcdef0", RouteTables: []string{"rtb-0123456789abcdef0"}}),
			"# Add aws_route_table.b.id to the route_table_ids of aws_vpc_endpoint.s3.\n", "resource \""},
		{"over the account, not known", plan(map[string][]string{}, map[string]string{"vpce-0123456789abcdef0": "aws_vpc_endpoint.s3"},
			Change{Kind: ChangeEndpointAddRouteTables, Endpoint: "vpce-0123456789abcdef0", RouteTables: []string{"rtb-0123456789abcdef0"}}),
			"If aws_vpc_endpoint.s3 sets its route_table_ids itself, make this change there instead", "\n# Add "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WritePlan(&buf, FixTerraform, tt.p); err != nil {
				t.Fatalf("got error %v; want the plan", err)
			}
			if got := buf.String(); !strings.Contains(got, tt.want) || strings.Contains(got, tt.deny) {
				t.Errorf("got\n%s\nwant it to hold %q and not %q", got, tt.want, tt.deny)
			}
		})
	}
}
