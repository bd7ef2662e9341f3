package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/preflight-dev/preflight/audit"
)

// replayAWS answers the ECS, EC2 and EFS calls audit makes from response
// files shaped like real AWS output (testdata/replay/SCENARIO, falling
// back file by file to testdata/replay/base), on 127.0.0.1. Unlike moto it
// pages the way AWS does, throttles and denies on request with AWS's own
// error shapes, and counts every attempt.
//
// Files: ec2/OP.xml is an EC2 query-protocol answer, ec2/OP.N.xml its page
// N (the server adds the <nextToken>); DescribeVpcAttribute answers from
// ec2/DescribeVpcAttribute.ATTRIBUTE.xml. ecs/services.json is every
// service of the cluster in DescribeServices shape: ListServices and
// DescribeServices are computed from it. ecs/OP.json answers other ECS
// actions (pages ecs/OP.N.json, the server adds the nextToken); task
// definitions are ecs/DescribeTaskDefinition/FAMILY_REV.json;
// DescribeCapacityProviders is computed from ecs/capacityProviders.json.
// EFS answers are efs/DescribeMountTargets.FS.json (pages .N.json) and
// efs/DescribeMountTargetSecurityGroups.FSMT.json.
type replayAWS struct {
	t    testing.TB
	srv  *httptest.Server
	dirs []string

	mu    sync.Mutex
	calls map[string]int
	// listPage, when set, is the most ListServices returns in a page
	// whatever maxResults asks (AWS may return fewer than asked).
	listPage int
	// listInactive lists INACTIVE services too, as moto does (AWS does
	// not).
	listInactive bool
	throttle     map[string]throttleSpec
	// seen counts the requests each throttle covered.
	seen map[string]int
	deny map[string]bool
	// denyOn refuses an action only for the requests whose path names
	// one of its resources (a REST call such as EFS's
	// DescribeMountTargetSecurityGroups carries its id in the path).
	denyOn map[string][]string
	// throttledN counts the throttled answers of each action: the
	// retries, when every call ended in an answer.
	throttledN map[string]int
	// maxAttempt is the highest attempt number a request carried (the
	// SDK's amz-sdk-request header: attempt=N; max=M).
	maxAttempt int
	// invocations are the distinct calls of each action (the SDK's
	// amz-sdk-invocation-id, the same on every attempt of a call).
	invocations map[string]map[string]bool
	// serviceFailures, when set, are the services DescribeServices
	// answers in failures[] with this reason instead of describing them.
	serviceFailures map[string]string
	// sweep, when set, answers the calls it generates (a sweep of many
	// clusters, see replay_sweep_test.go) before the response files.
	sweep *sweepScenario
}

// throttleSpec throttles the requests it covers: the first Burst, then
// Percent of the rest, spread evenly (deterministic, so a test can count).
type throttleSpec struct {
	Burst, Percent int
}

// replayAccount is the account the response files belong to.
const replayAccount = "111122223333"

func newReplayAWS(t testing.TB, scenario string) *replayAWS {
	t.Helper()
	r := &replayAWS{t: t, calls: map[string]int{}, throttle: map[string]throttleSpec{}, seen: map[string]int{}, deny: map[string]bool{}, throttledN: map[string]int{}}
	// "a+b" layers scenario a over b (over base), so a scenario can
	// change one answer of another.
	for _, name := range strings.Split(scenario, "+") {
		if name == "" || name == "base" {
			continue
		}
		dir := filepath.Join("testdata", "replay", name)
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("replay scenario: %v", err)
		}
		r.dirs = append(r.dirs, dir)
	}
	r.dirs = append(r.dirs, filepath.Join("testdata", "replay", "base"))
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// setThrottle throttles action ("ec2:*" for every EC2 action, "*" for all).
func (r *replayAWS) setThrottle(action string, s throttleSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.throttle[action] = s
}

// setDeny refuses action for want of a permission.
func (r *replayAWS) setDeny(action string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deny[action] = true
}

