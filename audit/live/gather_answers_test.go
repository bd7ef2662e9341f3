package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestFakeAWSIsHealthy: every read of the fake account answers and its
// needs are judged, so the misbehaviours below are what changes the
// verdicts.
func TestFakeAWSIsHealthy(t *testing.T) {
	f := newFakeAWS(t, nil)
	facts, err := f.gather(t)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if len(facts.Undecided) != 0 {
		t.Fatalf("undecided %+v; want none", facts.Undecided)
	}
	// It has no interface endpoints, so ECR fails (11): judged.
	rows := audit.Evaluate(facts, audit.Options{})
	if code := audit.ExitCode(rows); code != report.ExitDNSPosture {
		t.Fatalf("exit %d; want %d\n%s", code, report.ExitDNSPosture, motoDumpRows(rows))
	}
	for _, r := range rows {
		if r.Check == audit.CheckCoverage {
			t.Errorf("got a coverage row %+v; want none when needs were judged", r)
		}
	}
}

// TestServerErrorsAreNotDenials: an EC2 API that answers 503, garbage or
// closes the connection, after the retries, leaves undecided rows that say
// what happened and point at the endpoint, never "Allow ec2:...", and a
// run that judged nothing does not exit 0.
func TestServerErrorsAreNotDenials(t *testing.T) {
	tests := []struct {
		name     string
		answer   http.HandlerFunc
		code     string
		errHas   string
		attempts int
	}{
		{"HTTP 503", answer503, audit.CodeServerError, "HTTP 503 after 5 attempts (Unavailable: The service is unavailable.)", maxAttempts},
		{"an undecodable body", answerGarbage, audit.CodeUndecodable, "HTTP 200", 1},
		{"a closed connection", closeConnection, audit.CodeConnectionFailed, "EOF", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, map[string]http.HandlerFunc{"ec2:*": tt.answer})
			facts, err := f.gather(t)
			if err != nil {
				t.Fatalf("gather: %v; want undecided facts (ECS answered)", err)
			}
			var u *audit.Undecided
			for i := range facts.Undecided {
				if facts.Undecided[i].Action == audit.ActionDescribeSubnets {
					u = &facts.Undecided[i]
				}
			}
			if u == nil || u.Code != tt.code || !strings.Contains(u.Err, tt.errHas) {
				t.Fatalf("undecided %+v; want %s with code %q and %q", facts.Undecided, audit.ActionDescribeSubnets, tt.code, tt.errHas)
			}
			if n := f.count(audit.ActionDescribeSubnets); tt.attempts > 0 && n != tt.attempts {
				t.Errorf("got %d attempts of %s; want %d", n, audit.ActionDescribeSubnets, tt.attempts)
			}
			for _, fail := range []bool{false, true} {
				rows := audit.Evaluate(facts, audit.Options{FailUndecided: fail})
				if code := audit.ExitCode(rows); code != report.ExitUndecided {
					t.Errorf("FailUndecided=%v: exit %d; want %d (nothing judged)\n%s", fail, code, report.ExitUndecided, motoDumpRows(rows))
				}
				undecided, coverage := 0, false
				for _, r := range rows {
					if strings.Contains(r.Hint, "Allow ec2:") {
						t.Errorf("row %s %s: hint %q grants an action; a %s is no denial", r.Check, r.Target, r.Hint, tt.code)
					}
					if r.Class == report.ClassUndecided && r.Check != audit.CheckCoverage {
						undecided++
						if !strings.Contains(r.Error, tt.code+": ") || !strings.Contains(r.Hint, "AWS_ENDPOINT_URL") {
							t.Errorf("row %s %s: error %q, hint %q; want the %q and the endpoint to check", r.Check, r.Target, r.Error, r.Hint, tt.code)
						}
					}
					if r.Check == audit.CheckCoverage {
						coverage = true
						want := report.StatusWarn
						if fail {
							want = report.StatusFail
						}
						if r.Status != want || !strings.Contains(r.Error, "nothing was judged") {
							t.Errorf("coverage row %+v; want %s saying nothing was judged", r, want)
						}
					}
				}
				if undecided == 0 || !coverage {
					t.Errorf("FailUndecided=%v: %d undecided rows, coverage row %v; want some and one\n%s", fail, undecided, coverage, motoDumpRows(rows))
				}
			}
		})
	}
}

// TestNothingJudgedIsNoPass: a cluster without services judges nothing:
// a row says so and the exit code is not 0.
func TestNothingJudgedIsNoPass(t *testing.T) {
	f := newFakeAWS(t, map[string]http.HandlerFunc{"ecs:ListServices": jsonAnswer(`{"serviceArns":[]}`)})
	facts, err := f.gather(t)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	rows := audit.Evaluate(facts, audit.Options{})
	if code := audit.ExitCode(rows); code != report.ExitUndecided {
		t.Fatalf("exit %d; want %d\n%s", code, report.ExitUndecided, motoDumpRows(rows))
	}
	if len(rows) != 1 || rows[0].Check != audit.CheckCoverage || !strings.Contains(rows[0].Error, "the cluster has no services") {
		t.Errorf("rows:\n%s\nwant one coverage row saying the cluster has no services", motoDumpRows(rows))
	}
}

