package live

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// motoRow is a non-passing row a scenario must produce.
type motoRow struct {
	check  report.Check
	status report.Status
	// target is the row's Target; resources (from the seeded motoWorld) must
	// all be among its Resources; errHas must be in its Error.
	target    func(w motoWorld) string
	resources func(w motoWorld) []string
	errHas    string
}

func motoFixed(s string) func(motoWorld) string { return func(motoWorld) string { return s } }

func motoIDs(f func(w motoWorld) []string) func(motoWorld) []string { return f }

// TestAuditAgainstMoto runs gather and the rules on one moto motoWorld per
// finding of the rules table, and on a healthy service. Each scenario
// lists every row that does not pass: a row not listed fails the test, so
// a scenario also proves nothing else is blamed.
func TestAuditAgainstMoto(t *testing.T) {
	m := moto(t)
	service := motoFixed("service/prod/orders")
	tests := []struct {
		name      string
		mutations []string
		opts      audit.Options
		wantExit  int
		want      []motoRow
	}{
		{name: "healthy private service", wantExit: report.ExitOK},
		{name: "healthy with a NAT path and tight egress", mutations: []string{"nat"}, wantExit: report.ExitOK},
		{
			name: "assignPublicIp ENABLED", mutations: []string{"public_ip"}, wantExit: report.ExitPublicIP,
			want: []motoRow{{check: report.CheckPublicIP, status: report.StatusFail, target: service,
				resources: motoIDs(func(w motoWorld) []string { return []string{"arn:aws:ecs:us-east-1:123456789012:service/prod/orders"} }),
				errHas:    "ECS.2"}},
		},
		{
			name: "assignPublicIp ENABLED under --public-ip=warn", mutations: []string{"public_ip"},
			opts: audit.Options{PublicIP: config.PublicIPWarn}, wantExit: report.ExitOK,
			want: []motoRow{{check: report.CheckPublicIP, status: report.StatusWarn, target: service}},
		},
		{
			name: "missing logs endpoint, no internet path", mutations: []string{"no_logs_endpoint"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckEndpoint, status: report.StatusFail, target: motoFixed("logs"),
				resources: motoIDs(func(w motoWorld) []string { return append([]string{w.VPC}, w.Subnets...) }),
				errHas:    "time out"}},
		},
		{
			name: "missing logs endpoint, NAT path", mutations: []string{"no_logs_endpoint", "nat"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckEndpoint, status: report.StatusFail, target: motoFixed("logs"), errHas: "reach it only over the public path nat-"}},
		},
		{
			name: "missing logs endpoint, NAT path, --public-path warn", mutations: []string{"no_logs_endpoint", "nat"},
			opts: audit.Options{PublicPath: config.PublicPathWarn}, wantExit: report.ExitOK,
			want: []motoRow{{check: audit.CheckEndpoint, status: report.StatusWarn, target: motoFixed("logs"),
				errHas: "(accepted by --public-path warn): not private; an interface endpoint for com.amazonaws.us-east-1.logs would keep it in the VPC, and NAT gateway data processing charges apply"}},
		},
		{
			name: "cross-region ECR image, no internet path", mutations: []string{"cross_region_image"}, wantExit: report.ExitConnect,
			want: []motoRow{{check: audit.CheckCrossRegion, status: report.StatusFail, target: motoFixed("ecr.dkr"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.RouteTable} }), errHas: "eu-west-1"}},
		},
		{
			// A cross-Region ECR endpoint would keep it private: the
			// public-path rule fails it (exit 11) unless accepted.
			name: "cross-region ECR image through NAT", mutations: []string{"cross_region_image", "nat"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckCrossRegion, status: report.StatusFail, target: motoFixed("ecr.dkr"), errHas: "nat-"}},
		},
		{
			name: "endpoint private DNS off", mutations: []string{"private_dns_off"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckPrivateDNS, status: report.StatusFail, target: motoFixed("ecr.dkr"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.Endpoints["ecr.dkr"]} })}},
		},
		{
			name: "VPC enableDnsHostnames off", mutations: []string{"vpc_dns_off"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckDNSSupport, status: report.StatusFail, target: func(w motoWorld) string { return w.VPC }, errHas: "enableDnsHostnames=false"}},
		},
		{
			name: "VPC enableDnsSupport off", mutations: []string{"vpc_dns_support_off"}, wantExit: report.ExitDNSPosture,
			want: []motoRow{{check: audit.CheckDNSSupport, status: report.StatusFail, target: func(w motoWorld) string { return w.VPC }, errHas: "enableDnsSupport=false"}},
		},
		{
			name: "custom DHCP resolver", mutations: []string{"custom_dhcp"}, wantExit: report.ExitOK,
			want: []motoRow{{check: audit.CheckDHCP, status: report.StatusWarn, target: func(w motoWorld) string { return w.VPC },
				resources: motoIDs(func(w motoWorld) []string { return []string{w.DHCP} }), errHas: "10.0.0.53"}},
		},
		{
			name: "endpoint not in a task AZ", mutations: []string{"endpoint_one_az"}, wantExit: report.ExitOK,
			want: []motoRow{{check: audit.CheckEndpointAZ, status: report.StatusWarn, target: motoFixed("logs"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.Endpoints["logs"]} }), errHas: "us-east-1b"}},
		},
		{
			name: "endpoint security group lacks 443 from the task", mutations: []string{"endpoint_sg_no_443"}, wantExit: report.ExitConnect,
			want: []motoRow{
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("ecr.api"), resources: motoIDs(func(w motoWorld) []string { return []string{w.VPCESG, w.Endpoints["ecr.api"]} }), errHas: "inbound TCP 443"},
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("ecr.dkr"), errHas: "inbound TCP 443"},
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("logs"), errHas: "inbound TCP 443"},
			},
		},
		{
			name: "task security group lacks egress to the endpoints", mutations: []string{"task_sg_no_egress_endpoint"}, wantExit: report.ExitConnect,
			want: []motoRow{
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("ecr.api"), resources: motoIDs(func(w motoWorld) []string { return []string{w.TaskSG, w.Endpoints["ecr.api"]} }), errHas: "outbound TCP 443"},
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("ecr.dkr"), errHas: "outbound TCP 443"},
				{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("logs"), errHas: "outbound TCP 443"},
			},
		},
		{
			name: "task security group lacks egress to the S3 prefix list", mutations: []string{"task_sg_no_s3"}, wantExit: report.ExitConnect,
			want: []motoRow{{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed("ecr.layers"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.TaskSG, w.S3PrefixList} })}},
		},
		{
			name: "S3 gateway endpoint not on the route table", mutations: []string{"s3_not_routed"}, wantExit: report.ExitConnect,
			want: []motoRow{{check: audit.CheckRoute, status: report.StatusFail, target: motoFixed("ecr.layers"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.RouteTable, w.Endpoints["s3"]} })}},
		},
		{
			name: "network ACL blocks the return traffic", mutations: []string{"nacl_block"}, wantExit: report.ExitConnect,
			want: []motoRow{
				{check: audit.CheckNACL, status: report.StatusFail, target: motoFixed("ecr.api"), resources: motoIDs(func(w motoWorld) []string { return []string{w.NACL} }), errHas: "32768-60999 (return traffic to the tasks' Linux ephemeral ports"},
				{check: audit.CheckNACL, status: report.StatusFail, target: motoFixed("ecr.dkr")},
				{check: audit.CheckNACL, status: report.StatusFail, target: motoFixed("ecr.layers")},
				{check: audit.CheckNACL, status: report.StatusFail, target: motoFixed("logs")},
			},
		},
		{
			// It allows only the application's bucket: the implicit deny
			// answers every layer GET with 403.
			name: "custom S3 endpoint policy", mutations: []string{"s3_policy"}, wantExit: report.ExitConnect,
			want: []motoRow{{check: audit.CheckEndpointPolicy, status: report.StatusFail, target: motoFixed("ecr.layers"),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.Endpoints["s3"]} }), errHas: "starport-layer-bucket"}},
		},
		{
			name: "0.0.0.0/0 egress with an internet path", mutations: []string{"egress_open"}, wantExit: report.ExitOK,
			want: []motoRow{{check: audit.CheckEgress, status: report.StatusWarn, target: service,
				resources: motoIDs(func(w motoWorld) []string { return []string{w.TaskSG} }), errHas: "0.0.0.0/0"}},
		},
		{name: "EFS volume with mount targets in every task AZ", mutations: []string{"efs"}, wantExit: report.ExitOK},
		{
			name: "EFS volume, task security group lacks 2049 out", mutations: []string{"efs_no_egress"}, wantExit: report.ExitConnect,
			want: []motoRow{{check: audit.CheckSecurityGroup, status: report.StatusFail, target: motoFixed(audit.NeedEFS),
				resources: motoIDs(func(w motoWorld) []string { return []string{w.TaskSG} }), errHas: "2049"}},
		},
		{
			name: "cluster sweep: only the service with a public IP is blamed", mutations: []string{"sweep3"}, wantExit: report.ExitPublicIP,
			want: []motoRow{{check: report.CheckPublicIP, status: report.StatusFail, target: motoFixed("service/prod/search")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := m.scenario(t, tt.mutations...)
			f, err := m.gather(t, Input{Cluster: w.Cluster})
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			if len(f.Undecided) > 0 {
				t.Errorf("undecided %+v; want none", f.Undecided)
			}
			rows := audit.Evaluate(f, tt.opts)
			assertMotoRows(t, w, rows, tt.want)
			if got := report.ExitCode(rows); got != tt.wantExit {
				t.Errorf("exit %d; want %d", got, tt.wantExit)
			}
			assertTextReport(t, f, rows)
		})
	}
}

