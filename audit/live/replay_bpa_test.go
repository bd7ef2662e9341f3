package live

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// Ids of the BPA scenarios (testdata/replay/bpa-*): the task subnets of
// base, a public subnet that routes 0.0.0.0/0 to the internet gateway,
// and the gateways the task subnets' route table names.
const (
	bpaTask1  = "subnet-0a11b22c33d44e551"
	bpaTask2  = "subnet-0a11b22c33d44e552"
	bpaPublic = "subnet-0b0b1b22c33d44e553"
	bpaNATGW  = "nat-0a1b2c3d4e5f60789"
	bpaIGW    = "igw-0a1b2c3d4e5f60789"
	bpaEIGW   = "eigw-0a1b2c3d4e5f60789"
	bpaRTB    = "rtb-0f1e2d3c4b5a69788"
)

// TestReplayBPA: VPC Block Public Access closes internet paths whatever
// the routes say, by mode and path kind (rules_bpa.go cites the AWS
// pages): a NAT gateway is open under block-ingress and closed under
// block-bidirectional unless its public subnet or the VPC is excluded
// (the task subnets' exclusions do not count for it); the tasks' own
// public IP through the internet gateway is closed under both modes
// unless an allow-bidirectional exclusion covers the task subnet
// (allow-egress does not); an egress-only internet gateway is open under
// block-ingress and needs an exclusion of the task subnet under
// block-bidirectional. Only active exclusions count, a second page of
// exclusions is read, and a failed read leaves the rows that use an
// internet path undecided (or failing for a missing endpoint), never
// passing. The internet need (the busybox image from Docker Hub), the
// public-path rule (logs has no endpoint) and --public-path warn agree.
func TestReplayBPA(t *testing.T) {
	natHint := "aws ec2 create-vpc-block-public-access-exclusion --subnet-id " + bpaPublic + " --internet-gateway-exclusion-mode allow-egress"
	natOpen := []replayRow{
		{check: audit.CheckEndpoint, target: "internet", status: report.StatusPass},
		{check: audit.CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
			errHas: "only over the public path " + bpaNATGW + " via rtb-0f1e2d3c4b5a69788", resources: []string{bpaNATGW, bpaRTB}},
	}
	natClosed := func(extra string) []replayRow {
		why := "VPC Block Public Access is block-bidirectional in us-east-1 and closes " + bpaNATGW +
			": no active exclusion covers its public subnet (" + bpaPublic + ") or " + replayVPC + extra
		return []replayRow{
			{check: audit.CheckRoute, target: "internet", status: report.StatusFail, class: report.ClassConnect,
				errHas: "a task subnet has no internet path: the image pull times out (" + why, resources: []string{bpaTask1, bpaTask2, bpaNATGW, bpaRTB}},
			{check: audit.CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "time out (a task subnet has no internet path; " + why, resources: []string{bpaTask1, bpaTask2, replayVPC, bpaNATGW, bpaRTB}},
		}
	}
	igwOpen := []replayRow{
		{check: audit.CheckEndpoint, target: "internet", status: report.StatusPass},
		{check: audit.CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
			errHas: "only over the public path " + bpaIGW + " via rtb-0f1e2d3c4b5a69788", resources: []string{bpaIGW, bpaRTB}},
	}
	igwClosed := func(mode string) []replayRow {
		return []replayRow{{check: audit.CheckRoute, target: "internet", status: report.StatusFail, class: report.ClassConnect,
			errHas:    "VPC Block Public Access is " + mode + " in us-east-1 and closes " + bpaIGW + " for the tasks' own address: no active allow-bidirectional exclusion covers " + bpaTask1 + " or " + replayVPC,
			resources: []string{bpaTask1, bpaTask2, bpaRTB, bpaIGW}}}
	}
	eigwOpen := []replayRow{{check: audit.CheckEndpoint, target: "internet", status: report.StatusPass}}
	tests := []struct {
		name, scenario, deny string
		opts                 audit.Options
		want                 []replayRow
		// hint is what the hint of the internet need's failing row holds.
		hint string
	}{
		{name: "NAT, BPA off", scenario: "bpa-nat", want: natOpen},
		{name: "NAT, block-ingress", scenario: "bpa-ingress+bpa-nat", want: natOpen},
		{name: "NAT, block-bidirectional", scenario: "bpa-bidir+bpa-nat", want: natClosed(")"), hint: natHint},
		{name: "NAT, block-bidirectional, --public-path warn", scenario: "bpa-bidir+bpa-nat",
			opts: audit.Options{PublicPath: config.PublicPathWarn}, want: natClosed(")"), hint: natHint},
		{name: "NAT, block-bidirectional, VPC excluded", scenario: "bpa-bidir+bpa-excl-vpc+bpa-nat", want: natOpen},
		{name: "NAT, block-bidirectional, public subnet excluded", scenario: "bpa-bidir+bpa-excl-public+bpa-nat", want: natOpen},
		{name: "NAT, block-bidirectional, exclusion on page 2", scenario: "bpa-bidir+bpa-excl-paged+bpa-nat", want: natOpen},
		{name: "NAT, block-bidirectional, exclusions not active", scenario: "bpa-bidir+bpa-excl-pending+bpa-nat",
			want: natClosed("; exclusion vpcbpa-exclude-0a1b2c3d4e5f60703 of " + bpaPublic + " is create-in-progress, not in effect"), hint: natHint},
		{name: "NAT, block-bidirectional, only the task subnets excluded", scenario: "bpa-bidir+bpa-excl-tasks-egress+bpa-nat",
			want: natClosed(")"), hint: natHint},
		{name: "NAT, options denied", scenario: "bpa-bidir+bpa-nat", deny: audit.ActionDescribeBPAOptions, want: []replayRow{
			{check: audit.CheckRoute, target: "internet", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "could not decide: ec2:DescribeVpcBlockPublicAccessOptions failed (UnauthorizedOperation", resources: []string{replayVPC, bpaTask1, bpaTask2, bpaNATGW, bpaRTB}},
			{check: audit.CheckEndpoint, target: "logs", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "whether they reach it is unknown: VPC Block Public Access could not be read (ec2:DescribeVpcBlockPublicAccessOptions failed: UnauthorizedOperation", resources: []string{replayVPC, bpaNATGW, bpaRTB}},
		}},
		{name: "NAT, options denied, --fail-undecided", scenario: "bpa-nat", deny: audit.ActionDescribeBPAOptions, opts: audit.Options{FailUndecided: true},
			want: []replayRow{{check: audit.CheckRoute, target: "internet", status: report.StatusFail, class: report.ClassUndecided,
				errHas: "could not decide: ec2:DescribeVpcBlockPublicAccessOptions failed"}}},
		{name: "NAT, block-bidirectional, exclusions denied", scenario: "bpa-bidir+bpa-nat", deny: audit.ActionDescribeBPAExclusions, want: []replayRow{
			{check: audit.CheckRoute, target: "internet", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "could not decide: ec2:DescribeVpcBlockPublicAccessExclusions failed (UnauthorizedOperation", resources: []string{replayVPC, bpaNATGW, bpaRTB}},
		}},
		{name: "NAT, block-ingress, exclusions denied", scenario: "bpa-ingress+bpa-nat", deny: audit.ActionDescribeBPAExclusions, want: natOpen},

		{name: "IGW, BPA off", scenario: "bpa-igw", want: igwOpen},
		{name: "IGW, block-ingress", scenario: "bpa-ingress+bpa-igw", want: igwClosed("block-ingress"),
			hint: "aws ec2 create-vpc-block-public-access-exclusion --subnet-id " + bpaTask1 + " --internet-gateway-exclusion-mode allow-bidirectional"},
		{name: "IGW, block-bidirectional", scenario: "bpa-bidir+bpa-igw", want: igwClosed("block-bidirectional")},
		{name: "IGW, block-bidirectional, allow-egress exclusions", scenario: "bpa-bidir+bpa-excl-tasks-egress+bpa-igw", want: igwClosed("block-bidirectional")},
		{name: "IGW, block-ingress, allow-bidirectional exclusions", scenario: "bpa-ingress+bpa-excl-tasks+bpa-igw", want: igwOpen},

		{name: "EIGW, BPA off", scenario: "bpa-eigw", want: eigwOpen},
		{name: "EIGW, block-ingress", scenario: "bpa-ingress+bpa-eigw", want: eigwOpen},
		{name: "EIGW, block-bidirectional", scenario: "bpa-bidir+bpa-eigw", want: []replayRow{
			{check: audit.CheckRoute, target: "internet", status: report.StatusFail, class: report.ClassConnect,
				errHas: "VPC Block Public Access is block-bidirectional in us-east-1 and closes " + bpaEIGW + ": no active exclusion covers " + bpaTask1 + " or " + replayVPC, resources: []string{bpaEIGW, bpaRTB}},
		}, hint: "aws ec2 create-vpc-block-public-access-exclusion --subnet-id " + bpaTask1 + " --internet-gateway-exclusion-mode allow-egress"},
		{name: "EIGW, block-bidirectional, task subnets excluded", scenario: "bpa-bidir+bpa-excl-tasks-egress+bpa-eigw", want: eigwOpen},
		{name: "EIGW, options denied", scenario: "bpa-eigw", deny: audit.ActionDescribeBPAOptions, want: []replayRow{
			{check: audit.CheckRoute, target: "internet", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "could not decide: ec2:DescribeVpcBlockPublicAccessOptions failed (UnauthorizedOperation", resources: []string{replayVPC, bpaEIGW}},
		}},
	}
	// An IP entry on the internet takes the same path: BPA closes it too.
	ipEntry, err := config.ParseEntries("198.51.100.7:443")
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests,
		struct {
			name, scenario, deny string
			opts                 audit.Options
			want                 []replayRow
			hint                 string
		}{name: "IP entry over NAT, BPA off", scenario: "bpa-nat", opts: audit.Options{Extra: ipEntry}},
		struct {
			name, scenario, deny string
			opts                 audit.Options
			want                 []replayRow
			hint                 string
		}{name: "IP entry over NAT, block-bidirectional", scenario: "bpa-bidir+bpa-nat", opts: audit.Options{Extra: ipEntry}, want: []replayRow{
			{check: audit.CheckRoute, target: "198.51.100.7", status: report.StatusFail, class: report.ClassConnect,
				errHas: "VPC Block Public Access is block-bidirectional in us-east-1 and closes " + bpaNATGW, resources: []string{bpaNATGW}}}},
		struct {
			name, scenario, deny string
			opts                 audit.Options
			want                 []replayRow
			hint                 string
		}{name: "IP entry over NAT, options denied", scenario: "bpa-nat", deny: audit.ActionDescribeBPAOptions, opts: audit.Options{Extra: ipEntry}, want: []replayRow{
			{check: audit.CheckRoute, target: "198.51.100.7", status: report.StatusWarn, class: report.ClassUndecided,
				errHas: "could not decide: ec2:DescribeVpcBlockPublicAccessOptions failed"}}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplayAWS(t, tt.scenario)
			if tt.deny != "" {
				r.setDeny(tt.deny)
			}
			facts, err := r.gather(t)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			rows := audit.Evaluate(facts, tt.opts)
			for _, w := range tt.want {
				assertReplayRows(t, rows, w)
			}
			for _, row := range rows {
				if row.Target == "internet" && row.Status == report.StatusFail && tt.hint != "" && !strings.Contains(row.Hint, tt.hint) {
					t.Errorf("internet row hint %q; want it to hold %q", row.Hint, tt.hint)
				}
			}
			if tt.name == "IP entry over NAT, BPA off" {
				routed := false
				for _, row := range rows {
					routed = routed || row.Check == audit.CheckRoute && row.Target == "198.51.100.7" && row.Status == report.StatusPass && strings.Contains(row.Detail, bpaNATGW)
				}
				if !routed {
					t.Errorf("no passing route row for 198.51.100.7 via %s in\n%s", bpaNATGW, motoDumpRows(rows))
				}
			}
			if strings.Contains(tt.scenario, "bpa-excl-paged") {
				if got := r.count(audit.ActionDescribeBPAExclusions); got != 2 {
					t.Errorf("got %d DescribeVpcBlockPublicAccessExclusions requests; want 2 (one a page)", got)
				}
			}
		})
	}
}

// TestReplayBPAOffChangesNothing: with BPA off, exclusions (active or
// not) change no row: the rows equal those of the same account judged
// without any BPA fact, for every path kind.
func TestReplayBPAOffChangesNothing(t *testing.T) {
	for _, scenario := range []string{"bpa-excl-pending+bpa-nat", "bpa-excl-vpc+bpa-nat", "bpa-excl-tasks+bpa-igw", "bpa-excl-tasks-egress+bpa-eigw"} {
		t.Run(scenario, func(t *testing.T) {
			facts, rows := replayRows(t, newReplayAWS(t, scenario), audit.Options{})
			if facts.BPA == nil || facts.BPA.Mode != audit.BPAOff || len(facts.BPA.Exclusions) == 0 {
				t.Fatalf("BPA %+v; want mode off with the scenario's exclusions", facts.BPA)
			}
			facts.BPA = nil
			if d := rowsDiff(rows, audit.Evaluate(facts, audit.Options{})); d != "" {
				t.Errorf("BPA off changed rows (+with BPA off, -without BPA):\n%s", d)
			}
		})
	}
}
