package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// needPorts renders needs as "service@region:port" ("host(name):port" for
// host needs, "!" for internet), the reason after "|" when withReason.
func needPorts(needs []Need, withReason bool) string {
	var parts []string
	for _, n := range needs {
		s := fmt.Sprintf("%s@%s:%d", n.Service, n.Region, n.Port)
		if n.Host != "" {
			s = fmt.Sprintf("%s(%s):%d", n.Service, n.Host, n.Port)
		}
		if n.Internet {
			s += "!"
		}
		if withReason {
			s += "|" + n.Reason
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// TestNeedsLogRoutes: FireLens outputs and awslogs-endpoint are needs, as
// `check`'s auto derives them (issue 24 item 2).
func TestNeedsLogRoutes(t *testing.T) {
	const region = "eu-west-1"
	fl := func(opts map[string]string) Container {
		return Container{Name: "app", LogDriver: "awsfirelens", LogOptions: opts}
	}
	tests := []struct {
		name string
		cs   []Container
		want string
	}{
		{"FireLens cloudwatch_logs", []Container{fl(map[string]string{"Name": "cloudwatch_logs", "region": region})},
			"logs@eu-west-1:443"},
		{"FireLens cloudwatch in another region", []Container{fl(map[string]string{"Name": "cloudwatch", "region": "us-east-1"})},
			"logs@us-east-1:443"},
		{"FireLens kinesis_streams without region", []Container{fl(map[string]string{"Name": "kinesis_streams"})},
			"kinesis-streams@eu-west-1:443"},
		{"FireLens kinesis", []Container{fl(map[string]string{"Name": "kinesis", "region": region})},
			"kinesis-streams@eu-west-1:443"},
		{"FireLens firehose", []Container{fl(map[string]string{"Name": "firehose", "region": region})},
			"firehose@eu-west-1:443"},
		{"FireLens kinesis_firehose", []Container{fl(map[string]string{"Name": "kinesis_firehose", "region": "eu-central-1"})},
			"firehose@eu-central-1:443"},
		{"FireLens s3", []Container{fl(map[string]string{"Name": "s3", "region": region, "bucket": "b"})},
			"s3@eu-west-1:443"},
		{"FireLens output endpoint", []Container{fl(map[string]string{"Name": "cloudwatch_logs", "endpoint": "https://10.0.5.10:8443"})},
			"host(10.0.5.10):8443"},
		{"FireLens third party output", []Container{fl(map[string]string{"Name": "datadog"})}, ""},
		{"log router with its config file in S3, logging with awslogs", []Container{{Name: "log_router", LogDriver: "awslogs",
			LogOptions: map[string]string{"awslogs-region": region},
			FireLens:   &FireLens{Type: "fluentbit", Options: map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::cfg/fluent.conf"}}}},
			"logs@eu-west-1:443 s3@eu-west-1:443"},
		{"log router with its config file in the image", []Container{{Name: "log_router",
			FireLens: &FireLens{Type: "fluentbit", Options: map[string]string{"config-file-type": "file", "config-file-value": "/extra.conf"}}}},
			""},
		{"awslogs-endpoint of a VPC endpoint replaces logs", []Container{{Name: "app", LogDriver: "awslogs", LogOptions: map[string]string{
			"awslogs-region": region, "awslogs-endpoint": "https://vpce-0a1b-c2d3.logs.eu-west-1.vpce.amazonaws.com"}}},
			"host(vpce-0a1b-c2d3.logs.eu-west-1.vpce.amazonaws.com):443"},
		{"awslogs-endpoint with a port", []Container{{Name: "app", LogDriver: "awslogs", LogOptions: map[string]string{
			"awslogs-endpoint": "https://logs-proxy.corp.example:8443"}}},
			"host(logs-proxy.corp.example):8443"},
		{"awslogs-endpoint as an IP address", []Container{{Name: "app", LogDriver: "awslogs", LogOptions: map[string]string{
			"awslogs-endpoint": "http://10.0.5.10"}}},
			"host(10.0.5.10):80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Workload{TaskDefinition: &TaskDefinition{Family: "f", Containers: tt.cs}}
			if got := needPorts(Needs(w, region, testAccount, nil), false); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestNeedsLogRouteReasons: the rows say which container and option ask.
func TestNeedsLogRouteReasons(t *testing.T) {
	w := &Workload{TaskDefinition: &TaskDefinition{Family: "f", Containers: []Container{
		{Name: "app", LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis_firehose", "region": "us-east-1"}},
		{Name: "web", LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-endpoint": "https://logs.corp.example"}},
	}}}
	got := needPorts(Needs(w, "eu-west-1", testAccount, nil), true)
	for _, want := range []string{
		"firehose@us-east-1:443|container app log driver awsfirelens output kinesis_firehose (region us-east-1)",
		"host(logs.corp.example):443|container web awslogs-endpoint https://logs.corp.example",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got %q; want it to contain %q", got, want)
		}
	}
}

// TestNeedsRegistryPort: an image from a registry that names its port
// needs that port (issue 24 item 3); a registry that is an IP literal or
// localhost is a host need on that address, not the internet.
func TestNeedsRegistryPort(t *testing.T) {
	tests := []struct {
		image, want string
	}{
		{"registry.example.com:5000/team/app:1", "internet@eu-west-1:5000!|image registry.example.com:5000/team/app:1 (registry registry.example.com:5000)"},
		{"registry.example.com/team/app:1", "internet@eu-west-1:443!|image registry.example.com/team/app:1 (registry registry.example.com)"},
		{"localhost:5000/app", "host(localhost):5000|image localhost:5000/app (registry localhost:5000)"},
		{"[2001:db8::1]:5000/app:2", "host(2001:db8::1):5000|image [2001:db8::1]:5000/app:2 (registry [2001:db8::1]:5000)"},
		{"10.0.12.50:5000/team/app:1", "host(10.0.12.50):5000|image 10.0.12.50:5000/team/app:1 (registry 10.0.12.50:5000)"},
		{"10.0.12.50/team/app:1", "host(10.0.12.50):443|image 10.0.12.50/team/app:1 (registry 10.0.12.50)"},
		{"registry.example.com:443/app", "internet@eu-west-1:443!|image registry.example.com:443/app (registry registry.example.com:443)"},
		{"nginx:1.27", "internet@eu-west-1:443!|image nginx:1.27 (registry registry-1.docker.io)"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			w := &Workload{TaskDefinition: &TaskDefinition{Family: "f", Containers: []Container{{Name: "app", Image: tt.image}}}}
			if got := needPorts(Needs(w, "eu-west-1", testAccount, nil), true); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestTaskDefinitionKeepsLogRouting: a task-definition file keeps the log
// options and the log router's firelensConfiguration, and gives the needs
// of its log routes (audit/live's test of the same name checks that the
// API's task definition gives the same containers and needs).
func TestTaskDefinitionKeepsLogRouting(t *testing.T) {
	want := []Container{
		{Name: "log_router", Image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", LogDriver: "awslogs",
			LogOptions: map[string]string{"awslogs-region": "eu-west-1", "awslogs-group": "/ecs/firelens"},
			FireLens:   &FireLens{Type: "fluentbit", Options: map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::cfg/extra.conf"}}},
		{Name: "app", Image: "registry.example.com:5000/team/app:1", LogDriver: "awsfirelens",
			LogOptions: map[string]string{"Name": "kinesis_firehose", "region": "us-east-1", "delivery_stream": "app"}},
	}
	file, _, err := ParseTaskDefinitionJSON([]byte(`{"family":"f","containerDefinitions":[
		{"name":"log_router","image":"public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
		 "firelensConfiguration":{"type":"fluentbit","options":{"config-file-type":"s3","config-file-value":"arn:aws:s3:::cfg/extra.conf"}},
		 "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-region":"eu-west-1","awslogs-group":"/ecs/firelens"}}},
		{"name":"app","image":"registry.example.com:5000/team/app:1",
		 "logConfiguration":{"logDriver":"awsfirelens","options":{"Name":"kinesis_firehose","region":"us-east-1","delivery_stream":"app"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	const wantNeeds = "firehose@us-east-1:443 internet@eu-west-1:443! internet@eu-west-1:5000! logs@eu-west-1:443 s3@eu-west-1:443"
	if !reflect.DeepEqual(file.Containers, want) {
		t.Errorf("got %+v; want %+v", file.Containers, want)
	}
	if got := needPorts(Needs(&Workload{TaskDefinition: file}, "eu-west-1", testAccount, nil), false); got != wantNeeds {
		t.Errorf("needs: got %q; want %q", got, wantNeeds)
	}
}

func TestParseTaskDefinitionFireLensProblems(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"FireLens without type", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","firelensConfiguration":{}}]}`,
			"containerDefinitions[0].firelensConfiguration.type: missing"},
		{"FireLens option of the wrong type", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","firelensConfiguration":{"type":"fluentbit","options":{"config-file-type":1}}}]}`,
			"containerDefinitions[0].firelensConfiguration.options.config-file-type: want a string, got a number"},
		{"log option of the wrong type", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","logConfiguration":{"logDriver":"awsfirelens","options":{"region":true}}}]}`,
			"containerDefinitions[0].logConfiguration.options.region: want a string, got a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseTaskDefinitionJSON([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestNeedsLogRoutesOnInstances: on the EC2 launch type the instance
// ships awslogs (its awslogs-endpoint too) and fetches the FireLens
// configuration file from S3; a FireLens output is the task's own.
func TestNeedsLogRoutesOnInstances(t *testing.T) {
	w := &Workload{LaunchType: LaunchEC2, TaskDefinition: &TaskDefinition{Family: "f", Containers: []Container{
		{Name: "log_router", LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-endpoint": "https://logs.corp.example:8443"},
			FireLens: &FireLens{Type: "fluentbit", Options: map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::cfg/extra.conf"}}},
		{Name: "app", LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis_firehose", "region": "eu-west-1"}},
	}}}
	var got []string
	for _, n := range Needs(w, "eu-west-1", testAccount, nil) {
		if strings.HasPrefix(n.Service, "ecs") {
			continue // the agent's own
		}
		got = append(got, fmt.Sprintf("%s instance=%t", needPorts([]Need{n}, false), n.ViaInstance))
	}
	want := []string{"firehose@eu-west-1:443 instance=false", "host(logs.corp.example):8443 instance=true", "s3@eu-west-1:443 instance=true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}
