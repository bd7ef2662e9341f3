package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// gatherInput gathers in from r with the test clients (no backoff waits).
func (r *replayAWS) gatherInput(t testing.TB, in Input, opts ...func(*awsconfig.LoadOptions) error) (*audit.Facts, error) {
	t.Helper()
	api, region := fakeClients(t, r.srv.URL, opts...)
	return (&Gatherer{API: api, Region: region}).Gather(context.Background(), in)
}

// workloadNames are the names of f's workloads, in order.
func workloadNames(f *audit.Facts) []string {
	var out []string
	for _, w := range f.Workloads {
		out = append(out, w.Name)
	}
	return out
}

// undecidedRows are the rows of class undecided.
func undecidedRows(rows []report.Result) []report.Result {
	var out []report.Result
	for _, r := range rows {
		if r.Class == report.ClassUndecided {
			out = append(out, r)
		}
	}
	return out
}

// TestReplaySweepClusters: --all-clusters lists the Region's clusters
// (every page), describes them in one call and reads every cluster's
// services; --cluster takes a list and reads only those; one --cluster
// reads as it always did, with no ecs:ListClusters.
func TestReplaySweepClusters(t *testing.T) {
	spec := sweepSpec{Clusters: 3, ServicesPer: 3, TaskDefs: 2, VPCs: 2, ClusterPage: 2}
	all := []string{"service/sweep-00/svc-00", "service/sweep-00/svc-01", "service/sweep-00/svc-02",
		"service/sweep-01/svc-00", "service/sweep-01/svc-01", "service/sweep-01/svc-02",
		"service/sweep-02/svc-00", "service/sweep-02/svc-01", "service/sweep-02/svc-02"}
	tests := []struct {
		name  string
		in    Input
		want  []string
		calls map[string]int
	}{
		{"all clusters", Input{AllClusters: true}, all,
			map[string]int{audit.ActionListClusters: 2, audit.ActionDescribeClusters: 1, audit.ActionListServices: 3, audit.ActionDescribeServices: 3, audit.ActionDescribeTaskDefinition: 2}},
		{"a list", Input{Cluster: "sweep-02, sweep-00"}, append(slices.Clone(all[:3]), all[6:]...),
			map[string]int{audit.ActionListClusters: 0, audit.ActionDescribeClusters: 1, audit.ActionListServices: 2, audit.ActionDescribeServices: 2, audit.ActionDescribeTaskDefinition: 2}},
		{"an ARN in the list", Input{Cluster: sweepARN("cluster", "sweep-01") + ",sweep-01"}, all[3:6],
			map[string]int{audit.ActionListClusters: 0, audit.ActionDescribeClusters: 1, audit.ActionListServices: 1, audit.ActionDescribeServices: 1, audit.ActionDescribeTaskDefinition: 2}},
		{"one cluster", Input{Cluster: "sweep-01"}, all[3:6],
			map[string]int{audit.ActionListClusters: 0, audit.ActionDescribeClusters: 1, audit.ActionListServices: 1, audit.ActionDescribeServices: 1, audit.ActionDescribeTaskDefinition: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSweepReplay(t, spec)
			facts, err := r.gatherInput(t, tt.in)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			if got := workloadNames(facts); !slices.Equal(got, tt.want) {
				t.Errorf("got workloads %q; want %q", got, tt.want)
			}
			if len(facts.Undecided) != 0 {
				t.Errorf("undecided %+v; want none", facts.Undecided)
			}
			rows := audit.Evaluate(facts, audit.Options{})
			if code := audit.ExitCode(rows); code != report.ExitOK {
				t.Errorf("exit %d; want 0\n%s", code, motoDumpRows(rows))
			}
			for action, want := range tt.calls {
				if got := r.count(action); got != want {
					t.Errorf("got %d requests of %s; want %d", got, action, want)
				}
			}
		})
	}
}

