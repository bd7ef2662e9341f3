package audit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/preflight-dev/preflight/internal/awsid"
	"github.com/preflight-dev/preflight/report"
)

// Hints are exact AWS CLI commands naming the real ids, so an operator can
// paste them. Where a hint would need an id that does not exist yet (a
// security group the fix plan creates) or a choice the facts cannot make
// (a rule number), it says what to do in words and points at the fix plan
// (PlanFixes), which carries created ids from step to step: a hint never
// holds a placeholder that breaks a paste.

//
// Every id a hint names, command or words, comes from the facts (an API
// answer, a task-definition file, a flag) and is checked against its AWS
// pattern (internal/awsid, as the fix planner checks) before the hint is
// built: a crafted "sg-1;touch pwned;#" makes the hint say which id is not
// valid, and print no command. The other words of a command are fixed or
// built here from parsed values (ports, canonical CIDR blocks), so a
// command whose ids pass holds nothing a shell would expand.

func joinComma(ids []string) string { return strings.Join(ids, ",") }

// hintIDs are ids of one field a hint names, and their pattern.
type hintIDs struct {
	field string
	re    *regexp.Regexp
	vals  []string
}

func vpcIDs(v ...string) hintIDs       { return hintIDs{"vpc_id", awsid.VPC, v} }
func groupIDs(v ...string) hintIDs     { return hintIDs{"security_group_id", awsid.SecurityGroup, v} }
func subnetIDs(v ...string) hintIDs    { return hintIDs{"subnet_id", awsid.Subnet, v} }
func routeIDs(v ...string) hintIDs     { return hintIDs{"route_table_id", awsid.RouteTable, v} }
func aclIDs(v ...string) hintIDs       { return hintIDs{"network_acl_id", awsid.NetworkACL, v} }
func endpointIDs(v ...string) hintIDs  { return hintIDs{"vpc_endpoint_id", awsid.VPCEndpoint, v} }
func prefixIDs(v ...string) hintIDs    { return hintIDs{"prefix_list_id", awsid.PrefixList, v} }
func serviceNames(v ...string) hintIDs { return hintIDs{"service_name", awsid.Service, v} }
func fileSystemIDs(v ...string) hintIDs {
	return hintIDs{"file_system_id", awsid.FileSystem, v}
}
func regions(v ...string) hintIDs                { return hintIDs{"region", awsid.Region, v} }
func accounts(v ...string) hintIDs               { return hintIDs{"account", awsid.Account, v} }
func ecsNames(field string, v ...string) hintIDs { return hintIDs{field, awsid.ECSName, v} }

// checkHintIDs returns the first id that does not match its pattern, as
// a hint that names the field and prints no command; "" when all match.
// A plan reference (plan:endpoint_sg) is the planner's own, not a fact;
// an empty value is not printed.
func checkHintIDs(ids ...hintIDs) string {
	for _, f := range ids {
		for _, v := range f.vals {
			if v == "" || refName(v) != "" {
				continue
			}
			if err := awsid.Check(f.field, f.re, v); err != nil {
				if h := sourceHint(f.field, v); h != "" {
					return h
				}
				return fmt.Sprintf("No command: %s %s is not a valid AWS id (want %s); the facts hold a value AWS does not give, so check that resource by hand.",
					f.field, report.Printable(shellWord(v)), f.re)
			}
		}
	}
	return ""
}

// sourceHint is the hint for an id that is a name of a plan or template
// (a Terraform address, a CloudFormation logical id), by its strict
// grammar: the resource does not exist yet, so no AWS command can name
// it; the change is made where it is declared, and the fix plan of that
// source writes it against the name. "" for anything else, which
// checkHintIDs refuses. The hint tells the two by their shape: an
// address has a provider type (aws_vpc.main), a logical id is
// alphanumeric; neither is the shape of an AWS id.
func sourceHint(field, v string) string {
	var src, fix string
	switch {
	case isSourceID(SourceTerraform, v):
		src, fix = "plan", FixTerraform
	case isSourceID(SourceCloudFormation, v):
		src, fix = "template", FixCloudFormation
	default:
		return ""
	}
	return fmt.Sprintf("No AWS command: %s %s names a resource of the %s, which does not exist yet: make the change in the %s (preflight audit --fix %s writes it against %s).",
		field, v, src, src, fix, v)
}

// checked is hint when every id in ids matches its pattern, and otherwise
// the refusal of checkHintIDs.
func checked(hint string, ids ...hintIDs) string {
	if bad := checkHintIDs(ids...); bad != "" {
		return bad
	}
	return hint
}

// hintFixPlan is how hints point at the plan.
const hintFixPlan = "preflight audit --fix cli"

// hintCreateInterfaceEndpoint creates an interface endpoint with private
// DNS in the task subnets (one per AZ), guarded by group.
func hintCreateInterfaceEndpoint(vpcID, serviceName string, subnets []string, group string) string {
	if bad := checkHintIDs(vpcIDs(vpcID), serviceNames(serviceName), subnetIDs(subnets...), groupIDs(group)); bad != "" {
		return bad
	}
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
	if bad := checkHintIDs(vpcIDs(vpcID), serviceNames(serviceName), routeIDs(routeTables...)); bad != "" {
		return bad
	}
	if len(routeTables) == 0 {
		return fmt.Sprintf("Create a gateway endpoint for %s in %s on the route tables of the task subnets (not in the facts: aws ec2 describe-route-tables).", serviceName, vpcID)
	}
	return fmt.Sprintf("aws ec2 create-vpc-endpoint --vpc-id %s --vpc-endpoint-type Gateway --service-name %s --route-table-ids %s",
		vpcID, serviceName, strings.Join(routeTables, " "))
}

// hintSGFromGroup opens TCP port on group to traffic from/to peer group.
func hintSGFromGroup(direction, group string, port int, peer string) string {
	if bad := checkHintIDs(groupIDs(group, peer)); bad != "" {
		return bad
	}
	return fmt.Sprintf("aws ec2 authorize-security-group-%s --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,UserIdGroupPairs=[{GroupId=%s}]'",
		direction, group, port, port, peer)
}

// hintSGPrefixList opens TCP port egress on group to a prefix list.
func hintSGPrefixList(group string, port int, pl string) string {
	if bad := checkHintIDs(groupIDs(group), prefixIDs(pl)); bad != "" {
		return bad
	}
	return fmt.Sprintf("aws ec2 authorize-security-group-egress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,PrefixListIds=[{PrefixListId=%s}]'",
		group, port, port, pl)
}

// hintSGCIDR opens TCP port on group to/from a CIDR.
func hintSGCIDR(direction, group string, port int, cidr string) string {
	if bad := checkHintIDs(groupIDs(group)); bad != "" {
		return bad
	}
	return fmt.Sprintf("aws ec2 authorize-security-group-%s --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,IpRanges=[{CidrIp=%s}]'",
		direction, group, port, port, cidr)
}

// hintNACL says how to let TCP lo-hi through one direction of an ACL
// that rule (0: the default "*" entry) denies.
func hintNACL(aclID string, egress bool, cidr string, lo, hi, rule int) string {
	if bad := checkHintIDs(aclIDs(aclID)); bad != "" {
		return bad
	}
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
