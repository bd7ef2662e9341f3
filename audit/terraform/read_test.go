package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// readCase reads a committed plan made by testdata/generate.sh.
func readCase(t *testing.T, name string) *audit.Facts {
	t.Helper()
	f, err := ReadFile(filepath.Join("testdata", name, "plan.json"), Options{})
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", name, err)
	}
	return f
}

// TestReadRefuses: bad input is refused naming the problem.
func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		max  int64
		want string
	}{
		{"not JSON", "resource \"aws_vpc\" \"main\" {}", 0, "not JSON"},
		{"not an object", `[1, 2]`, 0, "not a JSON object"},
		{"truncated", `{"format_version": "1.2", "resource_changes": [`, 0, "ends early"},
		{"state file", `{"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {}}}`, 0, "a Terraform state, not a plan"},
		{"format 2", `{"format_version": "2.0", "resource_changes": []}`, 0, "format_version 2.0 is not supported"},
		{"no version", `{"resource_changes": []}`, 0, "no format_version"},
		{"errored", `{"format_version": "1.2", "errored": true, "resource_changes": []}`, 0, "the plan failed (errored: true)"},
		{"no changes key", `{"format_version": "1.2"}`, 0, "not the JSON of a Terraform plan"},
		{"over the cap", `{"format_version": "1.2", "planned_values": "` + strings.Repeat("x", 4096) + `"}`, 1024, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.doc), Options{MaxBytes: tt.max})
			var inErr *InputError
			if err == nil || !errors.As(err, &inErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want an InputError containing %q", err, tt.want)
			}
		})
	}
}

// TestReadAcceptsVersions: format versions 0.1 to 1.x are read.
func TestReadAcceptsVersions(t *testing.T) {
	for _, v := range []string{"0.1", "0.2", "1.0", "1.2", "1.9"} {
		t.Run(v, func(t *testing.T) {
			doc := `{"format_version": "` + v + `", "resource_changes": [], "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}}}}`
			f, err := Read(strings.NewReader(doc), Options{})
			if err != nil || f.Region != "eu-west-1" {
				t.Fatalf("got %v, %v; want facts of eu-west-1", f, err)
			}
		})
	}
}

// endless is a reader of a JSON document that never ends.
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, `{"format_version": "1.2", "planned_values": "`), nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestReadBoundedMemory: a document without end is refused at the cap,
// and a 1 GB file before it is read at all.
func TestReadBoundedMemory(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		_, err := Read(&endless{}, Options{MaxBytes: 8 << 20})
		if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
			t.Fatalf("got %v; want larger than 8 MiB", err)
		}
	})
	t.Run("1 GB file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huge.json")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		// Sparse: no disk is used, and Read would find only zero bytes.
		if err := f.Truncate(1 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = ReadFile(path, Options{})
		if err == nil || !strings.Contains(err.Error(), "larger than 256 MiB") {
			t.Fatalf("got %v; want larger than 256 MiB", err)
		}
	})
}

// TestReadRegion: the provider's region, a --region override, and a
// plan that does not say.
func TestReadRegion(t *testing.T) {
	f := readCase(t, "endpoints")
	if f.Region != "us-east-1" || f.Partition != "aws" {
		t.Errorf("region, partition = %s, %s; want us-east-1, aws", f.Region, f.Partition)
	}
	f, err := ReadFile(filepath.Join("testdata", "endpoints", "plan.json"), Options{Region: "cn-north-1"})
	if err != nil || f.Region != "cn-north-1" || f.Partition != "aws-cn" {
		t.Errorf("with --region: got %v, %v; want cn-north-1 in aws-cn", f, err)
	}
	_, err = Read(strings.NewReader(`{"format_version": "1.2", "resource_changes": []}`), Options{})
	if err == nil || !strings.Contains(err.Error(), "give --region") {
		t.Errorf("got %v; want give --region", err)
	}
}

