package live

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/preflight-dev/preflight/audit"
)

// TestTaskDefinitionKeepsLogRouting: the API's task definition keeps the
// log options and the log router's firelensConfiguration, as a file does
// (audit's test of the same name), and gives the same needs.
func TestTaskDefinitionKeepsLogRouting(t *testing.T) {
	want := []audit.Container{
		{Name: "log_router", Image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", LogDriver: "awslogs",
			LogOptions: map[string]string{"awslogs-region": "eu-west-1", "awslogs-group": "/ecs/firelens"},
			FireLens:   &audit.FireLens{Type: "fluentbit", Options: map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::cfg/extra.conf"}}},
		{Name: "app", Image: "registry.example.com:5000/team/app:1", LogDriver: "awsfirelens",
			LogOptions: map[string]string{"Name": "kinesis_firehose", "region": "us-east-1", "delivery_stream": "app"}},
	}
	api := convertTaskDefinition(&ecstypes.TaskDefinition{ContainerDefinitions: []ecstypes.ContainerDefinition{
		{Name: aws.String("log_router"), Image: aws.String("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"),
			FirelensConfiguration: &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit,
				Options: map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::cfg/extra.conf"}},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs,
				Options: map[string]string{"awslogs-region": "eu-west-1", "awslogs-group": "/ecs/firelens"}}},
		{Name: aws.String("app"), Image: aws.String("registry.example.com:5000/team/app:1"),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwsfirelens,
				Options: map[string]string{"Name": "kinesis_firehose", "region": "us-east-1", "delivery_stream": "app"}}},
	}})
	if !reflect.DeepEqual(api.Containers, want) {
		t.Errorf("got %+v; want %+v", api.Containers, want)
	}
	const account = "123456789012"
	got := audit.Needs(&audit.Workload{TaskDefinition: api}, "eu-west-1", account, nil)
	wantNeeds := audit.Needs(&audit.Workload{TaskDefinition: &audit.TaskDefinition{Containers: want}}, "eu-west-1", account, nil)
	if !reflect.DeepEqual(got, wantNeeds) {
		t.Errorf("needs: got %+v; want %+v", got, wantNeeds)
	}
}

// TestTaskDefinitionKeepsPreflightEnvironment: the API's task definition
// keeps entryPoint, command and the PREFLIGHT_* variables, and nothing
// else of the environment, as a file does (audit's test of the same name).
func TestTaskDefinitionKeepsPreflightEnvironment(t *testing.T) {
	want := audit.Container{Name: "preflight", Image: "acme/preflight:1", EntryPoint: []string{"/preflight"}, Command: []string{"check"},
		Environment: map[string]string{"PREFLIGHT_CHECKS": "kms", "PREFLIGHT_REGION": "us-west-2"}}
	api := convertTaskDefinition(&ecstypes.TaskDefinition{ContainerDefinitions: []ecstypes.ContainerDefinition{{
		Name: aws.String("preflight"), Image: aws.String("acme/preflight:1"), EntryPoint: []string{"/preflight"}, Command: []string{"check"},
		Environment: []ecstypes.KeyValuePair{
			{Name: aws.String("PREFLIGHT_CHECKS"), Value: aws.String("kms")},
			{Name: aws.String("DB_PASSWORD"), Value: aws.String("hunter2")},
			{Name: aws.String("PREFLIGHT_REGION"), Value: aws.String("us-west-2")},
		},
	}}})
	if got := api.Containers[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("api: got %+v; want %+v", got, want)
	}
}

// TestTaskDefinitionOSFamily: the API's task definition keeps
// runtimePlatform's operatingSystemFamily, as a file does (audit's test of
// the same name), and none stays none.
func TestTaskDefinitionOSFamily(t *testing.T) {
	api := convertTaskDefinition(&ecstypes.TaskDefinition{
		RuntimePlatform: &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyWindowsServer2022Core},
	})
	none := convertTaskDefinition(&ecstypes.TaskDefinition{})
	for name, tt := range map[string]struct {
		td   *audit.TaskDefinition
		want string
	}{"api": {api, "WINDOWS_SERVER_2022_CORE"}, "unset": {none, ""}} {
		if tt.td.OSFamily != tt.want {
			t.Errorf("%s: got OSFamily %q; want %q", name, tt.td.OSFamily, tt.want)
		}
	}
}