// setDenyOn refuses action for want of a permission on the requests
// whose path names id, as a policy scoped to some resources does.
func (r *replayAWS) setDenyOn(action, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.denyOn == nil {
		r.denyOn = map[string][]string{}
	}
	r.denyOn[action] = append(r.denyOn[action], id)
}

// count is how many requests (attempts) action got.
func (r *replayAWS) count(action string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[action]
}

// counts is a copy of every action's attempts.
func (r *replayAWS) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		out[k] = v
	}
	return out
}

// gather gathers a sweep of cluster prod (or the services named).
func (r *replayAWS) gather(t testing.TB, services ...string) (*audit.Facts, error) {
	t.Helper()
	api, region := fakeClients(t, r.srv.URL)
	return (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{Cluster: "prod", Services: services})
}

func (r *replayAWS) serve(w http.ResponseWriter, req *http.Request) {
	action := requestAction(req)
	r.mu.Lock()
	r.calls[action]++
	denied := r.deny[action] || slices.ContainsFunc(r.denyOn[action], func(id string) bool { return strings.Contains(req.URL.Path, id) })
	key, spec, throttled := r.throttleFor(action)
	// A throttle counts the attempts it covers: 20 % of "*" is 20 % of
	// every request, not of each action's.
	r.seen[key]++
	n := r.seen[key]
	r.maxAttempt = max(r.maxAttempt, sdkAttempt(req))
	r.invoked(action, req.Header.Get("amz-sdk-invocation-id"))
	throttleNow := !denied && throttled && spec.throttles(n)
	if throttleNow {
		r.throttledN[action]++
	}
	sweep := r.sweep
	r.mu.Unlock()
	svc, op, _ := strings.Cut(action, ":")
	if sweep != nil {
		sweep.wait()
	}
	switch {
	case denied:
		r.denied(w, svc, action)
		return
	case throttleNow:
		r.throttled(w, svc)
		return
	case sweep != nil && sweep.serve(w, req, svc, op):
		return
	}
	switch svc {
	case "ec2":
		r.ec2(w, req, op)
	case "ecs":
		r.ecs(w, req, op)
	case "elasticfilesystem":
		r.efs(w, req, op)
	default:
		r.t.Errorf("replay: unexpected request %s", action)
		http.Error(w, "replay: no answer for "+action, http.StatusNotImplemented)
	}
}

// throttleFor finds action's throttle and its key: its own, its
// service's ("ec2:*"), or "*".
// The caller holds r.mu.
func (r *replayAWS) throttleFor(action string) (string, throttleSpec, bool) {
	for _, k := range []string{action, action[:strings.IndexByte(action, ':')+1] + "*", "*"} {
		if s, ok := r.throttle[k]; ok {
			return k, s, true
		}
	}
	return "", throttleSpec{}, false
}

// throttles says whether attempt n (from 1) is throttled.
func (s throttleSpec) throttles(n int) bool {
	if n <= s.Burst {
		return true
	}
	m := n - s.Burst
	return s.Percent > 0 && m*s.Percent/100 != (m-1)*s.Percent/100
}

// denied answers as AWS does when IAM refuses action: EC2's
// UnauthorizedOperation (HTTP 403, query-protocol XML), ECS's
// AccessDeniedException (HTTP 400, JSON 1.1), EFS's AccessDeniedException
// (HTTP 403, REST JSON with x-amzn-ErrorType).
func (r *replayAWS) denied(w http.ResponseWriter, svc, action string) {
	user := "arn:aws:iam::" + replayAccount + ":user/auditor"
	switch svc {
	case "ec2":
		ec2Error(w, http.StatusForbidden, "UnauthorizedOperation",
			fmt.Sprintf("You are not authorized to perform this operation. User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", user, action, action))
	case "ecs":
		jsonError(w, http.StatusBadRequest, "AccessDeniedException",
			fmt.Sprintf("User: %s is not authorized to perform: %s on resource: arn:aws:ecs:us-east-1:%s:cluster/prod because no identity-based policy allows the %s action", user, action, replayAccount, action))
	default:
		restError(w, http.StatusForbidden, "AccessDeniedException",
			fmt.Sprintf("User: %s is not authorized to perform: %s on the specified resource", user, action))
	}
}

