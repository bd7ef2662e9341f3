package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// replayActions are the calls a sweep of the base scenario makes, with
// how many requests each takes when nothing misbehaves.
var replayActions = map[string]int{
	audit.ActionDescribeClusters:             1,
	audit.ActionListServices:                 1,
	audit.ActionDescribeServices:             2, // 12 services, 10 a call
	audit.ActionDescribeTaskDefinition:       1,
	audit.ActionDescribeSubnets:              2, // the services' subnets, then the VPC's
	audit.ActionDescribeVpcs:                 1,
	audit.ActionDescribeVpcAttribute:         2,
	audit.ActionDescribeDhcpOptions:          1,
	audit.ActionDescribeRouteTables:          1,
	audit.ActionDescribeVpcEndpoints:         1,
	audit.ActionDescribeSecurityGroups:       1,
	audit.ActionDescribeNetworkAcls:          1,
	audit.ActionDescribeManagedPrefixLists:   1,
	audit.ActionGetManagedPrefixListEntries:  1,
	audit.ActionDescribeNetworkInterfaces:    1,
	audit.ActionDescribeMountTargets:         1,
	audit.ActionDescribeMountTargetSecGroups: 2,
	audit.ActionDescribeBPAOptions:           1,
	audit.ActionDescribeBPAExclusions:        1,
}

// replayRows gathers and evaluates r's sweep, failing on a gather error.
func replayRows(t *testing.T, r *replayAWS, opts audit.Options) (*audit.Facts, []report.Result) {
	t.Helper()
	facts, err := r.gather(t)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return facts, audit.Evaluate(facts, opts)
}

// TestReplayBase: the base scenario is a healthy account of 12 Fargate
// services behind interface endpoints, an S3 gateway and EFS; every row
// passes and every call is made the number of times replayActions says,
// so the tests below see only what they change.
func TestReplayBase(t *testing.T) {
	r := newReplayAWS(t, "")
	facts, rows := replayRows(t, r, audit.Options{})
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none", facts.Undecided)
	}
	if got := audit.ExitCode(rows); got != report.ExitOK {
		t.Fatalf("exit %d; want 0\n%s", got, motoDumpRows(rows))
	}
	if got := len(facts.Workloads); got != 12 {
		t.Errorf("got %d workloads; want 12", got)
	}
	got := r.counts()
	for action, want := range replayActions {
		if got[action] != want {
			t.Errorf("got %d requests of %s; want %d", got[action], action, want)
		}
	}
	if len(got) != len(replayActions) {
		t.Errorf("calls %v; want exactly the actions %v", got, replayActions)
	}
}

// TestReplayServerPagesAsAWS: the replay server itself keeps ECS's limits,
// so that audit's paging is tested against them: ListServices gives 10 a
// page unless asked, refuses more than 100, and DescribeServices takes at
// most 10 names and answers unknown ones as failures of reason MISSING.
func TestReplayServerPagesAsAWS(t *testing.T) {
	r := newReplayAWS(t, "")
	api, _ := fakeClients(t, r.srv.URL)
	ctx := context.Background()
	first, err := api.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.ServiceArns) != 10 || aws.ToString(first.NextToken) == "" {
		t.Errorf("got %d services and token %q; want 10 and a token", len(first.ServiceArns), aws.ToString(first.NextToken))
	}
	second, err := api.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("prod"), NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.ServiceArns) != 2 || second.NextToken != nil {
		t.Errorf("got %d services and token %v on page 2; want 2 and none", len(second.ServiceArns), second.NextToken)
	}
	_, err = api.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("prod"), MaxResults: aws.Int32(101)})
	if code := apiCode(err); code != "InvalidParameterException" {
		t.Errorf("maxResults 101: got %v; want InvalidParameterException", err)
	}
	eleven := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
	_, err = api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: eleven})
	if code := apiCode(err); code != "InvalidParameterException" {
		t.Errorf("11 services: got %v; want InvalidParameterException", err)
	}
	out, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders", "gone"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" ||
		aws.ToString(out.Failures[0].Arn) != "arn:aws:ecs:us-east-1:111122223333:service/prod/gone" {
		t.Errorf("got %d services and failures %+v; want orders and gone MISSING", len(out.Services), out.Failures)
	}
}

