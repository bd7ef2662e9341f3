package live

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// assertWorkloadRows is assertReplayRows for the rows of one workload
// (its name, as the rows' Workload carries it) whose reason holds
// reasonHas.
func assertWorkloadRows(t *testing.T, rows []report.Result, workload, reasonHas string, want replayRow) {
	t.Helper()
	var mine []report.Result
	for _, r := range rows {
		if r.Workload != nil && r.Workload.Name == workload && strings.Contains(r.Reason, reasonHas) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		t.Errorf("no rows of %s with reason containing %q in\n%s", workload, reasonHas, motoDumpRows(rows))
		return
	}
	assertReplayRows(t, mine, want)
}

// launchTypes maps each workload's service to its launch type.
func launchTypes(f *audit.Facts) map[string]string {
	got := map[string]string{}
	for _, w := range f.Workloads {
		got[w.Service] = w.LaunchType
	}
	return got
}

// TestReplayLaunchTypes: every service is classified by what really runs
// its tasks, from real DescribeServices, DescribeClusters and
// DescribeCapacityProviders answers, and never defaulted to EC2: a
// FARGATE_SPOT strategy and the cluster's default (FARGATE) are Fargate;
// an Auto Scaling group provider is EC2, judged on the container
// instances that provider launched (spare-asg has none, though the
// cluster has three of prod-asg); a Managed Instances provider, named in
// the strategy or found in the cluster for launchType MANAGED_INSTANCES,
// is judged on its launch template's subnets and security groups: the
// image pulls and logs AWS documents on the instance's primary interface
// as usual, the agent's endpoint (whose path AWS does not document) as a
// warning instead of a pass; a provider DescribeCapacityProviders answers MISSING is
// undecided, naming it; launchType EXTERNAL runs on external instances
// (the cluster has only EC2 ones: undecided). One
// DescribeCapacityProviders call serves the cluster.
func TestReplayLaunchTypes(t *testing.T) {
	r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
	facts, rows := replayRows(t, r, audit.Options{})
	want := map[string]string{
		"orders": audit.LaunchFargate, "payments": audit.LaunchFargate, "worker": audit.LaunchEC2, "spare": audit.LaunchEC2,
		"mi": audit.LaunchManagedInstances, "mi-launch": audit.LaunchManagedInstances, "gone": audit.LaunchUnknown, "edge": audit.LaunchExternal,
		"relay": audit.LaunchManagedInstances,
	}
	if got := launchTypes(facts); !maps.Equal(got, want) {
		t.Errorf("launch types %v; want %v", got, want)
	}
	if n := r.count(audit.ActionDescribeCapacityProviders); n != 1 {
		t.Errorf("got %d DescribeCapacityProviders calls; want 1 (one cluster, 4 names)", n)
	}
	for _, row := range rows {
		if row.Check == report.CheckPublicIP && row.Target == "service/prod/relay" && !strings.Contains(row.Detail, "subnets subnet-0a11b22c33d44e551,subnet-0a11b22c33d44e552 of the capacity provider assign no public IPv4 address") {
			t.Errorf("relay public_ip detail %q; want it to name the provider's subnets", row.Detail)
		}
	}
	const miNet = "via managed instances of capacity provider mi-cp (subnet-0a11b22c33d44e551, subnet-0a11b22c33d44e552; sg-0task5e9c1b2a3d4f6)"
	tests := []struct {
		name, workload, reasonHas string
		want                      replayRow
	}{
		{"Auto Scaling group: its instances", "service/prod/worker", "via container instance i-0a1b2c3d4e5f60701",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0ecrdkr2c3d4e5f62"}}},
		{"Auto Scaling group without instances", "service/prod/spare", "(container instances)",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "no container instances of capacity provider spare-asg registered in cluster prod"}},
		{"Managed Instances: ECR pulls on the primary ENI, as documented", "service/prod/mi", miNet,
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0ecrdkr2c3d4e5f62", "sg-0task5e9c1b2a3d4f6"}}},
		{"Managed Instances: the agent's path is not documented", "service/prod/mi", miNet,
			replayRow{check: audit.CheckEndpoint, target: "ecs-agent", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "judged on capacity provider mi-cp's network, where it passes; not passed: AWS documents image downloads from ECR", resources: []string{"vpce-0ecsagt2c3d4e5f66"}}},
		{"Managed Instances: no ecs endpoint fails there", "service/prod/mi", miNet,
			replayRow{check: audit.CheckEndpoint, target: "ecs", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "no available interface endpoint for com.amazonaws.us-east-1.ecs", resources: []string{"subnet-0a11b22c33d44e551"}}},
		{"launchType MANAGED_INSTANCES: the cluster's provider", "service/prod/mi-launch", miNet,
			replayRow{check: audit.CheckEndpoint, target: "logs", status: report.StatusPass, resources: []string{"vpce-0logs012c3d4e5f63"}}},
		{"Managed Instances: the task ENI as documented", "service/prod/mi", "",
			replayRow{check: audit.CheckEgress, target: "service/prod/mi (task ENI)", status: report.StatusPass, resources: []string{"sg-0task5e9c1b2a3d4f6"}}},
		{"missing provider", "service/prod/gone", "",
			replayRow{check: audit.CheckUndecided, target: "service/prod/gone", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "ecs:DescribeCapacityProviders on gone-cp failed (MISSING", resources: []string{"gone-cp"}}},
		{"missing provider: host needs undecided", "service/prod/gone", "(host)",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassUndecided, errHas: "what runs the tasks"}},
		{"Managed Instances, host mode: the instances' public IPv4", "service/prod/relay", "",
			replayRow{check: report.CheckPublicIP, target: "service/prod/relay", status: report.StatusPass}},
		{"Managed Instances, host mode: awslogs on the instances", "service/prod/relay", miNet,
			replayRow{check: audit.CheckEndpoint, target: "logs", status: report.StatusPass, resources: []string{"vpce-0logs012c3d4e5f63"}}},
		{"EXTERNAL: on external instances, of which the cluster has none", "service/prod/edge", "(container instances)",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "no external instances registered in cluster prod"}},
		{"FARGATE_SPOT", "service/prod/orders", "",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0ecrdkr2c3d4e5f62"}}},
		{"the cluster's default strategy (FARGATE): the pull on the task ENI", "service/prod/payments", "service/prod/payments: image",
			replayRow{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0ecrdkr2c3d4e5f62", "sg-0task5e9c1b2a3d4f6"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertWorkloadRows(t, rows, tt.workload, tt.reasonHas, tt.want)
		})
	}
	for _, row := range rows {
		if row.Workload != nil && row.Workload.Name == "service/prod/gone" && row.Check == audit.CheckEndpoint &&
			strings.Contains(row.Reason, "(host)") && row.Status == report.StatusPass {
			t.Errorf("host need %s of a service on an unknown provider passed; want undecided", row.Target)
		}
	}
}

