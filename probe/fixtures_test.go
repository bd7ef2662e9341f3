package probe

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/report"
)

// Fixtures built from the ECS agent's own TMDS v4 handlers and from AWS's
// documentation. Sources (github.com/aws/amazon-ecs-agent):
//
//   - agent-ec2-awsvpc-*: agent/handlers/task_server_setup_test.go
//     (standardTask, expectedV4TaskResponse, expectedV4PulledTaskResponse: the
//     PULLED container without DockerId or Networks) and
//     ecs-agent/tmds/handlers/v4/handlers_test.go (taskResponseJSON:
//     Limits, ClockDrift, EphemeralStorageMetrics, FaultInjectionEnabled);
//     field names from ecs-agent/tmds/handlers/v4/state/response.go and
//     ecs-agent/tmds/handlers/v2/response.go (TaskTags,
//     ContainerInstanceTags, Errors, Snapshotter, RestartCount,
//     AvailabilityZoneID). The pause container carries the task ENI's
//     properties because agent/handlers/v4/response.go (toV4NetworkResponse)
//     fills them for every awsvpc network.
//   - agent-ec2-awsvpc-dualstack-task.json, agent-ec2-awsvpc-ipv6only-task.json:
//     task_server_setup_test.go "happy case awsvpc task - dual stack case" /
//     "- IPv6-only case" (SubnetGatewayIpv6Address only for IPv6-only ENIs,
//     no IPv4Addresses / IPv4SubnetCIDRBlock then).
//   - agent-ec2-bridge-*, agent-ec2-host-*: agent/handlers/v4/
//     container_metadata_handler.go (GetContainerNetworkMetadata: the Docker
//     network name as NetworkMode, IPv4Addresses [""] when Docker has no
//     address, as for host mode and "container:" mode).
//   - agent-ec2-bridge-serviceconnect-task.json: agent/handlers/v4/tmdsstate.go
//     (sortContainersCNIPauseFirst), agent/api/task/task.go (one pause
//     container per task container, "--network container:$pause"), and
//     agent/engine/serviceconnect/manager_linux.go (the Service Connect
//     container's Image is the locally loaded ecs-service-connect-agent:interface-vN).
//   - agent-ec2-bridge-oldagent-task.json: agents before 1.45.0 emit no
//     LaunchType (AWS docs, "task metadata V4 JSON response") and no VPCID.
//   - aws-doc-fargate-*: modelled on AWS's "Task metadata v4 examples for
//     tasks on Fargate" (SubnetGatewayIpv4Address given as a CIDR there).
//   - fargate-dualstack-task.json, fargate-ipv6only-task.json: that example
//     with the agent's dual-stack / IPv6-only network shapes (no real capture).
var agentFixtures = []struct {
	file       string
	arn        TaskARN
	launch     string
	mode       string // TaskNetwork().NetworkMode
	mac        string // "" when the network has none
	subnet     string // SubnetCIDR, "" when none
	hintSubnet string // HintSubnetCIDR, "" when none
	dns        []string
	resolver   string         // a resolver in use that must pass ResolverPosture
	route      string         // public-IP verdict source: tmds, imds or ec2
	verdict    report.Verdict // with IMDS answering 404 and the ENI found without association
}{
	{file: "agent-ec2-awsvpc-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "EC2", mode: "awsvpc", mac: "06:96:9a:ce:a6:ce",
		subnet: "172.31.32.0/20", hintSubnet: "172.31.32.0/20", dns: []string{"172.31.0.2"}, resolver: "172.31.0.2:53", route: "tmds", verdict: report.VerdictNone},
	{file: "agent-ec2-awsvpc-dualstack-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "EC2", mode: "awsvpc", mac: "0a:3b:5c:7d:9e:01",
		subnet: "10.1.2.0/24", hintSubnet: "10.1.2.0/24", dns: []string{"10.1.0.2"}, resolver: "10.1.0.2:53", route: "tmds", verdict: report.VerdictNone},
	{file: "agent-ec2-awsvpc-ipv6only-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "EC2", mode: "awsvpc", mac: "0a:3b:5c:7d:9e:02",
		hintSubnet: "2600:1f14:30ab:6901::/64", dns: []string{"fd00:ec2::253"}, resolver: "[fd00:ec2::253]:53", route: "tmds", verdict: report.VerdictNone},
	{file: "agent-ec2-bridge-task.json", arn: TaskARN{"aws", "us-east-1", "111122223333"}, launch: "EC2", mode: "bridge",
		resolver: "10.0.0.2:53", route: "imds", verdict: report.VerdictNone},
	{file: "agent-ec2-bridge-serviceconnect-task.json", arn: TaskARN{"aws", "eu-west-1", "111122223333"}, launch: "EC2", mode: "bridge",
		resolver: "169.254.169.253:53", route: "imds", verdict: report.VerdictNone},
	{file: "agent-ec2-host-task.json", arn: TaskARN{"aws-us-gov", "us-gov-west-1", "111122223333"}, launch: "EC2", mode: "host",
		resolver: "10.20.0.2:53", route: "imds", verdict: report.VerdictNone},
	{file: "agent-ec2-bridge-oldagent-task.json", arn: TaskARN{"aws", "ap-southeast-2", "111122223333"}, launch: "", mode: "bridge",
		resolver: "172.31.0.2:53", route: "imds", verdict: report.VerdictNone},
	{file: "aws-doc-fargate-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "FARGATE", mode: "awsvpc", mac: "0a:de:f6:10:51:e5",
		subnet: "192.0.2.0/24", hintSubnet: "192.0.2.0/24", dns: []string{"192.0.2.2"}, resolver: "192.0.2.2:53", route: "ec2", verdict: report.VerdictNone},
	{file: "fargate-dualstack-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "FARGATE", mode: "awsvpc", mac: "0a:de:f6:10:51:e5",
		subnet: "192.0.2.0/24", hintSubnet: "192.0.2.0/24", dns: []string{"192.0.2.2"}, resolver: "192.0.2.2:53", route: "ec2", verdict: report.VerdictNone},
	{file: "fargate-ipv6only-task.json", arn: TaskARN{"aws", "us-west-2", "111122223333"}, launch: "FARGATE", mode: "awsvpc", mac: "0a:de:f6:10:51:e6",
		hintSubnet: "2600:1f13:4d9:e602::/64", dns: []string{"fd00:ec2::253"}, resolver: "[fd00:ec2::253]:53", route: "tmds", verdict: report.VerdictNone},
}

