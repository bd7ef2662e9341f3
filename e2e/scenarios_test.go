package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/probe/dnstest"
)

const (
	apiHost    = "api.ecr." + region + ".amazonaws.com"
	dkrHost    = account + ".dkr.ecr." + region + ".amazonaws.com"
	logsHost   = "logs." + region + ".amazonaws.com"
	s3Host     = "s3." + region + ".amazonaws.com"
	layersHost = "prod-" + region + "-starport-layer-bucket.s3." + region + ".amazonaws.com"
	internet   = "198.51.100.80"

	timeout = time.Second
	wait    = time.Second
	// margin covers process start and the metadata window (at most 1s) on a
	// loaded 2-core machine. The bounds it widens catch a run that waits
	// for something it should not (a default --wait of 15s, a 30s call),
	// not a slow one: speed lives in the benchmarks.
	margin = 5 * time.Second
)

// fixture is a VPC in the good posture from the field: interface endpoints
// with private DNS for ecr.api, ecr.dkr and logs in two AZs, S3 through a
// gateway (public addresses, reachable), an internet host, the VPC resolver
// and a Fargate task's metadata.
type fixture struct {
	*vpc
	dns *dnstest.Server
}

func goodVPC(t *testing.T) *fixture {
	t.Helper()
	v := newVPC(t)
	v.addAddr("10.0.1.10", "10.0.3.10", "10.0.1.11", "10.0.3.11", "10.0.1.12", "10.0.3.12",
		"fd00:10:1::12", "203.0.113.10", "203.0.113.11", internet, "10.0.9.53")
	v.serveTLS("10.0.1.10", apiHost)
	v.serveTLS("10.0.3.10", apiHost)
	v.serveTLS("10.0.1.11", dkrHost)
	v.serveTLS("10.0.3.11", dkrHost)
	v.serveTLS("10.0.1.12", logsHost)
	v.serveTLS("10.0.3.12", logsHost)
	v.serveTLS("fd00:10:1::12", logsHost)
	v.serveTLS("203.0.113.10", s3Host)
	v.serveTLS("203.0.113.11", "*.s3."+region+".amazonaws.com")
	v.serveTCP(internet, 443)
	dns := v.serveDNS(vpcDNS, dnstest.Zone{
		apiHost:                               {A: []string{"10.0.1.10", "10.0.3.10"}},
		dkrHost:                               {A: []string{"10.0.1.11", "10.0.3.11"}},
		logsHost:                              {A: []string{"10.0.1.12", "10.0.3.12"}},
		s3Host:                                {A: []string{"203.0.113.10"}},
		layersHost:                            {CNAME: "s3-r-w." + region + ".amazonaws.com"},
		"s3-r-w." + region + ".amazonaws.com": {A: []string{"203.0.113.11"}},
		"example.com":                         {A: []string{internet}},
	})
	v.serveTask(fargateTask(
		container("app", account+".dkr.ecr."+region+".amazonaws.com/orders:1", region),
		container("preflight", account+".dkr.ecr."+region+".amazonaws.com/preflight:1", region),
	))
	return &fixture{vpc: v, dns: dns}
}

func fargateTask(containers ...map[string]any) map[string]any {
	return map[string]any{
		"Cluster":          "arn:aws:ecs:" + region + ":" + account + ":cluster/prod",
		"TaskARN":          "arn:aws:ecs:" + region + ":" + account + ":task/prod/0d4e3b4c7a5f4ea6b2a4c1d2e3f40516",
		"Family":           "orders",
		"Revision":         "42",
		"DesiredStatus":    "RUNNING",
		"KnownStatus":      "RUNNING",
		"AvailabilityZone": region + "a",
		"LaunchType":       "FARGATE",
		"Limits":           map[string]any{"CPU": 0.5, "Memory": 1024},
		"Containers":       containers,
	}
}

