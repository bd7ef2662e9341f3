package live

import (
	"context"
	"slices"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestReplayCrossRegionEndpoints: the shop image is in us-west-2, its log
// group and its secret too, and the tasks run in us-east-1 in subnets
// without an internet path. AWS PrivateLink serves ECR and S3 across
// Regions (an interface endpoint with ServiceRegion us-west-2 and the
// other Region's service name), but not CloudWatch Logs or Secrets
// Manager: with the three cross-Region endpoints the image pull passes
// through them; the log group and the secret keep today's verdict, and
// their rows say the service has no cross-Region endpoint. Without the
// S3 one, or with one whose private DNS answers only inbound Resolver
// endpoints, the layers fail, named; without any, the one ECR row says
// which endpoint is missing.
func TestReplayCrossRegionEndpoints(t *testing.T) {
	const (
		api = "vpce-0a2b3c4d5e6f70801"
		dkr = "vpce-0a2b3c4d5e6f70802"
		s3  = "vpce-0a2b3c4d5e6f70803"
	)
	otherRegion := []replayRow{
		{check: audit.CheckCrossRegion, target: "logs", status: report.StatusFail, class: report.ClassConnect,
			errHas: "logs in us-west-2 is outside the task's region us-east-1, and logs has no cross-Region VPC endpoint", resources: []string{"subnet-0a11b22c33d44e551"}},
		{check: audit.CheckCrossRegion, target: "secretsmanager", status: report.StatusFail, class: report.ClassConnect,
			errHas: "secretsmanager has no cross-Region VPC endpoint", resources: []string{"subnet-0a11b22c33d44e551"}},
	}
	tests := []struct {
		scenario string
		want     []replayRow
		absent   []replayRow
	}{
		{
			scenario: "xregion-endpoints+xregion-taskdef",
			want: append([]replayRow{
				{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, errHas: "", resources: []string{dkr}},
				{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusPass, resources: []string{api}},
				{check: audit.CheckEndpoint, target: "ecr.layers", status: report.StatusPass, resources: []string{s3}},
			}, otherRegion...),
			absent: []replayRow{{check: audit.CheckCrossRegion, target: "ecr.dkr"}, {check: audit.CheckCrossRegion, target: "ecr.layers"}},
		},
		{
			scenario: "xregion-no-s3+xregion-taskdef",
			want: append([]replayRow{
				{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{dkr}},
				{check: audit.CheckCrossRegion, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
					errHas:    "no available cross-Region interface endpoint for com.amazonaws.us-west-2.s3: the image pull times out",
					resources: []string{replayVPC}},
			}, otherRegion...),
		},
		{
			// Private DNS only for inbound Resolver endpoints: the tasks
			// resolve S3's public addresses, so the endpoint is no path.
			scenario: "xregion-s3-inbound+xregion-taskdef",
			want: append([]replayRow{
				{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{dkr}},
				{check: audit.CheckPrivateDNS, target: "ecr.layers", status: report.StatusFail, class: report.ClassDNSPosture,
					errHas: s3 + " has private DNS only for inbound Resolver endpoints", resources: []string{s3}},
			}, otherRegion...),
		},
		{
			scenario: "xregion-taskdef",
			want: append([]replayRow{
				{check: audit.CheckCrossRegion, target: "ecr.dkr", status: report.StatusFail, class: report.ClassConnect,
					errHas:    "ecr.dkr in us-west-2 is outside the task's region us-east-1, and " + replayVPC + " has no available cross-Region interface endpoint for com.amazonaws.us-west-2.ecr.dkr",
					resources: []string{"subnet-0a11b22c33d44e551"}},
			}, otherRegion...),
			absent: []replayRow{{check: audit.CheckCrossRegion, target: "ecr.api"}, {check: audit.CheckCrossRegion, target: "ecr.layers"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			facts, rows := replayRows(t, newReplayAWS(t, tt.scenario), audit.Options{})
			for _, w := range tt.want {
				assertReplayRows(t, rows, w)
			}
			for _, a := range tt.absent {
				for _, r := range rows {
					if r.Check == a.check && r.Target == a.target {
						t.Errorf("got %s %s %s: %s; want no such row", r.Status, r.Check, r.Target, r.Error)
					}
				}
			}
			for _, ep := range facts.Endpoints {
				if strings.HasPrefix(ep.ServiceName, "com.amazonaws.us-west-2.") && ep.ServiceRegion != "us-west-2" {
					t.Errorf("endpoint %s: got ServiceRegion %q; want us-west-2 (read from DescribeVpcEndpoints)", ep.ID, ep.ServiceRegion)
				}
			}
		})
	}
}

// TestReplayCrossRegionFromTokyo is the issue's own case: a VPC in
// ap-northeast-1 pulls an image of us-west-2 through us-west-2 ECR and S3
// endpoints (ServiceRegion us-west-2): a path, passed and named; the log
// group in us-west-2 still fails, as before.
func TestReplayCrossRegionFromTokyo(t *testing.T) {
	_, rows := replayRowsIn(t, newReplayAWS(t, "xregion-endpoints+xregion-taskdef"), "ap-northeast-1")
	for _, w := range []replayRow{
		{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0a2b3c4d5e6f70802"}},
		{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusPass, resources: []string{"vpce-0a2b3c4d5e6f70801"}},
		{check: audit.CheckEndpoint, target: "ecr.layers", status: report.StatusPass, resources: []string{"vpce-0a2b3c4d5e6f70803"}},
		{check: audit.CheckCrossRegion, target: "logs", status: report.StatusFail, class: report.ClassConnect,
			errHas: "logs in us-west-2 is outside the task's region ap-northeast-1, and logs has no cross-Region VPC endpoint", resources: []string{"subnet-0a11b22c33d44e551"}},
	} {
		assertReplayRows(t, rows, w)
	}
	for _, r := range rows {
		if r.Target == "ecr.dkr" && r.Check == audit.CheckEndpoint && !strings.Contains(r.Detail, "a cross-Region endpoint (service Region us-west-2) from ap-northeast-1") {
			t.Errorf("got detail %q; want it to say the endpoint is cross-Region", r.Detail)
		}
	}
}

// TestReplayS3InboundOnly: an S3 interface endpoint whose private DNS
// answers only inbound Resolver endpoints (DnsOptions
// PrivateDnsOnlyForInboundResolverEndpoint) serves on-premises clients;
// tasks in the VPC resolve S3's public addresses, so without the gateway
// endpoint's route the layers fail, and the row names the interface
// endpoint and says why it did not count; with the gateway they pass
// through it.
func TestReplayS3InboundOnly(t *testing.T) {
	const inbound = "vpce-0a2b3c4d5e6f70804"
	tests := []struct {
		scenario string
		want     replayRow
	}{
		{"s3-inbound-only", replayRow{check: audit.CheckEndpoint, target: "ecr.layers", status: report.StatusFail, class: report.ClassConnect,
			errHas:    "no available gateway endpoint for com.amazonaws.us-east-1.s3 in " + replayVPC + " (" + inbound + " for ecr.layers is an interface endpoint with private DNS only for inbound Resolver endpoints",
			resources: []string{replayVPC, inbound}}},
		{"s3-inbound-gateway", replayRow{check: audit.CheckEndpoint, target: "ecr.layers", status: report.StatusPass,
			resources: []string{"vpce-0s3gw1b2c3d4e5f60"}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			facts, rows := replayRows(t, newReplayAWS(t, tt.scenario), audit.Options{})
			i := slices.IndexFunc(facts.Endpoints, func(ep *audit.Endpoint) bool { return ep.ID == inbound })
			if i < 0 || !facts.Endpoints[i].PrivateDNSOnlyForInbound {
				t.Fatalf("endpoint %s not read with PrivateDNSOnlyForInbound; want it from dnsOptions", inbound)
			}
			assertReplayRows(t, rows, tt.want)
			for _, r := range rows {
				if r.Status == report.StatusPass && slices.Contains(r.Resources, inbound) {
					t.Errorf("passing row %s %s names %s; want it never counted as the tasks' path", r.Check, r.Target, inbound)
				}
			}
		})
	}
}

// replayRowsIn gathers r's sweep of cluster prod with clients of region,
// so that the Region the facts are about is not the replay's default.
func replayRowsIn(t *testing.T, r *replayAWS, region string) (*audit.Facts, []report.Result) {
	t.Helper()
	api, got := fakeClients(t, r.srv.URL, awsconfig.WithRegion(region))
	if got != region {
		t.Fatalf("clients for %s; want %s", got, region)
	}
	facts, err := (&Gatherer{API: api, Region: got}).Gather(context.Background(), Input{Cluster: "prod"})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return facts, audit.Evaluate(facts, audit.Options{})
}

// TestReplayECSEndpointSet: the EC2 container instances' agent talks to
// ecs, ecs-agent and ecs-telemetry. The ECS VPC endpoint page says that in
// Regions introduced starting on December 23, 2023 (ca-west-1 is its
// example) the traffic goes over the public endpoints unless all three
// endpoints exist; it says no such thing of older Regions. So with ecs
// and ecs-agent but no ecs-telemetry endpoint, us-east-1 passes the two
// through their endpoints, while ca-west-1 fails them, naming the
// endpoint that did not count and the one missing; with all three,
// ca-west-1 passes.
func TestReplayECSEndpointSet(t *testing.T) {
	const (
		ecs = "vpce-0a2b3c4d5e6f70805"
		agt = "vpce-0a2b3c4d5e6f70806"
		tel = "vpce-0a2b3c4d5e6f70807"
	)
	setFail := func(svc, id string) replayRow {
		return replayRow{check: audit.CheckEndpoint, target: svc, status: report.StatusFail, class: report.ClassDNSPosture,
			errHas:    id + " for " + svc + " does not count: ca-west-1 is a Region introduced starting on 2023-12-23",
			resources: []string{id}}
	}
	tests := []struct {
		name, scenario, region string
		want                   []replayRow
	}{
		{"older Region: each endpoint serves its own traffic", "ecs-endpoints-partial+ec2-bridge", "us-east-1", []replayRow{
			{check: audit.CheckEndpoint, target: "ecs", status: report.StatusPass, resources: []string{ecs}},
			{check: audit.CheckEndpoint, target: "ecs-agent", status: report.StatusPass, resources: []string{agt}},
			{check: audit.CheckEndpoint, target: "ecs-telemetry", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "no available interface endpoint for com.amazonaws.us-east-1.ecs-telemetry", resources: []string{replayVPC}},
		}},
		{"Region after 2023-12-23 without ecs-telemetry: none counts", "ecs-endpoints-partial-ca-west-1+ec2-bridge", "ca-west-1", []replayRow{
			setFail("ecs", ecs),
			setFail("ecs-agent", agt),
			{check: audit.CheckEndpoint, target: "ecs-telemetry", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "no available interface endpoint for com.amazonaws.ca-west-1.ecs-telemetry", resources: []string{replayVPC}},
		}},
		{"Region after 2023-12-23 with all three", "ecs-endpoints-ca-west-1+ec2-bridge", "ca-west-1", []replayRow{
			{check: audit.CheckEndpoint, target: "ecs", status: report.StatusPass, resources: []string{ecs}},
			{check: audit.CheckEndpoint, target: "ecs-agent", status: report.StatusPass, resources: []string{agt}},
			{check: audit.CheckEndpoint, target: "ecs-telemetry", status: report.StatusPass, resources: []string{tel}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rows := replayRowsIn(t, newReplayAWS(t, tt.scenario), tt.region)
			for _, w := range tt.want {
				assertReplayRows(t, rows, w)
			}
			if strings.HasPrefix(tt.name, "Region after") && strings.Contains(tt.scenario, "partial") {
				for _, r := range rows {
					if r.Target == "ecs-agent" && r.Check == audit.CheckEndpoint && !strings.Contains(r.Error, "no available interface endpoint for com.amazonaws.ca-west-1.ecs-telemetry, so it goes to the public endpoints") {
						t.Errorf("got %q; want it to name the missing ecs-telemetry endpoint", r.Error)
					}
				}
			}
		})
	}
}
