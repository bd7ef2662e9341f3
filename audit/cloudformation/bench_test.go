package cloudformation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/preflight-dev/preflight/audit"
)

// bigTemplate writes a template of n Fargate services, each with its own
// task definition and security group, in one VPC of 2 subnets with the
// S3 gateway and the ECR and logs interface endpoints, as a CDK stack
// would write it (long-form intrinsics).
func bigTemplate(t testing.TB, n int) string {
	t.Helper()
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	res := map[string]any{
		"Vpc":    map[string]any{"Type": "AWS::EC2::VPC", "Properties": map[string]any{"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": true}},
		"Routes": map[string]any{"Type": "AWS::EC2::RouteTable", "Properties": map[string]any{"VpcId": ref("Vpc")}},
		"S3": map[string]any{"Type": "AWS::EC2::VPCEndpoint", "Properties": map[string]any{"VpcId": ref("Vpc"),
			"ServiceName": map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".s3"}}}, "RouteTableIds": []any{ref("Routes")}}},
		"EndpointSg": map[string]any{"Type": "AWS::EC2::SecurityGroup", "Properties": map[string]any{"GroupDescription": "endpoints", "VpcId": ref("Vpc"),
			"SecurityGroupIngress": []any{map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": map[string]any{"Fn::GetAtt": []any{"Vpc", "CidrBlock"}}}}}},
		"Cluster": map[string]any{"Type": "AWS::ECS::Cluster"},
	}
	var subnets []any
	for i := 0; i < 2; i++ {
		id := fmt.Sprintf("Subnet%d", i)
		res[id] = map[string]any{"Type": "AWS::EC2::Subnet", "Properties": map[string]any{"VpcId": ref("Vpc"), "CidrBlock": fmt.Sprintf("10.0.%d.0/24", i),
			"AvailabilityZone": map[string]any{"Fn::Select": []any{i, map[string]any{"Fn::GetAZs": ""}}}}}
		res[id+"Assoc"] = map[string]any{"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": map[string]any{"SubnetId": ref(id), "RouteTableId": ref("Routes")}}
		subnets = append(subnets, ref(id))
	}
	for _, svc := range []string{"ecr.api", "ecr.dkr", "logs"} {
		res["Ep"+fmt.Sprint(len(res))] = map[string]any{"Type": "AWS::EC2::VPCEndpoint", "Properties": map[string]any{"VpcId": ref("Vpc"),
			"ServiceName": map[string]any{"Fn::Sub": "com.amazonaws.${AWS::Region}." + svc}, "VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
			"SubnetIds": subnets, "SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{"EndpointSg", "GroupId"}}}}}
	}
	for i := 0; i < n; i++ {
		sg, td, svc := fmt.Sprintf("Svc%dSg", i), fmt.Sprintf("Svc%dTaskDef", i), fmt.Sprintf("Svc%d", i)
		res[sg] = map[string]any{"Type": "AWS::EC2::SecurityGroup", "Properties": map[string]any{"GroupDescription": svc, "VpcId": ref("Vpc")}}
		res[td] = map[string]any{"Type": "AWS::ECS::TaskDefinition", "Properties": map[string]any{
			"Family": svc, "NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"}, "Cpu": "256", "Memory": "512",
			"ContainerDefinitions": []any{map[string]any{"Name": "app", "Essential": true,
				"Image":       map[string]any{"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/" + fmt.Sprintf("svc%d", i) + ":latest"},
				"Environment": []any{map[string]any{"Name": "MODE", "Value": "prod"}},
				"LogConfiguration": map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
					"awslogs-group": svc, "awslogs-region": ref("AWS::Region"), "awslogs-stream-prefix": "app"}}}}}}
		res[svc] = map[string]any{"Type": "AWS::ECS::Service", "Properties": map[string]any{"Cluster": ref("Cluster"), "LaunchType": "FARGATE",
			"TaskDefinition": ref(td), "DesiredCount": 2,
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{"AssignPublicIp": "DISABLED", "Subnets": subnets,
				"SecurityGroups": []any{map[string]any{"Fn::GetAtt": []any{sg, "GroupId"}}}}}}}
	}
	b, err := json.Marshal(map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": res})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.template.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBigTemplate: the benchmark's template is judged as intended, every
// service passing, so the benchmark measures a full judgement.
func TestBigTemplate(t *testing.T) {
	f, err := Read(bigTemplate(t, 200), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Workloads) != 200 || len(f.Undecided) != 0 {
		t.Fatalf("got %d workloads, undecided %v; want 200 and none", len(f.Workloads), f.Undecided)
	}
	rows := audit.Evaluate(f, audit.Options{})
	for _, r := range rows {
		if r.Status != "pass" {
			t.Fatalf("got %s %s %s: %s; want every row to pass", r.Status, r.Check, r.Target, r.Error)
		}
	}
	if len(rows) < 200*5 {
		t.Errorf("got %d rows; want at least 5 per service", len(rows))
	}
}

// BenchmarkTemplate200Services reads and judges a 200-service template
// (the README quotes its ns/op; the target is under 0.2 s).
func BenchmarkTemplate200Services(b *testing.B) {
	path := bigTemplate(b, 200)
	b.ReportAllocs()
	for b.Loop() {
		f, err := Read(path, Options{Region: "eu-west-1"})
		if err != nil {
			b.Fatal(err)
		}
		audit.Evaluate(f, audit.Options{})
	}
}