func container(name, image, logRegion string) map[string]any {
	c := map[string]any{
		"DockerId": "0d4e3b4c-" + name, "Name": name, "DockerName": name, "Image": image, "Type": "NORMAL",
		"Networks": []map[string]any{{
			"NetworkMode": "awsvpc", "IPv4Addresses": []string{taskIPv4}, "IPv6Addresses": []string{taskIPv6},
			"MACAddress": "0e:9e:32:c7:48:85", "IPv4SubnetCIDRBlock": taskSubnet, "IPv6SubnetCIDRBlock": "fd00:10:2::/64",
			"DomainNameServers": []string{vpcDNS}, "SubnetGatewayIpv4Address": "10.0.2.1/24",
		}},
	}
	if logRegion != "" {
		c["LogDriver"] = "awslogs"
		c["LogOptions"] = map[string]string{"awslogs-group": "/ecs/orders", "awslogs-region": logRegion}
	}
	return c
}

// check runs `preflight check` in ECS (unless env says otherwise) with the
// suite's timeout and wait, and asserts the wall-time bound.
func (f *fixture) check(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	full := append([]string{"check", "--output", "json", "--timeout", timeout.String(), "--wait", wait.String(), "--log-level", "warn"}, args...)
	res := f.run(env, full...)
	if bound := wait + timeout + margin; res.wall > bound {
		t.Errorf("run took %v; want at most --wait + --timeout + margin = %v", res.wall, bound)
	}
	return res
}

func (f *fixture) inECS() []string { return []string{f.metadataEnv()} }

func expectExit(t *testing.T, res runResult, want int) {
	t.Helper()
	if res.code != want {
		t.Fatalf("exit %d; want %d\nfailing: %v\nstdout:\n%s\nstderr:\n%s", res.code, want, res.failing(), res.stdout, res.stderr)
	}
	if res.report.ExitCode != want {
		t.Errorf("report exit_code %d; want %d", res.report.ExitCode, want)
	}
}

func expectFailing(t *testing.T, res runResult, want ...string) {
	t.Helper()
	got := res.failing()
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("failing checks %v; want %v\n%s", got, want, res.stdout)
	}
}

func expectHint(t *testing.T, c check, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(c.Hint, p) {
			t.Errorf("%s/%s hint %q does not name %q", c.Check, c.Target, c.Hint, p)
		}
	}
}

func TestGoodPosture(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.narrowEgress()
	res := f.check(t, f.inECS(), "--checks", "ecr,logs,s3,example.com=blocked")
	expectExit(t, res, 0)
	expectFailing(t, res)
	if !res.report.InECS || res.report.Region != region || res.report.Account != account {
		t.Errorf("report header %+v", res.report)
	}
	if c := res.find(t, "resolver", "resolver"); c.Status != "pass" {
		t.Errorf("resolver posture %s: %s", c.Status, c.Error)
	}
	if c := res.find(t, "connect", "ecr.api"); len(c.Addresses) != 2 {
		t.Errorf("connect ecr.api tried %v; want both AZs", c.Addresses)
	}
}

func TestEndpointMissing(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.addAddr("198.51.100.20")
	f.dns.Set(dkrHost, dnstest.Records{A: []string{"198.51.100.20"}})
	f.drop("ip daddr 198.51.100.0/24") // no NAT: the public path goes nowhere
	res := f.check(t, f.inECS(), "--checks", "ecr")
	expectExit(t, res, 11)
	expectFailing(t, res, "dns/ecr.dkr", "connect/ecr.dkr")
	expectHint(t, res.find(t, "dns", "ecr.dkr"), "com.amazonaws.us-east-1.ecr.dkr", "private DNS")
}

func TestEndpointSecurityGroupWithoutInbound(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.drop("ip daddr { 10.0.1.12, 10.0.3.12 } tcp dport 443")
	res := f.check(t, f.inECS(), "--checks", "logs")
	expectExit(t, res, 12)
	expectFailing(t, res, "connect/logs")
	c := res.find(t, "connect", "logs")
	expectHint(t, c, "com.amazonaws.us-east-1.logs", "inbound TCP 443 from the task subnet 10.0.2.0/24", "outbound TCP 443")
	if !strings.Contains(c.Error, "i/o timeout") {
		t.Errorf("error %q; want a timeout, as a silent drop gives", c.Error)
	}
}

