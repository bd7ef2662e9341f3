package terraform

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
	"github.com/preflight-dev/preflight/report"
)

// TestApplyThenLiveAudit: two sources, one verdict. A case is planned
// and judged with --plan's reader, applied to moto_server, then read
// back with the live reader; both audits exit alike, and every row the
// plan does not pass has a live row of the same check, target and status
// naming the same resources (addresses mapped to the ids the apply gave).
// A row the plan leaves undecided (the S3 prefix list's addresses) must
// be decided by the account, and not as a pass. moto differs from AWS in
// one fact these cases touch: a new VPC has no
// DHCP options set in moto (DhcpOptionsId "default") where AWS associates
// the Region's default set, so dhcp rows are left out of the comparison.
func TestApplyThenLiveAudit(t *testing.T) {
	if testing.Short() && !schematest.Required() {
		t.Skip("applies with Terraform against moto (minutes); not in -short")
	}
	plugins := needTerraformAndMoto(t)
	for _, c := range []string{"private-no-endpoints", "sg-no-egress"} {
		t.Run(c, func(t *testing.T) {
			endpoint := mototest.Start(t)
			dir := t.TempDir()
			copyDir(t, filepath.Join("testdata", c), dir)
			copyFile(t, filepath.Join("testdata", "provider.tf.in"), filepath.Join(dir, "provider.tf"))
			tf := tftest.In(t, dir)
			tf("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
			tf("plan", "-input=false", "-no-color", "-out=tfplan", "-var", "endpoint="+endpoint)
			planJSON := tf("show", "-json", "tfplan")
			planFacts, err := Read(strings.NewReader(string(planJSON)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tf("apply", "-input=false", "-no-color", "tfplan")
			ids := stateIDs(t, tf("show", "-json"))

			t.Setenv("AWS_ENDPOINT_URL", endpoint)
			t.Setenv("AWS_ACCESS_KEY_ID", "testing")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			api, region, err := live.NewSDKClients(ctx, "us-east-1")
			if err != nil {
				t.Fatal(err)
			}
			liveFacts, err := (&live.Gatherer{API: api, Region: region}).Gather(ctx, live.Input{Cluster: "prod"})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range planFacts.Workloads {
				ids[w.Name] = fmt.Sprintf("service/%s/%s", w.Cluster, w.Service)
			}
			planRows := audit.Evaluate(planFacts, audit.Options{})
			liveRows := audit.Evaluate(liveFacts, audit.Options{})
			for _, pr := range planRows {
				if pr.Status == report.StatusPass || pr.Check == "dhcp" {
					continue
				}
				target := mapID(ids, pr.Target)
				var want []string
				for _, r := range pr.Resources {
					want = append(want, mapID(ids, r))
				}
				slices.Sort(want)
				found := false
				for _, lr := range liveRows {
					got := slices.Clone(lr.Resources)
					slices.Sort(got)
					switch {
					case pr.Class == report.ClassUndecided:
						// What the plan cannot know (the addresses of AWS's
						// prefix lists) is undecided before apply; the
						// account decides it, never as a pass the plan
						// would have missed.
						found = found || (lr.Check == pr.Check && lr.Target == target && lr.Status != report.StatusPass)
					case lr.Check == pr.Check && lr.Target == target && lr.Status == pr.Status && slices.Equal(got, want):
						found = true
					}
				}
				if !found {
					t.Errorf("plan row %s %s %s %v (live: %s %v) has no live twin; live rows: %v", pr.Status, pr.Check, pr.Target, pr.Resources, target, want, summary(liveRows))
				}
			}
			planExit, liveExit := audit.ExitCode(planRows), audit.ExitCode(withoutDHCP(liveRows))
			if planExit != liveExit {
				t.Errorf("exit code of the plan %d, of the account after apply %d; want them equal", planExit, liveExit)
			}
		})
	}
}

// withoutDHCP leaves out the dhcp rows moto fails (see the test's doc).
func withoutDHCP(rows []report.Result) []report.Result {
	var out []report.Result
	for _, r := range rows {
		if r.Check != "dhcp" {
			out = append(out, r)
		}
	}
	return out
}

// mapID maps an address (or ADDRESS.ATTRIBUTE of a VPC default) to the id
// the apply gave it.
func mapID(ids map[string]string, s string) string {
	if id, ok := ids[s]; ok {
		return id
	}
	return s
}

// stateIDs reads `terraform show -json` of the state: every resource's
// address → id, and ADDRESS.ATTRIBUTE → value for the attributes that
// hold a VPC's defaults.
func stateIDs(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var st struct {
		Values struct {
			RootModule stateModule `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var walk func(m stateModule)
	walk = func(m stateModule) {
		for _, r := range m.Resources {
			if id, ok := r.Values["id"].(string); ok {
				ids[r.Address] = id
			}
			for _, attr := range []string{"main_route_table_id", "default_security_group_id", "default_network_acl_id", "prefix_list_id"} {
				if v, ok := r.Values[attr].(string); ok {
					ids[r.Address+"."+attr] = v
				}
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(st.Values.RootModule)
	return ids
}

type stateModule struct {
	Resources []struct {
		Address string         `json:"address"`
		Values  map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []stateModule `json:"child_modules"`
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if d.Name() == "plan.json" {
			return nil
		}
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