// TestFixtureVerdicts judges the plans Terraform made (testdata/*) with
// the audit's rules: the same verdicts the account would get after apply.
func TestFixtureVerdicts(t *testing.T) {
	type want struct {
		check, target, status string
		// text must be in the row's error or detail.
		text string
	}
	tests := []struct {
		name     string
		exit     int
		rows     []want
		resource string // a row's resources must name this address
	}{
		{
			name: "private-no-endpoints", exit: report.ExitDNSPosture,
			rows: []want{
				{"endpoint", "ecr.api", "fail", "no available interface endpoint for com.amazonaws.us-east-1.ecr.api in aws_vpc.main"},
				{"endpoint", "ecr.layers", "fail", "no available gateway endpoint for com.amazonaws.us-east-1.s3 in aws_vpc.main"},
				{"public_ip", "aws_ecs_service.app", "pass", "DISABLED"},
			},
		},
		{
			name: "endpoints", exit: 0,
			rows: []want{
				{"endpoint", "ecr.dkr", "pass", `aws_vpc_endpoint.interface["ecr.dkr"] (com.amazonaws.us-east-1.ecr.dkr) available; private DNS on`},
				{"endpoint", "ecr.layers", "pass", "routed from aws_route_table.private"},
				{"endpoint", "secretsmanager", "pass", "aws_security_group.endpoints by CIDR"},
				{"endpoint", "logs", "pass", "aws_vpc.main.default_network_acl_id pass TCP 443"},
			},
		},
		{
			name: "modules", exit: 0,
			rows: []want{
				{"endpoint", "ecr.api", "pass", `module.vpc.aws_vpc_endpoint.interface["ecr.api"]`},
				// Subnets and group from association resources.
				{"endpoint", "logs", "pass", "module.vpc.aws_vpc_endpoint.logs admits TCP 443 from the tasks (module.vpc.aws_security_group.endpoints by CIDR)"},
				// The gateway through aws_vpc_endpoint_route_table_association,
				// the task group's egress from aws_vpc_security_group_egress_rule.
				{"endpoint", "ecr.layers", "pass", "routed from module.vpc.aws_route_table.private; tasks may send TCP 443"},
				{"dns_support", "module.vpc.aws_vpc.this", "pass", ""},
			},
		},
		{
			name: "sg-no-egress", exit: report.ExitConnect,
			rows: []want{
				{"security_group", "ecr.api", "fail", "task security groups aws_security_group.task do not allow outbound TCP 443"},
			},
		},
		{
			// Routes to gateways the plan creates: an inline route to an
			// internet gateway, an aws_route to a NAT gateway.
			name: "public-nat", exit: report.ExitDNSPosture,
			rows: []want{
				{"public_ip", "aws_ecs_service.public", "fail", "assignPublicIp=ENABLED"},
				{"endpoint", "ecr.api", "fail", "public path aws_nat_gateway.main via aws_route_table.private (aws_subnet.private)"},
				{"endpoint", "ecr.dkr", "fail", "public path aws_internet_gateway.main via aws_route_table.public (aws_subnet.public)"},
			},
		},
		{
			// Nothing judged is never a pass.
			name: "local-link", exit: report.ExitUndecided,
			rows: []want{
				{"undecided", "aws_ecs_service.app", "warn", "could not decide: aws_ecs_service.app network_configuration.subnets is known only after apply and comes from local.subnets"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readCase(t, tt.name)
			rows := audit.Evaluate(f, audit.Options{})
			for _, w := range tt.rows {
				var got []string
				found := false
				for _, r := range rows {
					if string(r.Check) != w.check || r.Target != w.target {
						continue
					}
					got = append(got, string(r.Status)+" "+r.Error+r.Detail)
					found = found || (string(r.Status) == w.status && strings.Contains(r.Error+r.Detail, w.text))
				}
				if !found {
					t.Errorf("%s %s: got %q; want a %s row containing %q", w.check, w.target, got, w.status, w.text)
				}
			}
			if got := audit.ExitCode(rows); got != tt.exit {
				t.Errorf("exit code %d; want %d (rows: %v)", got, tt.exit, summary(rows))
			}
		})
	}
}

func summary(rows []report.Result) []string {
	var out []string
	for _, r := range rows {
		out = append(out, string(r.Status)+" "+string(r.Check)+" "+r.Target)
	}
	return out
}

// TestUndecidedNeverPasses: a link the reader cannot follow leaves the
// finding undecided with the address and attribute; with
// --fail-undecided it fails.
func TestUndecidedNeverPasses(t *testing.T) {
	f := readCase(t, "local-link")
	var dyn *audit.Undecided
	for i, u := range f.Undecided {
		if u.Resource == "aws_security_group.dynamic" {
			dyn = &f.Undecided[i]
		}
	}
	if dyn == nil || dyn.Code != audit.CodeUnknownInSource || dyn.Action != audit.ActionDescribeSecurityGroups || !strings.HasPrefix(dyn.Err, "ingress is known only after apply") {
		t.Errorf("dynamic group: got %+v; want an undecided %s on aws_security_group.dynamic, ingress known only after apply", dyn, audit.ActionDescribeSecurityGroups)
	}
	if _, ok := f.SecurityGroups["aws_security_group.dynamic"]; ok {
		t.Error("the dynamic group is in the facts; want it left out (undecided)")
	}
	rows := audit.Evaluate(f, audit.Options{FailUndecided: true})
	if got := audit.ExitCode(rows); got != report.ExitUndecided {
		t.Errorf("exit code with --fail-undecided %d; want %d", got, report.ExitUndecided)
	}
	for _, r := range rows {
		if r.Check != report.CheckPublicIP && r.Status == report.StatusPass {
			t.Errorf("row %s %s passed; want nothing beyond the public IP judged", r.Check, r.Target)
		}
	}
}

// TestReferences: module outputs, variables into modules, splats and
// count instances become the addresses of the instances they name.
func TestReferences(t *testing.T) {
	f := readCase(t, "modules")
	if len(f.Workloads) != 1 {
		t.Fatalf("workloads %d; want 1", len(f.Workloads))
	}
	w := f.Workloads[0]
	wantSubnets := []string{"module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[1]"}
	if strings.Join(w.Subnets, ",") != strings.Join(wantSubnets, ",") {
		t.Errorf("subnets %v; want %v (module.vpc.private_subnets = aws_subnet.private[*].id)", w.Subnets, wantSubnets)
	}
	if w.Cluster != "prod" || w.Service != "app" || w.Name != "aws_ecs_service.app" || w.LaunchType != audit.LaunchFargate {
		t.Errorf("workload %s %s %s %s; want aws_ecs_service.app in prod, FARGATE (capacity provider strategy)", w.Name, w.Cluster, w.Service, w.LaunchType)
	}
	s := f.Subnets["module.vpc.aws_subnet.private[1]"]
	if s == nil || s.VPCID != "module.vpc.aws_vpc.this" || s.CIDR.String() != "10.4.1.0/24" || s.AZ != "us-east-1b" {
		t.Errorf("subnet [1] %+v; want in module.vpc.aws_vpc.this, 10.4.1.0/24, us-east-1b", s)
	}
	main := 0
	for _, rt := range f.RouteTables {
		if rt.Main {
			main++
			if rt.ID != "module.vpc.aws_route_table.private" {
				t.Errorf("main table %s; want module.vpc.aws_route_table.private (aws_main_route_table_association)", rt.ID)
			}
		}
	}
	if main != 1 {
		t.Errorf("%d main tables; want 1", main)
	}
	v := f.VPCs["module.vpc.aws_vpc.this"]
	if v == nil || v.DomainNameServers == nil || v.DomainNameServers[0] != "AmazonProvidedDNS" || v.DHCPOptionsID != "module.vpc.aws_vpc_dhcp_options.this" {
		t.Errorf("vpc %+v; want the DHCP options module.vpc.aws_vpc_dhcp_options.this (AmazonProvidedDNS)", v)
	}
	acl := aclByID(f, "module.vpc.aws_network_acl.private")
	if acl == nil || len(acl.SubnetIDs) != 2 || len(acl.Entries) != 4 {
		t.Errorf("acl %+v; want 2 subnets (aws_network_acl_association) and 2 rules (aws_network_acl_rule) + 2 implicit denies", acl)
	}
}

func aclByID(f *audit.Facts, id string) *audit.NetworkACL {
	for _, a := range f.NetworkACLs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// TestProviderDefaults: the resources as the provider really creates them.
func TestProviderDefaults(t *testing.T) {
	sgNoEgress := readCase(t, "sg-no-egress")
	modules := readCase(t, "modules")
	private := readCase(t, "private-no-endpoints")
	t.Run("aws_security_group without egress has none", func(t *testing.T) {
		sg := sgNoEgress.SecurityGroups["aws_security_group.task"]
		if sg == nil || len(sg.Egress) != 0 {
			t.Fatalf("group %+v; want it with no egress rule", sg)
		}
	})
	t.Run("rule resources merged", func(t *testing.T) {
		sg := modules.SecurityGroups["aws_security_group.task"]
		if sg == nil || len(sg.Egress) != 2 {
			t.Fatalf("group %+v; want 2 egress rules (aws_vpc_security_group_egress_rule, aws_security_group_rule)", sg)
		}
		ep := modules.SecurityGroups["module.vpc.aws_security_group.endpoints"]
		if ep == nil || len(ep.Ingress) != 1 || ep.Ingress[0].FromPort != 443 || ep.Ingress[0].CIDRs[0].String() != "10.4.0.0/16" {
			t.Fatalf("endpoint group %+v; want ingress TCP 443 from 10.4.0.0/16 (aws_vpc_security_group_ingress_rule with var.cidr)", ep)
		}
	})
	t.Run("aws_default_security_group without rules loses them", func(t *testing.T) {
		sg := modules.SecurityGroups["module.vpc.aws_vpc.this.default_security_group_id"]
		if sg == nil || len(sg.Ingress)+len(sg.Egress) != 0 {
			t.Fatalf("default group %+v; want it managed with no rules", sg)
		}
	})
	t.Run("unmanaged default group admits only its members", func(t *testing.T) {
		sg := private.SecurityGroups["aws_vpc.main.default_security_group_id"]
		if sg == nil || len(sg.Ingress) != 1 || len(sg.Ingress[0].GroupIDs) != 1 || sg.Ingress[0].GroupIDs[0] != sg.ID || len(sg.Ingress[0].CIDRs) != 0 {
			t.Fatalf("default group %+v; want ingress from itself only", sg)
		}
	})
	t.Run("aws_default_network_acl without rules denies all", func(t *testing.T) {
		acl := aclByID(sgNoEgress, "aws_vpc.main.default_network_acl_id")
		if acl == nil || !acl.Default {
			t.Fatalf("default ACL %+v; want it", acl)
		}
		for _, e := range acl.Entries {
			if e.Allow {
				t.Errorf("entry %+v allows; want only the implicit denies", e)
			}
		}
	})
	t.Run("unmanaged default ACL allows all", func(t *testing.T) {
		acl := aclByID(private, "aws_vpc.main.default_network_acl_id")
		if acl == nil || len(acl.Entries) != 4 || !acl.Entries[0].Allow {
			t.Fatalf("default ACL %+v; want allow all in and out, then the denies", acl)
		}
	})
	t.Run("endpoint without groups gets the VPC default group", func(t *testing.T) {
		for _, ep := range sgNoEgress.Endpoints {
			if ep.Type == audit.EndpointInterface && (len(ep.SecurityGroupIDs) != 1 || ep.SecurityGroupIDs[0] != "aws_vpc.main.default_security_group_id") {
				t.Errorf("endpoint %s groups %v; want [aws_vpc.main.default_security_group_id]", ep.ID, ep.SecurityGroupIDs)
			}
		}
	})
	t.Run("private_dns_enabled unset is false", func(t *testing.T) {
		for _, ep := range modules.Endpoints {
			if ep.ID == "module.vpc.aws_vpc_endpoint.s3" && ep.PrivateDNSEnabled {
				t.Errorf("endpoint %s private DNS on; want off (unset)", ep.ID)
			}
		}
	})
	t.Run("new VPC gets the default DHCP options", func(t *testing.T) {
		v := private.VPCs["aws_vpc.main"]
		if v == nil || len(v.DomainNameServers) != 1 || v.DomainNameServers[0] != "AmazonProvidedDNS" {
			t.Fatalf("vpc %+v; want AmazonProvidedDNS", v)
		}
	})
}

// TestNoPackageState: the reader does no work at package initialisation
// (no package-level variables, no init), so linking it costs every
// preflight process nothing at start.
func TestNoPackageState(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "var ") || strings.HasPrefix(line, "func init(") || line == "var (" {
				t.Errorf("%s:%d: %q; want no package state", name, i+1, line)
			}
		}
	}
}