func TestOneAZUnreachable(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.drop("ip daddr 10.0.3.10")
	res := f.check(t, f.inECS(), "--checks", "ecr.api")
	expectExit(t, res, 12)
	c := res.find(t, "connect", "ecr.api")
	if !slices.Equal(c.FailedAddresses, []string{"10.0.3.10"}) {
		t.Errorf("failed addresses %v; want exactly the AZ b interface 10.0.3.10", c.FailedAddresses)
	}
	if !strings.Contains(c.Error, "10.0.3.10:443") || strings.Contains(c.Error, "10.0.1.10") {
		t.Errorf("error %q should name only the bad address", c.Error)
	}
	if tlsCheck := res.find(t, "tls", "ecr.api"); tlsCheck.Status != "pass" {
		t.Errorf("TLS on the good interface: %s %s", tlsCheck.Status, tlsCheck.Error)
	}
}

func TestS3GatewayPathMissing(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.drop("ip daddr 203.0.113.0/24")
	res := f.check(t, f.inECS(), "--checks", "s3,logs")
	expectExit(t, res, 12)
	expectFailing(t, res, "connect/s3")
	expectHint(t, res.find(t, "connect", "s3"), "gateway VPC endpoint com.amazonaws.us-east-1.s3", "prefix list", "10.0.2.0/24")
}

func TestCustomResolverWithoutForwarding(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.serveDNS("10.0.9.53", dnstest.Zone{"*": {A: []string{"203.0.113.99"}}})
	f.addAddr("203.0.113.99")
	f.setResolvConf("10.0.9.53")
	res := f.check(t, f.inECS(), "--checks", "logs")
	expectExit(t, res, 11)
	r := res.find(t, "resolver", "resolver")
	if r.Status != "warn" {
		t.Errorf("resolver check %s; want warn", r.Status)
	}
	expectHint(t, r, "10.0.9.53", "169.254.169.253")
	expectHint(t, res.find(t, "dns", "logs"), "com.amazonaws.us-east-1.logs")
}

func TestResolverDown(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.drop("udp dport 53", "tcp dport 53")
	res := f.check(t, f.inECS(), "--checks", "ecr.api,logs")
	expectExit(t, res, 10)
	expectFailing(t, res, "dns/ecr.api", "dns/logs")
	c := res.find(t, "dns", "logs")
	if !strings.Contains(c.Error, "i/o timeout") {
		t.Errorf("error %q; want a timeout", c.Error)
	}
	expectHint(t, c, "UDP and TCP 53")
}

func TestServfailAndNXDOMAIN(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.dns.Set(logsHost, dnstest.Records{Rcode: "SERVFAIL"})
	res := f.check(t, f.inECS(), "--checks", "logs,secretsmanager")
	expectExit(t, res, 10)
	if c := res.find(t, "dns", "logs"); !strings.Contains(c.Error, "SERVFAIL") {
		t.Errorf("logs error %q; want SERVFAIL named", c.Error)
	}
	if c := res.find(t, "dns", "secretsmanager"); !strings.Contains(c.Error, "NXDOMAIN") {
		t.Errorf("secretsmanager error %q; want NXDOMAIN named", c.Error)
	}
}

func TestCertificateForAnotherName(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.addAddr("10.0.1.99")
	f.serveTLS("10.0.1.99", "vpce-0abc.example.internal")
	f.dns.Set(logsHost, dnstest.Records{A: []string{"10.0.1.99"}})
	res := f.check(t, f.inECS(), "--checks", "logs")
	expectExit(t, res, 13)
	expectFailing(t, res, "tls/logs")
	expectHint(t, res.find(t, "tls", "logs"), "not valid for "+logsHost)
}