// assertMotoRows checks that the rows that do not pass (or skip) are exactly
// want.
func assertMotoRows(t *testing.T, w motoWorld, rows []report.Result, want []motoRow) {
	t.Helper()
	var bad []report.Result
	for _, r := range rows {
		if r.Status == report.StatusFail || r.Status == report.StatusWarn {
			bad = append(bad, r)
		}
	}
	matched := make([]bool, len(bad))
	for _, wr := range want {
		target := wr.target(w)
		found := false
		for i, r := range bad {
			if matched[i] || r.Check != wr.check || r.Status != wr.status || r.Target != target {
				continue
			}
			matched[i], found = true, true
			if wr.resources != nil {
				for _, id := range wr.resources(w) {
					if !slices.Contains(r.Resources, id) {
						t.Errorf("%s %s row: resources %v lack %s", r.Check, r.Target, r.Resources, id)
					}
				}
			}
			if wr.errHas != "" && !strings.Contains(r.Error, wr.errHas) {
				t.Errorf("%s %s row: error %q; want it to mention %q", r.Check, r.Target, r.Error, wr.errHas)
			}
			if r.Hint == "" && r.Status == report.StatusFail {
				t.Errorf("%s %s row: no hint", r.Check, r.Target)
			}
			break
		}
		if !found {
			t.Errorf("no %s %s row for %s; rows:\n%s", wr.status, wr.check, target, motoDumpRows(rows))
		}
	}
	for i, r := range bad {
		if !matched[i] {
			t.Errorf("unexpected %s %s row for %s: %s%s", r.Status, r.Check, r.Target, r.Error, r.Detail)
		}
	}
}

func motoDumpRows(rows []report.Result) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s %s %s %v %s\n", r.Status, r.Check, r.Target, r.Resources, r.Error)
	}
	return b.String()
}

// assertTextReport renders rows as `preflight audit` prints them and checks
// the report's shape on moto's real-length ids: every row names its
// workload, each workload has one heading, no line is wider than
// report.TextWidth.
func assertTextReport(t *testing.T, f *audit.Facts, rows []report.Result) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.New("audit", f.Region, f.Account, nil, rows, time.Second).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range rows {
		if r.Workload == nil {
			t.Errorf("row %s/%s names no workload", r.Check, r.Target)
		}
	}
	for _, wl := range f.Workloads {
		h := "\ncluster " + wl.Cluster + ", service " + wl.Service
		if n := strings.Count(out, h); n != 1 {
			t.Errorf("heading %q %d times; want 1:\n%s", h, n, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > report.TextWidth {
			t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, report.TextWidth, line)
		}
	}
}
