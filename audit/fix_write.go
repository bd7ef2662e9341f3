package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Fix plan formats (--fix), shared with --egress-rules.
const (
	FixCLI            = "cli"
	FixTerraform      = "terraform"
	FixCloudFormation = "cloudformation"
)

// WritePlan renders p in format: "cli" (a bash script of AWS CLI commands
// that carries created ids in shell variables), "terraform" (resources
// that reference each other, terraform fmt clean) or "cloudformation" (a
// YAML template whose resources reference each other with !GetAtt). Steps
// a format cannot express (deleting a NACL entry from Terraform, say) are
// comment lines with the CLI command. p is validated first: nothing is
// written for a plan with an id that does not match its AWS pattern.
//
// A plan made from a Terraform plan is written in "terraform" against the
// plan's own addresses, one from a template in "cloudformation" against
// its logical ids; "cli" is written only when every id is an AWS id (the
// resources exist), and refused naming the first that is not. A plan made
// from a change laid over the account (p.Names) is written in the
// change's format against its own names for the resources it declares,
// and the account's ids for the others (each step says which lie
// outside the change); "cli" keeps the account's ids.
func WritePlan(w io.Writer, format string, p *Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := p.writable(format); err != nil {
		return err
	}
	if format == p.Source {
		// For a change laid over the account (Names), the resources it
		// declares by its own names.
		var err error
		if p, err = p.named(); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	switch format {
	case FixCLI:
		writePlanCLI(bw, p)
	case FixTerraform:
		writePlanTerraform(bw, p)
	case FixCloudFormation:
		writePlanCloudFormation(bw, p)
	default:
		return fmt.Errorf("fix plan format %q: want cli, terraform or cloudformation", format)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s fix plan: %w", format, err)
	}
	return nil
}

// FormatError is a fix plan (or egress rules) format that cannot name
// the plan's resources: the AWS CLI for resources a Terraform plan or a
// template has not created yet, or one tool's code for the other's
// names. It is the caller's choice of format to change, not a fault.
type FormatError struct{ msg string }

// Error says which step names what, and the format to use instead.
func (e *FormatError) Error() string { return e.msg }

// writable refuses a format that cannot name p's resources: the AWS CLI
// for resources a plan or template has not created yet, one tool's code
// for the other tool's names.
func (p *Plan) writable(format string) error {
	if p.Source == SourceAWS || format == p.Source {
		return nil
	}
	for i := range p.Changes {
		ids := p.Changes[i].sourceIDs(p.Source)
		if len(ids) == 0 {
			continue
		}
		if format == FixCLI {
			return &FormatError{fmt.Sprintf("%s: step %d names %s, %s of a resource that does not exist yet, which no AWS command can name: write it as %s",
				format, i+1, ids[0], sourceName(p.Source), p.Source)}
		}
		return &FormatError{fmt.Sprintf("%s: step %d names %s, %s, which %s code cannot name: write it as %s",
			format, i+1, ids[0], sourceName(p.Source), format, p.Source)}
	}
	return nil
}

// WritePlanBelow writes p in CLI form after a text report whose rows name
// its steps (report.Report.PlanBelow), under a line that says how to get
// it alone. It is the --fix cli script, whose lines fit the report's width
// (planWidth) but for a quoted argument longer than a line.
//
// A plan that names resources of a Terraform plan or a template, which
// no AWS command can name, is written in that source's own format.
func WritePlanBelow(w io.Writer, p *Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	cli := p.writable(FixCLI) == nil
	if !cli {
		var err error
		if p, err = p.named(); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	switch {
	case cli:
		fmt.Fprintf(bw, "\nFix plan (preflight audit --fix cli > fix.sh prints it alone; terraform and cloudformation too):\n")
		writePlanCLI(bw, p)
	case p.Source == SourceTerraform:
		fmt.Fprintf(bw, "\nFix plan, against the plan's own addresses (preflight audit --fix terraform > fix.tf prints it alone):\n")
		writePlanTerraform(bw, p)
	default:
		fmt.Fprintf(bw, "\nFix plan, against the template's own logical ids (preflight audit --fix cloudformation > fix.yaml prints it alone):\n")
		writePlanCloudFormation(bw, p)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write cli fix plan: %w", err)
	}
	return nil
}

// reControl matches what must not reach a comment line: a newline in a
// finding's text would end the comment and start a command.
var reControl = regexp.MustCompile(`[\x00-\x1f\x7f]+`)

// comment writes text as comment lines starting with mark.
func comment(w io.Writer, mark, text string) {
	for _, line := range wrapComment(mark, reControl.ReplaceAllString(text, " "), planWidth) {
		fmt.Fprintln(w, line)
	}
}

// header is what every format says first: where the plan applies, how to
// run it, and the findings it leaves alone.
func header(w io.Writer, mark string, p *Plan, run string) {
	where := p.Region
	if p.Account != "" {
		where += ", account " + p.Account
	}
	switch {
	case len(p.Changes) == 0 && p.Note != "":
		comment(w, mark, "Nothing to do ("+where+"): "+p.Note)
	case len(p.Changes) == 0:
		comment(w, mark, "Nothing to do ("+where+"): no finding that a change can fix.")
	default:
		steps := fmt.Sprintf("%d steps", len(p.Changes))
		if len(p.Changes) == 1 {
			steps = "1 step"
		}
		comment(w, mark, fmt.Sprintf("Fix plan from preflight audit (%s): %s, in order. %s", where, steps, run))
		if p.Note != "" {
			comment(w, mark, p.Note)
		}
	}
	for _, u := range p.Unfixed {
		comment(w, mark, "Not fixed by this plan: "+u)
	}
}

// stepTitle is the comment above step i: what it does, then what it
// cannot know (c.Note) when there is something.
func stepTitle(i int, c Change, ref func(string) string) string {
	s := fmt.Sprintf("%d. %s", i+1, summary(c, ref))
	if c.Note != "" {
		s += ". " + c.Note
	}
	return s
}

// summary says in words what a step does, for the comment above it.
func summary(c Change, ref func(string) string) string {
	id := func(s string) string {
		if refName(s) != "" {
			return ref(s)
		}
		return s
	}
	ids := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = id(s)
		}
		return strings.Join(out, ", ")
	}
	dir := "ingress"
	if c.Egress {
		dir = "egress"
	}
	switch c.Kind {
	case ChangeVPCAttribute:
		return fmt.Sprintf("turn on %s of %s (endpoint private DNS needs it)", c.Attribute, c.VPC)
	case ChangeCreateSecurityGroup:
		return fmt.Sprintf("create the security group of the VPC endpoints in %s", c.VPC)
	case ChangeAuthorizeIngress:
		return fmt.Sprintf("let TCP %s into %s from %s", ports(c), id(c.Group), peerOf(c, id))
	case ChangeCreateInterfaceEndpoint:
		return fmt.Sprintf("create the interface endpoint %s in %s (subnets %s, group %s)", c.Service, c.VPC, ids(c.Subnets), ids(c.Groups))
	case ChangeEndpointGroups:
		s := fmt.Sprintf("guard %s with %s", c.Endpoint, ids(c.Groups))
		if len(c.RemoveGroups) > 0 {
			s += " in place of the task group " + ids(c.RemoveGroups)
		}
		return s
	case ChangeEndpointPrivateDNS:
		return fmt.Sprintf("turn on private DNS of %s", c.Endpoint)
	case ChangeEndpointAddSubnets:
		return fmt.Sprintf("give %s a network interface in %s (task AZs without one)", c.Endpoint, ids(c.Subnets))
	case ChangeCreateGatewayEndpoint:
		return fmt.Sprintf("create the gateway endpoint %s in %s on %s", c.Service, c.VPC, ids(c.RouteTables))
	case ChangeEndpointAddRouteTables:
		return fmt.Sprintf("associate %s with the task route tables %s", c.Endpoint, ids(c.RouteTables))
	case ChangeNACLDelete:
		return fmt.Sprintf("delete the deny rule %d (%s) of %s", c.RuleNumber, dir, c.ACL)
	case ChangeNACLInsert:
		return fmt.Sprintf("allow TCP %s %s %s in %s at rule %d", ports(c), dir, c.CIDR, c.ACL, c.RuleNumber)
	case ChangeAuthorizeEgress:
		return fmt.Sprintf("let TCP %s out of %s to %s", ports(c), id(c.Group), peerOf(c, id))
	case ChangeRevokeEgress:
		return fmt.Sprintf("revoke the allow-all egress of %s to %s", id(c.Group), c.CIDR)
	case ChangeDisablePublicIP:
		return fmt.Sprintf("turn off the public IP of service %s in cluster %s (assignPublicIp=DISABLED)", c.ECSService, c.Cluster)
	}
	return c.Kind.String()
}