// throttled answers EC2's RequestLimitExceeded (HTTP 503), ECS's
// ThrottlingException (HTTP 400) or EFS's ThrottlingException (HTTP 429).
func (r *replayAWS) throttled(w http.ResponseWriter, svc string) {
	switch svc {
	case "ec2":
		ec2Error(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	case "ecs":
		jsonError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	default:
		restError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded")
	}
}

func ec2Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>9f1d2c3b-4a5e-4f60-8a7b-0c1d2e3f4a5b</RequestID></Response>`, code, xmlEscape(msg))
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", "5f2c1d3b-4a5e-4f60-8a7b-0c1d2e3f4a5b")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	w.Write(b) //nolint:errcheck // test server
}

func restError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", code)
	w.Header().Set("x-amzn-RequestId", "6a2c1d3b-4a5e-4f60-8a7b-0c1d2e3f4a5b")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"ErrorCode": code, "Message": msg})
	w.Write(b) //nolint:errcheck // test server
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// file reads name from the scenario, else from base; ok is false when
// neither has it.
func (r *replayAWS) file(name string) ([]byte, bool) {
	for _, d := range r.dirs {
		b, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(name)))
		if err == nil {
			return b, true
		}
		if !errors.Is(err, fs.ErrNotExist) {
			r.t.Errorf("replay: %v", err)
		}
	}
	return nil, false
}

// pageOf reads a page token of the form page-N (none is page 1).
func pageOf(token string) (int, bool) {
	if token == "" {
		return 1, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
	return n, err == nil && strings.HasPrefix(token, "page-") && n > 1
}

// pageFile is base.ext for page 1 and base.N.ext after.
func pageFile(base, ext string, page int) string {
	if page == 1 {
		return base + ext
	}
	return fmt.Sprintf("%s.%d%s", base, page, ext)
}

func (r *replayAWS) ec2(w http.ResponseWriter, req *http.Request, op string) {
	if err := req.ParseForm(); err != nil {
		ec2Error(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	base := "ec2/" + op
	if op == "DescribeVpcAttribute" {
		base += "." + req.PostForm.Get("Attribute")
	}
	page, ok := pageOf(req.PostForm.Get("NextToken"))
	if !ok {
		ec2Error(w, http.StatusBadRequest, "InvalidNextToken", "The specified token is invalid.")
		return
	}
	body, ok := r.file(pageFile(base, ".xml", page))
	if !ok {
		r.t.Errorf("replay: no response file %s", pageFile(base, ".xml", page))
		ec2Error(w, http.StatusNotImplemented, "NotImplemented", "replay: no answer for ec2:"+op)
		return
	}
	if _, more := r.file(pageFile(base, ".xml", page+1)); more {
		end := bytes.LastIndex(body, []byte("</"))
		body = append(body[:end:end], append([]byte(fmt.Sprintf("    <nextToken>page-%d</nextToken>\n", page+1)), body[end:]...)...)
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Write(body) //nolint:errcheck // test server
}

// ecsListMax and ecsListDefault are ListServices' page limits.
const (
	ecsListDefault = 10
	ecsListMax     = 100
)

func (r *replayAWS) ecs(w http.ResponseWriter, req *http.Request, op string) {
	var in struct {
		Cluster        string   `json:"cluster"`
		MaxResults     *int     `json:"maxResults"`
		NextToken      string   `json:"nextToken"`
		Services       []string `json:"services"`
		TaskDefinition string   `json:"taskDefinition"`
		// CapacityProviders are DescribeCapacityProviders' names.
		CapacityProviders []string `json:"capacityProviders"`
	}
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
		jsonError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	switch op {
	case "ListServices":
		r.listServices(w, in.MaxResults, in.NextToken)
		return
	case "DescribeServices":
		r.describeServices(w, in.Services)
		return
	case "DescribeCapacityProviders":
		r.describeCapacityProviders(w, in.CapacityProviders, in.MaxResults, in.NextToken)
		return
	}
	page, ok := pageOf(in.NextToken)
	if !ok {
		jsonError(w, http.StatusBadRequest, "InvalidParameterException", "Invalid token")
		return
	}
	name := pageFile("ecs/"+op, ".json", page)
	if op == "DescribeTaskDefinition" {
		td := in.TaskDefinition
		if i := strings.Index(td, "task-definition/"); i >= 0 {
			td = td[i+len("task-definition/"):]
		}
		name = "ecs/DescribeTaskDefinition/" + strings.ReplaceAll(td, ":", "_") + ".json"
		if _, ok := r.file(name); !ok {
			jsonError(w, http.StatusBadRequest, "ClientException", "Unable to describe task definition.")
			return
		}
	}
	body, ok := r.file(name)
	if !ok {
		r.t.Errorf("replay: no response file %s", name)
		jsonError(w, http.StatusNotImplemented, "NotImplemented", "replay: no answer for ecs:"+op)
		return
	}
	if _, more := r.file(pageFile("ecs/"+op, ".json", page+1)); more {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			r.t.Errorf("replay: %s: %v", name, err)
		}
		m["nextToken"] = fmt.Sprintf("page-%d", page+1)
		body, _ = json.Marshal(m)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(body) //nolint:errcheck // test server
}

// services is ecs/services.json: every service of the cluster.
func (r *replayAWS) services() []map[string]any {
	body, ok := r.file("ecs/services.json")
	if !ok {
		r.t.Errorf("replay: no ecs/services.json")
		return nil
	}
	var out struct {
		Services []map[string]any `json:"services"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		r.t.Errorf("replay: ecs/services.json: %v", err)
	}
	return out.Services
}