// TestUndecidedPaths: every link the reader cannot follow names the
// address and the attribute, and says why (testdata/unfollowable).
func TestUndecidedPaths(t *testing.T) {
	f := readCase(t, "unfollowable")
	tests := []struct {
		name, action, resource, err string
	}{
		{"a module with count", audit.ActionDescribeServices, "aws_ecs_service.app",
			"network_configuration.subnets is known only after apply and comes from module.net[0].subnets, a module with count or for_each"},
		{"a function of two resources", audit.ActionDescribeSecurityGroups, "aws_security_group.task",
			"vpc_id is known only after apply and is a function of several values: aws_vpc.a.id, aws_vpc.b.id"},
		{"each.value", audit.ActionDescribeVpcEndpoints, "",
			`depends on aws_vpc_endpoint_subnet_association.logs["0"]: vpc_endpoint_id is known only after apply and comes from each.value[0]`},
		{"container definitions known after apply", audit.ActionDescribeTaskDefinition, "aws_ecs_service.app",
			"depends on aws_ecs_task_definition.app: container_definitions is known only after apply and comes from aws_ecr_repository.app.repository_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, u := range f.Undecided {
				if u.Action == tt.action && u.Resource == tt.resource && u.Err == tt.err && u.Code == audit.CodeUnknownInSource {
					return
				}
			}
			t.Errorf("got %+v; want %s on %q: %q", f.Undecided, tt.action, tt.resource, tt.err)
		})
	}
	rows := audit.Evaluate(f, audit.Options{})
	for _, r := range rows {
		if r.Check != report.CheckPublicIP && r.Status == report.StatusPass {
			t.Errorf("row %s %s passed; want nothing beyond the public IP judged", r.Check, r.Target)
		}
	}
	if got := audit.ExitCode(rows); got != report.ExitUndecided {
		t.Errorf("exit code %d; want %d", got, report.ExitUndecided)
	}
}

