package audit

import (
	"net/netip"
	"strings"
	"testing"
)

// TestBPAPathOpenQuestions: where the AWS pages leave the answer open the
// path is undecided, never open: a subnet exclusion and a VPC exclusion
// that decide differently, an exclusion that would reopen a path while
// the organization makes exclusions not-allowed, a mode preflight does
// not know, and a NAT gateway that may sit in an excluded or in a
// non-excluded public subnet. A transit gateway path is not this VPC's
// BPA to close; an appliance (NAT instance) needs allow-bidirectional.
func TestBPAPathOpenQuestions(t *testing.T) {
	const vpc = "vpc-0a"
	task := &Subnet{ID: "subnet-0a", VPCID: vpc, CIDR: netip.MustParsePrefix("10.0.1.0/24")}
	pub1 := &Subnet{ID: "subnet-0b", VPCID: vpc, CIDR: netip.MustParsePrefix("10.0.2.0/24")}
	pub2 := &Subnet{ID: "subnet-0c", VPCID: vpc, CIDR: netip.MustParsePrefix("10.0.3.0/24")}
	facts := func(b *BlockPublicAccess) *Facts {
		igw := Route{Destination: defaultRoute4, Target: TargetIGW, TargetID: "igw-0a", State: "active"}
		return &Facts{Region: "us-east-1", BPA: b,
			Subnets:     map[string]*Subnet{task.ID: task, pub1.ID: pub1, pub2.ID: pub2},
			RouteTables: []*RouteTable{{ID: "rtb-0b", VPCID: vpc, SubnetIDs: []string{pub1.ID, pub2.ID}, Routes: []Route{igw}}}}
	}
	active := func(res, mode string) BPAExclusion {
		return BPAExclusion{ID: "vpcbpa-exclude-" + res, ResourceID: res, Mode: mode, State: "create-complete"}
	}
	tests := []struct {
		name   string
		bpa    *BlockPublicAccess
		kind   bpaKind
		want   Tri
		errHas string
	}{
		{"subnet and VPC exclusions disagree", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true,
			Exclusions: []BPAExclusion{active(task.ID, BPAAllowBidirectional), active(vpc, BPAAllowEgress)}}, bpaDirect, TriUnknown, "AWS documents no precedence"},
		{"subnet and VPC exclusions agree", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true,
			Exclusions: []BPAExclusion{active(task.ID, BPAAllowEgress), active(vpc, BPAAllowEgress)}}, bpaEgressOnly, TriTrue, ""},
		{"exclusions not-allowed", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true, ExclusionsAllowed: "not-allowed",
			Exclusions: []BPAExclusion{active(task.ID, BPAAllowEgress)}}, bpaEgressOnly, TriUnknown, "not-allowed"},
		{"unknown mode", &BlockPublicAccess{Mode: "block-everything", ExclusionsRead: true}, bpaNAT, TriUnknown, `"block-everything"`},
		{"NAT, one of two public subnets excluded", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true,
			Exclusions: []BPAExclusion{active(pub1.ID, BPAAllowEgress)}}, bpaNAT, TriUnknown, "open from subnet-0b, closed from subnet-0c"},
		{"NAT, both public subnets excluded", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true,
			Exclusions: []BPAExclusion{active(pub1.ID, BPAAllowEgress), active(pub2.ID, BPAAllowBidirectional)}}, bpaNAT, TriTrue, ""},
		{"transit gateway", &BlockPublicAccess{Mode: BPABlockBidirectional, ExclusionsRead: true}, bpaElsewhere, TriTrue, ""},
		{"appliance, block-ingress", &BlockPublicAccess{Mode: BPABlockIngress, ExclusionsRead: true}, bpaAppliance, TriFalse, "allow-bidirectional"},
		{"appliance, VPC allow-bidirectional", &BlockPublicAccess{Mode: BPABlockIngress, ExclusionsRead: true,
			Exclusions: []BPAExclusion{active(vpc, BPAAllowBidirectional)}}, bpaAppliance, TriTrue, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &evaluator{f: facts(tt.bpa)}
			v := e.bpaPath(task, tt.kind, "gw-0a")
			if v.open != tt.want || !strings.Contains(v.why, tt.errHas) {
				t.Errorf("got %s %q; want %s containing %q", v.open, v.why, tt.want, tt.errHas)
			}
		})
	}
}