// listServices pages the cluster's services as ListServices does: 10 a
// page unless maxResults (1 to 100) says otherwise; services that are
// INACTIVE (deleted) are not listed.
func (r *replayAWS) listServices(w http.ResponseWriter, maxResults *int, token string) {
	size := ecsListDefault
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > ecsListMax {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "maxResults must be between 1 and 100")
			return
		}
		size = *maxResults
	}
	r.mu.Lock()
	if r.listPage > 0 && size > r.listPage {
		size = r.listPage
	}
	listInactive := r.listInactive
	r.mu.Unlock()
	var arns []string
	for _, s := range r.services() {
		if s["status"] != "INACTIVE" || listInactive {
			arns = append(arns, fmt.Sprint(s["serviceArn"]))
		}
	}
	start := 0
	if token != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(token, "svc-")); err != nil || start > len(arns) {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "Invalid token")
			return
		}
	}
	end := min(start+size, len(arns))
	out := map[string]any{"serviceArns": append([]string{}, arns[start:end]...)}
	if end < len(arns) {
		out["nextToken"] = fmt.Sprintf("svc-%d", end)
	}
	writeJSON(w, out)
}

// describeServices answers up to 10 services by name or ARN; those the
// cluster does not have come back in failures with reason MISSING.
func (r *replayAWS) describeServices(w http.ResponseWriter, names []string) {
	if len(names) == 0 || len(names) > describeServicesBatch {
		jsonError(w, http.StatusBadRequest, "InvalidParameterException", "services cannot be empty and cannot contain more than 10 items")
		return
	}
	all := r.services()
	services, failures := []map[string]any{}, []map[string]any{}
	r.mu.Lock()
	failing := r.serviceFailures
	r.mu.Unlock()
	for _, n := range names {
		if reason, ok := failing[n]; ok {
			failures = append(failures, map[string]any{"arn": "arn:aws:ecs:us-east-1:" + replayAccount + ":service/prod/" + n, "reason": reason, "detail": "replayed failure"})
			continue
		}
		var found map[string]any
		for _, s := range all {
			if s["serviceName"] == n || s["serviceArn"] == n {
				found = s
			}
		}
		if found == nil {
			arn := n
			if !strings.HasPrefix(n, "arn:") {
				arn = "arn:aws:ecs:us-east-1:" + replayAccount + ":service/prod/" + n
			}
			failures = append(failures, map[string]any{"arn": arn, "reason": "MISSING"})
			continue
		}
		services = append(services, found)
	}
	writeJSON(w, map[string]any{"services": services, "failures": failures})
}

