package audit

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// shellVar is the shell variable that holds a created resource's id:
// plan:endpoint_sg → ENDPOINT_SG.
func shellVar(id string) string { return strings.ToUpper(refName(id)) }

// reShellSafe matches a word bash reads as itself: no quoting, globbing,
// brace expansion or variable.
var reShellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,@%+-]+$`)

// shellWord quotes s for bash, splicing every plan reference in it as
// "$VAR" so the id a step created reaches the steps that use it.
func shellWord(s string) string {
	if s == "" {
		return "''"
	}
	if n := refName(s); n != "" && reRefName.MatchString(n) {
		return `"$` + shellVar(s) + `"`
	}
	var b strings.Builder
	rest := s
	for rest != "" {
		i := strings.Index(rest, refPrefix)
		lit := rest
		if i >= 0 {
			lit = rest[:i]
		}
		if lit != "" {
			if reShellSafe.MatchString(lit) {
				b.WriteString(lit)
			} else {
				b.WriteString("'" + strings.ReplaceAll(lit, "'", `'\''`) + "'")
			}
		}
		if i < 0 {
			break
		}
		rest = rest[i:]
		j := len(refPrefix)
		for j < len(rest) && (rest[j] == '_' || rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= '0' && rest[j] <= '9') {
			j++
		}
		b.WriteString(`"$` + shellVar(rest[:j]) + `"`)
		rest = rest[j:]
	}
	return b.String()
}

// cliWords are the shell words of one AWS CLI command, every argument
// quoted.
func cliWords(region string, args ...string) []string {
	words := make([]string, 0, len(args)+4)
	for i, a := range args {
		// The service, the operation and the flags are fixed words.
		if i < 2 || strings.HasPrefix(a, "--") && reShellSafe.MatchString(a) {
			words = append(words, a)
			continue
		}
		words = append(words, shellWord(a))
	}
	if region != "" {
		words = append(words[:2], append([]string{"--region", shellWord(region)}, words[2:]...)...)
	}
	return append([]string{"aws"}, words...)
}

// cliArgs are the AWS CLI arguments of one change, and the variable its
// output goes into ("" when no later step needs it).
func cliArgs(c Change) (args []string, assign string) {
	dirFlag := "--ingress"
	if c.Egress {
		dirFlag = "--egress"
	}
	switch c.Kind {
	case ChangeVPCAttribute:
		flag := "--enable-dns-support"
		if c.Attribute == "enableDnsHostnames" {
			flag = "--enable-dns-hostnames"
		}
		return []string{"ec2", "modify-vpc-attribute", "--vpc-id", c.VPC, flag, `{"Value":true}`}, ""
	case ChangeCreateSecurityGroup:
		return []string{"ec2", "create-security-group", "--vpc-id", c.VPC, "--group-name", "preflight-endpoints",
			"--description", sgDescription(c.Description), "--query", "GroupId", "--output", "text"}, shellVar(c.Group)
	case ChangeAuthorizeIngress, ChangeAuthorizeEgress, ChangeRevokeEgress:
		op := map[ChangeKind]string{ChangeAuthorizeIngress: "authorize-security-group-ingress",
			ChangeAuthorizeEgress: "authorize-security-group-egress", ChangeRevokeEgress: "revoke-security-group-egress"}[c.Kind]
		return []string{"ec2", op, "--group-id", c.Group, "--ip-permissions", permission(c), "--query", "Return", "--output", "text"}, ""
	case ChangeCreateInterfaceEndpoint:
		a := []string{"ec2", "create-vpc-endpoint", "--vpc-id", c.VPC, "--vpc-endpoint-type", "Interface", "--service-name", c.Service, "--subnet-ids"}
		a = append(a, c.Subnets...)
		a = append(append(a, "--security-group-ids"), c.Groups...)
		return append(a, "--private-dns-enabled", "--query", "VpcEndpoint.VpcEndpointId", "--output", "text"), ""
	case ChangeCreateGatewayEndpoint:
		a := []string{"ec2", "create-vpc-endpoint", "--vpc-id", c.VPC, "--vpc-endpoint-type", "Gateway", "--service-name", c.Service, "--route-table-ids"}
		return append(append(a, c.RouteTables...), "--query", "VpcEndpoint.VpcEndpointId", "--output", "text"), ""
	case ChangeEndpointGroups, ChangeEndpointPrivateDNS, ChangeEndpointAddSubnets, ChangeEndpointAddRouteTables:
		a := []string{"ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", c.Endpoint}
		switch c.Kind {
		case ChangeEndpointGroups:
			if len(c.Groups) > 0 {
				a = append(append(a, "--add-security-group-ids"), c.Groups...)
			}
			if len(c.RemoveGroups) > 0 {
				a = append(append(a, "--remove-security-group-ids"), c.RemoveGroups...)
			}
		case ChangeEndpointPrivateDNS:
			a = append(a, "--private-dns-enabled")
		case ChangeEndpointAddSubnets:
			a = append(append(a, "--add-subnet-ids"), c.Subnets...)
		default:
			a = append(append(a, "--add-route-table-ids"), c.RouteTables...)
		}
		return append(a, "--query", "Return", "--output", "text"), ""
	case ChangeNACLDelete:
		return []string{"ec2", "delete-network-acl-entry", "--network-acl-id", c.ACL, dirFlag, "--rule-number", fmt.Sprint(c.RuleNumber)}, ""
	case ChangeNACLInsert:
		block := "--cidr-block"
		if strings.Contains(c.CIDR, ":") {
			block = "--ipv6-cidr-block"
		}
		return []string{"ec2", "create-network-acl-entry", "--network-acl-id", c.ACL, dirFlag, "--rule-number", fmt.Sprint(c.RuleNumber),
			"--protocol", "tcp", "--port-range", fmt.Sprintf("From=%d,To=%d", c.FromPort, c.ToPort), block, c.CIDR, "--rule-action", "allow"}, ""
	case ChangeDisablePublicIP:
		nc := fmt.Sprintf("awsvpcConfiguration={subnets=[%s],securityGroups=[%s],assignPublicIp=DISABLED}", joinComma(c.Subnets), joinComma(c.Groups))
		return []string{"ecs", "update-service", "--cluster", c.Cluster, "--service", c.ECSService,
			"--network-configuration", nc, "--query", "service.serviceArn", "--output", "text"}, ""
	}
	return nil, ""
}

// cliLine is the shell line of one change, broken with continuations to
// fit planWidth (wrapShell).
func cliLine(region string, c Change) string { return wrapShell(cliLineWords(region, c), planWidth) }

// cliText is the command of one change on one line, for the comments of
// the other formats (which wrap it as words).
func cliText(region string, c Change) string { return strings.Join(cliLineWords(region, c), " ") }

// cliLineWords are the words of cliLine: the command's, the first with
// the assignment of its output when a later step needs it.
func cliLineWords(region string, c Change) []string {
	args, assign := cliArgs(c)
	words := cliWords(region, args...)
	if assign != "" {
		words[0] = assign + "=$(" + words[0]
		words[len(words)-1] += ")"
	}
	return words
}

// writePlanCLI writes p as a bash script, each step under a numbered
// comment (the rows of a text report name these numbers). Lines fit
// planWidth but for a quoted argument longer than a line.
func writePlanCLI(w io.Writer, p *Plan) {
	fmt.Fprintln(w, "#!/usr/bin/env bash")
	header(w, "#", p, "Run it once, whole (later steps use the ids earlier ones create): bash fix.sh")
	if len(p.Changes) == 0 {
		return
	}
	fmt.Fprintln(w, "set -euo pipefail")
	for i, c := range p.Changes {
		comment(w, "#", stepTitle(i, c, func(id string) string { return "$" + shellVar(id) }))
		fmt.Fprintln(w, cliLine(p.Region, c))
	}
}