// TestReplayPaging: audit follows every page of every paginated call:
// ListServices 5 a page (AWS may return fewer than asked), and every EC2
// describe and EFS DescribeMountTargets split over two pages (some with an
// empty first or last page, as AWS answers). The rows are those of the
// one-page account, and each paged call was made once per page.
func TestReplayPaging(t *testing.T) {
	_, want := replayRows(t, newReplayAWS(t, ""), audit.Options{})

	r := newReplayAWS(t, "paged")
	r.listPage = 5
	facts, rows := replayRows(t, r, audit.Options{})
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none", facts.Undecided)
	}
	if d := rowsDiff(rows, want); d != "" {
		t.Errorf("rows over pages: differ from the healthy account (+got, -want):\n%s", d)
	}
	pages := map[string]int{
		audit.ActionListServices:                3, // 12 services, 5 a page
		audit.ActionDescribeServices:            2,
		audit.ActionDescribeSubnets:             4, // two reads of two pages
		audit.ActionDescribeVpcs:                2,
		audit.ActionDescribeDhcpOptions:         2,
		audit.ActionDescribeRouteTables:         2,
		audit.ActionDescribeVpcEndpoints:        2,
		audit.ActionDescribeSecurityGroups:      2,
		audit.ActionDescribeNetworkAcls:         2,
		audit.ActionDescribeManagedPrefixLists:  2,
		audit.ActionGetManagedPrefixListEntries: 2,
		audit.ActionDescribeNetworkInterfaces:   2,
		audit.ActionDescribeMountTargets:        2,
		audit.ActionDescribeBPAExclusions:       2,
	}
	for action, n := range pages {
		if got := r.count(action); got != n {
			t.Errorf("got %d requests of %s; want %d (one a page)", got, action, n)
		}
	}
}

// TestReplayNamedServiceMissing: a service named with --service that the
// cluster does not have is an input error that says DescribeServices
// answered MISSING, not an empty pass.
func TestReplayNamedServiceMissing(t *testing.T) {
	r := newReplayAWS(t, "")
	_, err := r.gather(t, "orders", "gone")
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `service "gone" not found`) || !strings.Contains(err.Error(), "MISSING") {
		t.Fatalf("got %v; want an input error naming gone and MISSING", err)
	}
}

// decidedWithout are the calls whose answer the base account's rows do
// not need: the cluster gives only the default capacity provider strategy
// (every service has a launch type), the S3 prefix list's entries are
// covered by the task group's allow-all egress whatever they are, and the
// endpoint ENIs' addresses refine what the endpoint group's VPC-wide rule
// already admits; VPC Block Public Access closes only internet paths, and
// the base account uses none. Without them every row is still decided,
// as on a healthy account.
var decidedWithout = map[string]bool{
	audit.ActionDescribeClusters:            true,
	audit.ActionGetManagedPrefixListEntries: true,
	audit.ActionDescribeNetworkInterfaces:   true,
	audit.ActionDescribeBPAOptions:          true,
	audit.ActionDescribeBPAExclusions:       true,
}

