package live

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// replayRow is what a verdict test expects of the rows of one check and
// target: every such row (one a service) has this status and class, its
// error holds errHas, and it names the resources in resources.
type replayRow struct {
	check     report.Check
	target    string
	status    report.Status
	class     report.Class
	errHas    string
	resources []string
}

// assertReplayRows checks want against rows: the rows of want's check and
// target exist, and all of them match.
func assertReplayRows(t *testing.T, rows []report.Result, want replayRow) {
	t.Helper()
	n := 0
	for _, r := range rows {
		if r.Check != want.check || r.Target != want.target {
			continue
		}
		n++
		if r.Status != want.status || r.Class != want.class || !strings.Contains(r.Error, want.errHas) {
			t.Errorf("%s %s: got %s/%s %q; want %s/%s containing %q", want.check, want.target, r.Status, r.Class, r.Error, want.status, want.class, want.errHas)
		}
		for _, id := range want.resources {
			if !slices.Contains(r.Resources, id) {
				t.Errorf("%s %s: got resources %v; want %s among them", want.check, want.target, r.Resources, id)
			}
		}
	}
	if n == 0 {
		t.Errorf("no %s row for %s in\n%s", want.check, want.target, motoDumpRows(rows))
	}
}

const replayVPC = "vpc-0a1b2c3d4e5f60789"