func TestEgressLockdown(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	open := f.check(t, f.inECS(), "--checks", "example.com=blocked")
	expectExit(t, open, 14)
	expectHint(t, open.find(t, "connect", "example.com"), "outbound rules", "0.0.0.0/0")
	f.narrowEgress()
	closed := f.check(t, f.inECS(), "--checks", "example.com=blocked")
	expectExit(t, closed, 0)
}

func TestNotInECS(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	res := f.check(t, nil, "--checks", "ecr,logs", "--region", region, "--account", account)
	expectExit(t, res, 0)
	if res.report.InECS {
		t.Error("in_ecs true without the metadata variable")
	}
	for _, kind := range []string{"metadata", "resolver"} {
		if c := res.find(t, kind, map[string]string{"metadata": "task", "resolver": "resolver"}[kind]); c.Status != "skip" {
			t.Errorf("%s check %s; want skip outside ECS", kind, c.Status)
		}
	}
	usage := f.run(nil, "check")
	if usage.code != 2 || !strings.Contains(usage.stderr, "--checks") {
		t.Errorf("auto outside ECS: exit %d, stderr %s; want 2 with how to pass --checks", usage.code, usage.stderr)
	}
}

func TestMetadataBroken(t *testing.T) {
	t.Parallel()
	for name, handler := range map[string]http.HandlerFunc{
		"500":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "agent unavailable", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x00\x01 not json")) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := newVPC(t)
			v.addAddr("10.0.1.12")
			v.serveTLS("10.0.1.12", logsHost)
			v.serveDNS(vpcDNS, dnstest.Zone{logsHost: {A: []string{"10.0.1.12"}}})
			v.serveMetadata(handler)
			f := &fixture{vpc: v}
			res := f.check(t, f.inECS(), "--checks", "logs", "--region", region)
			expectExit(t, res, 17)
			expectFailing(t, res, "metadata/task")
			if c := res.find(t, "connect", "logs"); c.Status != "pass" {
				t.Errorf("other checks must still run: connect logs %s", c.Status)
			}
			expectHint(t, res.find(t, "metadata", "task"), "ECS_CONTAINER_METADATA_URI_V4")
		})
	}
}

func TestAutoDerivesFromTaskMetadata(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	res := f.check(t, f.inECS())
	expectExit(t, res, 0)
	endpoints := f.run(f.inECS(), "endpoints", "--output", "json")
	if endpoints.code != 0 {
		t.Fatalf("endpoints exit %d: %s", endpoints.code, endpoints.stderr)
	}
	var list struct {
		Targets []struct {
			Host string `json:"host"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(endpoints.stdout), &list); err != nil {
		t.Fatalf("endpoints --output json: %v\n%s", err, endpoints.stdout)
	}
	var listed []string
	for _, tg := range list.Targets {
		listed = append(listed, tg.Host)
	}
	var probed []string
	for _, c := range res.report.Checks {
		if c.Check == "dns" {
			probed = append(probed, c.Host)
		}
	}
	sort.Strings(listed)
	sort.Strings(probed)
	want := []string{dkrHost, apiHost, logsHost, layersHost}
	sort.Strings(want)
	if !slices.Equal(listed, want) || !slices.Equal(probed, want) {
		t.Errorf("endpoints listed %v, check probed %v; want %v", listed, probed, want)
	}
}

func TestDualStack(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.dns.Set(logsHost, dnstest.Records{A: []string{"10.0.1.12"}, AAAA: []string{"fd00:10:1::12"}})
	res := f.check(t, f.inECS(), "--checks", "logs")
	expectExit(t, res, 0)
	c := res.find(t, "connect", "logs")
	if !slices.Contains(c.Addresses, "fd00:10:1::12") {
		t.Errorf("connect addresses %v; want the IPv6 interface too", c.Addresses)
	}
	if d := res.find(t, "dns", "logs"); d.Status != "pass" {
		t.Errorf("private IPv6 answer judged %s: %s", d.Status, d.Error)
	}
}
