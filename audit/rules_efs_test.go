package audit

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// efsIDs are fixIDs and the ids the EFS cases add, of the length AWS
// gives: hints name only ids that match their AWS patterns.
var efsIDs = func() map[string]string {
	m := maps.Clone(fixIDs)
	for id, n := range map[string]int{"sg-efsa": 0xefa, "sg-efsc": 0xefc, "sg-shut": 0x5c0, "subnet-ed": 0xed, "acl-eb": 0xeb, "acl-ed": 0xed} {
		m[id] = fmt.Sprintf("%s-%017x", id[:strings.IndexByte(id, '-')], n)
	}
	return m
}()

func efsText(s string) string {
	return reReadableID.ReplaceAllStringFunc(s, func(id string) string {
		if n, ok := efsIDs[id]; ok {
			return n
		}
		return id
	})
}

// TestEFSPerAZ: a task mounts the mount target of its own AZ, so each task
// AZ is judged on that mount target alone. The tasks run in subnet-a
// (ap-northeast-1a) and subnet-b (ap-northeast-1c); fsmt-a is in
// subnet-ea (1a), fsmt-c in subnet-eb (1c).
func TestEFSPerAZ(t *testing.T) {
	const fs = "fs-0123456789abcdef0"
	nfsFrom := func(g string) []Rule {
		return []Rule{{Protocol: "tcp", FromPort: 2049, ToPort: 2049, GroupIDs: []string{g}}}
	}
	// setup gives fsmt-a and fsmt-c their groups (nil: not read) and
	// lets the task group out to outTo.
	setup := func(f *Facts, groupsA, groupsC []string, outTo ...string) {
		firstWorkload(f).TaskDefinition.EFSVolumes = []EFSVolume{{Name: "data", FileSystemID: fs}}
		f.MountTargets = []*MountTarget{
			{ID: "fsmt-0000000000000000a", FileSystemID: fs, SubnetID: "subnet-ea", SecurityGroupIDs: groupsA},
			{ID: "fsmt-0000000000000000c", FileSystemID: fs, SubnetID: "subnet-eb", SecurityGroupIDs: groupsC},
		}
		f.SecurityGroups["sg-efsa"] = &SecurityGroup{ID: "sg-efsa", VPCID: "vpc-1", Ingress: nfsFrom("sg-task")}
		f.SecurityGroups["sg-efsc"] = &SecurityGroup{ID: "sg-efsc", VPCID: "vpc-1", Ingress: nfsFrom("sg-task")}
		f.SecurityGroups["sg-shut"] = &SecurityGroup{ID: "sg-shut", VPCID: "vpc-1"}
		for _, g := range outTo {
			f.SecurityGroups["sg-task"].Egress = append(f.SecurityGroups["sg-task"].Egress, nfsFrom(g)...)
		}
	}
	const mtA, mtC = "fsmt-0000000000000000a", "fsmt-0000000000000000c"
	tests := []struct {
		name   string
		mutate func(f *Facts)
		want   []expectRow
		// errNot are texts the row of want[0] must not hold (mount
		// targets and AZs that are not blocked).
		errNot []string
		// absent are checks that must have no efs row other than a pass.
		absent []report.Check
		// noPass are checks that must have no passing efs row.
		noPass []report.Check
	}{
		{
			name:   "every AZ's mount target admits the tasks",
			mutate: func(f *Facts) { setup(f, []string{"sg-efsa"}, []string{"sg-efsc"}, "sg-efsa", "sg-efsc") },
			want: []expectRow{{check: CheckEndpoint, target: NeedEFS, status: report.StatusPass,
				resources: []string{fs, mtA, mtC, "sg-efsa", "sg-efsc"}}},
			absent: []report.Check{CheckSecurityGroup, CheckNACL, CheckEndpointAZ},
		},
		{
			// AZ 1c's open group does not let the tasks of 1a in.
			name:   "closed mount target in one task AZ fails",
			mutate: func(f *Facts) { setup(f, []string{"sg-shut"}, []string{"sg-efsc"}, "sg-shut", "sg-efsc") },
			want: []expectRow{{check: CheckSecurityGroup, target: NeedEFS, status: report.StatusFail, class: report.ClassConnect,
				errText:   "in ap-northeast-1a (task subnets subnet-a, mount target " + mtA + "): security groups sg-shut of " + mtA + " do not allow inbound TCP 2049",
				hint:      "authorize-security-group-ingress --group-id sg-shut --ip-permissions 'IpProtocol=tcp,FromPort=2049,ToPort=2049,UserIdGroupPairs=[{GroupId=sg-task}]'",
				resources: []string{mtA, "sg-shut", "subnet-a"}}},
			errNot: []string{mtC, "ap-northeast-1c", "sg-efsc"},
		},
		{
			// The read groups of fsmt-c admit NFS; fsmt-a's were not read.
			name: "unread mount target in a task AZ is undecided",
			mutate: func(f *Facts) {
				setup(f, nil, []string{"sg-efsc"}, "sg-efsc")
				f.Undecided = append(f.Undecided, Undecided{Action: ActionDescribeMountTargetSecGroups, Resource: mtA, Code: "AccessDeniedException", Err: "not authorized"})
			},
			want: []expectRow{{check: CheckSecurityGroup, target: NeedEFS, status: report.StatusWarn, class: report.ClassUndecided,
				errText:   "could not decide: " + ActionDescribeMountTargetSecGroups + " on " + mtA,
				resources: []string{mtA, "subnet-a"}}},
			errNot: []string{mtC},
		},
		{
			// fsmt-d, in an AZ without tasks, has a closed group, a
			// network ACL that denies everything, and no egress to it:
			// it decides nothing.
			name: "mount target in an AZ without tasks decides nothing",
			mutate: func(f *Facts) {
				setup(f, []string{"sg-efsa"}, []string{"sg-efsc"}, "sg-efsa", "sg-efsc")
				f.Subnets["subnet-ed"] = &Subnet{ID: "subnet-ed", VPCID: "vpc-1", AZ: "ap-northeast-1d", CIDR: pfx("10.0.14.0/24")}
				f.MountTargets = append(f.MountTargets, &MountTarget{ID: "fsmt-0000000000000000d", FileSystemID: fs, SubnetID: "subnet-ed", SecurityGroupIDs: []string{"sg-shut"}})
				f.NetworkACLs = append(f.NetworkACLs, &NetworkACL{ID: "acl-ed", VPCID: "vpc-1", SubnetIDs: []string{"subnet-ed"}, Entries: []NACLEntry{
					{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 32767, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
				}})
			},
			want:   []expectRow{{check: CheckEndpoint, target: NeedEFS, status: report.StatusPass, resources: []string{mtA, mtC}}},
			absent: []report.Check{CheckSecurityGroup, CheckNACL, CheckEndpointAZ},
		},
		{
			// The only mount target is in ap-northeast-1d, where no task
			// runs: the tasks' AZs cannot resolve the file system's name,
			// and nothing passes.
			name: "no mount target in any task AZ",
			mutate: func(f *Facts) {
				setup(f, []string{"sg-efsa"}, []string{"sg-efsc"}, "sg-efsa", "sg-efsc")
				f.Subnets["subnet-ed"] = &Subnet{ID: "subnet-ed", VPCID: "vpc-1", AZ: "ap-northeast-1d", CIDR: pfx("10.0.14.0/24")}
				f.MountTargets = []*MountTarget{{ID: "fsmt-0000000000000000d", FileSystemID: fs, SubnetID: "subnet-ed", SecurityGroupIDs: []string{"sg-efsa"}}}
			},
			want: []expectRow{{check: CheckEndpointAZ, target: NeedEFS, status: report.StatusWarn, class: report.ClassConnect,
				errText: fs + " has no mount target in ap-northeast-1a, ap-northeast-1c, where tasks run"}},
			noPass: []report.Check{CheckEndpoint},
		},
		{
			// Egress to 1c's group does not reach the mount target in 1a.
			name:   "task egress only to another AZ's mount target fails",
			mutate: func(f *Facts) { setup(f, []string{"sg-efsa"}, []string{"sg-efsc"}, "sg-efsc") },
			want: []expectRow{{check: CheckSecurityGroup, target: NeedEFS, status: report.StatusFail, class: report.ClassConnect,
				errText:   "in ap-northeast-1a (task subnets subnet-a, mount target " + mtA + "): task security groups sg-task do not allow outbound TCP 2049 to " + mtA,
				hint:      "authorize-security-group-egress --group-id sg-task --ip-permissions 'IpProtocol=tcp,FromPort=2049,ToPort=2049,UserIdGroupPairs=[{GroupId=sg-efsa}]'",
				resources: []string{mtA, "sg-task", "subnet-a"}}},
			errNot: []string{"ap-northeast-1c"},
		},
		{
			// acl-eb of fsmt-c's subnet admits only 1c's task subnet:
			// the tasks of 1a never cross it.
			name: "network ACL of a mount target judged for its AZ's tasks only",
			mutate: func(f *Facts) {
				setup(f, []string{"sg-efsa"}, []string{"sg-efsc"}, "sg-efsa", "sg-efsc")
				f.NetworkACLs[0].SubnetIDs = []string{"subnet-a", "subnet-b", "subnet-ea", "subnet-pub"}
				f.NetworkACLs = append(f.NetworkACLs, &NetworkACL{ID: "acl-eb", VPCID: "vpc-1", SubnetIDs: []string{"subnet-eb"}, Entries: []NACLEntry{
					{RuleNumber: 100, Protocol: "-1", CIDR: pfx("10.0.2.0/24"), Allow: true},
					{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
					{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("10.0.2.0/24"), Allow: true},
					{RuleNumber: 32767, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
				}})
			},
			want:   []expectRow{{check: CheckEndpoint, target: NeedEFS, status: report.StatusPass}},
			absent: []report.Check{CheckSecurityGroup, CheckNACL},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			tt.mutate(f)
			renameWith(f, efsIDs)
			rows := Evaluate(f, Options{})
			for i, w := range tt.want {
				w.hint, w.errText = efsText(w.hint), efsText(w.errText)
				for j, id := range w.resources {
					w.resources[j] = efsText(id)
				}
				assertRow(t, rows, w)
				if i > 0 {
					continue
				}
				for _, r := range findRows(rows, w.check, w.target) {
					for _, not := range tt.errNot {
						if r.Status == w.status && strings.Contains(r.Error, efsText(not)) {
							t.Errorf("got %q; want no %s in it", r.Error, efsText(not))
						}
					}
				}
			}
			for _, c := range tt.noPass {
				for _, r := range findRows(rows, c, NeedEFS) {
					if r.Status == report.StatusPass {
						t.Errorf("got %s; want no passing %s row for efs", rowString(r), c)
					}
				}
			}
			for _, c := range tt.absent {
				for _, r := range findRows(rows, c, NeedEFS) {
					if r.Status != report.StatusPass {
						t.Errorf("got %s; want no %s row for efs", rowString(r), c)
					}
				}
			}
		})
	}
}