// TestReplayCapacityProvidersDenied: when ecs:DescribeCapacityProviders
// is denied, no service on a custom provider is taken as EC2: each is
// undecided, its row naming its providers and the denial, and no
// container instance is read for them. Without DescribeClusters as well,
// a service that names neither a launch type nor a strategy is
// undecided too.
func TestReplayCapacityProvidersDenied(t *testing.T) {
	t.Run("DescribeCapacityProviders", func(t *testing.T) {
		r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
		r.setDeny(audit.ActionDescribeCapacityProviders)
		facts, rows := replayRows(t, r, audit.Options{})
		want := map[string]string{
			"orders": audit.LaunchFargate, "payments": audit.LaunchFargate, "worker": audit.LaunchUnknown, "spare": audit.LaunchUnknown,
			"mi": audit.LaunchUnknown, "mi-launch": audit.LaunchManagedInstances, "gone": audit.LaunchUnknown, "edge": audit.LaunchExternal,
			"relay": audit.LaunchUnknown,
		}
		if got := launchTypes(facts); !maps.Equal(got, want) {
			t.Errorf("launch types %v; want %v", got, want)
		}
		for svc, provider := range map[string]string{"worker": "prod-asg", "spare": "spare-asg", "mi": "mi-cp"} {
			assertWorkloadRows(t, rows, "service/prod/"+svc, "", replayRow{check: audit.CheckUndecided, target: "service/prod/" + svc,
				status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "ecs:DescribeCapacityProviders on " + provider + " failed (AccessDeniedException", resources: []string{provider}})
		}
		// launchType MANAGED_INSTANCES places on the cluster's Managed
		// Instances providers: none could be described, so each of
		// the cluster's is named, with the denied call.
		assertWorkloadRows(t, rows, "service/prod/mi-launch", "(managed instances)", replayRow{check: audit.CheckEndpoint, target: "ecr.dkr",
			status: report.StatusWarn, class: report.ClassUndecided,
			errHas:    "capacity providers mi-cp,prod-asg,spare-asg could not be described, so which of them launch Managed Instances, and on which subnets and security groups, is unknown (ecs:DescribeCapacityProviders failed: AccessDeniedException",
			resources: []string{"mi-cp", "prod-asg", "spare-asg"}})
		// Only edge (EXTERNAL) runs on container instances now: one
		// listing of two pages.
		if n := r.count(audit.ActionListContainerInstances); n != 2 {
			t.Errorf("got %d ListContainerInstances calls; want 2 (edge's cluster, two pages), none for the services of unknown providers", n)
		}
	})
	t.Run("DescribeClusters", func(t *testing.T) {
		r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
		r.setDeny(audit.ActionDescribeClusters)
		facts, rows := replayRows(t, r, audit.Options{})
		if got := launchTypes(facts)["payments"]; got != audit.LaunchUnknown {
			t.Errorf("payments (no launch type, no strategy, cluster default unread): launch type %s; want %s", got, audit.LaunchUnknown)
		}
		assertWorkloadRows(t, rows, "service/prod/payments", "", replayRow{check: audit.CheckUndecided, target: "service/prod/payments",
			status: report.StatusWarn, class: report.ClassUndecided, errHas: "ecs:DescribeClusters on prod failed (AccessDeniedException", resources: []string{"prod"}})
		// launchType MANAGED_INSTANCES without the cluster's provider
		// list: where its hosts are is unknown, and the row says why.
		assertWorkloadRows(t, rows, "service/prod/mi-launch", "(managed instances)", replayRow{check: audit.CheckEndpoint, target: "logs",
			status: report.StatusWarn, class: report.ClassUndecided,
			errHas:    "the capacity providers of cluster prod could not be read (ecs:DescribeClusters failed: AccessDeniedException",
			resources: []string{"prod"}})
	})
}

