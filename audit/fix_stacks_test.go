package audit

import (
	"bytes"
	"strings"
	"testing"
)

// TestWritePlanAcrossStacks: from an input of several stacks, a step
// whose resources lie in one stack is written for that stack's template,
// named without the stack; a step that names resources of two stacks
// (one the plan creates in a stack counts as that stack's) is said in
// words naming each, never written with !Ref or !GetAtt of the other
// stack's resource. A service's public IP is said in words in its stack's
// part; a step naming no resource of the input goes in a part any stack
// can take; a line break in a crafted template file name is escaped.
func TestWritePlanAcrossStacks(t *testing.T) {
	sg := endpointGroupRef("Net/Vpc")
	p := &Plan{Region: "us-east-1", Source: SourceCloudFormation,
		Stacks: map[string]Stack{"Vpc": {Name: "Solo", Template: "cdk.out/Solo\u2028Resources:\n.template.json"}},
		Changes: []Change{
			{Kind: ChangeCreateSecurityGroup, VPC: "Net/Vpc", Group: sg, Description: "VPC interface endpoints"},
			{Kind: ChangeAuthorizeIngress, Group: sg, PeerGroup: "Orders/TaskSg", Protocol: "tcp", FromPort: 443, ToPort: 443},
			{Kind: ChangeAuthorizeEgress, Group: "Orders/TaskSg", PeerGroup: "Net/EndpointSg", Protocol: "tcp", FromPort: 443, ToPort: 443},
			{Kind: ChangeAuthorizeEgress, Group: "Orders/TaskSg", CIDR: "10.0.0.0/16", Protocol: "tcp", FromPort: 5432, ToPort: 5432},
			{Kind: ChangeAuthorizeEgress, Group: "sg-0123456789abcdef0", CIDR: "10.0.0.0/16", Protocol: "tcp", FromPort: 443, ToPort: 443},
			{Kind: ChangeCreateSecurityGroup, VPC: "Vpc", Group: endpointGroupRef("Vpc"), Description: "VPC interface endpoints"},
			// A template names a cluster and a service by logical id,
			// qualified when shared: said in words in its stack's part.
			{Kind: ChangeDisablePublicIP, Cluster: "Orders/Cluster", ECSService: "Orders/Service", Workload: "service/Orders/Cluster/Orders/Service"},
		}}
	var buf bytes.Buffer
	if err := WritePlan(&buf, FixCloudFormation, p); err != nil {
		t.Fatalf("WritePlan: %v", err)
	}
	out := buf.String()
	said := strings.ReplaceAll(out, "\n#  ", " ")
	for _, want := range []string{
		"# 2. let TCP 443 into EndpointSgNetVpc from Orders/TaskSg: not written as a resource: it names EndpointSgNetVpc (created by this plan) in stack Net and TaskSg in stack Orders",
		"# 3. let TCP 443 out of Orders/TaskSg to Net/EndpointSg: not written as a resource: it names EndpointSg in stack Net and TaskSg in stack Orders",
		"Fn::ImportValue",
		"---\n# Stack Net:\n",
		"---\n# Stack Orders:\n# 7. turn off the public IP of service Orders/Service in cluster Orders/Cluster (assignPublicIp=DISABLED): not a resource of its own: set AssignPublicIp: DISABLED in the NetworkConfiguration of Service.\n",
		// A line break in a crafted file name is escaped.
		"---\n# Stack Solo (cdk.out/Solo\\u2028Resources:\\n.template.json):\n",
		"---\n# Any stack's template: these steps name no resource of the input.\n",
	} {
		if !strings.Contains(said, want) {
			t.Errorf("got\n%s\nwant it to hold %q", out, want)
		}
	}
	// Each document names only its own stack's resources, and no
	// qualified id reaches YAML.
	for _, doc := range strings.Split(out, "\n---\n")[1:] {
		stack, _, _ := strings.Cut(doc, "\n")
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if strings.Contains(line, "/") && !strings.Contains(line, "10.0.0.0/16") {
				t.Errorf("%s: got the line %q; want no qualified id in YAML", stack, line)
			}
			if strings.Contains(stack, "Orders") && strings.Contains(line, "EndpointSg") {
				t.Errorf("%s: got the line %q; want no resource of stack Net", stack, line)
			}
		}
	}
}

// TestPlanFixesSharedVPCIDs: two stacks that each declare a VPC by the
// same logical id (Orders/Vpc, Billing/Vpc) get a security group and
// endpoints each, whose names say the stack: the plan validates, and no
// two of its resources share a name.
func TestPlanFixesSharedVPCIDs(t *testing.T) {
	for _, vpc := range []string{"Orders/Vpc", "Prod-Billing/Vpc"} {
		ref := endpointGroupRef(vpc)
		c := Change{Kind: ChangeCreateSecurityGroup, VPC: vpc, Group: ref}
		if err := c.validate(SourceCloudFormation); err != nil {
			t.Errorf("%s: got %v; want the created group's reference %s valid", vpc, err, ref)
		}
	}
	if a, b := endpointGroupRef("Orders/Vpc"), endpointGroupRef("Billing/Vpc"); a == b {
		t.Errorf("got one reference %s for the VPCs of two stacks; want two", a)
	}
	if got, want := endpointRef("Orders/Vpc", "com.amazonaws.us-east-1.ecr.dkr", "us-east-1"), refID("endpoint_ecr_dkr_Orders_Vpc"); got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}
