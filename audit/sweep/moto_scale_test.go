package sweep

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/report"
)

// TestMotoSweepScale sweeps 20 accounts × 2 Regions × 5 clusters × 20
// services (4,000 services) on moto, serially and with several --parallel
// bounds, and checks that each account-Region costs exactly the calls a
// one-account audit of it costs (the sweep adds one AssumeRole an
// account, and one ListAccounts page for 20). It takes minutes, so it runs only with
// PREFLIGHT_SWEEP_SCALE=1 (or ACCOUNTS,CLUSTERS,SERVICES for another
// size); the README quotes its figures.
func TestMotoSweepScale(t *testing.T) {
	env := os.Getenv("PREFLIGHT_SWEEP_SCALE")
	if env == "" {
		t.Skip("set PREFLIGHT_SWEEP_SCALE=1 to run the sweep at scale on moto (minutes)")
	}
	accounts, clusters, services := 20, 5, 20
	if env != "1" {
		if _, err := fmt.Sscanf(env, "%d,%d,%d", &accounts, &clusters, &services); err != nil {
			t.Fatalf("PREFLIGHT_SWEEP_SCALE=%q: want 1 or ACCOUNTS,CLUSTERS,SERVICES", env)
		}
	}
	regions := []string{"us-east-1", "us-west-2"}
	start := time.Now()
	m := startMotoOrg(t, seedSpec{Members: accounts - 1, Regions: regions, Role: "preflight-audit", NoRole: []int{}, Clusters: clusters, Services: services})
	t.Logf("seeded %d accounts × %d Regions × %d clusters × %d services in %s", accounts, len(regions), clusters, services, time.Since(start).Round(time.Second))

	// One account-Region audited alone, as `preflight audit
	// --all-clusters` would: the budget each account-Region of the sweep
	// is held to.
	api, region, err := live.NewSDKClients(context.Background(), "us-east-1", m.options()...)
	if err != nil {
		t.Fatal(err)
	}
	m.resetCalls()
	if _, err := (&live.Gatherer{API: api, Region: region}).Gather(context.Background(), live.Input{AllClusters: true}); err != nil {
		t.Fatal(err)
	}
	single := m.resetCalls()[m.seed.Management+".us-east-1"]
	t.Logf("one account-Region alone: %d calls", single)

	parallels := []int{1, 2, 4, 8, 16}
	if p := os.Getenv("PREFLIGHT_SWEEP_PARALLEL"); p != "" {
		parallels = nil
		for _, f := range strings.Split(p, ",") {
			n, _ := strconv.Atoi(f)
			parallels = append(parallels, n)
		}
	}
	for _, parallel := range parallels {
		s := &Sweeper{Spec: Spec{OrgAccounts: true, Regions: regions, RoleName: "preflight-audit", Parallel: parallel}, Region: "us-east-1", LoadOptions: m.options()}
		start := time.Now()
		out, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wall := time.Since(start)
		calls := m.resetCalls()
		workloads := map[string]bool{}
		for _, r := range out.Rows {
			if r.Class == report.ClassUndecided || r.Status == report.StatusFail {
				t.Errorf("--parallel %d: got %s %s %s in %s.%s: %s", parallel, r.Status, r.Check, r.Target, r.Account, r.Region, r.Error)
			}
			if r.Workload != nil {
				workloads[r.Account+r.Region+r.Workload.Name] = true
			}
		}
		if want := accounts * len(regions) * clusters * services; len(workloads) != want {
			t.Errorf("--parallel %d: got %d services reported; want %d", parallel, len(workloads), want)
		}
		total, most := 0, 0
		for scope, n := range calls {
			total += n
			if n > single {
				t.Errorf("--parallel %d: %s made %d calls; want at most %d, as alone", parallel, scope, n, single)
			}
			most = max(most, n)
		}
		own := m.resetOwn()
		if own["sts:AssumeRole"] != accounts {
			t.Errorf("--parallel %d: got %d AssumeRole; want %d, one an account", parallel, own["sts:AssumeRole"], accounts)
		}
		total += own["sts:AssumeRole"] + own["organizations:ListAccounts"]
		t.Logf("--parallel %2d: %s, %d calls, at most %d an account-Region, %d rows", parallel, wall.Round(100*time.Millisecond), total, most, len(out.Rows))
	}
}

// resetCalls returns the calls counted by account-Region and starts over.
func (m *motoOrg) resetCalls() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls
	m.calls = map[string]int{}
	return c
}

// resetOwn returns the sweep's own calls by action and starts over.
func (m *motoOrg) resetOwn() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.own
	m.own = map[string]int{}
	return c
}