// TestReplayRollouts: during a rollout every distinct task definition and
// network configuration that runs is judged, and every row says which
// deployment or task set it is about. orders (ECS controller) moves from
// shop:7 with a public IP to shop:8 without: the ACTIVE deployment's
// public IP fails, naming the deployment, with no change proposed to a
// service whose PRIMARY already replaces it. checkout (CODE_DEPLOY) keeps
// its task sets in taskSets: the ACTIVE (green) one runs in the VPC's
// default group, which the EFS mount targets do not admit; its DRAINING
// task set is not judged. edge (EXTERNAL controller, no task definition
// of its own) runs one task set, and billing's two deployments share a
// task definition and network: one workload each, today's name. Each
// distinct task definition is read once.
func TestReplayRollouts(t *testing.T) {
	r := newReplayAWS(t, "rollout")
	facts, rows := replayRows(t, r, audit.Options{})
	var names []string
	for _, w := range facts.Workloads {
		names = append(names, w.Name)
	}
	wantNames := []string{
		"service/prod/billing",
		"service/prod/checkout (task set ecs-svc/6300000000000000001, PRIMARY)",
		"service/prod/checkout (task set ecs-svc/6300000000000000002, ACTIVE)",
		"service/prod/edge",
		"service/prod/orders (deployment ecs-svc/6100000000000000002, PRIMARY)",
		"service/prod/orders (deployment ecs-svc/6100000000000000001, ACTIVE)",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("workloads %q; want %q", names, wantNames)
	}
	const ordersActive = "service/prod/orders (deployment ecs-svc/6100000000000000001, ACTIVE)"
	for _, row := range rows {
		if row.Workload != nil && row.Workload.Name == ordersActive && row.Workload.Deployment != "deployment ecs-svc/6100000000000000001, ACTIVE" {
			t.Errorf("row %s %s: workload deployment %q; want the ACTIVE deployment", row.Check, row.Target, row.Workload.Deployment)
		}
	}
	const checkoutGreen = "service/prod/checkout (task set ecs-svc/6300000000000000002, ACTIVE)"
	tests := []struct {
		name, workload, reasonHas string
		want                      replayRow
	}{
		{"ACTIVE deployment's public IP", ordersActive, "",
			replayRow{check: report.CheckPublicIP, target: ordersActive, status: report.StatusFail, class: report.ClassPublicIP,
				errHas: "assignPublicIp=ENABLED", resources: []string{"arn:aws:ecs:us-east-1:111122223333:service/prod/orders"}}},
		{"PRIMARY deployment's public IP", "service/prod/orders (deployment ecs-svc/6100000000000000002, PRIMARY)", "",
			replayRow{check: report.CheckPublicIP, target: "service/prod/orders (deployment ecs-svc/6100000000000000002, PRIMARY)", status: report.StatusPass}},
		{"green task set's EFS", checkoutGreen, checkoutGreen,
			replayRow{check: audit.CheckSecurityGroup, target: "efs", status: report.StatusFail, class: report.ClassConnect,
				errHas: "from the task security groups sg-0def05e9c1b2a3d4f9", resources: []string{"sg-0efs05e9c1b2a3d4f8", "fs-0c1d2e3f4a5b6c7d8"}}},
		{"blue task set's EFS", "service/prod/checkout (task set ecs-svc/6300000000000000001, PRIMARY)", "",
			replayRow{check: audit.CheckEndpoint, target: "efs", status: report.StatusPass, resources: []string{"sg-0task5e9c1b2a3d4f6"}}},
		{"one workload, today's name", "service/prod/billing", "",
			replayRow{check: report.CheckPublicIP, target: "service/prod/billing", status: report.StatusPass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertWorkloadRows(t, rows, tt.workload, tt.reasonHas, tt.want)
		})
	}
	for _, row := range rows {
		if row.Check == report.CheckPublicIP && row.Target == ordersActive && !strings.Contains(row.Hint, "PRIMARY is replacing") {
			t.Errorf("ACTIVE deployment's public IP hint %q; want it to say the PRIMARY replaces it", row.Hint)
		}
		if strings.Contains(row.Reason, "6300000000000000000") || row.Workload != nil && strings.Contains(row.Workload.Name, "6300000000000000000") {
			t.Errorf("row %s %s is about the DRAINING task set; want none", row.Check, row.Target)
		}
	}
	// The changes the rows ask for (PlanFixes would refuse the replay's
	// ids, which are not all hex).
	for _, c := range audit.ProposedChanges(facts, audit.Options{}) {
		if c.Kind == audit.ChangeDisablePublicIP {
			t.Errorf("plan has %+v; want no update-service for a deployment the PRIMARY replaces", c)
		}
	}
	if n := r.count(audit.ActionDescribeTaskDefinition); n != 2 {
		t.Errorf("got %d DescribeTaskDefinition calls; want 2 (shop:7 and shop:8, once each)", n)
	}
}

