package cloudformation

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// readString reads a template given as text.
func readString(t *testing.T, text string, opts Options) (*audit.Facts, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Read(path, opts)
}

// TestNetworkYAML reads the hand-written short-form template and checks
// the facts each intrinsic and each default decides.
func TestNetworkYAML(t *testing.T) {
	f, err := Read(filepath.Join("testdata", "yaml", "network.yaml"), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Ref parameter default", f.VPCs["Vpc"].CIDRs[0].String(), "10.20.0.0/16"},
		{"EnableDnsSupport default", f.VPCs["Vpc"].DNSSupport, audit.TriTrue},
		{"EnableDnsHostnames set", f.VPCs["Vpc"].DNSHostnames, audit.TriTrue},
		{"FindInMap by parameter", f.Subnets["SubnetA"].CIDR.String(), "10.20.1.0/24"},
		{"FindInMap in block form", f.Subnets["SubnetB"].CIDR.String(), "10.20.2.0/24"},
		{"GetAtt VpcId", f.Subnets["SubnetB"].VPCID, "Vpc"},
		{"Select GetAZs", f.Subnets["SubnetA"].AZ, "eu-west-1-zone1"},
		{"Select GetAZs of AWS::Region", f.Subnets["SubnetB"].AZ, "eu-west-1-zone2"},
		{"endpoint Sub", endpoint(f, "S3").ServiceName, "com.amazonaws.eu-west-1.s3"},
		{"endpoint type default", endpoint(f, "S3").Type, audit.EndpointGateway},
		{"endpoint Join", endpoint(f, "EcrDkr").ServiceName, "com.amazonaws.eu-west-1.ecr.dkr"},
		{"private DNS default", endpoint(f, "EcrDkr").PrivateDNSEnabled, false},
		{"endpoint group default", endpoint(f, "EcrDkr").SecurityGroupIDs, []string{"Vpc.DefaultSecurityGroup"}},
		{"false condition drops the resource", endpoint(f, "ProdOnly") == nil, true},
		{"group without egress allows all", f.SecurityGroups["TaskGroup"].Egress[0].CIDRs[0].String(), "0.0.0.0/0"},
		{"separate egress replaces allow-all", len(f.SecurityGroups["LockedGroup"].Egress), 1},
		{"separate egress merged", f.SecurityGroups["LockedGroup"].Egress[0].CIDRs[0].String(), "10.20.0.0/16"},
		{"default group admits its members", f.SecurityGroups["Vpc.DefaultSecurityGroup"].Ingress[0].GroupIDs, []string{"Vpc.DefaultSecurityGroup"}},
		{"If on a condition of a condition", f.Workloads[0].SecurityGroups, []string{"TaskGroup"}},
		{"NoValue leaves the default", f.Workloads[0].AssignPublicIP, audit.PublicIPDisabled},
		{"service name", f.Workloads[0].Name, "service/Cluster/Service"},
		{"task definition family Sub", f.Workloads[0].TaskDefinition.Family, "app-dev"},
		{"image Sub with the stand-in account", f.Workloads[0].TaskDefinition.Containers[0].Image, "000000000000.dkr.ecr.eu-west-1.amazonaws.com/app:latest"},
		{"log options", f.Workloads[0].TaskDefinition.Containers[0].LogOptions["awslogs-region"], "eu-west-1"},
		{"no undecided", len(f.Undecided), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v; want %v", tt.got, tt.want)
			}
		})
	}
	// A subnet without an association uses the main table, which has
	// only the local route; the default NACL allows all.
	var main *audit.RouteTable
	for _, rt := range f.RouteTables {
		if rt.Main {
			main = rt
		}
	}
	if main == nil || len(main.Routes) != 1 || main.Routes[0].Target != audit.TargetLocal || len(main.SubnetIDs) != 0 {
		t.Errorf("got main table %+v; want one local route and no associations", main)
	}
	var def *audit.NetworkACL
	for _, acl := range f.NetworkACLs {
		if acl.Default {
			def = acl
		}
	}
	if def == nil || !def.Entries[0].Allow || def.Entries[0].Protocol != "-1" {
		t.Errorf("got default ACL %+v; want rule 100 allowing all", def)
	}
	rows := audit.Evaluate(f, audit.Options{})
	assertRows(t, rows, []wantRow{
		{"route", "ecr.layers", report.StatusFail, []string{"SubnetB", "Vpc.MainRouteTable", "S3"}},
		{"private_dns", "ecr.dkr", report.StatusFail, []string{"EcrDkr"}},
		{"security_group", "ecr.dkr", report.StatusFail, []string{"EcrDkr", "Vpc.DefaultSecurityGroup"}},
		{"endpoint", "logs", report.StatusFail, []string{"Vpc"}},
	})
}