// TestDeletedEndpoint: the change a reviewer must catch, an endpoint the
// plan deletes (the endpoints plan with ecr.dkr's action made a delete),
// fails the need it served; the unchanged plan passes.
func TestDeletedEndpoint(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "endpoints", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rc := range doc["resource_changes"].([]any) {
		m := rc.(map[string]any)
		if m["address"] == `aws_vpc_endpoint.interface["ecr.dkr"]` {
			change := m["change"].(map[string]any)
			change["actions"] = []any{"delete"}
			change["before"], change["after"] = change["after"], nil
			found = true
		}
	}
	if !found {
		t.Fatal("no ecr.dkr endpoint in the fixture")
	}
	b, _ := json.Marshal(doc)
	for _, tt := range []struct {
		name   string
		doc    []byte
		status report.Status
	}{
		{"unchanged", raw, report.StatusPass},
		{"ecr.dkr deleted", b, report.StatusFail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tt.doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []report.Status
			for _, r := range audit.Evaluate(f, audit.Options{}) {
				if r.Check == "endpoint" && r.Target == "ecr.dkr" {
					got = append(got, r.Status)
				}
			}
			if len(got) != 1 || got[0] != tt.status {
				t.Errorf("ecr.dkr rows %v; want one %s", got, tt.status)
			}
		})
	}
}
