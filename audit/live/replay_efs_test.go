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
// read leaves only those mount targets unknown, and the undecided
// ingress row names each of them, and no mount target that was read. In
// efs-groups-closed the groups read for fsmt-...710 do not admit NFS, so
// the ingress is not proven by the groups that were read.
func TestReplayMountTargetGroupsUnread(t *testing.T) {
	const (
		mt0 = "fsmt-0a1b2c3d4e5f60710"
		mt1 = "fsmt-0a1b2c3d4e5f60711"
	)
	action := audit.ActionDescribeMountTargetSecGroups
	tests := []struct {
		name string
		// denyOn are the mount targets whose read IAM refuses; none
		// means every one.
		denyOn []string
		want   []string // the unread mount targets the row names
		read   []string // the mount targets it must not name
		errHas string
	}{
		{name: "one of two denied", denyOn: []string{mt1}, want: []string{mt1}, read: []string{mt0},
			errHas: "could not decide: " + action + " on " + mt1 + " failed (AccessDeniedException"},
		{name: "both denied", want: []string{mt0, mt1},
			errHas: "the security groups of mount targets " + mt0 + "," + mt1 + ", which could not be read, decide whether the tasks get in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplayAWS(t, "efs-groups-closed")
			if len(tt.denyOn) == 0 {
				r.setDeny(action)
			}
			for _, id := range tt.denyOn {
				r.setDenyOn(action, id)
			}
			_, rows := replayRows(t, r, audit.Options{})
			if got := r.count(action); got != 2 {
				t.Errorf("got %d %s requests; want 2 (one a mount target, a denial not retried)", got, action)
			}
			var undecided []report.Result
			for _, row := range rows {
				if row.Target == "efs" && row.Class == report.ClassUndecided {
					undecided = append(undecided, row)
				}
			}
			// One a service: the base account's 12 mount the volume.
			if len(undecided) != 12 {
				t.Fatalf("got %d undecided efs rows; want 12, one a service\n%s", len(undecided), motoDumpRows(rows))
			}
			for _, row := range undecided {
				assertMountTargetRow(t, row, tt.errHas, tt.want, tt.read)
			}
		})
	}
}

// assertMountTargetRow checks an undecided ingress row of the EFS need:
// its text, the unread mount targets it names and the read ones it must
// not name.
func assertMountTargetRow(t *testing.T, row report.Result, errHas string, unread, read []string) {
	t.Helper()
	if row.Check != audit.CheckSecurityGroup || row.Status != report.StatusWarn || !strings.Contains(row.Error, errHas) {
		t.Errorf("got %s/%s %q; want %s/warn containing %q", row.Check, row.Status, row.Error, audit.CheckSecurityGroup, errHas)
	}
	for _, id := range unread {
		if !slices.Contains(row.Resources, id) {
			t.Errorf("got resources %v; want %s among them", row.Resources, id)
		}
	}
	for _, id := range read {
		if slices.Contains(row.Resources, id) {
			t.Errorf("got resources %v; want no %s, whose groups were read", row.Resources, id)
		}
	}
}