func endpoint(f *audit.Facts, id string) *audit.Endpoint {
	for _, ep := range f.Endpoints {
		if ep.ID == id {
			return ep
		}
	}
	return nil
}

// TestParameterOverride: --parameter wins over Default, and conditions
// follow it.
func TestParameterOverride(t *testing.T) {
	f, err := Read(filepath.Join("testdata", "yaml", "network.yaml"), Options{Region: "us-east-1", Parameters: map[string]string{"Env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Subnets["SubnetA"].CIDR.String(); got != "10.20.11.0/24" {
		t.Errorf("got SubnetA %s; want 10.20.11.0/24", got)
	}
	if got := f.Workloads[0].SecurityGroups; !slices.Equal(got, []string{"LockedGroup"}) {
		t.Errorf("got groups %v; want [LockedGroup]", got)
	}
	if ep := endpoint(f, "ProdOnly"); ep == nil || ep.ServiceName != "com.amazonaws.us-east-1.logs" || !ep.PrivateDNSEnabled {
		t.Errorf("got ProdOnly %+v; want the logs endpoint with private DNS", ep)
	}
	if _, err := Read(filepath.Join("testdata", "yaml", "network.yaml"), Options{Region: "us-east-1", Parameters: map[string]string{"Nope": "x"}}); err == nil || !strings.Contains(err.Error(), "--parameter Nope") {
		t.Errorf("got %v; want an error naming --parameter Nope", err)
	}
}

// serviceTemplate is a template whose service's subnets come from
// subnets (a YAML value), for the undecided cases.
func serviceTemplate(params, subnets string) string {
	return `Parameters:
` + params + `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  Service:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: ` + subnets + `
`
}

// TestUndecidedInTemplate: every fact the template leaves open is an
// Undecided with CodeUnknownInSource that names the logical id and the
// property, and the rows say "could not decide", never pass.
func TestUndecidedInTemplate(t *testing.T) {
	const none = "  Unused: {Type: String, Default: x}"
	tests := []struct {
		name, params, subnets string
		wantErr               string
	}{
		{"ImportValue", none, "[!ImportValue shared-subnet]", "NetworkConfiguration.AwsvpcConfiguration.Subnets comes from Fn::ImportValue shared-subnet, exported by a stack outside the input"},
		{"parameter without default", "  Subnets: {Type: 'List<AWS::EC2::Subnet::Id>'}", "!Ref Subnets", "comes from parameter Subnets, which has no Default (give --parameter Subnets=VALUE)"},
		{"SSM parameter", "  Subnet: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /net/subnet}", "[!Ref Subnet]", "comes from parameter Subnet, resolved from SSM at deploy"},
		{"unknown attribute", none, "[!GetAtt Subnet.OutpostArn2]", "comes from Fn::GetAtt Subnet.OutpostArn2, known only after deploy"},
		{"dynamic reference", none, "['{{resolve:ssm:/net/subnet}}']", "is a dynamic reference resolved at deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := readString(t, serviceTemplate(tt.params, tt.subnets), Options{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Undecided) != 1 {
				t.Fatalf("got undecided %+v; want one", f.Undecided)
			}
			u := f.Undecided[0]
			if u.Code != audit.CodeUnknownInSource || u.Action != audit.ActionDescribeServices || u.Resource != "service/default/Service" || !strings.Contains(u.Err, tt.wantErr) {
				t.Errorf("got %+v; want %s on service/default/Service, %q", u, audit.ActionDescribeServices, tt.wantErr)
			}
			rows := audit.Evaluate(f, audit.Options{})
			found := false
			for _, r := range rows {
				if r.Status == report.StatusPass && r.Check != "public_ip" {
					t.Errorf("got pass %s %s; want nothing judged on open subnets", r.Check, r.Target)
				}
				if r.Class == report.ClassUndecided && strings.Contains(r.Error, "Service") && strings.Contains(r.Error, tt.wantErr) {
					found = true
				}
			}
			if !found {
				t.Errorf("no undecided row naming the service and %q; rows:%s", tt.wantErr, dumpRows(rows))
			}
			if got := report.ExitCode(audit.Evaluate(f, audit.Options{FailUndecided: true})); got != report.ExitUndecided {
				t.Errorf("got exit %d with --fail-undecided; want %d", got, report.ExitUndecided)
			}
		})
	}
}