func ports(c Change) string {
	if c.FromPort == c.ToPort {
		return fmt.Sprint(c.FromPort)
	}
	return fmt.Sprintf("%d-%d", c.FromPort, c.ToPort)
}

func peerOf(c Change, id func(string) string) string {
	switch {
	case c.PeerGroup != "":
		return id(c.PeerGroup)
	case c.PeerPrefixList != "":
		return c.PeerPrefixList
	}
	return c.CIDR
}

// permission is the EC2 IpPermission of a security group rule change, as
// JSON; a reference to a created group is left as a marker that the CLI
// writer splices in as a shell variable.
func permission(c Change) string {
	p := map[string]any{"IpProtocol": c.Protocol}
	if c.Protocol != "-1" {
		p["FromPort"], p["ToPort"] = c.FromPort, c.ToPort
	}
	desc := sgDescription(c.Description)
	withDesc := func(m map[string]string) []map[string]string {
		if desc != "" {
			m["Description"] = desc
		}
		return []map[string]string{m}
	}
	switch {
	case c.PeerGroup != "":
		p["UserIdGroupPairs"] = withDesc(map[string]string{"GroupId": c.PeerGroup})
	case c.PeerPrefixList != "":
		p["PrefixListIds"] = withDesc(map[string]string{"PrefixListId": c.PeerPrefixList})
	case strings.Contains(c.CIDR, ":"):
		p["Ipv6Ranges"] = withDesc(map[string]string{"CidrIpv6": c.CIDR})
	default:
		p["IpRanges"] = withDesc(map[string]string{"CidrIp": c.CIDR})
	}
	// Marshal cannot fail on maps of strings and ints.
	b, _ := json.Marshal([]any{p})
	return string(b)
}