// TestReplaySweepClusterGone: in a sweep, a cluster ListClusters listed
// and DescribeClusters then answered MISSING, and one whose services
// cannot be listed (ClusterNotFoundException: deleted after the
// describe), are each one undecided row naming the cluster; the other
// clusters are judged as if nothing happened. Named with --cluster, a
// missing cluster is bad input, as one --cluster always was.
func TestReplaySweepClusterGone(t *testing.T) {
	spec := sweepSpec{Clusters: 4, ServicesPer: 2, TaskDefs: 2, VPCs: 1, Gone: []string{"sweep-01"}, Unlisted: []string{"sweep-02"}}
	r := newSweepReplay(t, spec)
	facts, err := r.gatherInput(t, Input{AllClusters: true})
	if err != nil {
		t.Fatalf("gather: %v; want the sweep to go on", err)
	}
	want := []string{"service/sweep-00/svc-00", "service/sweep-00/svc-01", "service/sweep-01/*", "service/sweep-02/*",
		"service/sweep-03/svc-00", "service/sweep-03/svc-01"}
	if got := workloadNames(facts); !slices.Equal(got, want) {
		t.Fatalf("got workloads %q; want %q", got, want)
	}
	rows := audit.Evaluate(facts, audit.Options{})
	for _, tt := range []struct {
		target, cluster, action, hint string
	}{
		{"service/sweep-01/*", "sweep-01", audit.ActionDescribeClusters, "Cluster sweep-01 was deleted while the sweep ran"},
		{"service/sweep-02/*", "sweep-02", audit.ActionListServices, "AWS refused ecs:ListServices (ClusterNotFoundException)"},
	} {
		var got []report.Result
		for _, row := range rows {
			if row.Target == tt.target && row.Check == audit.CheckUndecided {
				got = append(got, row)
			}
		}
		if len(got) != 1 || got[0].Class != report.ClassUndecided || got[0].Status != report.StatusWarn ||
			!slices.Equal(got[0].Resources, []string{tt.cluster}) || !strings.Contains(got[0].Error, tt.action+" on "+tt.cluster) ||
			!strings.HasPrefix(got[0].Hint, tt.hint) {
			t.Errorf("rows of %s:\n%s\nwant one undecided warning naming %s and %s, hint %q", tt.target, motoDumpRows(got), tt.cluster, tt.action, tt.hint)
		}
	}
	for _, row := range rows {
		if strings.HasPrefix(row.Target, "service/sweep-00/") || strings.HasPrefix(row.Target, "service/sweep-03/") {
			if row.Status != report.StatusPass && row.Status != report.StatusSkip {
				t.Errorf("row %s %s %s: %s; want the clusters still there judged as healthy", row.Status, row.Check, row.Target, row.Error)
			}
		}
	}
	if code := audit.ExitCode(audit.Evaluate(facts, audit.Options{FailUndecided: true})); code != report.ExitUndecided {
		t.Errorf("--fail-undecided: exit %d; want %d", code, report.ExitUndecided)
	}

	_, err = newSweepReplay(t, spec).gatherInput(t, Input{Cluster: "sweep-00,sweep-01"})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `cluster "sweep-01" not found`) || !strings.Contains(err.Error(), "MISSING") {
		t.Errorf("named: got %v; want an input error naming sweep-01 and MISSING", err)
	}
}

// TestReplaySweepListClustersFails: a ListClusters that fails after its
// retries leaves one undecided row for the clusters it could not list,
// never an empty pass.
func TestReplaySweepListClustersFails(t *testing.T) {
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("denied=%v", deny), func(t *testing.T) {
			r := newSweepReplay(t, sweepSpec{Clusters: 2, ServicesPer: 1, TaskDefs: 1, VPCs: 1})
			if deny {
				r.setDeny(audit.ActionListClusters)
			} else {
				r.setThrottle(audit.ActionListClusters, throttleSpec{Burst: 1000})
			}
			facts, err := r.gatherInput(t, Input{AllClusters: true})
			if err != nil {
				t.Fatalf("gather: %v; want undecided facts", err)
			}
			hint := "AWS throttled " + audit.ActionListClusters
			if deny {
				hint = "Allow " + audit.ActionListClusters + " to the role"
			}
			assertUndecidedRow(t, facts, audit.ActionListClusters, replayCode(audit.ActionListClusters, !deny), hint)
			if got := workloadNames(facts); !slices.Equal(got, []string{"service/*/*"}) {
				t.Errorf("got workloads %q; want the one placeholder", got)
			}
		})
	}
}

