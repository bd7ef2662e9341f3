package live

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sweepSpec is the shape of a generated account: Clusters clusters of
// ServicesPer Fargate services each, spread over VPCs VPCs (cluster i in
// VPC i mod VPCs) and TaskDefs distinct task definitions (service j of
// cluster i runs revision 1 of family app-((i*ServicesPer+j) mod
// TaskDefs)).
type sweepSpec struct {
	Clusters, ServicesPer, TaskDefs, VPCs int
	// ClusterPage, when set, is the most ListClusters returns in a page.
	ClusterPage int
	// Gone are clusters ListClusters lists and DescribeClusters answers
	// MISSING: deleted between the two calls.
	Gone []string
	// Unlisted are clusters DescribeClusters describes and ListServices
	// answers ClusterNotFoundException: deleted after the describe.
	Unlisted []string
	// Latency delays every answer, as the round trip to AWS would.
	Latency time.Duration
}

// sweepScenario is a generated account served by the replay server in
// the real AWS shapes of testdata/replay/base: each VPC is a copy of the
// base VPC (its subnets, route tables, interface and gateway endpoints,
// security groups, network ACLs, DHCP options and endpoint ENIs) with its
// own ids (vpc-0a1b... in VPC 0, vpc-1a1b... in VPC 1: the digit after
// the dash is the VPC's) and CIDR (10.20+k.0.0/16); each service is the
// base's billing service renamed into its cluster, VPC and task
// definition; each task definition the base's shop:7 without its EFS
// volume. Filters are not applied: an EC2 describe answers for every VPC,
// as audit asks for all of them at once. Calls it does not generate fall
// back to the response files.
type sweepScenario struct {
	spec     sweepSpec
	clusters []string            // names, sorted
	services map[string][]string // cluster → its services' JSON, by name
	taskDefs map[string][]byte   // "family:rev" → DescribeTaskDefinition answer
	ec2      map[string][]byte   // op → answer (every VPC's items)
	attrs    map[string][]byte   // vpc-id + "." + attribute → DescribeVpcAttribute answer
	cluster  []byte              // the base DescribeClusters answer, a template
}

// baseVPC is the VPC of testdata/replay/base.
const baseVPC = "vpc-0a1b2c3d4e5f60789"

// sweepVPCOps are the EC2 answers copied per VPC; the prefix lists are
// the Region's and stay as they are.
var sweepVPCOps = []string{"DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeVpcEndpoints",
	"DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeDhcpOptions"}

// reBaseID matches the ids of the base files that belong to its VPC
// (vpc-0..., subnet-0..., sg-0task..., rtbassoc-0...); prefix lists
// (pl-) are the Region's.
var reBaseID = regexp.MustCompile(`\b([a-z]+)-0([0-9a-z]{6,})\b`)

// inVPC rewrites the base VPC's ids and addresses into VPC k's.
func inVPC(b []byte, k int) []byte {
	if k == 0 {
		return b
	}
	digit := strconv.FormatInt(int64(k), 16)
	b = reBaseID.ReplaceAllFunc(b, func(id []byte) []byte {
		m := reBaseID.FindSubmatch(id)
		if string(m[1]) == "pl" {
			return id
		}
		return []byte(string(m[1]) + "-" + digit + string(m[2]))
	})
	return bytes.ReplaceAll(b, []byte("10.20."), []byte(fmt.Sprintf("10.%d.", 20+k)))
}

func sweepClusterName(i int) string { return fmt.Sprintf("sweep-%02d", i) }

func sweepARN(kind, name string) string {
	return "arn:aws:ecs:us-east-1:" + replayAccount + ":" + kind + "/" + name
}

// newSweepScenario builds spec's account in memory from the base files.
func newSweepScenario(t testing.TB, spec sweepSpec) *sweepScenario {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "replay", "base", filepath.FromSlash(name)))
		if err != nil {
			t.Fatalf("sweep scenario: %v", err)
		}
		return b
	}
	sc := &sweepScenario{spec: spec, services: map[string][]string{}, taskDefs: map[string][]byte{},
		ec2: map[string][]byte{}, attrs: map[string][]byte{}, cluster: read("ecs/DescribeClusters.json")}
	for _, op := range sweepVPCOps {
		base := read("ec2/" + op + ".xml")
		first, last := bytes.Index(base, []byte("<item>")), bytes.LastIndex(base, []byte("</item>"))+len("</item>")
		var items []byte
		for k := range spec.VPCs {
			items = append(items, inVPC(base[first:last], k)...)
			items = append(items, "\n        "...)
		}
		sc.ec2[op] = slices.Concat(base[:first], items, base[last:])
	}
	for k := range spec.VPCs {
		for _, attr := range []string{"enableDnsSupport", "enableDnsHostnames"} {
			sc.attrs[string(inVPC([]byte(baseVPC), k))+"."+attr] = inVPC(read("ec2/DescribeVpcAttribute."+attr+".xml"), k)
		}
	}
	sc.taskDefinitions(t, read("ecs/DescribeTaskDefinition/shop_7.json"))
	sc.clusterServices(t, read("ecs/services.json"))
	return sc
}