func prefixString(p interface{ String() string }, ok bool) string {
	if !ok {
		return ""
	}
	return p.String()
}

func TestAgentFixtures(t *testing.T) {
	for _, tt := range agentFixtures {
		t.Run(tt.file, func(t *testing.T) {
			task := loadTask(t, tt.file)
			arn, err := ParseTaskARN(task.TaskARN)
			if err != nil || arn != tt.arn {
				t.Errorf("ParseTaskARN = %+v, %v; want %+v", arn, err, tt.arn)
			}
			if task.LaunchType != tt.launch {
				t.Errorf("LaunchType = %q; want %q", task.LaunchType, tt.launch)
			}
			n, ok := task.TaskNetwork()
			if !ok || n.NetworkMode != tt.mode || n.MACAddress != tt.mac {
				t.Fatalf("TaskNetwork = %+v, %v; want mode %q, MAC %q", n, ok, tt.mode, tt.mac)
			}
			if got := prefixString(n.SubnetCIDR()); got != tt.subnet {
				t.Errorf("SubnetCIDR = %q; want %q", got, tt.subnet)
			}
			if got := prefixString(n.HintSubnetCIDR()); got != tt.hintSubnet {
				t.Errorf("HintSubnetCIDR = %q; want %q", got, tt.hintSubnet)
			}
			if !reflect.DeepEqual(n.DomainNameServers, tt.dns) {
				t.Errorf("DomainNameServers = %v; want %v", n.DomainNameServers, tt.dns)
			}
			if res := ResolverPosture([]string{tt.resolver}, task, true); res.Status != report.StatusPass {
				t.Errorf("ResolverPosture(%s) = %s %s; want pass", tt.resolver, res.Status, res.Error)
			}
			if res := ResolverPosture([]string{"8.8.8.8:53"}, task, true); res.Status != report.StatusWarn {
				t.Errorf("ResolverPosture(8.8.8.8) = %s; want warn", res.Status)
			}

			c := &PublicIPChecker{
				IMDS:        NewIMDSClient(fakeIMDS(t, "", 404, 0, 0).URL),
				IMDSTimeout: time.Second,
				Region:      tt.arn.Region,
				NewEC2: func(context.Context) (InterfaceFinder, error) {
					if tt.route != "ec2" {
						t.Errorf("EC2 API called; route should be %s", tt.route)
					}
					var ip string
					if len(n.IPv4Addresses) > 0 {
						ip = n.IPv4Addresses[0]
					}
					return staticFinder{{ID: "eni-0f1", MACAddress: n.MACAddress, PrivateIP: ip}}, nil
				},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			v, situation := c.Check(ctx, task)
			if v.Source != tt.route || v.Verdict != tt.verdict || situation != "" {
				t.Errorf("public-IP verdict = %+v, situation %q; want %s from %s", v, situation, tt.verdict, tt.route)
			}
		})
	}
}

// TestAgentFixturesKeepTheAgentsShapes pins the shapes preflight must
// tolerate: unknown fields ignored, the PULLED container without DockerId or
// Networks, host mode's [""] address, "container:" network modes.
func TestAgentFixturesKeepTheAgentsShapes(t *testing.T) {
	task := loadTask(t, "agent-ec2-awsvpc-task.json")
	if len(task.Containers) != 3 || task.VPCID != "vpc-0a1b2c3d4e5f60718" || task.ServiceName != "sleep-svc" {
		t.Fatalf("task = %+v", task)
	}
	pulled := task.Containers[2]
	if pulled.KnownStatus != "PULLED" || pulled.DockerID != "" || len(pulled.Networks) != 0 || pulled.Image != "busybox" {
		t.Errorf("pulled container = %+v", pulled)
	}
	if c := task.Containers[1]; c.LogOptions["awslogs-region"] != "us-west-2" || c.Labels["foo"] != "bar" || c.Networks[0].AttachmentIndex != 0 {
		t.Errorf("container = %+v", c)
	}
	host := loadTask(t, "agent-ec2-host-task.json")
	if n, _ := host.TaskNetwork(); !reflect.DeepEqual(n.IPv4Addresses, []string{""}) {
		t.Errorf("host IPv4Addresses = %q; want the agent's [\"\"]", n.IPv4Addresses)
	}
	sc := loadTask(t, "agent-ec2-bridge-serviceconnect-task.json")
	if n, _ := sc.TaskNetwork(); n.IPv4Addresses[0] != "172.17.0.5" {
		t.Errorf("Service Connect bridge network = %+v; want the first pause container's bridge address", n)
	}
	if mode := sc.Containers[2].Networks[0].NetworkMode; !strings.HasPrefix(mode, "container:") {
		t.Errorf("app container network mode = %q", mode)
	}
}

// TestContainerEndpointFixtures decodes ${URI} (this container's document)
// for each mode, through the client.
func TestContainerEndpointFixtures(t *testing.T) {
	tests := []struct {
		file, name, mode, ip, logRegion string
	}{
		{"agent-ec2-awsvpc-container.json", "sleepy", "awsvpc", "172.31.47.69", "us-west-2"},
		{"agent-ec2-bridge-container.json", "sleepy", "bridge", "172.17.0.3", "us-east-1"},
		{"agent-ec2-host-container.json", "agent", "host", "", "us-gov-west-1"},
		{"aws-doc-fargate-container.json", "curl", "awsvpc", "192.0.2.3", "us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var c Container
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			if c.Name != tt.name || c.Type != "NORMAL" || c.LogOptions["awslogs-region"] != tt.logRegion {
				t.Errorf("container = %+v", c)
			}
			if len(c.Networks) != 1 || c.Networks[0].NetworkMode != tt.mode || c.Networks[0].IPv4Addresses[0] != tt.ip {
				t.Errorf("networks = %+v; want one %s network with %q", c.Networks, tt.mode, tt.ip)
			}
		})
	}
}
