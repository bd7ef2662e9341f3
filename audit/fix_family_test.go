package audit

import (
	"reflect"
	"strings"
	"testing"
)

// TestPlanFixesFamiliesAndOS: the plan fixes, in one round, what the IPv6
// and OS-aware rules ask for: egress to ::/0 for a dual-stack image over
// an egress-only gateway (an Ipv6Ranges rule), and a Windows task's return
// ports (49152-65535) in the network ACL.
func TestPlanFixesFamiliesAndOS(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Facts)
		want   string // in the CLI plan
	}{
		{"dual-stack image over an egress-only gateway", func(f *Facts) {
			dualStackImage(f)
			addEIGW(f)
		}, `"Ipv6Ranges":[{"CidrIpv6":"::/0"`},
		{"Windows task, return ports closed", func(f *Facts) {
			firstWorkload(f).TaskDefinition.OSFamily = "WINDOWS_SERVER_2022_CORE"
			f.NetworkACLs[0].Entries = naclEphemeral(32768, 60999)
		}, "--port-range From=49152,To=65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			tt.mutate(f)
			renameIDs(reflect.ValueOf(f).Elem())
			p := planOf(t, f)
			if cli := joinContinuations(renderPlan(t, FixCLI, p)); !strings.Contains(cli, tt.want) {
				t.Errorf("got plan\n%s\nwant it to contain %q", cli, tt.want)
			}
			assertPlanFixes(t, f, p)
		})
	}
}