// TestReplayDHCPOptions: the DHCP options decide the resolver. A VPC with
// DhcpOptionsId "default" has no options set, which AWS documents as
// associating no DHCP options (no DNS server), not the Amazon resolver: it
// fails, and nothing is read for it. A set without domain-name-servers
// fails the same way; a set with AmazonProvidedDNS passes; custom servers
// warn.
func TestReplayDHCPOptions(t *testing.T) {
	tests := []struct {
		scenario  string
		want      replayRow
		dhcpReads int
	}{
		{"base", replayRow{check: audit.CheckDHCP, target: replayVPC, status: report.StatusPass, resources: []string{"dopt-0d1e2f3a4b5c6d7e8"}}, 1},
		{"dhcp-default", replayRow{check: audit.CheckDHCP, target: replayVPC, status: report.StatusFail, class: report.ClassDNSPosture,
			errHas: "has no DHCP options set (DhcpOptionsId=default): DHCP hands out no DNS server", resources: []string{replayVPC}}, 0},
		{"dhcp-no-servers", replayRow{check: audit.CheckDHCP, target: replayVPC, status: report.StatusFail, class: report.ClassDNSPosture,
			errHas: "has DHCP options dopt-0d1e2f3a4b5c6d7e8 without domain-name-servers", resources: []string{"dopt-0d1e2f3a4b5c6d7e8"}}, 1},
		{"dhcp-custom", replayRow{check: audit.CheckDHCP, target: replayVPC, status: report.StatusWarn, class: report.ClassResolver,
			errHas: "domain-name-servers=10.20.0.53,10.20.1.53", resources: []string{"dopt-0d1e2f3a4b5c6d7e8"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := newReplayAWS(t, tt.scenario)
			_, rows := replayRows(t, r, audit.Options{})
			assertReplayRows(t, rows, tt.want)
			if got := r.count(audit.ActionDescribeDhcpOptions); got != tt.dhcpReads {
				t.Errorf("got %d DescribeDhcpOptions calls; want %d", got, tt.dhcpReads)
			}
			if tt.want.status == report.StatusFail {
				if got := audit.ExitCode(rows); got != report.ExitDNSPosture {
					t.Errorf("exit %d; want %d", got, report.ExitDNSPosture)
				}
			}
		})
	}
}

// TestReplayServiceStatus: a sweep audits what runs. A DRAINING service
// (being deleted) and an INACTIVE one (deleted; AWS no longer lists it,
// moto does) get no rows; a DRAINING service named with --service gets
// one skip row saying so; an INACTIVE one named is an input error.
func TestReplayServiceStatus(t *testing.T) {
	for _, listInactive := range []bool{false, true} {
		t.Run(fmt.Sprintf("listInactive=%v", listInactive), func(t *testing.T) {
			r := newReplayAWS(t, "lifecycle")
			r.listInactive = listInactive
			facts, rows := replayRows(t, r, audit.Options{})
			if got := len(facts.Workloads); got != 10 {
				t.Errorf("got %d workloads; want 10 (12 less orders, DRAINING, and billing, INACTIVE)", got)
			}
			for _, row := range rows {
				if svc := row.Workload; svc != nil && (svc.Service == "orders" || svc.Service == "billing") {
					t.Errorf("got row %s %s for %s; want none", row.Check, row.Target, svc.Service)
				}
			}
			if got := audit.ExitCode(rows); got != report.ExitOK {
				t.Errorf("exit %d; want 0\n%s", got, motoDumpRows(rows))
			}
		})
	}
	t.Run("named DRAINING", func(t *testing.T) {
		r := newReplayAWS(t, "lifecycle")
		facts, err := r.gather(t, "orders")
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		rows := audit.Evaluate(facts, audit.Options{})
		// The skip row, and the coverage row: nothing was judged.
		if len(rows) != 2 || rows[1].Check != audit.CheckCoverage {
			t.Fatalf("got rows\n%s\nwant the service's and the coverage row", motoDumpRows(rows))
		}
		want := replayRow{check: audit.CheckServiceStatus, target: "service/prod/orders", status: report.StatusSkip,
			resources: []string{"arn:aws:ecs:us-east-1:111122223333:service/prod/orders"}}
		assertReplayRows(t, rows, want)
		if !strings.Contains(rows[0].Detail, "DRAINING") {
			t.Errorf("got detail %q; want it to say DRAINING", rows[0].Detail)
		}
	})
	t.Run("named INACTIVE", func(t *testing.T) {
		r := newReplayAWS(t, "lifecycle")
		_, err := r.gather(t, "billing")
		if err == nil || !strings.Contains(err.Error(), `service "billing" in cluster "prod" is INACTIVE`) {
			t.Fatalf("got %v; want an input error saying billing is INACTIVE", err)
		}
	})
}

// TestReplaySGProtocol: a security-group rule's protocol decides first. The
// endpoint group's only ingress rule is shown with ports 443-443 in each
// case: as protocol 50 (ESP) it allows that protocol alone, never TCP
// 443, so the tasks are blocked; as 6 (TCP by number) it allows TCP 443;
// as -1 it allows every protocol and port. IPv6 ranges count for IPv6
// paths only: a task group allowing TCP 443 out to ::/0 alone blocks the
// IPv4 path to the endpoints.
func TestReplaySGProtocol(t *testing.T) {
	tests := []struct {
		scenario string
		want     replayRow
	}{
		{"sg-protocol-50", replayRow{check: audit.CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
			errHas:    "security groups sg-0vpce5e9c1b2a3d4f7 of vpce-0ecrapi2c3d4e5f61 do not allow inbound TCP 443",
			resources: []string{"sg-0vpce5e9c1b2a3d4f7", "vpce-0ecrapi2c3d4e5f61"}}},
		{"sg-protocol-6", replayRow{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusPass, resources: []string{"sg-0vpce5e9c1b2a3d4f7"}}},
		{"sg-protocol-all", replayRow{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusPass, resources: []string{"sg-0vpce5e9c1b2a3d4f7"}}},
		// The task group allows TCP 443 out to ::/0 alone: an IPv6
		// rule says nothing of the IPv4 path to the endpoint.
		{"sg-ipv6-egress", replayRow{check: audit.CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
			errHas:    "task security groups sg-0task5e9c1b2a3d4f6 do not allow outbound TCP 443 to vpce-0ecrapi2c3d4e5f61",
			resources: []string{"sg-0task5e9c1b2a3d4f6", "vpce-0ecrapi2c3d4e5f61"}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, rows := replayRows(t, newReplayAWS(t, tt.scenario), audit.Options{})
			assertReplayRows(t, rows, tt.want)
		})
	}
}

// TestReplayDefaultGroup: an interface endpoint or EFS mount target listed
// without security groups (AWS always lists one; moto may not) is in the
// VPC's default group, whose only inbound rule admits its own members:
// tasks outside it are blocked, tasks in it pass, and the row says which
// group was judged and why.
func TestReplayDefaultGroup(t *testing.T) {
	const dflt = "sg-0def05e9c1b2a3d4f9"
	note := "judged as the VPC's default group " + dflt
	tests := []struct {
		scenario string
		want     []replayRow
	}{
		{"endpoint-no-groups", []replayRow{
			{check: audit.CheckSecurityGroup, target: "ecr.api", status: report.StatusFail, class: report.ClassConnect,
				errHas: "of vpce-0ecrapi2c3d4e5f61 do not allow inbound TCP 443", resources: []string{dflt, "vpce-0ecrapi2c3d4e5f61"}},
			{check: audit.CheckSecurityGroup, target: "efs", status: report.StatusFail, class: report.ClassConnect,
				errHas: note, resources: []string{dflt, "fs-0c1d2e3f4a5b6c7d8"}},
		}},
		{"tasks-in-default", []replayRow{
			{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusPass, resources: []string{dflt}},
			{check: audit.CheckEndpoint, target: "efs", status: report.StatusPass, resources: []string{dflt}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, rows := replayRows(t, newReplayAWS(t, tt.scenario), audit.Options{})
			for _, w := range tt.want {
				assertReplayRows(t, rows, w)
			}
			for _, r := range rows {
				if r.Check == audit.CheckSecurityGroup && r.Target == "ecr.api" && !strings.Contains(r.Error, note) {
					t.Errorf("got %q; want it to say %q", r.Error, note)
				}
			}
		})
	}
}

// TestReplayEndpointStates: endpoints that are not available (pending
// minutes after creation, pendingAcceptance, rejected, failed, deleting,
// and deleted, which DescribeVpcEndpoints still lists for a while with
// no subnets or interfaces) and endpoints of types Resource,
// ServiceNetwork and GatewayLoadBalancer (no service name, or a
// partner's) never crash a rule and never count as a path: the need fails,
// its row saying of each endpoint why it did not count and naming it, or
// is served by the available endpoint beside them.
func TestReplayEndpointStates(t *testing.T) {
	_, rows := replayRows(t, newReplayAWS(t, "endpoint-states"), audit.Options{})
	want := []replayRow{
		{check: audit.CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassDNSPosture,
			errHas:    "no available interface endpoint for com.amazonaws.us-east-1.ecr.api in vpc-0a1b2c3d4e5f60789 (vpce-0ecrapi0ld4e5f6b for ecr.api is deleted, not available; vpce-0ecrapi2c3d4e5f61 for ecr.api is pending, not available)",
			resources: []string{"vpc-0a1b2c3d4e5f60789", "vpce-0ecrapi0ld4e5f6b", "vpce-0ecrapi2c3d4e5f61"}},
		{check: audit.CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
			errHas:    "(vpce-0logs012c3d4e5f63 for logs is failed, not available; vpce-0logs022c3d4e5f64 for logs is pendingAcceptance, not available; vpce-0logs032c3d4e5f65 for logs is rejected, not available)",
			resources: []string{"vpce-0logs012c3d4e5f63", "vpce-0logs022c3d4e5f64", "vpce-0logs032c3d4e5f65"}},
		{check: audit.CheckEndpoint, target: "ecr.dkr", status: report.StatusPass, resources: []string{"vpce-0ecrdkr2c3d4e5f62"}},
	}
	for _, w := range want {
		assertReplayRows(t, rows, w)
	}
	for _, r := range rows {
		if r.Class == report.ClassInternal {
			t.Errorf("got an internal row %s %s: %s; want none", r.Check, r.Target, r.Error)
		}
		for _, id := range []string{"vpce-0ecrdkr0ld4e5f6a", "vpce-0ecrapi0ld4e5f6b", "vpce-0ecrapi2c3d4e5f61", "vpce-0res0a1b2c3d4e5f6", "vpce-0sn00a1b2c3d4e5f6", "vpce-0gwlb1b2c3d4e5f6"} {
			if r.Status == report.StatusPass && slices.Contains(r.Resources, id) {
				t.Errorf("passing row %s %s names %s; want it never counted as a path", r.Check, r.Target, id)
			}
		}
	}
}

// TestReplayCapacityProviders: a service without launchType is classified
// by what really runs it, never defaulted to EC2: its own capacity
// provider strategy (FARGATE_SPOT), or for a service on the cluster's
// default strategy, the strategy its PRIMARY deployment records, which
// still decides when DescribeClusters (the cluster default) is denied.
func TestReplayCapacityProviders(t *testing.T) {
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("DescribeClusters denied=%v", deny), func(t *testing.T) {
			r := newReplayAWS(t, "capacity")
			if deny {
				r.setDeny(audit.ActionDescribeClusters)
			}
			facts, err := r.gather(t)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			got := map[string]string{}
			for _, w := range facts.Workloads {
				got[w.Service] = w.LaunchType
			}
			want := map[string]string{"orders": audit.LaunchFargate, "payments": audit.LaunchFargate}
			if !maps.Equal(got, want) {
				t.Errorf("launch types %v; want %v", got, want)
			}
			if n := r.count(audit.ActionListContainerInstances); n != 0 {
				t.Errorf("got %d ListContainerInstances calls; want none (no service runs on EC2)", n)
			}
		})
	}
}
