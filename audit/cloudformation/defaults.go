package cloudformation

import (
	"net/netip"

	"github.com/preflight-dev/preflight/audit"
)

// What CloudFormation and EC2 create when a template leaves a property
// out, written once. Each default cites the documentation it follows.

// defaultGroupID, defaultACLID and mainTableID name what EC2 creates with
// every VPC: they have no logical id, so they are named after the VPC's
// (Fn::GetAtt Vpc.DefaultSecurityGroup resolves to the same name).
func defaultGroupID(vpc string) string { return vpc + ".DefaultSecurityGroup" }
func defaultACLID(vpc string) string   { return vpc + ".DefaultNetworkAcl" }
func mainTableID(vpc string) string    { return vpc + ".MainRouteTable" }

// allowAllEgress is the egress of an AWS::EC2::SecurityGroup without
// SecurityGroupEgress: "When you specify a VPC security group, Amazon EC2
// creates a default egress rule that allows egress traffic on all ports
// and IP protocols to any location. The default rule is removed only when
// you specify one or more egress rules." (AWS::EC2::SecurityGroup,
// SecurityGroupEgress). Unlike Terraform's aws_security_group, which
// removes it.
func allowAllEgress() []audit.Rule {
	return []audit.Rule{{Protocol: "-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}}
}

// defaultGroup is the VPC's default security group as EC2 creates it:
// inbound from its own members only, all outbound ("Default security
// groups for your VPCs", Amazon VPC User Guide). An endpoint or a service
// without SecurityGroupIds / SecurityGroups gets it ("If you don't specify
// a security group, we use the default security group for the VPC",
// AWS::EC2::VPCEndpoint SecurityGroupIds and ECS AwsVpcConfiguration).
func defaultGroup(vpc string) *audit.SecurityGroup {
	id := defaultGroupID(vpc)
	return &audit.SecurityGroup{ID: id, VPCID: vpc, Name: "default",
		Ingress: []audit.Rule{{Protocol: "-1", GroupIDs: []string{id}}},
		Egress:  allowAllEgress(),
	}
}

// defaultACL is the VPC's default network ACL: it "allows all inbound and
// outbound IPv4 traffic and, if applicable, IPv6 traffic" (Amazon VPC User
// Guide, "Default network ACL"), rule 100 then the "*" deny (32767). It
// serves every subnet without an AWS::EC2::SubnetNetworkAclAssociation.
func defaultACL(vpc string) *audit.NetworkACL {
	all4 := netip.MustParsePrefix("0.0.0.0/0")
	all6 := netip.MustParsePrefix("::/0")
	acl := &audit.NetworkACL{ID: defaultACLID(vpc), VPCID: vpc, Default: true}
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries,
			audit.NACLEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", CIDR: all4, Allow: true},
			audit.NACLEntry{RuleNumber: 101, Egress: egress, Protocol: "-1", CIDR: all6, Allow: true},
			audit.NACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", CIDR: all4},
			audit.NACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", CIDR: all6})
	}
	return acl
}

// mainTable is the VPC's main route table as EC2 creates it: only the
// local route of each VPC block ("Main route table", Amazon VPC User
// Guide). CloudFormation has no resource for it, so a template cannot add
// routes to it: a subnet without an AWS::EC2::SubnetRouteTableAssociation
// has no path out of the VPC.
func mainTable(vpc string, cidrs []netip.Prefix) *audit.RouteTable {
	rt := &audit.RouteTable{ID: mainTableID(vpc), VPCID: vpc, Main: true}
	for _, c := range cidrs {
		rt.Routes = append(rt.Routes, audit.Route{Destination: c, Target: audit.TargetLocal, TargetID: "local", State: "active"})
	}
	return rt
}

// Property defaults of the resources audit reads.
const (
	// EnableDnsSupport defaults to true, EnableDnsHostnames to false
	// (AWS::EC2::VPC: "Default: true" / "Default: false" for a VPC not
	// created as the default VPC).
	defaultDNSSupport   = true
	defaultDNSHostnames = false
	// VpcEndpointType defaults to Gateway (AWS::EC2::VPCEndpoint
	// VpcEndpointType: "Default: Gateway").
	defaultEndpointType = audit.EndpointGateway
	// PrivateDnsEnabled defaults to false (AWS::EC2::VPCEndpoint
	// PrivateDnsEnabled: "Default: false"), although the console and the
	// CDK's InterfaceVpcEndpoint set it to true.
	defaultPrivateDNS = false
	// AssignPublicIp defaults to DISABLED (AWS::ECS::Service
	// AwsVpcConfiguration AssignPublicIp: "Default: DISABLED").
	defaultAssignPublicIP = audit.PublicIPDisabled
	// LaunchType: without LaunchType and CapacityProviderStrategy the
	// service uses the cluster's default capacity provider strategy, and
	// without one the EC2 launch type (AWS::ECS::Service LaunchType).
	defaultLaunchType = audit.LaunchEC2
)

// defaultDHCP is the DHCP options set a new VPC is associated with: the
// Region's default set, whose domain-name-servers is AmazonProvidedDNS
// ("DHCP option sets concepts", Amazon VPC User Guide: "When you create a
// VPC, we automatically associate a set of DHCP options with it ...
// domain-name-servers=AmazonProvidedDNS"). An
// AWS::EC2::VPCDHCPOptionsAssociation replaces it.
func defaultDHCP(vpc string) (id string, servers []string) {
	return vpc + ".DefaultDhcpOptions", []string{"AmazonProvidedDNS"}
}
