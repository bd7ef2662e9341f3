package audit

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

const ordersARN = "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/orders"

// overFacts are fullPlanFacts as a Terraform change laid over the account
// has them (audit/overlay): the account's ids, the change's Source, and
// names for the resources the change declares; subnet-b and the task
// route table are outside the change.
func overFacts(names map[string]string) *Facts {
	f := fullPlanFacts()
	f.Source = SourceTerraform
	f.Workloads[0].ServiceARN = ordersARN
	f.Names = names
	return f
}

// overEgressFacts are egressFacts (whose task groups lack rules) as a
// change laid over the account has them.
func overEgressFacts(names map[string]string) *Facts {
	f := egressFacts()
	f.Source = SourceTerraform
	f.Names = names
	return f
}

// overNames names the VPC, one task subnet, the task group, the ACL and
// the service by their addresses in module prefix mod ("" or
// "module.net.").
func overNames(mod string) map[string]string {
	return map[string]string{
		fixID("vpc-1"): mod + "aws_vpc.main", fixID("subnet-a"): mod + "aws_subnet.private[0]",
		fixID("sg-task"): mod + "aws_security_group.task", fixID("acl-1"): mod + "aws_network_acl.private",
		ordersARN: mod + `aws_ecs_service.app["orders"]`,
	}
}

// hclLines are the lines of a Terraform fix that are code, not comments.
func hclLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestFixNamesChangeAddresses: a fix plan (and the egress rules) made
// from a change laid over the account is written in Terraform against the
// change's own addresses for the resources it declares (Facts.Names),
// module-relative inside the module's configuration, and keeps the ids of
// the account's other resources, saying they are outside the change;
// --fix cli keeps every account id, which exist. A resource the change
// creates (its address as id) cannot be named by the AWS CLI: refused
// with a FormatError, as for --plan alone.
func TestFixNamesChangeAddresses(t *testing.T) {
	sgTask, subnetB, rtbTask := fixID("sg-task"), fixID("subnet-b"), fixID("rtb-task")
	tests := []struct {
		name  string
		facts func() *Facts
		// tf must be in the Terraform fix (comment continuations
		// joined), notTF must not be in its code lines.
		tf, notTF []string
		// cli must be in the --fix cli script; cliErr, when set, is the
		// refusal it gets instead.
		cli    []string
		cliErr string
	}{
		{
			name:  "root module",
			facts: func() *Facts { return overFacts(overNames("")) },
			tf: []string{
				"reference what it declares by address, and the account's other resources by their ids",
				"  vpc_id      = aws_vpc.main.id\n",
				`subnet_ids          = [aws_subnet.private[0].id, "` + subnetB + `"]`,
				"Outside the change: " + subnetB + " is not declared in it and keeps its AWS id.",
				"referenced_security_group_id = aws_security_group.task.id",
				`route_table_ids   = ["` + rtbTask + `"]`,
				"Outside the change: " + rtbTask + " is not declared in it",
				"network_acl_id = aws_network_acl.private.id",
				"If aws_network_acl.private sets its ingress and egress blocks itself, make this change there instead",
				"If aws_security_group.task sets its ingress and egress blocks itself, make this change there instead",
				"change aws_vpc.main where it is declared in the change",
				`set assign_public_ip = false in the network_configuration of aws_ecs_service.app["orders"].`,
			},
			notTF: []string{fixID("vpc-1"), sgTask, fixID("subnet-a"), fixID("acl-1")},
			cli:   []string{"--vpc-id " + fixID("vpc-1"), "--group-id " + sgTask, "--network-acl-id " + fixID("acl-1"), "--service orders"},
		},
		{
			name:  "module",
			facts: func() *Facts { return overFacts(overNames("module.net.")) },
			tf: []string{
				"In the configuration of module.net, which alone can name its resources:",
				"  vpc_id      = aws_vpc.main.id\n",
				`subnet_ids          = [aws_subnet.private[0].id, "` + subnetB + `"]`,
				"network_acl_id = aws_network_acl.private.id",
			},
			notTF: []string{"module.net.aws_vpc.main.id", fixID("vpc-1")},
			cli:   []string{"--vpc-id " + fixID("vpc-1")},
		},
		{
			name: "nothing declared",
			facts: func() *Facts {
				return overFacts(map[string]string{})
			},
			tf:    []string{`vpc_id      = "` + fixID("vpc-1") + `"`, "Outside the change: " + fixID("vpc-1") + ", " + fixID("subnet-a")},
			notTF: []string{"aws_vpc.main"},
			cli:   []string{"--vpc-id " + fixID("vpc-1")},
		},
		{
			name: "a subnet the change creates",
			facts: func() *Facts {
				f := overFacts(overNames(""))
				renameWith(f, map[string]string{subnetB: "aws_subnet.private[1]"})
				f.Names = overNames("")
				return f
			},
			tf:     []string{"subnet_ids          = [aws_subnet.private[0].id, aws_subnet.private[1].id]"},
			notTF:  []string{subnetB},
			cliErr: "names aws_subnet.private[1], a Terraform address of a resource that does not exist yet, which no AWS command can name: write it as terraform",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts()
			p := planOf(t, f)
			tf := renderPlan(t, FixTerraform, p)
			flat := strings.ReplaceAll(tf, "\n#  ", " ")
			for _, w := range tt.tf {
				if !strings.Contains(flat, w) {
					t.Errorf("got\n%s\nwant it to hold %q", tf, w)
				}
			}
			code := hclLines(tf)
			for _, w := range tt.notTF {
				if strings.Contains(code, w) {
					t.Errorf("got code\n%s\nwant no %q in it", code, w)
				}
			}
			var cli bytes.Buffer
			err := WritePlan(&cli, FixCLI, p)
			var fe *FormatError
			switch {
			case tt.cliErr != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), tt.cliErr)):
				t.Errorf("--fix cli: got error %v; want a FormatError saying %q", err, tt.cliErr)
			case tt.cliErr == "" && err != nil:
				t.Fatalf("--fix cli: got error %v; want the script", err)
			}
			script := joinContinuations(cli.String())
			for _, w := range tt.cli {
				if !strings.Contains(script, w) {
					t.Errorf("--fix cli: got\n%s\nwant it to hold %q", script, w)
				}
			}
			if tt.cliErr == "" && strings.Contains(script, "aws_") {
				t.Errorf("--fix cli: got\n%s\nwant no address in it", script)
			}
		})
	}
}

