package explain

import (
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/probe"
)

// TestCauseFollowsTheTaskOS: a NACL that lets replies in only on 49152-65535
// (Windows' ephemeral ports) is the cause of a Linux task's timeout, whose
// replies come back to 32768-60999, and no cause of a Windows task's: the
// explainer judges the task's network for the OS it runs on.
func TestCauseFollowsTheTaskOS(t *testing.T) {
	eni := probe.NetworkInterface{ID: "eni-1", SubnetID: "subnet-0a", SecurityGroupIDs: []string{"sg-00a5c"}}
	for _, tt := range []struct {
		goos      string
		wantBlame bool
	}{
		{"linux", true},
		{"windows", false},
	} {
		t.Run(tt.goos, func(t *testing.T) {
			f := healthyFacts()
			f.NetworkACLs[0].Entries = []audit.NACLEntry{
				{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 110, Protocol: "6", PortFrom: 49152, PortTo: 65535, CIDR: pfx("0.0.0.0/0"), Allow: true},
			}
			needs := []audit.Need{{Service: "logs", Region: region, Port: 443}}
			findings := audit.EvaluateNetwork(f, taskNetConfig(eni, OSFamilyOf(tt.goos)), needs, audit.Options{})
			got := Cause(connectTimeout("logs", true), findings)
			if got == nil {
				t.Fatalf("got no cause; want one (a NACL, or nothing blamed)")
			}
			blamed := strings.Contains(got.Error, "acl-1") && strings.Contains(got.Error, "denies")
			if blamed != tt.wantBlame {
				t.Errorf("cause %q blames acl-1: %v; want %v", got.Error, blamed, tt.wantBlame)
			}
		})
	}
}