// replayNames are the resources the undecided rows of a failed call name
// on the base account: the VPC a filtered read was for, the subnets,
// groups, options, file system or mount target it could not read, the
// cluster or services. ec2:DescribeManagedPrefixLists is looked up by
// the S3 list's name, Region-wide: its rows name the VPC and the task
// groups they are about. A failed DescribeMountTargetSecurityGroups (one
// call per mount target) names every mount target it could not read.
var replayNames = map[string][]string{
	audit.ActionListServices:                 {"prod"},
	audit.ActionDescribeServices:             {"service/prod/billing", "service/prod/users"},
	audit.ActionDescribeTaskDefinition:       {"arn:aws:ecs:us-east-1:111122223333:task-definition/shop:7"},
	audit.ActionDescribeSubnets:              {"subnet-0a11b22c33d44e551", "subnet-0a11b22c33d44e552"},
	audit.ActionDescribeVpcs:                 {replayVPC},
	audit.ActionDescribeVpcAttribute:         {replayVPC},
	audit.ActionDescribeDhcpOptions:          {"dopt-0d1e2f3a4b5c6d7e8"},
	audit.ActionDescribeRouteTables:          {replayVPC},
	audit.ActionDescribeVpcEndpoints:         {replayVPC},
	audit.ActionDescribeSecurityGroups:       {"sg-0task5e9c1b2a3d4f6", "sg-0vpce5e9c1b2a3d4f7", "sg-0efs05e9c1b2a3d4f8"},
	audit.ActionDescribeNetworkAcls:          {replayVPC},
	audit.ActionDescribeMountTargets:         {"fs-0c1d2e3f4a5b6c7d8"},
	audit.ActionDescribeMountTargetSecGroups: {"fsmt-0a1b2c3d4e5f60710", "fsmt-0a1b2c3d4e5f60711"},
	audit.ActionDescribeManagedPrefixLists:   {replayVPC, "sg-0task5e9c1b2a3d4f6"},
}

// assertUndecidedNames checks that for each id an undecided row naming
// action names id among its resources: the row says what it could not
// read, not only which call failed.
func assertUndecidedNames(t *testing.T, facts *audit.Facts, action string, ids []string) {
	t.Helper()
	rows := audit.Evaluate(facts, audit.Options{})
	for _, id := range ids {
		if !slices.ContainsFunc(rows, func(r report.Result) bool {
			return r.Class == report.ClassUndecided && strings.Contains(r.Error, action) && slices.Contains(r.Resources, id)
		}) {
			t.Errorf("no undecided row naming %s and %s in\n%s", action, id, motoDumpRows(rows))
		}
	}
}

// replayCode is the error code AWS gives when it throttles or denies
// action.
func replayCode(action string, throttled bool) string {
	switch {
	case strings.HasPrefix(action, "ec2:") && throttled:
		return "RequestLimitExceeded"
	case strings.HasPrefix(action, "ec2:"):
		return "UnauthorizedOperation"
	case throttled:
		return "ThrottlingException"
	}
	return "AccessDeniedException"
}

// TestReplayThrottling: a throttled call is retried: a burst shorter than
// the retries leaves the rows of the healthy account, a throttle that
// outlasts them leaves an undecided row that says AWS throttled that call
// (never a pass, never a denial) and names what it could not read
// (replayNames). Every call audit makes is tried.
func TestReplayThrottling(t *testing.T) {
	_, healthy := replayRows(t, newReplayAWS(t, ""), audit.Options{})
	for action, calls := range replayActions {
		t.Run(action, func(t *testing.T) {
			r := newReplayAWS(t, "")
			r.setThrottle(action, throttleSpec{Burst: 2})
			facts, rows := replayRows(t, r, audit.Options{})
			if len(facts.Undecided) != 0 {
				t.Fatalf("burst of 2: undecided %+v; want none (retried)", facts.Undecided)
			}
			if d := rowsDiff(rows, healthy); d != "" {
				t.Errorf("burst of 2: rows differ from the healthy account (+got, -want):\n%s", d)
			}
			if got := r.count(action); got != calls+2 {
				t.Errorf("burst of 2: got %d requests of %s; want %d", got, action, calls+2)
			}

			r = newReplayAWS(t, "")
			r.setThrottle(action, throttleSpec{Burst: 1000})
			facts, err := r.gather(t)
			if err != nil {
				t.Fatalf("throttled throughout: gather: %v; want undecided facts", err)
			}
			want := calls * maxAttempts
			if action == audit.ActionDescribeSubnets {
				want = maxAttempts // the first read fails; the VPC's subnets are not asked
			}
			if got := r.count(action); got != want {
				t.Errorf("throttled throughout: got %d requests of %s; want %d (%d attempts each)", got, action, want, maxAttempts)
			}
			if decidedWithout[action] {
				assertUndecided(t, facts, action, replayCode(action, true))
				assertDecidedAsHealthy(t, audit.Evaluate(facts, audit.Options{}), healthy)
				return
			}
			assertUndecidedRow(t, facts, action, replayCode(action, true), "AWS throttled "+action)
			assertUndecidedNames(t, facts, action, replayNames[action])
		})
	}
}

