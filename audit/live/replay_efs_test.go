package live

import (
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestReplayMountTargetGroupsUnread: EFS reads the groups of each mount
// target with its own DescribeMountTargetSecurityGroups call, so a failed
// read leaves only those mount targets unknown. A task mounts the mount
// target of its own AZ, so each task AZ is judged on its mount target:
// the base account's tasks run in us-east-1a (subnet ...551, fsmt-...710)
// and us-east-1b (subnet ...552, fsmt-...711). In base both groups admit
// NFS; in efs-groups-closed the group of fsmt-...710 does not.
func TestReplayMountTargetGroupsUnread(t *testing.T) {
	const (
		mt0   = "fsmt-0a1b2c3d4e5f60710"
		mt1   = "fsmt-0a1b2c3d4e5f60711"
		sn0   = "subnet-0a11b22c33d44e551"
		vpceG = "sg-0vpce5e9c1b2a3d4f7"
	)
	action := audit.ActionDescribeMountTargetSecGroups
	tests := []struct {
		name     string
		scenario string
		// deny refuses every read; denyOn only those of these mount
		// targets.
		deny   bool
		denyOn []string
		status report.Status
		class  report.Class
		want   []string // the resources the row names
		read   []string // the mount targets it must not name
		errHas string
	}{
		{name: "unread in us-east-1a, open in us-east-1b", scenario: "base", denyOn: []string{mt0},
			status: report.StatusWarn, class: report.ClassUndecided, want: []string{mt0}, read: []string{mt1},
			errHas: "could not decide: " + action + " on " + mt0 + " failed (AccessDeniedException"},
		{name: "both denied", scenario: "efs-groups-closed", deny: true,
			status: report.StatusWarn, class: report.ClassUndecided, want: []string{mt0, mt1},
			errHas: "the security groups of mount targets " + mt0 + "," + mt1 + ", which could not be read, decide whether the tasks get in"},
		{name: "closed in us-east-1a, open in us-east-1b", scenario: "efs-groups-closed",
			status: report.StatusFail, class: report.ClassConnect, want: []string{mt0, vpceG, sn0}, read: []string{mt1},
			errHas: "in us-east-1a (task subnets " + sn0 + ", mount target " + mt0 + "): security groups " + vpceG + " of " + mt0 + " do not allow inbound TCP 2049"},
		{name: "closed in us-east-1a, unread in us-east-1b", scenario: "efs-groups-closed", denyOn: []string{mt1},
			status: report.StatusFail, class: report.ClassConnect, want: []string{mt0, vpceG, sn0, mt1},
			errHas: "in us-east-1a (task subnets " + sn0 + ", mount target " + mt0 + "): security groups " + vpceG + " of " + mt0 + " do not allow inbound TCP 2049"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplayAWS(t, tt.scenario)
			if tt.deny {
				r.setDeny(action)
			}
			for _, id := range tt.denyOn {
				r.setDenyOn(action, id)
			}
			_, rows := replayRows(t, r, audit.Options{})
			if got := r.count(action); got != 2 {
				t.Errorf("got %d %s requests; want 2 (one a mount target, a denial not retried)", got, action)
			}
			var ingress []report.Result
			for _, row := range rows {
				if row.Target == "efs" && row.Check == audit.CheckSecurityGroup && row.Status == tt.status && row.Class == tt.class &&
					strings.Contains(row.Error, tt.errHas) {
					ingress = append(ingress, row)
				}
			}
			// One a service: the base account's 12 mount the volume.
			if len(ingress) != 12 {
				t.Fatalf("got %d efs %s/%s rows with %q; want 12, one a service\n%s", len(ingress), tt.status, tt.class, tt.errHas, motoDumpRows(rows))
			}
			for _, row := range ingress {
				assertMountTargetRow(t, row, tt.errHas, tt.want, tt.read)
			}
		})
	}
}

// assertMountTargetRow checks an ingress row of the EFS need: its text,
// the resources it names and the mount targets it must not name.
func assertMountTargetRow(t *testing.T, row report.Result, errHas string, named, read []string) {
	t.Helper()
	if row.Check != audit.CheckSecurityGroup || !strings.Contains(row.Error, errHas) {
		t.Errorf("got %s/%s %q; want %s containing %q", row.Check, row.Status, row.Error, audit.CheckSecurityGroup, errHas)
	}
	for _, id := range named {
		if !slices.Contains(row.Resources, id) {
			t.Errorf("got resources %v; want %s among them", row.Resources, id)
		}
	}
	for _, id := range read {
		if slices.Contains(row.Resources, id) {
			t.Errorf("got resources %v; want no %s, which does not block the tasks", row.Resources, id)
		}
	}
}