// taskDefinitions makes TaskDefs families app-NN:1 from the base's
// shop:7, without its EFS volume (whose mount targets are in VPC 0 only).
func (sc *sweepScenario) taskDefinitions(t testing.TB, base []byte) {
	for i := range sc.spec.TaskDefs {
		family := fmt.Sprintf("app-%02d", i)
		var out map[string]any
		if err := json.Unmarshal(bytes.ReplaceAll(base, []byte("task-definition/shop:7"), []byte("task-definition/"+family+":1")), &out); err != nil {
			t.Fatalf("sweep scenario: shop_7.json: %v", err)
		}
		td := out["taskDefinition"].(map[string]any)
		td["family"], td["revision"] = family, 1
		delete(td, "volumes")
		for _, c := range td["containerDefinitions"].([]any) {
			c.(map[string]any)["mountPoints"] = []any{}
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		sc.taskDefs[family+":1"] = b
	}
}

// clusterServices renames the base's billing service into every service
// of every cluster.
func (sc *sweepScenario) clusterServices(t testing.TB, base []byte) {
	var all struct {
		Services []json.RawMessage `json:"services"`
	}
	if err := json.Unmarshal(base, &all); err != nil {
		t.Fatalf("sweep scenario: services.json: %v", err)
	}
	tmpl := string(all.Services[0])
	for i := range sc.spec.Clusters {
		name := sweepClusterName(i)
		sc.clusters = append(sc.clusters, name)
		vpc := string(inVPC([]byte(tmpl), i%sc.spec.VPCs))
		for j := range sc.spec.ServicesPer {
			svc := fmt.Sprintf("svc-%02d", j)
			td := fmt.Sprintf("app-%02d:1", (i*sc.spec.ServicesPer+j)%sc.spec.TaskDefs)
			sc.services[name] = append(sc.services[name], strings.NewReplacer(
				"service/prod/billing", "service/"+name+"/"+svc,
				`"serviceName": "billing"`, `"serviceName": "`+svc+`"`,
				"cluster/prod", "cluster/"+name,
				"task-definition/shop:7", "task-definition/"+td,
			).Replace(vpc))
		}
	}
}

// wait is the round trip of one answer.
func (sc *sweepScenario) wait() {
	if sc.spec.Latency > 0 {
		time.Sleep(sc.spec.Latency)
	}
}

// serve answers op if the scenario generates it.
func (sc *sweepScenario) serve(w http.ResponseWriter, req *http.Request, svc, op string) bool {
	switch svc {
	case "ec2":
		return sc.serveEC2(w, req, op)
	case "ecs":
		body, err := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body)) // for the response files, if not generated here
		var in struct {
			Cluster        string   `json:"cluster"`
			Clusters       []string `json:"clusters"`
			MaxResults     *int     `json:"maxResults"`
			NextToken      string   `json:"nextToken"`
			Services       []string `json:"services"`
			TaskDefinition string   `json:"taskDefinition"`
		}
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			jsonError(w, http.StatusBadRequest, "SerializationException", fmt.Sprint(err))
			return true
		}
		switch op {
		case "ListClusters":
			sc.listClusters(w, in.MaxResults, in.NextToken)
		case "DescribeClusters":
			sc.describeClusters(w, in.Clusters)
		case "ListServices":
			sc.listServices(w, in.Cluster, in.MaxResults, in.NextToken)
		case "DescribeServices":
			sc.describeServices(w, in.Cluster, in.Services)
		case "DescribeTaskDefinition":
			td := in.TaskDefinition[strings.LastIndexByte(in.TaskDefinition, '/')+1:]
			b, ok := sc.taskDefs[td]
			if !ok {
				jsonError(w, http.StatusBadRequest, "ClientException", "Unable to describe task definition.")
				return true
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Write(b) //nolint:errcheck // test server
		default:
			return false
		}
		return true
	}
	return false
}

func (sc *sweepScenario) serveEC2(w http.ResponseWriter, req *http.Request, op string) bool {
	if err := req.ParseForm(); err != nil {
		ec2Error(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return true
	}
	body, ok := sc.ec2[op]
	if op == "DescribeVpcAttribute" {
		body, ok = sc.attrs[req.PostForm.Get("VpcId")+"."+req.PostForm.Get("Attribute")]
		if !ok {
			ec2Error(w, http.StatusBadRequest, "InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", req.PostForm.Get("VpcId")))
			return true
		}
	}
	if !ok {
		return false
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Write(body) //nolint:errcheck // test server
	return true
}

// page cuts items as an ECS list call does: size a page (maxResults, 1 to
// 100, else def), from the offset in token.
func ecsPage(w http.ResponseWriter, items []string, maxResults *int, def int, token string) ([]string, string, bool) {
	size := def
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > ecsListMax {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "maxResults must be between 1 and 100")
			return nil, "", false
		}
		size = *maxResults
	}
	start := 0
	if token != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(token, "at-")); err != nil || start > len(items) {
			jsonError(w, http.StatusBadRequest, "InvalidParameterException", "Invalid token")
			return nil, "", false
		}
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = fmt.Sprintf("at-%d", end)
	}
	return items[start:end], next, true
}