// TestReplayThrottledFraction: with 20 % of every call throttled the
// sweep still decides every row, as on a healthy account, and the
// throttled attempts were retried.
func TestReplayThrottledFraction(t *testing.T) {
	_, healthy := replayRows(t, newReplayAWS(t, ""), audit.Options{})
	r := newReplayAWS(t, "paged")
	r.listPage = 5
	r.setThrottle("*", throttleSpec{Percent: 20})
	facts, rows := replayRows(t, r, audit.Options{})
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none", facts.Undecided)
	}
	if d := rowsDiff(rows, healthy); d != "" {
		t.Errorf("rows differ from the healthy account (+got, -want):\n%s", d)
	}
	total := 0
	for _, n := range r.counts() {
		total += n
	}
	// 38 calls (TestReplayPaging's pages plus 7 unpaged calls); every
	// fifth request is throttled and retried, so N requests with N/5 of
	// them throttled leave 38: N = 47.
	t.Logf("%d requests for 38 calls with 20 %% throttled", total)
	if total != 47 {
		t.Errorf("got %d requests; want 47 (38 calls, each throttled one retried)", total)
	}
}

// TestReplayDenied: a call IAM refuses is not retried and leaves an
// undecided row naming the action and what it could not read, and telling
// to allow it, for every call
// audit makes, in AWS's own error shapes (EC2 UnauthorizedOperation, ECS
// and EFS AccessDeniedException).
func TestReplayDenied(t *testing.T) {
	_, healthy := replayRows(t, newReplayAWS(t, ""), audit.Options{})
	for action, calls := range replayActions {
		t.Run(action, func(t *testing.T) {
			r := newReplayAWS(t, "")
			r.setDeny(action)
			facts, err := r.gather(t)
			if err != nil {
				t.Fatalf("gather: %v; want undecided facts", err)
			}
			want := calls
			if action == audit.ActionDescribeSubnets {
				want = 1 // the first read fails; the VPC's subnets are not asked
			}
			if got := r.count(action); got != want {
				t.Errorf("got %d requests of %s; want %d (no retries)", got, action, want)
			}
			if decidedWithout[action] {
				assertUndecided(t, facts, action, replayCode(action, false))
				assertDecidedAsHealthy(t, audit.Evaluate(facts, audit.Options{}), healthy)
				return
			}
			assertUndecidedRow(t, facts, action, replayCode(action, false), "Allow "+action+" to the role")
			assertUndecidedNames(t, facts, action, replayNames[action])
		})
	}
}

// assertUndecidedRow checks that facts hold an Undecided for action with
// code, and that the evaluated rows have an undecided warning naming
// action with a hint starting with hint.
func assertUndecidedRow(t *testing.T, facts *audit.Facts, action, code, hint string) {
	t.Helper()
	assertUndecided(t, facts, action, code)
	rows := audit.Evaluate(facts, audit.Options{})
	for _, row := range rows {
		if row.Status == report.StatusFail {
			t.Errorf("got a failing row %s %s: %s; want the unread call undecided, not failed", row.Check, row.Target, row.Error)
		}
	}
	for _, row := range rows {
		if row.Class == report.ClassUndecided && row.Status == report.StatusWarn && strings.Contains(row.Error, action) && strings.HasPrefix(row.Hint, hint) {
			if code := audit.ExitCode(audit.Evaluate(facts, audit.Options{FailUndecided: true})); code == report.ExitOK {
				t.Errorf("--fail-undecided: exit 0 with an undecided row; want nonzero")
			}
			return
		}
	}
	t.Errorf("no undecided warning naming %s with hint %q in\n%s", action, hint, motoDumpRows(rows))
}

