package audit

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// rowsFor evaluates privateFacts with the task definition's one container
// replaced by cs, after mutate.
func rowsFor(t *testing.T, mutate func(*Facts), cs ...Container) []report.Result {
	t.Helper()
	f := privateFacts()
	if mutate != nil {
		mutate(f)
	}
	firstWorkload(f).TaskDefinition.Containers = cs
	return Evaluate(f, Options{})
}

// TestLogRouteRows: a FireLens output or an awslogs-endpoint is judged
// (issue 24 item 2): before, such a task got no row for its logs at all
// and the audit exited 0.
func TestLogRouteRows(t *testing.T) {
	const img = testImage
	tests := []struct {
		name string
		c    Container
		nat  bool
		want expectRow
		// absent is a target that must have no row (the default route
		// that an endpoint option replaces).
		absent string
	}{
		{name: "FireLens to Kinesis without an endpoint or NAT",
			c:    Container{Name: "app", Image: img, LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis_streams", "region": testRegion}},
			want: expectRow{check: CheckEndpoint, target: "kinesis-streams", status: report.StatusFail, class: report.ClassDNSPosture, errText: "no available interface endpoint for com.amazonaws." + testRegion + ".kinesis-streams"}},
		{name: "FireLens to Firehose in another region without NAT",
			c:    Container{Name: "app", Image: img, LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "firehose", "region": "us-east-1"}},
			want: expectRow{check: CheckCrossRegion, target: "firehose", status: report.StatusFail, class: report.ClassConnect, errText: "firehose in us-east-1 is outside the task's region"}},
		{name: "FireLens to CloudWatch Logs through the logs endpoint",
			c:    Container{Name: "app", Image: img, LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "cloudwatch_logs", "region": testRegion}},
			want: expectRow{check: CheckEndpoint, target: "logs", status: report.StatusPass}},
		{name: "FireLens to S3 through the gateway endpoint",
			c:    Container{Name: "app", Image: img, LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "s3", "region": testRegion}},
			want: expectRow{check: CheckEndpoint, target: "s3", status: report.StatusPass}},
		{name: "awslogs-endpoint host name: judged inside the task, logs is not the route",
			c: Container{Name: "app", Image: img, LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-region": testRegion,
				"awslogs-endpoint": "https://vpce-0a1b-c2d3.logs." + testRegion + ".vpce.amazonaws.com"}},
			want:   expectRow{check: CheckEndpoint, target: "vpce-0a1b-c2d3.logs." + testRegion + ".vpce.amazonaws.com", status: report.StatusSkip},
			absent: "logs"},
		{name: "awslogs-endpoint IP address without a route",
			c: Container{Name: "app", Image: img, LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-region": testRegion,
				"awslogs-endpoint": "https://203.0.113.10:8443"}},
			want:   expectRow{check: CheckRoute, target: "203.0.113.10", status: report.StatusFail, class: report.ClassConnect},
			absent: "logs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := rowsFor(t, nil, tt.c)
			assertRow(t, rows, tt.want)
			if tt.absent != "" {
				for _, r := range rows {
					if r.Target == tt.absent {
						t.Errorf("got row %s; want no row for %s", rowString(r), tt.absent)
					}
				}
			}
		})
	}
}

// TestRegistryPortRows: an image from registry.example.com:5000 is judged
// on TCP 5000 by the security group and the network ACLs (issue 24 item
// 3): before, every internet need was judged on 443.
func TestRegistryPortRows(t *testing.T) {
	const image = "registry.example.com:5000/team/app:1"
	egress443 := func(f *Facts) {
		addNAT(f)
		sg := f.SecurityGroups["sg-task"]
		sg.Egress = append(sg.Egress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CIDRs: pfxs("0.0.0.0/0")})
	}
	egress5000 := func(f *Facts) {
		addNAT(f)
		sg := f.SecurityGroups["sg-task"]
		sg.Egress = append(sg.Egress, Rule{Protocol: "tcp", FromPort: 5000, ToPort: 5000, CIDRs: pfxs("0.0.0.0/0")})
	}
	naclOnly443 := func(f *Facts) {
		egress5000(f)
		f.NetworkACLs[0].Entries = []NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
			{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
			{RuleNumber: 110, Egress: true, Protocol: "6", PortFrom: 1024, PortTo: 65535, CIDR: pfx("10.0.0.0/16"), Allow: true},
		}
	}
	tests := []struct {
		name    string
		mutate  func(*Facts)
		check   report.Check
		status  report.Status
		errText string
	}{
		{"group lets only 443 out", egress443, CheckSecurityGroup, report.StatusFail, "do not allow outbound TCP 5000 to 0.0.0.0/0"},
		{"ACL lets only 443 out", naclOnly443, CheckNACL, report.StatusFail, "denies outbound TCP 5000 to 0.0.0.0/0"},
		{"group and ACL let 5000 out", egress5000, CheckEndpoint, report.StatusPass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := rowsFor(t, tt.mutate, Container{Name: "app", Image: image})
			var found bool
			for _, r := range findRows(rows, tt.check, NeedInternet) {
				if r.Port != 5000 {
					t.Errorf("got %s on port %d; want port 5000", rowString(r), r.Port)
				}
				if r.Status == tt.status && strings.Contains(r.Error, tt.errText) {
					found = true
				}
			}
			if !found {
				t.Errorf("got no %s %s row for %s on 5000 containing %q; rows:\n%s", tt.check, tt.status, NeedInternet, tt.errText, dumpResults(rows))
			}
			for _, r := range rows {
				if r.Target == NeedInternet && r.Port == 443 {
					t.Errorf("got %s on 443; want the registry judged on 5000 only", rowString(r))
				}
			}
		})
	}
}

// TestRegistryAddressRows: a registry named by an IP address is judged on
// that address and the image's port, localhost as the loopback it is.
func TestRegistryAddressRows(t *testing.T) {
	tests := []struct {
		image string
		want  expectRow
		port  int
	}{
		{"10.0.12.50:5000/team/app:1", expectRow{check: CheckRoute, target: "10.0.12.50", status: report.StatusPass}, 5000},
		{"10.0.12.50:5000/team/app:1", expectRow{check: CheckSecurityGroup, target: "10.0.12.50", status: report.StatusFail, class: report.ClassConnect,
			errText: "TCP 5000"}, 5000},
		{"[2001:db8::1]:5000/app", expectRow{check: CheckRoute, target: "2001:db8::1", status: report.StatusFail, class: report.ClassConnect,
			errText: "no IPv6 block"}, 5000},
		{"localhost:5000/app", expectRow{check: CheckEndpoint, target: "localhost", status: report.StatusSkip}, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.image+" "+string(tt.want.check), func(t *testing.T) {
			rows := rowsFor(t, nil, Container{Name: "app", Image: tt.image})
			assertRow(t, rows, tt.want)
			for _, r := range findRows(rows, tt.want.check, tt.want.target) {
				if r.Port != tt.port {
					t.Errorf("got %s on port %d; want %d", rowString(r), r.Port, tt.port)
				}
			}
			for _, r := range rows {
				if r.Target == NeedInternet {
					t.Errorf("got %s; want no internet row for a registry named by its address", rowString(r))
				}
			}
		})
	}
}