// TestOpenEndpoint: an endpoint whose existence or subnets are open makes
// its need undecided, not failed and not passed.
func TestOpenEndpoint(t *testing.T) {
	text := serviceTemplate("  Unused: {Type: String, Default: x}", "[!Ref Subnet]") + `  Dkr:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !ImportValue dkr-service-name
`
	f, err := readString(t, text, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	u := f.Undecided
	if len(u) != 1 || u[0].Action != audit.ActionDescribeVpcEndpoints || u[0].Resource != "Vpc" || !strings.Contains(u[0].Err, "Dkr ServiceName comes from Fn::ImportValue dkr-service-name") {
		t.Errorf("got undecided %+v; want DescribeVpcEndpoints on Vpc naming Dkr ServiceName", u)
	}
	extra, err := config.ParseEntries("ecr.dkr")
	if err != nil {
		t.Fatal(err)
	}
	rows := audit.Evaluate(f, audit.Options{Extra: extra})
	r := findRow(rows, "endpoint", "ecr.dkr")
	if r == nil || r.Status != report.StatusWarn || r.Class != report.ClassUndecided || !strings.Contains(r.Error, "Dkr ServiceName") {
		t.Errorf("got ecr.dkr row %+v; want undecided naming Dkr ServiceName; rows:%s", r, dumpRows(rows))
	}
}

// TestBadTemplates: input that cannot be read exits 2 with an error
// naming the problem and where.
func TestBadTemplates(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown intrinsic in JSON", `{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Fn::Bogus": "x"}}}}}`, "Resources.Vpc.Properties.CidrBlock: unknown intrinsic function Fn::Bogus"},
		{"unknown intrinsic elsewhere", `{"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"X": [{"Fn::Nope": 1}]}}}}`, "Resources.Role.Properties.X[0]: unknown intrinsic function Fn::Nope"},
		{"unknown short tag", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Nope x}\n", "line 4: unknown tag !Nope"},
		{"Ref to nothing", "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !Ref Missing}\n", "Ref Missing: no parameter or resource of that name"},
		{"not JSON", `{"Resources": `, "invalid JSON"},
		{"Terraform state", `{"terraform_version": "1.9.0", "values": {}}`, "this is Terraform's JSON (use --plan)"},
		{"no resources", "AWSTemplateFormatVersion: '2010-09-09'\n", "no Resources mapping"},
		{"YAML bomb", "a: &a [x, x]\nb: [*a, *a]\nResources: {}\n", "YAML anchors and aliases are not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readString(t, tt.text, Options{Region: "eu-west-1"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want %q", err, tt.want)
			}
		})
	}
}