// TestReplayCapacityProvidersPagedAndThrottled: DescribeCapacityProviders
// answers 10 providers a page: 12 services on 12 Auto Scaling group
// providers take one call of two pages, and every service is EC2. A
// short burst of throttling is retried to the same answer; throttling
// that outlasts the retries leaves each provider undecided, its row
// saying AWS throttled the call, never EC2.
func TestReplayCapacityProvidersPagedAndThrottled(t *testing.T) {
	t.Run("paged", func(t *testing.T) {
		r := newReplayAWS(t, "capacity-paged+capacity-kinds+ec2-bridge")
		facts, _ := replayRows(t, r, audit.Options{})
		for _, w := range facts.Workloads {
			if w.LaunchType != audit.LaunchEC2 {
				t.Errorf("%s: launch type %s; want %s", w.Name, w.LaunchType, audit.LaunchEC2)
			}
		}
		if len(facts.Workloads) != 12 || len(facts.CapacityProviders) != 12 {
			t.Errorf("got %d workloads and %d providers; want 12 and 12", len(facts.Workloads), len(facts.CapacityProviders))
		}
		if n := r.count(audit.ActionDescribeCapacityProviders); n != 2 {
			t.Errorf("got %d DescribeCapacityProviders requests; want 2 (12 names, 10 a page)", n)
		}
	})
	t.Run("burst of 2", func(t *testing.T) {
		r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
		r.setThrottle(audit.ActionDescribeCapacityProviders, throttleSpec{Burst: 2})
		facts, _ := replayRows(t, r, audit.Options{})
		if got := launchTypes(facts)["worker"]; got != audit.LaunchEC2 {
			t.Errorf("worker: launch type %s; want %s after the retries", got, audit.LaunchEC2)
		}
		if n := r.count(audit.ActionDescribeCapacityProviders); n != 3 {
			t.Errorf("got %d DescribeCapacityProviders requests; want 3 (two throttled, then the answer)", n)
		}
	})
	t.Run("throttled throughout", func(t *testing.T) {
		r := newReplayAWS(t, "capacity-kinds+ec2-bridge")
		r.setThrottle(audit.ActionDescribeCapacityProviders, throttleSpec{Burst: 1000})
		facts, rows := replayRows(t, r, audit.Options{})
		if got := launchTypes(facts)["worker"]; got != audit.LaunchUnknown {
			t.Errorf("worker: launch type %s; want %s", got, audit.LaunchUnknown)
		}
		assertWorkloadRows(t, rows, "service/prod/worker", "", replayRow{check: audit.CheckUndecided, target: "service/prod/worker",
			status: report.StatusWarn, class: report.ClassUndecided, errHas: "ecs:DescribeCapacityProviders on prod-asg failed (ThrottlingException", resources: []string{"prod-asg"}})
	})
}

// TestReplayManagedInstancesPublicIP: host-mode tasks on Managed
// Instances share the instance's address, which the capacity provider's
// subnets assign (AWS documents the subnet's IPv4 public addressing as
// what gives the primary interface one): subnets that map a public IPv4
// fail, naming them.
func TestReplayManagedInstancesPublicIP(t *testing.T) {
	r := newReplayAWS(t, "subnets-public-ip+capacity-kinds+ec2-bridge")
	_, rows := replayRows(t, r, audit.Options{})
	assertWorkloadRows(t, rows, "service/prod/relay", "", replayRow{check: report.CheckPublicIP, target: "service/prod/relay",
		status: report.StatusFail, class: report.ClassPublicIP,
		errHas:    "subnets subnet-0a11b22c33d44e551,subnet-0a11b22c33d44e552 of the Managed Instances capacity provider assign a public IPv4 address",
		resources: []string{"subnet-0a11b22c33d44e551", "subnet-0a11b22c33d44e552"}})
}