// TestUnreachableAtStart: when the first call gets no answer the audit
// stops with an *EnvironmentError naming the call and the connection
// error, not with an undecided row per call.
func TestUnreachableAtStart(t *testing.T) {
	addr := closedPort(t)
	api, region := fakeClients(t, "http://"+addr)
	_, err := (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{Cluster: "prod"})
	var envErr *EnvironmentError
	if !errors.As(err, &envErr) || !strings.Contains(err.Error(), "could not be reached") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v; want an *EnvironmentError: the AWS API could not be reached ... connection refused", err)
	}
}

// TestPaginationLoopsStop: a token that comes back again stops every pager
// audit uses at once (the second page), as an undecided fact naming the
// call, instead of 1,000 pages and silence.
func TestPaginationLoopsStop(t *testing.T) {
	efsTaskDefinition := strings.Replace(fakeTaskDefinition, `"containerDefinitions"`,
		`"volumes":[{"name":"data","efsVolumeConfiguration":{"fileSystemId":"fs-0a"}}],"containerDefinitions"`, 1)
	tests := []struct {
		name   string
		action string
		// quiet: no rule of this account reads the call's data, so no
		// row names it (the fact is still undecided).
		quiet    bool
		override map[string]http.HandlerFunc
	}{
		{"EC2 pager", audit.ActionDescribeSecurityGroups, false, map[string]http.HandlerFunc{
			audit.ActionDescribeSecurityGroups: ec2Page("DescribeSecurityGroups", fakeEC2[audit.ActionDescribeSecurityGroups])}},
		{"ListServices", audit.ActionListServices, false, map[string]http.HandlerFunc{
			audit.ActionListServices: jsonAnswer(`{"serviceArns":["arn:aws:ecs:us-east-1:111122223333:service/prod/orders"],"nextToken":"same"}`)}},
		{"prefix-list entries", audit.ActionGetManagedPrefixListEntries, true, map[string]http.HandlerFunc{
			audit.ActionGetManagedPrefixListEntries: ec2Page("GetManagedPrefixListEntries", fakeEC2[audit.ActionGetManagedPrefixListEntries])}},
		{"mount targets", audit.ActionDescribeMountTargets, false, map[string]http.HandlerFunc{
			"ecs:DescribeTaskDefinition": jsonAnswer(efsTaskDefinition),
			audit.ActionDescribeMountTargets: jsonAnswer(`{"MountTargets":[{"MountTargetId":"fsmt-0a","FileSystemId":"fs-0a","SubnetId":"subnet-0a1b",` +
				`"AvailabilityZoneName":"us-east-1a","LifeCycleState":"available"}],"NextMarker":"same"}`),
			audit.ActionDescribeMountTargetSecGroups: jsonAnswer(`{"SecurityGroups":["sg-0e4f"]}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, tt.override)
			facts, err := f.gather(t)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			if n := f.count(tt.action); n != 2 {
				t.Errorf("%s called %d times; want 2 (the token repeats on page 2)", tt.action, n)
			}
			found := false
			for _, u := range facts.Undecided {
				found = found || (u.Action == tt.action && u.Code == audit.CodePageRepeated)
			}
			if !found {
				t.Fatalf("undecided %+v; want %s: %s", facts.Undecided, tt.action, audit.CodePageRepeated)
			}
			rows := audit.Evaluate(facts, audit.Options{})
			said := false
			for _, r := range rows {
				said = said || (r.Class == report.ClassUndecided && strings.Contains(r.Error, tt.action) && strings.Contains(r.Error, audit.CodePageRepeated))
			}
			if !said && !tt.quiet {
				t.Errorf("no row names %s and %q:\n%s", tt.action, audit.CodePageRepeated, motoDumpRows(rows))
			}
		})
	}
}

// TestResponseBodyBounded: a body over 16 MiB is an undecided fact saying
// so, read once (not retried), not 17 MiB held and parsed.
func TestResponseBodyBounded(t *testing.T) {
	huge := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<DescribeVpcEndpointsResponse><requestId>`)
		chunk := strings.Repeat("a", 1<<20)
		for range 17 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return // the client stopped reading
			}
		}
		fmt.Fprint(w, `</requestId><vpcEndpointSet/></DescribeVpcEndpointsResponse>`)
	}
	f := newFakeAWS(t, map[string]http.HandlerFunc{audit.ActionDescribeVpcEndpoints: huge})
	facts, err := f.gather(t)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var got *audit.Undecided
	for i, u := range facts.Undecided {
		if u.Action == audit.ActionDescribeVpcEndpoints {
			got = &facts.Undecided[i]
		}
	}
	if got == nil || got.Code != audit.CodeTooLarge || !strings.Contains(got.Err, "16 MiB") {
		t.Fatalf("undecided %+v; want %s: %s (16 MiB)", facts.Undecided, audit.ActionDescribeVpcEndpoints, audit.CodeTooLarge)
	}
	if n := f.count(audit.ActionDescribeVpcEndpoints); n != 1 {
		t.Errorf("got %d attempts; want 1 (an oversized body is not retried)", n)
	}
}