func (sc *sweepScenario) listClusters(w http.ResponseWriter, maxResults *int, token string) {
	var arns []string
	for _, c := range sc.clusters {
		arns = append(arns, sweepARN("cluster", c))
	}
	if p := sc.spec.ClusterPage; p > 0 && (maxResults == nil || *maxResults > p) {
		maxResults = &p
	}
	page, next, ok := ecsPage(w, arns, maxResults, ecsListMax, token)
	if !ok {
		return
	}
	out := map[string]any{"clusterArns": append([]string{}, page...)}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, out)
}

// known is the name of the cluster ref names (a name or an ARN), if the
// scenario has it and it is not gone.
func (sc *sweepScenario) known(ref string) (string, bool) {
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	_, found := slices.BinarySearch(sc.clusters, name)
	return name, found && !slices.Contains(sc.spec.Gone, name)
}

func (sc *sweepScenario) describeClusters(w http.ResponseWriter, refs []string) {
	if len(refs) > describeClustersBatch {
		jsonError(w, http.StatusBadRequest, "InvalidParameterException", "clusters can have at most 100 items")
		return
	}
	var tmpl struct {
		Clusters []map[string]any `json:"clusters"`
	}
	if err := json.Unmarshal(sc.cluster, &tmpl); err != nil {
		jsonError(w, http.StatusInternalServerError, "ServerException", err.Error())
		return
	}
	clusters, failures := []map[string]any{}, []map[string]any{}
	for _, ref := range refs {
		name, ok := sc.known(ref)
		if !ok {
			failures = append(failures, map[string]any{"arn": sweepARN("cluster", name), "reason": "MISSING"})
			continue
		}
		c := map[string]any{}
		for k, v := range tmpl.Clusters[0] {
			c[k] = v
		}
		c["clusterName"], c["clusterArn"] = name, sweepARN("cluster", name)
		c["activeServicesCount"] = len(sc.services[name])
		clusters = append(clusters, c)
	}
	writeJSON(w, map[string]any{"clusters": clusters, "failures": failures})
}

func (sc *sweepScenario) listServices(w http.ResponseWriter, cluster string, maxResults *int, token string) {
	name, ok := sc.known(cluster)
	if !ok || slices.Contains(sc.spec.Unlisted, name) {
		jsonError(w, http.StatusBadRequest, "ClusterNotFoundException", "Cluster not found.")
		return
	}
	var arns []string
	for j := range sc.services[name] {
		arns = append(arns, sweepARN("service", fmt.Sprintf("%s/svc-%02d", name, j)))
	}
	page, next, ok := ecsPage(w, arns, maxResults, ecsListDefault, token)
	if !ok {
		return
	}
	out := map[string]any{"serviceArns": append([]string{}, page...)}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, out)
}

func (sc *sweepScenario) describeServices(w http.ResponseWriter, cluster string, names []string) {
	name, ok := sc.known(cluster)
	if !ok {
		jsonError(w, http.StatusBadRequest, "ClusterNotFoundException", "Cluster not found.")
		return
	}
	if len(names) == 0 || len(names) > describeServicesBatch {
		jsonError(w, http.StatusBadRequest, "InvalidParameterException", "services cannot be empty and cannot contain more than 10 items")
		return
	}
	services, failures := []json.RawMessage{}, []map[string]any{}
	for _, n := range names {
		svc := n[strings.LastIndexByte(n, '/')+1:]
		j, err := strconv.Atoi(strings.TrimPrefix(svc, "svc-"))
		if err != nil || !strings.HasPrefix(svc, "svc-") || j >= len(sc.services[name]) {
			failures = append(failures, map[string]any{"arn": sweepARN("service", name+"/"+svc), "reason": "MISSING"})
			continue
		}
		services = append(services, json.RawMessage(sc.services[name][j]))
	}
	writeJSON(w, map[string]any{"services": services, "failures": failures})
}

// newSweepReplay is a replay server for spec's generated account.
func newSweepReplay(t testing.TB, spec sweepSpec) *replayAWS {
	t.Helper()
	r := newReplayAWS(t, "")
	r.sweep = newSweepScenario(t, spec)
	return r
}

// sdkAttempt is the attempt number the SDK put on a request (its
// amz-sdk-request header, "attempt=2; max=5"), or 0.
func sdkAttempt(req *http.Request) int {
	for _, part := range strings.Split(req.Header.Get("amz-sdk-request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// throttledTotal is every throttled answer r gave.
func (r *replayAWS) throttledTotal() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.throttledN {
		n += v
	}
	return n
}

// invoked records a call of action by its invocation id. The caller
// holds r.mu.
func (r *replayAWS) invoked(action, id string) {
	if id == "" {
		return
	}
	if r.invocations == nil {
		r.invocations = map[string]map[string]bool{}
	}
	if r.invocations[action] == nil {
		r.invocations[action] = map[string]bool{}
	}
	r.invocations[action][id] = true
}

// callsOf is how many calls of action r got, each with all its attempts
// counted once.
func (r *replayAWS) callsOf(action string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.invocations[action])
}
