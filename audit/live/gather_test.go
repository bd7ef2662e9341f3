package live

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

func TestInputValidate(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want []string // each must be in the error; none means valid
	}{
		{"cluster sweep", Input{Cluster: "prod"}, nil},
		{"named services", Input{Cluster: "prod", Services: []string{"a", "b"}}, nil},
		{"pre-deploy", Input{TaskDefinition: "orders:3", Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}, nil},
		{"nothing", Input{}, []string{"--cluster", "--task-definition"}},
		{"subnets alone", Input{TaskDefinition: "orders", Subnets: []string{"subnet-1"}}, []string{"--subnets: needs --security-groups"}},
		{"groups alone", Input{TaskDefinition: "orders", SecurityGroups: []string{"sg-1"}}, []string{"--security-groups: needs --subnets"}},
		{"task definition without network", Input{TaskDefinition: "orders"}, []string{"--task-definition: needs --subnets and --security-groups"}},
		{"service with task definition", Input{TaskDefinition: "orders", Services: []string{"a"}, Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}, []string{"--service"}},
		{"subnets on a sweep", Input{Cluster: "prod", Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}, []string{"--subnets: applies to --task-definition"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v; want valid", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v; want an *InputError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q; want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestParseTaskDefinitionJSON(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"minimal", `{"family":"f","containerDefinitions":[{"name":"a","image":"i"}]}`, nil},
		{"describe output", `{"taskDefinition":{"family":"f","containerDefinitions":[{"name":"a","image":"i"}]}}`, nil},
		{"not JSON", "{\n\"family\": }", []string{"line 2, column"}},
		{"not an object", `[]`, []string{"(document): want an object, got an array"}},
		{"no family, no containers", `{}`, []string{"family: missing", "containerDefinitions: missing"}},
		{"empty containers", `{"family":"f","containerDefinitions":[]}`, []string{"containerDefinitions: empty"}},
		{"second container without image", `{"family":"f","containerDefinitions":[{"name":"a","image":"i"},{"name":"b"}]}`, []string{"containerDefinitions[1].image: missing"}},
		{"image of the wrong type", `{"family":"f","containerDefinitions":[{"name":"a","image":7}]}`, []string{"containerDefinitions[0].image: want a string, got a number"}},
		{"secret without valueFrom", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","secrets":[{"name":"S"}]}]}`, []string{"containerDefinitions[0].secrets[0].valueFrom: missing"}},
		{"log driver missing", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","logConfiguration":{"options":{}}}]}`, []string{"containerDefinitions[0].logConfiguration.logDriver: missing"}},
		{"bridge mode", `{"family":"f","networkMode":"bridge","containerDefinitions":[{"name":"a","image":"i"}]}`, []string{"networkMode"}},
		{"command of the wrong type", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","command":["check",1]}]}`, []string{"containerDefinitions[0].command[1]: want a string, got a number"}},
		{"environment without name", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","environment":[{"value":"v"}]}]}`, []string{"containerDefinitions[0].environment[0].name: missing"}},
		{"runtimePlatform of the wrong type", `{"family":"f","runtimePlatform":{"operatingSystemFamily":7},"containerDefinitions":[{"name":"a","image":"i"}]}`, []string{"runtimePlatform.operatingSystemFamily: want a string, got a number"}},
		{"efs without file system", `{"family":"f","containerDefinitions":[{"name":"a","image":"i"}],"volumes":[{"name":"v","efsVolumeConfiguration":{}}]}`, []string{"volumes[0].efsVolumeConfiguration.fileSystemId: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, _, err := audit.ParseTaskDefinitionJSON([]byte(tt.doc))
			if len(tt.want) == 0 {
				if err != nil || td == nil || td.Family != "f" || len(td.Containers) != 1 {
					t.Fatalf("got %+v, %v; want family f with one container", td, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %+v; want an error", td)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q; want it to mention %q", err, w)
				}
			}
		})
	}
}

// TestParseTaskDefinitionExample reads the repository's example the way
// the pre-deploy form does.
func TestParseTaskDefinitionExample(t *testing.T) {
	g := &gathering{g: &Gatherer{}}
	td, compat, err := g.readTaskDefinitionFile(context.Background(), "../../task-def.example.json")
	if err != nil {
		t.Fatal(err)
	}
	if td.Family != "orders" || len(td.Containers) != 2 || td.NetworkMode != "awsvpc" || len(compat) != 1 || compat[0] != "FARGATE" {
		t.Errorf("got %+v %v", td, compat)
	}
	for _, c := range td.Containers {
		if c.LogDriver != "awslogs" || c.LogOptions["awslogs-region"] != "us-east-1" {
			t.Errorf("container %s: log %s %v", c.Name, c.LogDriver, c.LogOptions)
		}
	}
}

// faultAPI injects errors into chosen calls of an API.
type faultAPI struct {
	API
	nacls, vpcAttr, services, endpoints error
}

func (f faultAPI) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	if f.endpoints != nil {
		return nil, f.endpoints
	}
	return f.API.DescribeVpcEndpoints(ctx, in, o...)
}

func (f faultAPI) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if f.services != nil {
		return nil, f.services
	}
	return f.API.DescribeServices(ctx, in, o...)
}

func (f faultAPI) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	if f.nacls != nil {
		return nil, f.nacls
	}
	return f.API.DescribeNetworkAcls(ctx, in, o...)
}

func (f faultAPI) DescribeVpcAttribute(ctx context.Context, in *ec2.DescribeVpcAttributeInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	if f.vpcAttr != nil {
		return nil, f.vpcAttr
	}
	return f.API.DescribeVpcAttribute(ctx, in, o...)
}

// TestGatherFaults: a throttled, denied or undecodable answer becomes an
// Undecided fact and the rest is gathered; an error without any answer
// ends the audit.
func TestGatherFaults(t *testing.T) {
	m := moto(t)
	w := m.scenario(t)
	api, region := m.api(t, "test", "test")

	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	denied := &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}
	// An answer the SDK cannot decode (a proxy's HTML 403) is still an
	// answer about one call.
	undecodable := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}},
		Err:      errors.New("deserialization failed, failed to decode response body"),
	}}
	f, err := (&Gatherer{API: faultAPI{API: api, nacls: throttled, vpcAttr: denied, endpoints: undecodable}, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	got := map[string]audit.Undecided{}
	for _, u := range f.Undecided {
		got[u.Action+" "+u.Resource] = u
	}
	// A read filtered by VPC names the VPC it could not read.
	if u := got[audit.ActionDescribeNetworkAcls+" "+w.VPC]; u.Code != "ThrottlingException" {
		t.Errorf("undecided %+v; want %s on %s ThrottlingException", f.Undecided, audit.ActionDescribeNetworkAcls, w.VPC)
	}
	if u := got[audit.ActionDescribeVpcAttribute+" "+w.VPC]; u.Code != "UnauthorizedOperation" {
		t.Errorf("undecided %+v; want %s on %s UnauthorizedOperation", f.Undecided, audit.ActionDescribeVpcAttribute, w.VPC)
	}
	if u := got[audit.ActionDescribeVpcEndpoints+" "+w.VPC]; u.Code != audit.CodeUndecodable || !strings.HasPrefix(u.Err, "HTTP 403: ") {
		t.Errorf("undecided %+v; want %s on %s %s: HTTP 403", f.Undecided, audit.ActionDescribeVpcEndpoints, w.VPC, audit.CodeUndecodable)
	}
	if v := f.VPCs[w.VPC]; v == nil || v.DNSSupport != audit.TriUnknown || v.DNSHostnames != audit.TriUnknown || len(v.CIDRs) == 0 {
		t.Errorf("VPC %+v; want CIDRs and unknown DNS attributes", v)
	}
	if len(f.NetworkACLs) != 0 || len(f.Endpoints) != 0 || len(f.RouteTables) == 0 || len(f.Workloads) != 1 {
		t.Errorf("%d NACLs, %d endpoints, %d route tables, %d workloads; want 0, 0, some, 1",
			len(f.NetworkACLs), len(f.Endpoints), len(f.RouteTables), len(f.Workloads))
	}

	// Services that cannot be described are reported, not dropped: an
	// empty report would pass.
	f, err = (&Gatherer{API: faultAPI{API: api, services: denied}, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if len(f.Workloads) != 1 || f.Workloads[0].Name != "service/prod/orders" || f.Workloads[0].TaskDefinition != nil || f.Workloads[0].AssignPublicIP != "" {
		t.Fatalf("workloads %+v; want one unread placeholder for service/prod/orders", f.Workloads)
	}
	for _, tt := range []struct {
		failUndecided bool
		exit          int
	}{{false, report.ExitOK}, {true, report.ExitUndecided}} {
		rows := audit.Evaluate(f, audit.Options{FailUndecided: tt.failUndecided})
		if code := report.ExitCode(rows); code != tt.exit {
			t.Errorf("DescribeServices denied, FailUndecided=%v: exit %d; want %d\n%s", tt.failUndecided, code, tt.exit, motoDumpRows(rows))
		}
		warned := false
		for _, r := range rows {
			warned = warned || (r.Target == "service/prod/orders" && r.Status != report.StatusPass && r.Status != report.StatusSkip)
		}
		if !warned {
			t.Errorf("DescribeServices denied: no row warns about service/prod/orders\n%s", motoDumpRows(rows))
		}
	}

	// No AWS answer at all: every call would fail the same way.
	dead, region := deadAPI(t)
	_, err = (&Gatherer{API: dead, Region: region}).Gather(context.Background(), Input{Cluster: "prod"})
	var envErr *EnvironmentError
	if !errors.As(err, &envErr) || !strings.Contains(err.Error(), audit.ActionDescribeClusters) {
		t.Errorf("got %v; want an *EnvironmentError naming %s", err, audit.ActionDescribeClusters)
	}
}