// TestInputValidateClusters: --all-clusters and a --cluster list combine
// with neither --service nor --task-definition.
func TestInputValidateClusters(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"all clusters", Input{AllClusters: true}, ""},
		{"a list", Input{Cluster: "a,b"}, ""},
		{"all and a cluster", Input{AllClusters: true, Cluster: "a"}, "--all-clusters: sweeps every cluster of the Region; it does not combine with --cluster"},
		{"all and a task definition", Input{AllClusters: true, TaskDefinition: "x:1", Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}, "--all-clusters: sweeps deployed services"},
		{"a list and services", Input{Cluster: "a,b", Services: []string{"s"}}, "--service: names services of one cluster"},
		{"all and services", Input{AllClusters: true, Services: []string{"s"}}, "--service: names services of one cluster"},
		{"a list and a task definition", Input{Cluster: "a,b", TaskDefinition: "x:1", Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}, "--cluster: with --task-definition names the one cluster"},
		{"nothing", Input{}, "audit needs --cluster or --all-clusters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v; want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// sweepScale is issue 25's sweep: 50 clusters of 40 services (2,000),
// 60 task definitions, 4 VPCs; ListClusters pages of 20, as AWS may
// return fewer than asked.
var sweepScale = sweepSpec{Clusters: 50, ServicesPer: 40, TaskDefs: 60, VPCs: 4, ClusterPage: 20}

// sweepBudget is every call a healthy sweep of spec makes, by action: the
// ECS reads grow with clusters and services (ListServices pages of 100,
// DescribeServices 10 a call), DescribeTaskDefinition with the distinct
// task definitions, and the EC2 reads are those of one VPC (replayActions)
// but for the two DNS attributes read per VPC.
func sweepBudget(spec sweepSpec) map[string]int {
	ceil := func(a, b int) int { return (a + b - 1) / b }
	page := spec.ClusterPage
	if page == 0 {
		page = listClustersPage
	}
	want := map[string]int{
		audit.ActionListClusters:           ceil(spec.Clusters, page),
		audit.ActionDescribeClusters:       ceil(spec.Clusters, describeClustersBatch),
		audit.ActionListServices:           spec.Clusters * ceil(spec.ServicesPer, 100),
		audit.ActionDescribeServices:       spec.Clusters * ceil(spec.ServicesPer, describeServicesBatch),
		audit.ActionDescribeTaskDefinition: spec.TaskDefs,
		audit.ActionDescribeVpcAttribute:   2 * spec.VPCs,
	}
	for action, n := range replayActions {
		if _, ok := want[action]; !ok && strings.HasPrefix(action, "ec2:") {
			want[action] = n
		}
	}
	return want
}

// TestReplaySweepThrottledAtScale is issue 25's throttling at scale: a
// sweep of 50 clusters and 2,000 services over 4 VPCs with 20 % of every
// request throttled decides every row as the unthrottled sweep does,
// makes exactly the calls of sweepBudget (DescribeTaskDefinition once per
// distinct task definition, its retries included within 3 each; the EC2
// reads a constant plus 2 per VPC), and its retries are the throttled
// requests, each call within the retryer's attempts.
//
// The throttled sweep runs one call at a time, so that the test is
// deterministic: every fifth request is throttled and its retry is the
// next request, never throttled. With calls in parallel
// which call a throttle hits depends on timing; BenchmarkSweepThrottled
// measures that (and the README quotes it).
func TestReplaySweepThrottledAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 services: not in -short")
	}
	healthy := newSweepReplay(t, sweepScale)
	facts, err := healthy.gatherInput(t, Input{AllClusters: true})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	want := audit.Evaluate(facts, audit.Options{})

	r := newSweepReplay(t, sweepScale)
	r.setThrottle("*", throttleSpec{Percent: 20})
	api, region := fakeClients(t, r.srv.URL)
	facts, err = (&Gatherer{API: api, Region: region, Concurrency: 1}).Gather(context.Background(), Input{AllClusters: true})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none (every throttled call retried)", facts.Undecided)
	}
	if got := len(facts.Workloads); got != sweepScale.Clusters*sweepScale.ServicesPer {
		t.Errorf("got %d workloads; want %d", got, sweepScale.Clusters*sweepScale.ServicesPer)
	}
	rows := audit.Evaluate(facts, audit.Options{})
	if u := undecidedRows(rows); len(u) > 0 {
		t.Errorf("%d undecided rows; want none:\n%s", len(u), motoDumpRows(u[:min(len(u), 5)]))
	}
	if code := audit.ExitCode(rows); code != report.ExitOK {
		t.Errorf("exit %d; want 0 (the healthy account)", code)
	}
	if d := rowsDiff(rows, want); d != "" {
		t.Errorf("rows differ from the unthrottled sweep (+got, -want):\n%s", d)
	}

	budget := sweepBudget(sweepScale)
	requests, calls := 0, 0
	for action, n := range r.counts() {
		requests += n
		calls += r.callsOf(action)
		if _, ok := budget[action]; !ok {
			t.Errorf("%d requests of %s; want none (not in the budget)", n, action)
		}
	}
	for _, action := range slices.Sorted(maps.Keys(budget)) {
		if got, want := r.callsOf(action), budget[action]; got != want {
			t.Errorf("got %d calls of %s; want %d", got, action, want)
		}
	}
	if got, most := r.count(audit.ActionDescribeTaskDefinition), 3*sweepScale.TaskDefs; got > most {
		t.Errorf("got %d requests of %s, retries included; want at most %d (3 per distinct task definition)", got, audit.ActionDescribeTaskDefinition, most)
	}
	retries, throttled := requests-calls, r.throttledTotal()
	if want := requests * 20 / 100; throttled != want {
		t.Errorf("got %d of %d requests throttled; want %d (20 %%)", throttled, requests, want)
	}
	if retries != throttled {
		t.Errorf("got %d retries; want the %d throttled requests, each retried once", retries, throttled)
	}
	// Every fifth request is throttled and, one call at a time, its retry
	// is the next request, never throttled. (A retry for any other cause
	// is a fault: a complete answer once failed here with "use of closed
	// network connection"; see readOnlyBody.)
	if r.maxAttempt != 2 {
		t.Errorf("got attempt %d at most; want 2 (each throttled call retried once)", r.maxAttempt)
	}
	t.Logf("%d calls, %d requests, %d retries (%d throttled), at most attempt %d of %d", calls, requests, retries, throttled, r.maxAttempt, maxAttempts)
}

// TestReplayAllClustersBase: on the base account's response files,
// --all-clusters finds the one cluster with ecs:ListClusters and judges
// it as --cluster prod does, with one call more.
func TestReplayAllClustersBase(t *testing.T) {
	_, want := replayRows(t, newReplayAWS(t, ""), audit.Options{})
	r := newReplayAWS(t, "")
	facts, err := r.gatherInput(t, Input{AllClusters: true})
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if d := rowsDiff(audit.Evaluate(facts, audit.Options{}), want); d != "" {
		t.Errorf("rows differ from --cluster prod (+got, -want):\n%s", d)
	}
	for action, n := range replayActions {
		if got := r.count(action); got != n {
			t.Errorf("got %d requests of %s; want %d", got, action, n)
		}
	}
	if got := r.count(audit.ActionListClusters); got != 1 {
		t.Errorf("got %d requests of %s; want 1", got, audit.ActionListClusters)
	}
}