// capacityProviderPage is the most DescribeCapacityProviders returns in
// a page (its maxResults is 1 to 10, 10 when not given).
const capacityProviderPage = 10

// describeCapacityProviders answers from ecs/capacityProviders.json
// (every provider of the account, in DescribeCapacityProviders shape):
// the named ones (by name or ARN; all without names), at most 100 names,
// 10 a page; a name the account does not have comes back in failures
// with reason MISSING, as AWS answers.
func (r *replayAWS) describeCapacityProviders(w http.ResponseWriter, names []string, maxResults *int, token string) {
	if len(names) > describeCapacityProvidersBatch {
		jsonError(w, http.StatusBadRequest, "InvalidParameterException", "capacityProviders cannot contain more than 100 items")
		return
	}
	size := capacityProviderPage
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > capacityProviderPage {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "maxResults must be between 1 and 10")
			return
		}
		size = *maxResults
	}
	body, ok := r.file("ecs/capacityProviders.json")
	if !ok {
		r.t.Errorf("replay: no ecs/capacityProviders.json")
		jsonError(w, http.StatusNotImplemented, "NotImplemented", "replay: no capacity providers")
		return
	}
	var all struct {
		CapacityProviders []map[string]any `json:"capacityProviders"`
	}
	if err := json.Unmarshal(body, &all); err != nil {
		r.t.Errorf("replay: ecs/capacityProviders.json: %v", err)
	}
	found, failures := []map[string]any{}, []map[string]any{}
	if len(names) == 0 {
		found = all.CapacityProviders
	}
	for _, n := range names {
		var cp map[string]any
		for _, c := range all.CapacityProviders {
			if c["name"] == n || c["capacityProviderArn"] == n {
				cp = c
			}
		}
		if cp == nil {
			failures = append(failures, map[string]any{"arn": "arn:aws:ecs:us-east-1:" + replayAccount + ":capacity-provider/" + n, "reason": "MISSING"})
			continue
		}
		found = append(found, cp)
	}
	start := 0
	if token != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(token, "cp-")); err != nil || start > len(found) {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "Invalid token")
			return
		}
	}
	end := min(start+size, len(found))
	out := map[string]any{"capacityProviders": found[start:end], "failures": []map[string]any{}}
	if start == 0 {
		out["failures"] = failures
	}
	if end < len(found) {
		out["nextToken"] = fmt.Sprintf("cp-%d", end)
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // test server
}

func (r *replayAWS) efs(w http.ResponseWriter, req *http.Request, op string) {
	q := req.URL.Query()
	var name string
	switch op {
	case "DescribeMountTargets":
		page, ok := pageOf(q.Get("Marker"))
		if !ok {
			restError(w, http.StatusBadRequest, "BadRequest", "invalid Marker")
			return
		}
		base := "efs/DescribeMountTargets." + q.Get("FileSystemId")
		body, ok := r.file(pageFile(base, ".json", page))
		if !ok {
			restError(w, http.StatusNotFound, "FileSystemNotFound", "File system '"+q.Get("FileSystemId")+"' does not exist.")
			return
		}
		if _, more := r.file(pageFile(base, ".json", page+1)); more {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				r.t.Errorf("replay: %s: %v", base, err)
			}
			m["NextMarker"] = fmt.Sprintf("page-%d", page+1)
			body, _ = json.Marshal(m)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body) //nolint:errcheck // test server
		return
	case "DescribeMountTargetSecurityGroups":
		id, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/2015-02-01/mount-targets/"), "/security-groups"))
		name = "efs/DescribeMountTargetSecurityGroups." + id + ".json"
	}
	body, ok := r.file(name)
	if !ok {
		restError(w, http.StatusNotFound, "MountTargetNotFound", "Mount target does not exist.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body) //nolint:errcheck // test server
}