// TestEgressRulesNameChangeAddresses: --egress-rules terraform for a
// change laid over the account puts the rules on the task group by its
// address; the JSON keeps the account's ids (data, not code).
func TestEgressRulesNameChangeAddresses(t *testing.T) {
	f := overEgressFacts(overNames(""))
	rules := EgressRules(f, Options{})
	if len(rules) == 0 {
		t.Fatal("got no egress rules; want the task group's")
	}
	tests := []struct {
		format   string
		want     string
		wantNone string
	}{
		{EgressTerraform, "security_group_id = aws_security_group.task.id", `"` + fixID("sg-task") + `"`},
		{EgressJSON, `"group_id": "` + fixID("sg-task") + `"`, "aws_security_group.task"},
		{EgressCLI, "--group-id " + fixID("sg-task"), "aws_security_group.task"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteEgressRules(&buf, tt.format, f, rules); err != nil {
				t.Fatalf("WriteEgressRules: %v", err)
			}
			got := joinContinuations(buf.String())
			if !strings.Contains(got, tt.want) {
				t.Errorf("got\n%s\nwant it to hold %q", got, tt.want)
			}
			if strings.Contains(got, tt.wantNone) {
				t.Errorf("got\n%s\nwant no %q", got, tt.wantNone)
			}
		})
	}
}

// TestFixNamesRefusesCraftedAddress: a name from the change is printed in
// code only when it is a resource's address by the strict grammar: a
// crafted one (a quote and a command, an attribute, an AWS id, a module
// key with a brace) is refused naming the field, the id and the name
// (quoted), and nothing is written, for the fix and the egress rules
// alike. --fix cli prints no name, so the same plan is written.
func TestFixNamesRefusesCraftedAddress(t *testing.T) {
	sgTask := fixID("sg-task")
	for _, name := range []string{
		"aws_security_group.task\"\n; rm -rf /; #",
		"aws_security_group.task.egress",
		"sg-0123456789abcdef0",
		`module.net["${file(\"x\")}"].aws_security_group.task`,
		"",
	} {
		t.Run(name, func(t *testing.T) {
			names := overNames("")
			names[sgTask] = name
			f := overFacts(names)
			p := planOf(t, f)
			var buf bytes.Buffer
			err := WritePlan(&buf, FixTerraform, p)
			if err == nil {
				t.Fatalf("got no error and\n%s\nwant the name %q refused", buf.String(), name)
			}
			for _, w := range []string{sgTask, strconv.Quote(name), "not a Terraform address of a resource"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q; want it to hold %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("got error %q; want the name quoted, no raw newline", err)
			}
			if buf.Len() != 0 {
				t.Errorf("got output\n%s\nwant none", buf.String())
			}
			buf.Reset()
			ef := overEgressFacts(names)
			if err := WriteEgressRules(&buf, EgressTerraform, ef, EgressRules(ef, Options{})); err == nil || buf.Len() != 0 {
				t.Errorf("egress rules: got error %v and %d bytes; want the name refused and nothing written", err, buf.Len())
			}
			buf.Reset()
			if err := WritePlan(&buf, FixCLI, p); err != nil {
				t.Errorf("--fix cli: got error %v; want the script (it prints no name)", err)
			}
		})
	}
}
