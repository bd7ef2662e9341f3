package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/probe/dnstest"
)

// explainWorld is the simulated VPC's control plane in moto, reached as a
// host of the VPC (the ec2 interface endpoint at 10.0.0.50): the task ENI
// with its security group, the logs interface endpoint in the endpoint
// subnets with its own group, the S3 gateway endpoint on the main route
// table and the S3 prefix list, in the good posture unless mutated.
type explainWorld struct {
	*ec2World
	vpcID, taskSG, endpointSG, logsEndpoint, s3PrefixList string
}

// explainMutations change the seeded control plane.
const (
	mutLogsPrivateDNSOff = "logs_private_dns_off"
	mutEndpointSGNo443   = "endpoint_sg_no_443"
	mutTaskSGNoS3        = "task_sg_no_s3"
)

func newExplainWorld(t *testing.T, f *fixture, mutations ...string) (*explainWorld, []string) {
	t.Helper()
	requireTools(t, "moto_server", "aws")
	endpoint := startMotoInVPC(t, f)
	w := &explainWorld{ec2World: &ec2World{t: t, prefix: []string{"ip", "netns", "exec", f.vpcNS}, endpoint: endpoint}}
	has := func(m string) bool { return slices.Contains(mutations, m) }
	id := func(v map[string]any, obj, key string) string { return v[obj].(map[string]any)[key].(string) }

	w.vpcID = id(w.aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"), "Vpc", "VpcId")
	// AWS gives a new VPC the region's default DHCP options set (with
	// AmazonProvidedDNS); moto leaves it on "default", no set at all,
	// which the audit rightly fails as no resolver.
	dopt := id(w.aws("ec2", "create-dhcp-options", "--dhcp-configurations", "Key=domain-name-servers,Values=AmazonProvidedDNS"), "DhcpOptions", "DhcpOptionsId")
	w.aws("ec2", "associate-dhcp-options", "--vpc-id", w.vpcID, "--dhcp-options-id", dopt)
	w.aws("ec2", "modify-vpc-attribute", "--vpc-id", w.vpcID, "--enable-dns-support", `{"Value":true}`)
	w.aws("ec2", "modify-vpc-attribute", "--vpc-id", w.vpcID, "--enable-dns-hostnames", `{"Value":true}`)
	taskSubnetID := id(w.aws("ec2", "create-subnet", "--vpc-id", w.vpcID, "--cidr-block", taskSubnet, "--availability-zone", region+"a"), "Subnet", "SubnetId")
	epA := id(w.aws("ec2", "create-subnet", "--vpc-id", w.vpcID, "--cidr-block", "10.0.1.0/24", "--availability-zone", region+"a"), "Subnet", "SubnetId")
	epB := id(w.aws("ec2", "create-subnet", "--vpc-id", w.vpcID, "--cidr-block", "10.0.3.0/24", "--availability-zone", region+"b"), "Subnet", "SubnetId")
	w.taskSG = w.aws("ec2", "create-security-group", "--group-name", "orders-task", "--description", "task", "--vpc-id", w.vpcID)["GroupId"].(string)
	w.endpointSG = w.aws("ec2", "create-security-group", "--group-name", "endpoints", "--description", "endpoints", "--vpc-id", w.vpcID)["GroupId"].(string)
	for _, pl := range w.aws("ec2", "describe-managed-prefix-lists")["PrefixLists"].([]any) {
		if m := pl.(map[string]any); m["PrefixListName"] == "com.amazonaws."+region+".s3" {
			w.s3PrefixList = m["PrefixListId"].(string)
		}
	}
	if w.s3PrefixList == "" {
		t.Fatal("moto has no S3 prefix list")
	}
	w.aws("ec2", "revoke-security-group-egress", "--group-id", w.taskSG, "--ip-permissions", `[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]`)
	egress := []string{`{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"UserIdGroupPairs":[{"GroupId":"` + w.endpointSG + `"}]}`,
		// The EC2 API itself (moto) is a VPC host on port 5000.
		`{"IpProtocol":"tcp","FromPort":5000,"ToPort":5000,"IpRanges":[{"CidrIp":"10.0.0.50/32"}]}`}
	if !has(mutTaskSGNoS3) {
		egress = append(egress, `{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"PrefixListIds":[{"PrefixListId":"`+w.s3PrefixList+`"}]}`)
	}
	w.aws("ec2", "authorize-security-group-egress", "--group-id", w.taskSG, "--ip-permissions", "["+strings.Join(egress, ",")+"]")
	port := "443"
	if has(mutEndpointSGNo443) {
		port = "80"
	}
	w.aws("ec2", "authorize-security-group-ingress", "--group-id", w.endpointSG, "--ip-permissions",
		`[{"IpProtocol":"tcp","FromPort":`+port+`,"ToPort":`+port+`,"UserIdGroupPairs":[{"GroupId":"`+w.taskSG+`"}]}]`)
	privateDNS := "--private-dns-enabled"
	if has(mutLogsPrivateDNSOff) {
		privateDNS = "--no-private-dns-enabled"
	}
	w.logsEndpoint = id(w.aws("ec2", "create-vpc-endpoint", "--vpc-id", w.vpcID, "--vpc-endpoint-type", "Interface",
		"--service-name", "com.amazonaws."+region+".logs", "--subnet-ids", epA, epB, "--security-group-ids", w.endpointSG, privateDNS), "VpcEndpoint", "VpcEndpointId")
	var mainRT string
	for _, rt := range w.aws("ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values="+w.vpcID)["RouteTables"].([]any) {
		mainRT = rt.(map[string]any)["RouteTableId"].(string)
	}
	w.aws("ec2", "create-vpc-endpoint", "--vpc-id", w.vpcID, "--vpc-endpoint-type", "Gateway",
		"--service-name", "com.amazonaws."+region+".s3", "--route-table-ids", mainRT)
	eni := w.aws("ec2", "create-network-interface", "--subnet-id", taskSubnetID, "--private-ip-address", taskIPv4, "--groups", w.taskSG)["NetworkInterface"].(map[string]any)
	w.eniID, w.mac = eni["NetworkInterfaceId"].(string), eni["MacAddress"].(string)

	f.serveTaskAt("/v4/explain", w.taskWithMAC())
	return w, append(awsEnv(endpoint), "ECS_CONTAINER_METADATA_URI_V4=http://"+tmdsAddr+"/v4/explain")
}

// explainCheck runs check with --explain=on and asserts the bound: the
// explanation is spent after the verdict, within 2 x --timeout.
func (f *fixture) explainCheck(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	full := append([]string{"check", "--output", "json", "--timeout", timeout.String(), "--wait", "0", "--log-level", "warn", "--public-ip", "off", "--explain", "on"}, args...)
	res := f.run(env, full...)
	if bound := timeout + 2*timeout + margin; res.wall > bound {
		t.Errorf("run took %v; want at most --timeout + 2 x --timeout (explanation) + margin = %v", res.wall, bound)
	}
	return res
}

func expectCause(t *testing.T, c check, ids ...string) {
	t.Helper()
	if c.Cause == nil {
		t.Fatalf("%s/%s (%s) has no cause", c.Check, c.Target, c.Status)
	}
	for _, id := range ids {
		if !slices.Contains(c.Cause.Resources, id) && !strings.Contains(c.Cause.Error, id) {
			t.Errorf("%s/%s cause %+v does not name %s", c.Check, c.Target, *c.Cause, id)
		}
	}
	t.Logf("%s/%s cause: %s [%s]; fix: %s", c.Check, c.Target, c.Cause.Error, strings.Join(c.Cause.Resources, " "), c.Cause.Hint)
}

// TestExplainPrivateDNSOff: the logs endpoint has private DNS off, so the
// name resolves public; the cause names the endpoint.
func TestExplainPrivateDNSOff(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	w, env := newExplainWorld(t, f, mutLogsPrivateDNSOff)
	f.dns.Set(logsHost, dnstest.Records{A: []string{"198.51.100.12"}})
	res := f.explainCheck(t, env, "--checks", "logs")
	expectExit(t, res, 11)
	expectCause(t, res.find(t, "dns", "logs"), w.logsEndpoint)
	if !strings.Contains(res.find(t, "dns", "logs").Cause.Hint, "--private-dns-enabled") {
		t.Errorf("fix does not enable private DNS")
	}
}

// TestExplainEndpointSGWithout443: the endpoint's security group does not
// admit 443 from the task's group, so the connection times out; the cause
// names the group.
func TestExplainEndpointSGWithout443(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	w, env := newExplainWorld(t, f, mutEndpointSGNo443)
	f.drop("ip daddr { 10.0.1.12, 10.0.3.12 } tcp dport 443")
	res := f.explainCheck(t, env, "--checks", "logs")
	expectExit(t, res, 12)
	c := res.find(t, "connect", "logs")
	expectCause(t, c, w.endpointSG)
	if strings.Contains(c.Cause.Error, "private DNS") {
		t.Errorf("cause blames DNS for a timeout to the endpoint's private address: %s", c.Cause.Error)
	}
}

// TestExplainTaskSGWithoutS3PrefixList: the task's group has no egress to
// the S3 prefix list, so S3 times out; the cause names the prefix list.
func TestExplainTaskSGWithoutS3PrefixList(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	w, env := newExplainWorld(t, f, mutTaskSGNoS3)
	f.taskEgress("ip daddr != 203.0.113.0/24 accept")
	res := f.explainCheck(t, env, "--checks", "s3")
	expectExit(t, res, 12)
	expectCause(t, res.find(t, "connect", "s3"), w.s3PrefixList, w.taskSG)
}

// TestExplainWithoutCredentials: no credentials, --explain=auto: no cause,
// no API call, and no delay over a run with --explain=off.
func TestExplainWithoutCredentials(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	_, env := newExplainWorld(t, f, mutEndpointSGNo443)
	f.drop("ip daddr { 10.0.1.12, 10.0.3.12 } tcp dport 443")
	var noCreds []string
	for _, e := range env {
		if !strings.HasPrefix(e, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") && !strings.HasPrefix(e, "AWS_SESSION_TOKEN=") {
			noCreds = append(noCreds, e)
		}
	}
	run := func(mode string) runResult {
		return f.run(noCreds, "check", "--output", "json", "--timeout", timeout.String(), "--wait", "0", "--log-level", "warn", "--public-ip", "off", "--explain", mode, "--checks", "logs")
	}
	off := run("off")
	auto := run("auto")
	expectExit(t, auto, 12)
	if c := auto.find(t, "connect", "logs"); c.Cause != nil {
		t.Errorf("cause without credentials: %+v", *c.Cause)
	}
	if d := auto.wall - off.wall; d > 2*time.Second {
		t.Errorf("--explain=auto without credentials took %v more than --explain=off (%v vs %v); want < 2s", d, auto.wall, off.wall)
	}
	t.Logf("no credentials: explain=off %v, explain=auto %v", off.wall, auto.wall)
	on := run("on")
	expectExit(t, on, 12)
	found := false
	for _, c := range on.report.Checks {
		if c.Check == "explain" && c.Status == "warn" {
			found = true
		}
	}
	if !found {
		b, _ := json.Marshal(on.report.Checks)
		t.Errorf("--explain=on without credentials: no explain warning row in %s", b)
	}
}
