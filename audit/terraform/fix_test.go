package terraform

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/fixtest"
	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
)

var update = flag.Bool("update", false, "rewrite the fix plan golden files in testdata/fix")

// fixCases are the committed plans whose audit fails, each with lines
// its --fix terraform must hold: references to the plan's own resources.
var fixCases = []struct {
	name string
	want []string
}{
	{"private-no-endpoints", []string{"vpc_id      = aws_vpc.main.id", "referenced_security_group_id = aws_security_group.task.id",
		"subnet_ids          = [aws_subnet.private[0].id, aws_subnet.private[1].id]", "route_table_ids   = [aws_route_table.private.id]"}},
	{"sg-no-egress", []string{"security_group_id            = aws_security_group.task.id",
		"referenced_security_group_id = aws_vpc.main.default_security_group_id"}},
	{"public-nat", []string{"set assign_public_ip = false in the network_configuration of aws_ecs_service.public"}},
	// Endpoints in two VPCs: what the fix creates is named after each
	// VPC's address, in letters, digits and underscores.
	{"two-vpcs", []string{`resource "aws_security_group" "endpoint_sg_aws_vpc__a"`, `resource "aws_security_group" "endpoint_sg_aws_vpc__b"`,
		"security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__b.id]"}},
	// The endpoint lists its route tables, the task group writes its
	// egress blocks: the fix edits them.
	{"inline", []string{"Add aws_route_table.b.id to the route_table_ids of aws_vpc_endpoint.s3.",
		"add this block to aws_security_group.task rather than a resource of its own.", "security_groups = [aws_security_group.endpoints.id]"}},
}

// writeFix plans the fixes of a committed plan and writes them (--fix
// terraform) or its egress rules (--egress-rules terraform).
func writeFix(t *testing.T, name, what string) (*audit.Facts, []byte) {
	t.Helper()
	f := readCase(t, name)
	var buf bytes.Buffer
	switch what {
	case "fix":
		p, err := audit.PlanFixes(f, audit.Options{})
		if err != nil {
			t.Fatalf("PlanFixes: %v", err)
		}
		if err := audit.WritePlan(&buf, audit.FixTerraform, p); err != nil {
			t.Fatalf("WritePlan: %v", err)
		}
	case "egress":
		if err := audit.WriteEgressRules(&buf, audit.EgressTerraform, f, audit.EgressRules(f, audit.Options{})); err != nil {
			t.Fatalf("WriteEgressRules: %v", err)
		}
	}
	return f, buf.Bytes()
}

// TestFixTerraformGolden: --fix terraform and --egress-rules terraform
// for the committed plans reference the plans' own resources by address
// (aws_vpc.main.id, aws_subnet.private[0].id), as the golden files in
// testdata/fix hold them (rewritten with -update).
func TestFixTerraformGolden(t *testing.T) {
	for _, c := range fixCases {
		for _, what := range []string{"fix", "egress"} {
			t.Run(c.name+"/"+what, func(t *testing.T) {
				_, got := writeFix(t, c.name, what)
				path := filepath.Join("testdata", "fix", c.name+"."+what+".tf")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file (run go test ./audit/terraform -run FixTerraformGolden -update to create it): %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got\n%s\nwant (%s)\n%s", got, path, want)
				}
				if what != "fix" {
					return
				}
				flat := strings.ReplaceAll(string(got), "\n#  ", " ")
				for _, w := range c.want {
					if !strings.Contains(flat, w) {
						t.Errorf("got\n%s\nwant it to hold %q", got, w)
					}
				}
			})
		}
	}
}

// TestFixTerraformRoundTrip: the fix, added to the configuration the
// plan was made from, is what `terraform fmt -check` and `terraform
// validate` accept; planned again against moto_server, the new plan's
// audit passes every row the old one failed with a step written as code
// (the live-id analogue is TestEgressRulesKeepWhatTheAuditPassed).
func TestFixTerraformRoundTrip(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("plans with Terraform against moto (a minute or more); not in -short")
	}
	plugins := needTerraformAndMoto(t)
	endpoint := mototest.Start(t)
	// The cases applied to moto and planned again.
	applied := map[string]bool{"inline": true}
	for _, c := range fixCases {
		t.Run(c.name, func(t *testing.T) {
			before, fix := writeFix(t, c.name, "fix")
			dir := t.TempDir()
			copyDir(t, filepath.Join("testdata", c.name), dir)
			copyFile(t, filepath.Join("testdata", "provider.tf.in"), filepath.Join(dir, "provider.tf"))
			if err := os.WriteFile(filepath.Join(dir, "preflight_fix.tf"), fix, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("fix:\n%s", fix)
				}
			})
			edited := mergeEdits(t, filepath.Join(dir, "main.tf"), fix)
			tf := tftest.In(t, dir)
			tf("fmt", "-check", "-diff", "preflight_fix.tf")
			tf("fmt", "main.tf")
			tf("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
			tf("validate", "-no-color")
			tf("plan", "-input=false", "-no-color", "-out=tfplan", "-var", "endpoint="+endpoint)
			after, err := Read(bytes.NewReader(tf("show", "-json", "tfplan")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			fixtest.AssertFixed(t, before, after)
			if !applied[c.name] {
				return
			}
			// Applied, then planned again: a rule or association that
			// the resource also manages inline would be taken off (and
			// put back) by every apply, a plan that changes the resource
			// or the fix's own. (Others may drift on moto: its ECS reads
			// a service back unlike AWS, which is not the fix's.)
			tf("apply", "-input=false", "-no-color", "-auto-approve", "tfplan")
			tf("plan", "-input=false", "-no-color", "-out=again", "-var", "endpoint="+endpoint)
			// The fix's resources, and the ones they name (where a
			// separate rule or association would fight its owner).
			for _, m := range regexp.MustCompile(`(?m)^resource "(\w+)" "(\w+)"`).FindAllStringSubmatch(string(fix), -1) {
				edited = append(edited, m[1]+"."+m[2])
			}
			for _, m := range regexp.MustCompile(`(?m)^  \w+ += \[?(aws_\w+\.\w+)\.`).FindAllStringSubmatch(string(fix), -1) {
				edited = append(edited, m[1])
			}
			if len(edited) == 0 {
				t.Fatal("the fix edits and adds no resource")
			}
			if changed := planChanges(t, tf("show", "-json", "again"), edited); len(changed) > 0 {
				t.Errorf("got changes after the fix was applied: %s; want none", strings.Join(changed, "; "))
			}
		})
	}
}