// TestLargeFileBounded: a file over MaxTemplateBytes is refused from its
// size, before it is read; a device is refused as not a regular file.
func TestLargeFileBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 1 GiB file: no disk, and reading it would take 1 GiB.
	if err := fh.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if _, err := Read(path, Options{Region: "eu-west-1"}); err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Errorf("error = %v; want larger than 8 MiB", err)
	}
	if _, err := Read("/dev/zero", Options{Region: "eu-west-1"}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("error = %v; want not a regular file", err)
	}
}

// TestAssemblyManifest: a cdk.out directory reads every stack its
// manifest lists, and a manifest cannot point outside the directory.
func TestAssemblyManifest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("Net.template.json", `{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}}},
		"Outputs": {"VpcOut": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net-vpc"}}}}`)
	write("App.template.json", `{"Resources": {"Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Fn::ImportValue": "net-vpc"}, "CidrBlock": "10.9.1.0/24"}}}}`)
	write("manifest.json", `{"version": "36.0.0", "artifacts": {
		"Net": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Net.template.json"}},
		"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}},
		"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}`)
	f, err := Read(dir, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Subnets["Subnet"]; s == nil || s.VPCID != "Vpc" || f.VPCs["Vpc"] == nil {
		t.Errorf("got subnets %v, VPCs %v; want Subnet in Vpc through the export", f.Subnets, f.VPCs)
	}
	// A CDK Stage is a nested assembly, one directory down.
	if err := os.Mkdir(filepath.Join(dir, "assembly-Prod"), 0o700); err != nil {
		t.Fatal(err)
	}
	write("assembly-Prod/manifest.json", `{"artifacts": {"ProdNet": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "ProdNet.template.json", "stackName": "Prod-Net"}}}}`)
	write("assembly-Prod/ProdNet.template.json", `{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.8.0.0/16"}}}}`)
	write("manifest.json", `{"artifacts": {"Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
		"Net": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Net.template.json"}}}}`)
	f, err = Read(dir, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	// Both stacks have a Vpc: each id is qualified with its stack's name.
	if f.VPCs["Prod-Net/Vpc"] == nil || f.VPCs["Net/Vpc"] == nil || len(f.VPCs) != 2 {
		t.Errorf("got VPCs %v; want Prod-Net/Vpc and Net/Vpc", f.VPCs)
	}
	write("manifest.json", `{"artifacts": {"Evil": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../../etc/passwd"}}}}`)
	if _, err := Read(dir, Options{Region: "eu-west-1"}); err == nil || !strings.Contains(err.Error(), "is not inside the assembly") {
		t.Errorf("error = %v; want not inside the assembly", err)
	}
	if _, err := Read(t.TempDir(), Options{Region: "eu-west-1"}); err == nil || !strings.Contains(err.Error(), "without manifest.json") {
		t.Errorf("error = %v; want a directory without manifest.json", err)
	}
}

// parseEntries is config.ParseEntries, for --checks entries in tests.
func parseEntries(s string) ([]config.Entry, error) { return config.ParseEntries(s) }

// TestOutsideResources: a subnet, security group or VPC the template
// names but does not create is undecided, not missing: it may exist.
func TestOutsideResources(t *testing.T) {
	text := `Resources:
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-0abc, CidrBlock: 10.0.1.0/24}
  Service:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [subnet-0def, !Ref Subnet]
          SecurityGroups: [sg-0123]
`
	f, err := readString(t, text, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		audit.ActionDescribeSubnets + " subnet-0def":    "subnet of Service is not created by the input",
		audit.ActionDescribeSecurityGroups + " sg-0123": "security group of Service is not created by the input",
		audit.ActionDescribeVpcs + " vpc-0abc":          "VPC of Subnet is not created by the input",
		audit.ActionDescribeVpcEndpoints + " vpc-0abc":  "VPC of Subnet",
		audit.ActionDescribeRouteTables + " vpc-0abc":   "VPC of Subnet",
	}
	wantUndecided(t, f, want)
	for _, r := range audit.Evaluate(f, audit.Options{}) {
		if strings.Contains(r.Error, "does not exist") {
			t.Errorf("got %s %s: %s; want undecided, not missing", r.Status, r.Check, r.Error)
		}
	}
}

// TestTaskDefinitionMapping: a CloudFormation task definition reads as the
// RegisterTaskDefinition JSON would (EFSVolumeConfiguration.FilesystemId,
// RuntimePlatform, FireLens, secrets, PREFLIGHT_* variables), and an open
// value in a property the audit does not read leaves it decided.
func TestTaskDefinitionMapping(t *testing.T) {
	text := `Parameters:
  Memory: {Type: Number}
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      NetworkMode: awsvpc
      RuntimePlatform: {OperatingSystemFamily: WINDOWS_SERVER_2022_CORE, CpuArchitecture: X86_64}
      Volumes:
        - Name: data
          EFSVolumeConfiguration: {FilesystemId: fs-0123456789abcdef0, TransitEncryption: ENABLED}
      ContainerDefinitions:
        - Name: app
          Image: public.ecr.aws/docker/library/nginx:latest
          Memory: !Ref Memory
          Secrets: [{Name: DB, ValueFrom: !Ref Secret}]
          Environment:
            - {Name: PREFLIGHT_CHECKS, Value: 's3,logs'}
            - {Name: OTHER, Value: !ImportValue other}
          LogConfiguration:
            LogDriver: awsfirelens
            Options: {Name: cloudwatch_logs, region: !Ref AWS::Region}
        - Name: router
          Image: public.ecr.aws/aws-observability/aws-for-fluent-bit:stable
          FirelensConfiguration: {Type: fluentbit, Options: {enable-ecs-log-metadata: 'true'}}
`
	var b strings.Builder
	td := taskDefinitionOf(t, text)
	fmt.Fprintf(&b, "%s|%s|%v|", td.OSFamily, td.NetworkMode, td.EFSVolumes)
	app, router := td.Containers[0], td.Containers[1]
	fmt.Fprintf(&b, "%v|%v|%s|%v|%v", app.Secrets, app.Environment, app.LogDriver, app.LogOptions, router.FireLens)
	want := "WINDOWS_SERVER_2022_CORE|awsvpc|[{data fs-0123456789abcdef0 true}]|[arn:aws:secretsmanager:eu-west-1:111122223333:secret:Secret]|map[PREFLIGHT_CHECKS:s3,logs]|awsfirelens|map[Name:cloudwatch_logs region:eu-west-1]|&{fluentbit map[enable-ecs-log-metadata:true]}"
	if b.String() != want {
		t.Errorf("got %s; want %s", b.String(), want)
	}
}

// taskDefinitionOf reads the TaskDef resource of a template.
func taskDefinitionOf(t *testing.T, text string) *audit.TaskDefinition {
	t.Helper()
	doc, _, err := parseTemplate([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	st := &stack{Path: "t.yaml", Doc: doc}
	s := &scope{st: st, region: "eu-west-1", account: "111122223333", partition: "aws", urlSuffix: "amazonaws.com",
		resources: map[string]map[string]any{}, condCache: map[string]any{}, condBusy: map[string]bool{}, id: func(l string) string { return l }}
	for id, r := range doc["Resources"].(map[string]any) {
		s.resources[id] = r.(map[string]any)
	}
	if s.params, err = parameters(st, nil, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.eval(s.resources["TaskDef"]["Properties"], "Resources.TaskDef.Properties")
	if err != nil {
		t.Fatal(err)
	}
	td := taskDefinition("TaskDef", "TaskDef", props{m: ev.(map[string]any)})
	if td.why != "" {
		t.Fatalf("task definition open: %s", td.why)
	}
	return td.td
}

// TestOpenConditions: a resource whose Condition the template leaves open
// (a parameter without a value), and a route table association whose
// table is open, make what depends on them undecided: the rules neither
// pass on an endpoint that may not exist nor fall back on the main table.
func TestOpenConditions(t *testing.T) {
	text := `Parameters:
  WithEndpoint: {Type: String, AllowedValues: ['yes', 'no']}
  Table: {Type: String}
Conditions:
  Endpoint: !Equals [!Ref WithEndpoint, 'yes']
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16, EnableDnsHostnames: true}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}
  BAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref SubnetB, RouteTableId: !Ref Table}
  Dkr:
    Type: AWS::EC2::VPCEndpoint
    Condition: Endpoint
    Properties: {VpcId: !Ref Vpc, ServiceName: com.amazonaws.eu-west-1.ecr.dkr, VpcEndpointType: Interface, PrivateDnsEnabled: true, SubnetIds: [!Ref SubnetA]}
  Service:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [!Ref SubnetA]}}
  Maybe:
    Type: AWS::ECS::Service
    Condition: Endpoint
    Properties:
      LaunchType: FARGATE
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [!Ref SubnetA]}}
`
	f, err := readString(t, text, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		audit.ActionDescribeVpcEndpoints + " Vpc":               "Condition Endpoint (whether Dkr is created) comes from parameter WithEndpoint",
		audit.ActionDescribeServices + " service/default/Maybe": "Condition Endpoint (whether Maybe is created)",
		audit.ActionDescribeSubnets + " SubnetB":                "BAssoc RouteTableId comes from parameter Table",
	}
	wantUndecided(t, f, want)
	if f.Subnets["SubnetB"] != nil {
		t.Errorf("SubnetB is in the facts; want it out, so no main table stands in for its open one")
	}
	extra, err := parseEntries("ecr.dkr")
	if err != nil {
		t.Fatal(err)
	}
	rows := audit.Evaluate(f, audit.Options{Extra: extra})
	for _, target := range []string{"ecr.dkr"} {
		for _, r := range rows {
			if r.Target == target && r.Status != report.StatusWarn {
				t.Errorf("got %s %s %s: %s; want undecided", r.Status, r.Check, r.Target, r.Error)
			}
		}
	}
	maybe := findRow(rows, "undecided", "service/default/Maybe")
	if maybe == nil || !strings.Contains(maybe.Error, "whether Maybe is created") {
		t.Errorf("got Maybe row %+v; want undecided on its Condition; rows:%s", maybe, dumpRows(rows))
	}
}

// TestReferencesBounded: references that loop or multiply end in an
// error naming them, not in endless or exponential work.
func TestReferencesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("Resources:\n  V0: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  V%d: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Join ['', [!GetAtt V%d.CidrBlock, !GetAtt V%d.CidrBlock]]}}\n", i, i-1, i-1)
	}
	tests := []struct{ name, text, want string }{
		{"self", "Resources:\n  V: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !GetAtt V.CidrBlock}}\n", "Fn::GetAtt V.CidrBlock refers to itself"},
		{"cycle through Sub", "Resources:\n  A: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Sub '${B.CidrBlock}'}}\n  B: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Sub '${A.CidrBlock}'}}\n", "refers to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readString(t, tt.text, Options{Region: "eu-west-1"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want %q", err, tt.want)
			}
		})
	}
	// 2^40 paths through the references: the cache reads each once.
	done := make(chan error, 1)
	go func() {
		_, err := readString(t, b.String(), Options{Region: "eu-west-1"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a value over 1024 KiB") {
			t.Errorf("doubling template: error = %v; want a value over 1024 KiB", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("doubling template: no answer within a minute")
	}
}

// wantUndecided fails t unless f has, for each "ACTION RESOURCE" of
// want, an undecided fact whose error contains the wanted words.
func wantUndecided(t *testing.T, f *audit.Facts, want map[string]string) {
	t.Helper()
	for _, u := range f.Undecided {
		if w, ok := want[u.Action+" "+u.Resource]; ok && strings.Contains(u.Err, w) {
			delete(want, u.Action+" "+u.Resource)
		}
	}
	if len(want) > 0 {
		t.Errorf("got undecided %+v; missing %v", f.Undecided, want)
	}
}
