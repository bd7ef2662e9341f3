package audit

import (
	"fmt"
	"strings"
)

// Hints are exact AWS CLI commands naming the real ids, so an operator can
// paste them. Where a hint would need an id that does not exist yet (a
// security group the fix plan creates) or a choice the facts cannot make
// (a rule number), it says what to do in words and points at the fix plan
// (PlanFixes), which carries created ids from step to step: a hint never
// holds a placeholder that breaks a paste.

func joinComma(ids []string) string { return strings.Join(ids, ",") }

// hintFixPlan is how hints point at the plan.
const hintFixPlan = "preflight audit --fix cli"

// hintCreateInterfaceEndpoint creates an interface endpoint with private
// DNS in the task subnets (one per AZ), guarded by group.
func hintCreateInterfaceEndpoint(vpcID, serviceName string, subnets []string, group string) string {
	if refName(group) != "" {
		return fmt.Sprintf("Create a security group for the endpoints that admits TCP 443 from the task groups, then the interface endpoint %s in %s (subnets %s) with private DNS: %s prints both steps.",
			serviceName, vpcID, joinComma(subnets), hintFixPlan)
	}
	return fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Interface --service-name %s --subnet-ids %s --security-group-ids %s --private-dns-enabled",
		vpcID, serviceName, strings.Join(subnets, " "), group)
}

// hintCreateGatewayEndpoint creates a gateway endpoint on the task route
// tables; without a known route table the tasks' route is not in the facts.
func hintCreateGatewayEndpoint(vpcID, serviceName string, routeTables []string) string {
	if len(routeTables) == 0 {
		return fmt.Sprintf("Create a gateway endpoint for %s in %s on the route tables of the task subnets (not in the facts: aws ec2 describe-route-tables).", serviceName, vpcID)
	}
	return fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Gateway --service-name %s --route-table-ids %s",
		vpcID, serviceName, strings.Join(routeTables, " "))
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

// hintNACL says how to let TCP lo-hi through one direction of an ACL
// that rule (0: the default "*" entry) denies.
func hintNACL(aclID string, egress bool, cidr string, lo, hi, rule int) string {
	dir := "inbound from"
	if egress {
		dir = "outbound to"
	}
	at := "at a free rule number"
	if rule != 0 && rule < 32767 {
		at = fmt.Sprintf("below rule %d, or delete rule %d if nothing else needs it", rule, rule)
	}
	ports := fmt.Sprint(lo)
	if lo != hi {
		ports = fmt.Sprintf("%d-%d", lo, hi)
	}
	return fmt.Sprintf("Allow TCP %s %s %s in %s %s; %s prints the entries with their rule numbers for every blocked block.",
		ports, dir, cidr, aclID, at, hintFixPlan)
}
