package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Egress rule formats (--egress-rules).
const (
	EgressCLI            = "cli"
	EgressTerraform      = "terraform"
	EgressCloudFormation = "cloudformation"
	EgressJSON           = "json"
)

// WriteEgressRules renders rules in format: "cli" (aws ec2
// authorize-security-group-egress commands), "terraform"
// (aws_vpc_security_group_egress_rule resources, terraform fmt clean),
// "cloudformation" (a JSON template of AWS::EC2::SecurityGroupEgress) or
// "json" (an array).
func WriteEgressRules(w io.Writer, format string, rules []EgressRule) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case EgressCLI:
		writeEgressCLI(bw, rules)
	case EgressTerraform:
		writeEgressTerraform(bw, rules)
	case EgressCloudFormation:
		err = writeEgressCloudFormation(bw, rules)
	case EgressJSON:
		err = writeEgressJSON(bw, rules)
	default:
		return fmt.Errorf("egress rules format %q: want cli, terraform, cloudformation or json", format)
	}
	if err != nil {
		return fmt.Errorf("write %s egress rules: %w", format, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s egress rules: %w", format, err)
	}
	return nil
}

// sgDescription keeps the characters security group rule descriptions
// accept (and drops quotes, so the text is safe inside shell quotes).
func sgDescription(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" ._-:/()#,@[]+=&;{}!$*", r):
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > 255 {
		out = out[:255]
	}
	return out
}

func writeEgressCLI(w io.Writer, rules []EgressRule) {
	for _, r := range rules {
		perm := map[string]any{"IpProtocol": r.Protocol, "FromPort": r.FromPort, "ToPort": r.ToPort}
		desc := sgDescription(r.Description)
		switch {
		case r.DestinationGroupID != "":
			perm["UserIdGroupPairs"] = []map[string]string{{"GroupId": r.DestinationGroupID, "Description": desc}}
		case r.PrefixListID != "":
			perm["PrefixListIds"] = []map[string]string{{"PrefixListId": r.PrefixListID, "Description": desc}}
		default:
			perm["IpRanges"] = []map[string]string{{"CidrIp": r.CIDR, "Description": desc}}
		}
		// Marshal cannot fail on maps of strings and ints.
		b, _ := json.Marshal([]any{perm})
		fmt.Fprintf(w, "aws ec2 authorize-security-group-egress --group-id %s --ip-permissions '%s'\n", r.GroupID, b)
	}
}

// terraformName is a stable identifier for a rule, usable as a Terraform
// resource name: egress_sg_0abc_tcp_443_sg_0def.
func terraformName(r EgressRule) string {
	repl := strings.NewReplacer("-", "_", ".", "_", "/", "_")
	return repl.Replace(fmt.Sprintf("egress_%s_%s_%d_%s", r.GroupID, r.Protocol, r.FromPort, r.destination()))
}

// logicalID is a CloudFormation logical id (alphanumeric only).
func logicalID(r EgressRule) string {
	var b strings.Builder
	up := true
	for _, c := range terraformName(r) {
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

func writeEgressTerraform(w io.Writer, rules []EgressRule) {
	for i, r := range rules {
		if i > 0 {
			fmt.Fprintln(w)
		}
		attrs := [][2]string{
			{"security_group_id", strconv.Quote(r.GroupID)},
			{"description", strconv.Quote(sgDescription(r.Description))},
			{"ip_protocol", strconv.Quote(r.Protocol)},
			{"from_port", strconv.Itoa(r.FromPort)},
			{"to_port", strconv.Itoa(r.ToPort)},
		}
		switch {
		case r.DestinationGroupID != "":
			attrs = append(attrs, [2]string{"referenced_security_group_id", strconv.Quote(r.DestinationGroupID)})
		case r.PrefixListID != "":
			attrs = append(attrs, [2]string{"prefix_list_id", strconv.Quote(r.PrefixListID)})
		default:
			attrs = append(attrs, [2]string{"cidr_ipv4", strconv.Quote(r.CIDR)})
		}
		// terraform fmt aligns the = of consecutive attributes.
		width := 0
		for _, a := range attrs {
			width = max(width, len(a[0]))
		}
		fmt.Fprintf(w, "resource \"aws_vpc_security_group_egress_rule\" %q {\n", terraformName(r))
		for _, a := range attrs {
			fmt.Fprintf(w, "  %-*s = %s\n", width, a[0], a[1])
		}
		fmt.Fprintln(w, "}")
	}
}

func writeEgressCloudFormation(w io.Writer, rules []EgressRule) error {
	resources := map[string]any{}
	for _, r := range rules {
		props := map[string]any{
			"GroupId": r.GroupID, "IpProtocol": r.Protocol, "FromPort": r.FromPort, "ToPort": r.ToPort,
			"Description": sgDescription(r.Description),
		}
		switch {
		case r.DestinationGroupID != "":
			props["DestinationSecurityGroupId"] = r.DestinationGroupID
		case r.PrefixListID != "":
			props["DestinationPrefixListId"] = r.PrefixListID
		default:
			props["CidrIp"] = r.CIDR
		}
		resources[logicalID(r)] = map[string]any{"Type": "AWS::EC2::SecurityGroupEgress", "Properties": props}
	}
	tpl := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "Minimal egress rules for the ECS tasks audited by preflight",
		"Resources":                resources,
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(tpl)
}

func writeEgressJSON(w io.Writer, rules []EgressRule) error {
	if rules == nil {
		rules = []EgressRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rules)
}