// rowsDiff is empty when got and want are the same rows, else the rows
// of each that the other lacks.
func rowsDiff(got, want []report.Result) string {
	g, w := strings.Split(motoDumpRows(got), "\n"), strings.Split(motoDumpRows(want), "\n")
	if slices.Equal(g, w) {
		return ""
	}
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+" + l + "\n")
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("-" + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "same rows in another order or number"
	}
	return b.String()
}

// assertUndecided checks that facts hold an Undecided for action with code.
func assertUndecided(t *testing.T, facts *audit.Facts, action, code string) {
	t.Helper()
	for _, u := range facts.Undecided {
		if u.Action == action && u.Code == code {
			return
		}
	}
	t.Fatalf("undecided %+v; want %s with code %s", facts.Undecided, action, code)
}

// assertDecidedAsHealthy checks that rows are those of healthy, check by
// check and status by status (the resources a row names may be fewer when
// a read that did not decide it failed).
func assertDecidedAsHealthy(t *testing.T, rows, healthy []report.Result) {
	t.Helper()
	key := func(rs []report.Result) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s %s %s", r.Status, r.Check, r.Target))
		}
		return out
	}
	if g, w := key(rows), key(healthy); !slices.Equal(g, w) {
		t.Errorf("rows\n%s\nwant those of the healthy account\n%s", motoDumpRows(rows), motoDumpRows(healthy))
	}
}

// TestReplayContainerInstances: an EC2 service in bridge mode is judged on
// its container instances' network, read with ListContainerInstances
// (two pages here), DescribeContainerInstances and DescribeInstances (two
// pages). Every page is followed, a short throttle is retried away, and a
// call that stays throttled or is denied leaves the instances undecided.
func TestReplayContainerInstances(t *testing.T) {
	calls := map[string]int{
		audit.ActionListContainerInstances:     2,
		audit.ActionDescribeContainerInstances: 1,
		audit.ActionDescribeInstances:          2,
	}
	r := newReplayAWS(t, "ec2-bridge")
	facts, healthy := replayRows(t, r, audit.Options{})
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none", facts.Undecided)
	}
	var got []string
	for _, ci := range facts.ContainerInstances["prod"] {
		got = append(got, ci.EC2InstanceID+" "+ci.SubnetID+" "+strings.Join(ci.SecurityGroupIDs, ","))
	}
	want := []string{
		"i-0a1b2c3d4e5f60701 subnet-0a11b22c33d44e551 sg-0task5e9c1b2a3d4f6",
		"i-0a1b2c3d4e5f60702 subnet-0a11b22c33d44e552 sg-0task5e9c1b2a3d4f6",
		"i-0a1b2c3d4e5f60703 subnet-0a11b22c33d44e552 sg-0task5e9c1b2a3d4f6",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("container instances %q; want %q (every page read)", got, want)
	}
	for action, n := range calls {
		if got := r.count(action); got != n {
			t.Errorf("got %d requests of %s; want %d", got, action, n)
		}
	}
	for action, n := range calls {
		t.Run(action, func(t *testing.T) {
			r := newReplayAWS(t, "ec2-bridge")
			r.setThrottle(action, throttleSpec{Burst: 2})
			_, rows := replayRows(t, r, audit.Options{})
			if d := rowsDiff(rows, healthy); d != "" {
				t.Errorf("burst of 2: rows differ from the healthy account (+got, -want):\n%s", d)
			}
			if got := r.count(action); got != n+2 {
				t.Errorf("burst of 2: got %d requests; want %d", got, n+2)
			}
			for _, deny := range []bool{false, true} {
				r := newReplayAWS(t, "ec2-bridge")
				hint := "AWS throttled " + action
				if deny {
					r.setDeny(action)
					hint = "Allow " + action + " to the role"
				} else {
					r.setThrottle(action, throttleSpec{Burst: 1000})
				}
				facts, err := r.gather(t)
				if err != nil {
					t.Fatalf("gather: %v; want undecided facts", err)
				}
				assertUndecidedRow(t, facts, action, replayCode(action, !deny), hint)
			}
		})
	}
}