// mergeEdits makes in the configuration at path the edits a fix says
// rather than writes as resources (a rule block to add to a resource, an
// id to add to one of its lists), as its reader would: the fixtures'
// resources are in the root module, with no index. It returns the
// addresses of the resources it edited.
func mergeEdits(t *testing.T, path string, fix []byte) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	// Join wrapped comment lines ("#  " and a word); a line of HCL in a
	// comment is indented further ("#   egress {").
	var lines []string
	for _, l := range strings.Split(string(fix), "\n") {
		if strings.HasPrefix(l, "#  ") && !strings.HasPrefix(l, "#   ") && len(lines) > 0 {
			lines[len(lines)-1] += " " + strings.TrimPrefix(l, "#  ")
			continue
		}
		lines = append(lines, l)
	}
	var edited []string
	reBlock := regexp.MustCompile(`add this block to (\S+) rather than`)
	reList := regexp.MustCompile(`^# Add (.+) to the (\w+) of (\S+)\.$`)
	for i := 0; i < len(lines); i++ {
		if m := reBlock.FindStringSubmatch(lines[i]); m != nil {
			var block []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "#   ") {
				i++
				block = append(block, strings.TrimPrefix(lines[i], "# "))
			}
			_, end := resourceBody(t, src, m[1])
			src = src[:end] + strings.Join(block, "\n") + "\n" + src[end:]
			edited = append(edited, m[1])
			continue
		}
		if m := reList.FindStringSubmatch(lines[i]); m != nil {
			start, end := resourceBody(t, src, m[3])
			re := regexp.MustCompile(`(?m)^(\s*` + m[2] + `\s*=\s*\[)(.*)\]$`)
			loc := re.FindStringSubmatchIndex(src[start:end])
			if loc == nil {
				t.Fatalf("%s sets no list %s in %s", m[3], m[2], path)
			}
			at := start + loc[5] // the end of the list's elements
			src = src[:at] + ", " + m[1] + src[at:]
			edited = append(edited, m[3])
		}
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return edited
}

// resourceBody is where the body of the resource at addr (TYPE.NAME)
// lies in src: from its opening line to its closing brace.
func resourceBody(t *testing.T, src, addr string) (start, end int) {
	t.Helper()
	typ, name, _ := strings.Cut(addr, ".")
	head := fmt.Sprintf("resource %q %q {\n", typ, name)
	start = strings.Index(src, head)
	if start < 0 {
		t.Fatalf("no %s in the configuration", head)
	}
	end = strings.Index(src[start:], "\n}\n")
	if end < 0 {
		t.Fatalf("%s has no closing brace", addr)
	}
	return start, start + end + 1
}

// planChanges lists the resources of addrs that a plan's JSON changes,
// with their actions.
func planChanges(t *testing.T, planJSON []byte, addrs []string) []string {
	t.Helper()
	var p struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(planJSON, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rc := range p.ResourceChanges {
		if a := strings.Join(rc.Change.Actions, ","); a != "no-op" && a != "read" && slices.Contains(addrs, rc.Address) {
			out = append(out, rc.Address+" "+a)
		}
	}
	return out
}

// TestInline: the reader records which rules and associations each
// resource's configuration sets itself (Facts.Inline), even empty, and
// leaves out what it does not: a group written without egress blocks
// manages none.
func TestInline(t *testing.T) {
	for _, tt := range []struct {
		name, id string
		want     []string
	}{
		{"inline", "aws_vpc_endpoint.s3", []string{audit.InlineRouteTableIDs}},
		{"inline", `aws_vpc_endpoint.interface["ecr.api"]`, []string{audit.InlineSubnetIDs, audit.InlineSecurityGroupIDs}},
		{"inline", "aws_security_group.task", []string{audit.InlineEgress}},
		{"inline", "aws_security_group.endpoints", []string{audit.InlineIngress}},
		{"inline", "aws_route_table.a", []string{}},
		{"sg-no-egress", "aws_security_group.task", []string{}},
	} {
		t.Run(tt.name+"/"+tt.id, func(t *testing.T) {
			f := readCase(t, tt.name)
			got, ok := f.Inline[tt.id]
			if !ok || !slices.Equal(got, tt.want) {
				t.Errorf("got %v (recorded: %v); want %v", got, ok, tt.want)
			}
		})
	}
}
