package audit

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// craftedIDs replace ids of fixFacts with values an answer, a file or a
// plan could carry: each would run `touch pwned` if a shell read it raw.
var craftedIDs = map[string]string{
	"sg-task":   "sg-1;touch pwned;#",
	"sg-vpce":   "sg-1'$(touch pwned)'",
	"sg-efs":    "sg-2`touch pwned`",
	"vpce-dkr":  "vpce-1$(touch pwned)",
	"vpce-s3":   "vpce-2;touch pwned",
	"rtb-task":  "rtb-1|touch pwned",
	"subnet-b":  "subnet-b&&touch pwned",
	"acl-1":     "acl-1 --dry-run;touch pwned",
	"pl-s3":     "pl-1\ntouch pwned",
	"vpc-1":     "vpc-1\"$(touch pwned)\"",
	"vpce-logs": "vpce-3'\n touch pwned\n'",
}

// craftedFacts is fixFacts with one readable id replaced by its crafted
// value everywhere it appears (map keys included).
func craftedFacts(readable string) *Facts {
	f := fixFacts()
	renameWith(f, map[string]string{fixID(readable): craftedIDs[readable]})
	return f
}

// runBash runs script with bash in dir, with a stub aws on the PATH (no
// network, no credentials), and returns what it printed.
func runBash(t *testing.T, dir, script string) string {
	t.Helper()
	stub := filepath.Join(dir, "bin")
	if err := os.MkdirAll(stub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stub, "aws"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + stub + ":/usr/bin:/bin", "HOME=" + dir}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // prose is not a command: bash's complaints are expected
	return out.String()
}

// TestCraftedIDsRunNothing: with a crafted id anywhere in the facts, every
// hint of every row and the egress rules can be run with bash and nothing
// is executed: the hints that would name the id say it is not a valid id
// and print no command, and the egress rules are refused.
func TestCraftedIDsRunNothing(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	if _, err := os.Stat("/usr/bin/touch"); err != nil {
		if _, err := os.Stat("/bin/touch"); err != nil {
			t.Skip("touch not installed: the test's payload could not run either way")
		}
	}
	// Findings that give a hint naming each id.
	breakAll := func(f *Facts) {
		firstWorkload(f).AssignPublicIP = PublicIPEnabled
		for _, ep := range f.Endpoints {
			ep.PrivateDNSEnabled = false
			ep.RouteTableIDs = nil
		}
		for _, g := range f.SecurityGroups {
			g.Ingress, g.Egress = nil, nil
		}
		for _, acl := range f.NetworkACLs {
			for i := range acl.Entries {
				acl.Entries[i].Allow = false
			}
		}
	}
	for readable := range craftedIDs {
		t.Run(readable, func(t *testing.T) {
			refused := false
			for _, scenario := range []struct {
				name   string
				mutate func(*Facts)
			}{
				{"broken", breakAll},
				{"no logs endpoint", func(f *Facts) { removeEndpoint(f, craftedIDsOr(readable, "vpce-logs")) }},
				{"no endpoints", func(f *Facts) { f.Endpoints = nil }},
				{"S3 endpoint off the task route table", func(f *Facts) {
					endpointByID(f, craftedIDsOr(readable, "vpce-s3")).RouteTableIDs = []string{fixID("rtb-main")}
					rt := routeTable(f, craftedIDsOr(readable, "rtb-task"))
					rt.Routes = rt.Routes[:1]
				}},
				{"egress open", func(f *Facts) {
					rt := routeTable(f, craftedIDsOr(readable, "rtb-task"))
					rt.Routes = append(rt.Routes, Route{Destination: pfx("0.0.0.0/0"), Target: TargetNAT, TargetID: "nat-1", State: "active"})
				}},
			} {
				f := craftedFacts(readable)
				scenario.mutate(f)
				firstWorkload(f).TaskDefinition.EFSVolumes = []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}
				f.MountTargets = []*MountTarget{{ID: "fsmt-1", FileSystemID: "fs-1", SubnetID: fixID("subnet-a"), SecurityGroupIDs: []string{craftedIDsOr(readable, "sg-efs")}}}
				rows := Evaluate(f, Options{})
				var hints []string
				for _, r := range rows {
					if r.Hint == "" {
						continue
					}
					hints = append(hints, r.Hint)
					if strings.Contains(r.Hint, "is not a valid AWS id") {
						refused = true
					}
				}
				var egress bytes.Buffer
				if err := WriteEgressRules(&egress, EgressCLI, f, EgressRules(f, Options{})); err == nil && strings.Contains(egress.String(), craftedIDs[readable]) {
					t.Errorf("%s: got egress rules naming %q with no error; want them refused", scenario.name, craftedIDs[readable])
				}
				dir := t.TempDir()
				for _, script := range append(hints, egress.String()) {
					out := runBash(t, dir, script)
					if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
						t.Fatalf("%s: running %q with bash created pwned (output %q); want nothing executed", scenario.name, script, out)
					}
				}
			}
			if !refused {
				t.Errorf("got no hint saying %s is not a valid id; want one where a command would have named it", readable)
			}
		})
	}
}

// craftedIDsOr is the crafted id of readable when it is the one replaced,
// and otherwise the fix id of other.
func craftedIDsOr(readable, other string) string {
	if readable == other {
		return craftedIDs[other]
	}
	return fixID(other)
}

// TestHintRefusalNamesTheField: the hint that replaces a command names the
// field whose id is not valid, quoted so that it is inert in a shell.
func TestHintRefusalNamesTheField(t *testing.T) {
	for _, tt := range []struct {
		name, hint, want string
	}{
		{"security group", hintSGFromGroup("ingress", "sg-0a", 443, "sg-1;touch pwned;#"), `security_group_id 'sg-1;touch pwned;#' is not a valid AWS id`},
		{"prefix list", hintSGPrefixList("sg-0a", 443, "pl-1'$(id)'"), `prefix_list_id 'pl-1'\''$(id)'\''' is not a valid AWS id`},
		{"network ACL", hintNACL("acl-1\nrm -rf /", true, "10.0.0.0/16", 443, 443, 0), `network_acl_id 'acl-1\nrm -rf /' is not a valid AWS id`},
		{"valid ids", hintSGFromGroup("egress", "sg-0a", 443, "sg-0b"), "aws ec2 authorize-security-group-egress --group-id sg-0a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.hint, tt.want) {
				t.Errorf("got %q; want it to contain %q", tt.hint, tt.want)
			}
			if tt.name != "valid ids" && strings.Contains(tt.hint, "aws ") {
				t.Errorf("got %q; want no command", tt.hint)
			}
		})
	}
}
