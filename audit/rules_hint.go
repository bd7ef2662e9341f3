package audit

import (
	"fmt"
	"strings"
)

// Hints are exact AWS CLI commands naming the real ids, so an operator can
// paste them. Placeholders are written in capitals between angle brackets
// when the facts do not hold the id.

func joinComma(ids []string) string { return strings.Join(ids, ",") }

// hintCreateInterfaceEndpoint creates an interface endpoint with private
// DNS in the task subnets (one per AZ).
func hintCreateInterfaceEndpoint(vpcID, serviceName string, subnets, sgs []string) string {
	sg := strings.Join(sgs, " ")
	if sg == "" {
		sg = "<SG-ALLOWING-TCP-443-FROM-THE-TASKS>"
	}
	return fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Interface --service-name %s --subnet-ids %s --security-group-ids %s --private-dns-enabled",
		vpcID, serviceName, strings.Join(subnets, " "), sg)
}

// hintCreateGatewayEndpoint creates a gateway endpoint on the task route tables.
func hintCreateGatewayEndpoint(vpcID, serviceName string, routeTables []string) string {
	rt := strings.Join(routeTables, " ")
	if rt == "" {
		rt = "<RTB-OF-THE-TASK-SUBNETS>"
	}
	return fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Gateway --service-name %s --route-table-ids %s",
		vpcID, serviceName, rt)
}

// hintSGFromGroup opens TCP port on group to traffic from/to peer group.
func hintSGFromGroup(direction, group string, port int, peer string) string {
	return fmt.Sprintf("aws ec2 authorize-security-group-%s --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,UserIdGroupPairs=[{GroupId=%s}]'",
		direction, group, port, port, peer)
}

// hintSGPrefixList opens TCP port egress on group to a prefix list.
func hintSGPrefixList(group string, port int, pl string) string {
	return fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,PrefixListIds=[{PrefixListId=%s}]'",
		group, port, port, pl)
}

// hintSGCIDR opens TCP port on group to/from a CIDR.
func hintSGCIDR(direction, group string, port int, cidr string) string {
	return fmt.Sprintf("aws ec2 authorize-security-group-%s --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,IpRanges=[{CidrIp=%s}]'",
		direction, group, port, port, cidr)
}

// hintNACL adds an allow entry to a network ACL.
func hintNACL(aclID string, egress bool, cidr string, lo, hi int) string {
	dir := "--ingress"
	if egress {
		dir = "--egress"
	}
	return fmt.Sprintf("aws ec2 create-network-acl-entry --network-acl-id %s %s --rule-number <N-BELOW-THE-DENY> --protocol tcp --port-range From=%d,To=%d --cidr-block %s --rule-action allow",
		aclID, dir, lo, hi, cidr)
}