// TestLongNamesAreCut: a service name no ECS would accept (10,000
// characters) is cut to report.MaxNameLen in the facts, so in every row,
// heading and hint.
func TestLongNamesAreCut(t *testing.T) {
	long := strings.Repeat("x", 10000)
	svc := strings.ReplaceAll(fakeECS["ecs:DescribeServices"], `"serviceName":"orders"`, `"serviceName":"`+long+`"`)
	f := newFakeAWS(t, map[string]http.HandlerFunc{"ecs:DescribeServices": jsonAnswer(svc)})
	facts, err := f.gather(t)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if len(facts.Workloads) != 1 {
		t.Fatalf("workloads %+v; want 1", facts.Workloads)
	}
	w := facts.Workloads[0]
	if len(w.Service) > report.MaxNameLen+40 || !strings.Contains(w.Service, "bytes cut") {
		t.Errorf("service name of %d bytes; want it cut to %d with a note", len(w.Service), report.MaxNameLen)
	}
	var b strings.Builder
	r := report.New("audit", "us-east-1", "", nil, audit.Evaluate(facts, audit.Options{}), 0)
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), strings.Repeat("x", report.MaxNameLen+1)) {
		t.Errorf("the text report holds more than %d bytes of the name", report.MaxNameLen)
	}
}

// TestRetriesAsDocumented: every call gets its maxAttempts under sustained
// errors. The SDK's client-side retry quota (500 tokens, 5 a retry) used to
// run dry after 100 retries: 40 failing calls made 140 attempts, not 200.
func TestRetriesAsDocumented(t *testing.T) {
	throttled := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	}
	internal := func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}
	const calls = 40
	for _, tt := range []struct {
		name   string
		answer http.HandlerFunc
	}{{"throttling", throttled}, {"HTTP 500", internal}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t, map[string]http.HandlerFunc{audit.ActionDescribeVpcs: tt.answer})
			api, _ := f.api(t)
			for range calls {
				if _, err := api.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err == nil {
					t.Fatal("DescribeVpcs succeeded; want an error")
				}
			}
			if got, want := f.count(audit.ActionDescribeVpcs), calls*maxAttempts; got != want {
				t.Errorf("%d failing calls made %d attempts; want %d (%d each)", calls, got, want, maxAttempts)
			}
		})
	}
}

// TestPageGuard: a read stops at a token it already followed (at once, or
// in a longer loop), and after maxPages pages; an empty token ends it.
func TestPageGuard(t *testing.T) {
	tok := func(s string) *string { return &s }
	tests := []struct {
		name   string
		tokens []*string
		// stopAt is the page (1-based) whose token stops the read with
		// code, or 0 for none.
		stopAt int
		code   string
	}{
		{"ends", []*string{tok("a"), tok("b"), nil}, 0, ""},
		{"empty token ends", []*string{tok("a"), tok("")}, 0, ""},
		{"same token twice", []*string{tok("a"), tok("a")}, 2, audit.CodePageRepeated},
		{"a loop of two", []*string{tok("a"), tok("b"), tok("a")}, 3, audit.CodePageRepeated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g pageGuard
			for i, token := range tt.tokens {
				err := g.next(token)
				var pe *pageError
				switch {
				case i+1 == tt.stopAt && (!errors.As(err, &pe) || pe.code != tt.code):
					t.Fatalf("page %d: got %v; want %s", i+1, err, tt.code)
				case i+1 != tt.stopAt && err != nil:
					t.Fatalf("page %d: got %v; want none", i+1, err)
				}
			}
		})
	}
	t.Run("cap", func(t *testing.T) {
		var g pageGuard
		for i := 1; i <= maxPages; i++ {
			err := g.next(tok(fmt.Sprint(i)))
			var pe *pageError
			switch {
			case i < maxPages && err != nil:
				t.Fatalf("page %d: got %v; want none", i, err)
			case i == maxPages && (!errors.As(err, &pe) || pe.code != audit.CodePageCap):
				t.Fatalf("page %d: got %v; want %s", i, err, audit.CodePageCap)
			}
		}
	})
}
