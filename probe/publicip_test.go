package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// fakeIMDS serves IMDSv2: a token is required for metadata reads.
func fakeIMDS(t *testing.T, publicIP string, status int, delay time.Duration, tokenStatus int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				http.Error(w, "missing ttl", http.StatusBadRequest)
				return
			}
			if tokenStatus != 0 {
				w.WriteHeader(tokenStatus)
				return
			}
			fmt.Fprint(w, "TOKEN")
		case r.Method == http.MethodGet && r.URL.Path == "/latest/meta-data/public-ipv4":
			if r.Header.Get("X-aws-ec2-metadata-token") != "TOKEN" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			if status != http.StatusOK {
				w.WriteHeader(status)
				return
			}
			fmt.Fprint(w, publicIP)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestIMDSClient(t *testing.T) {
	tests := []struct {
		name        string
		ip          string
		status      int
		delay       time.Duration
		tokenStatus int
		want        string
		wantErr     string
	}{
		{name: "public", ip: "198.51.100.4", status: 200, want: "198.51.100.4"},
		{name: "none", status: 404, wantErr: "no public IPv4"},
		{name: "garbage", ip: "<html>", status: 200, wantErr: "not an IP address"},
		{name: "token refused", tokenStatus: 403, wantErr: "PUT token: HTTP 403"},
		{name: "slow", ip: "198.51.100.4", status: 200, delay: 5 * time.Second, wantErr: "i/o timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeIMDS(t, tt.ip, tt.status, tt.delay, tt.tokenStatus)
			// Only the slow server is meant to meet the deadline.
			deadline := 30 * time.Second
			if tt.delay > 0 {
				deadline = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			got, err := NewIMDSClient(srv.URL).PublicIPv4(ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// fakeEC2 answers the EC2 Query API's DescribeNetworkInterfaces.
func fakeEC2(t *testing.T, status int, body string, calls *atomic.Int32) *EC2Finder {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "DescribeNetworkInterfaces" ||
			r.Form.Get("Filter.1.Name") != "addresses.private-ip-address" || r.Form.Get("Filter.1.Value.1") != "10.0.2.100" {
			http.Error(w, "unexpected request "+r.Form.Encode(), 400)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
			http.Error(w, "unsigned", 400)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	f, err := NewEC2Finder(context.Background(), "us-east-1",
		awsconfig.WithBaseEndpoint(srv.URL),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		awsconfig.WithRetryMaxAttempts(2),
	)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func eniXML(items ...string) string {
	return `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><networkInterfaceSet>` +
		strings.Join(items, "") + `</networkInterfaceSet></DescribeNetworkInterfacesResponse>`
}

func eniItem(id, mac, publicIP string) string {
	assoc := ""
	if publicIP != "" {
		assoc = "<association><publicIp>" + publicIP + "</publicIp><ipOwnerId>amazon</ipOwnerId></association>"
	}
	return "<item><networkInterfaceId>" + id + "</networkInterfaceId><macAddress>" + mac + "</macAddress><privateIpAddress>10.0.2.100</privateIpAddress>" + assoc + "</item>"
}

func errorXML(code string) string {
	return `<Response><Errors><Error><Code>` + code + `</Code><Message>no</Message></Error></Errors><RequestID>r</RequestID></Response>`
}

func TestPublicIPVerdicts(t *testing.T) {
	fargate := loadTask(t, "fargate-task.json")
	ec2awsvpc := loadTask(t, "ec2-awsvpc-task.json")
	bridge := loadTask(t, "ec2-bridge-task.json")
	const mac = "0e:9e:32:c7:48:85"
	tests := []struct {
		name          string
		task          *Task
		ec2Status     int
		ec2Body       string
		imdsIP        string
		imdsStatus    int
		imdsToken     int
		imdsDelay     time.Duration
		wantVerdict   report.Verdict
		wantAddress   string
		wantEvidence  string
		wantSituation string
	}{
		{name: "fargate with public IP", task: fargate, ec2Status: 200, ec2Body: eniXML(eniItem("eni-1", mac, "203.0.113.50")),
			wantVerdict: report.VerdictPresent, wantAddress: "203.0.113.50", wantEvidence: "eni-1", wantSituation: "task"},
		{name: "fargate without", task: fargate, ec2Status: 200, ec2Body: eniXML(eniItem("eni-1", mac, "")),
			wantVerdict: report.VerdictNone, wantEvidence: "no public IPv4 association"},
		{name: "same private IP in two VPCs, matched by MAC", task: fargate, ec2Status: 200,
			ec2Body:     eniXML(eniItem("eni-other", "0e:00:00:00:00:01", "198.51.100.9"), eniItem("eni-mine", mac, "")),
			wantVerdict: report.VerdictNone, wantEvidence: "eni-mine"},
		{name: "no interface matches the MAC", task: fargate, ec2Status: 200, ec2Body: eniXML(eniItem("eni-other", "0e:00:00:00:00:01", "198.51.100.9")),
			wantVerdict: report.VerdictUnknown, wantSituation: "ec2-not-found"},
		{name: "access denied", task: fargate, ec2Status: 403, ec2Body: errorXML("UnauthorizedOperation"),
			wantVerdict: report.VerdictUnknown, wantEvidence: "UnauthorizedOperation", wantSituation: "ec2-permission"},
		{name: "throttled", task: fargate, ec2Status: 503, ec2Body: errorXML("RequestLimitExceeded"),
			wantVerdict: report.VerdictUnknown, wantEvidence: "RequestLimitExceeded", wantSituation: "ec2-path"},
		{name: "EC2 awsvpc", task: ec2awsvpc, wantVerdict: report.VerdictNone, wantEvidence: "never receives a public IPv4"},
		{name: "EC2 bridge with public instance", task: bridge, imdsIP: "198.51.100.77", imdsStatus: 200,
			wantVerdict: report.VerdictPresent, wantAddress: "198.51.100.77", wantSituation: "instance"},
		{name: "EC2 bridge without", task: bridge, imdsStatus: 404, wantVerdict: report.VerdictNone, wantEvidence: "404"},
		{name: "EC2 bridge, IMDS blocked", task: bridge, imdsToken: 403, wantVerdict: report.VerdictUnknown, wantSituation: "imds"},
		{name: "EC2 bridge, IMDS silent (hop limit 1)", task: bridge, imdsIP: "198.51.100.77", imdsStatus: 200, imdsDelay: 10 * time.Second,
			wantVerdict: report.VerdictUnknown, wantEvidence: "i/o timeout", wantSituation: "imds"},
		{name: "no metadata", task: nil, wantVerdict: report.VerdictUnknown, wantSituation: "metadata"},
		{name: "fargate IPv6-only", task: ipv6Only(t, loadTask(t, "fargate-task.json")), wantVerdict: report.VerdictNone, wantEvidence: "IPv6-only task ENI (2600:1f18:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c := &PublicIPChecker{
				IMDS:        NewIMDSClient(fakeIMDS(t, tt.imdsIP, tt.imdsStatus, tt.imdsDelay, tt.imdsToken).URL),
				IMDSTimeout: 300 * time.Millisecond,
				Region:      "us-east-1",
				NewEC2: func(ctx context.Context) (InterfaceFinder, error) {
					if tt.ec2Status == 0 {
						t.Error("EC2 API called; this verdict must not need it")
						return nil, errors.New("unexpected")
					}
					return fakeEC2(t, tt.ec2Status, tt.ec2Body, &calls), nil
				},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, situation := c.Check(ctx, tt.task)
			if got.Verdict != tt.wantVerdict || got.Address != tt.wantAddress || !strings.Contains(got.Evidence, tt.wantEvidence) || situation != tt.wantSituation {
				t.Errorf("got %+v, situation %q; want verdict %s, address %q, evidence containing %q, situation %q",
					got, situation, tt.wantVerdict, tt.wantAddress, tt.wantEvidence, tt.wantSituation)
			}
			if situation != "" && publicIPHint(situation, "us-east-1") == "" {
				t.Errorf("situation %q has no hint", situation)
			}
		})
	}
}

func TestPublicIPPolicy(t *testing.T) {
	fargate := loadTask(t, "fargate-task.json")
	finder := func(v report.Verdict) func(context.Context) (InterfaceFinder, error) {
		return func(context.Context) (InterfaceFinder, error) {
			switch v {
			case report.VerdictPresent:
				return staticFinder{{ID: "eni-1", MACAddress: "0e:9e:32:c7:48:85", PublicIP: "203.0.113.50"}}, nil
			case report.VerdictNone:
				return staticFinder{{ID: "eni-1", MACAddress: "0e:9e:32:c7:48:85"}}, nil
			}
			return nil, errors.New("no credentials")
		}
	}
	tests := []struct {
		verdict    report.Verdict
		policy     config.PublicIPPolicy
		wantStatus report.Status
		wantClass  report.Class
	}{
		{report.VerdictPresent, config.PublicIPDeny, report.StatusFail, report.ClassPublicIP},
		{report.VerdictPresent, config.PublicIPStrict, report.StatusFail, report.ClassPublicIP},
		{report.VerdictPresent, config.PublicIPWarn, report.StatusWarn, report.ClassPublicIP},
		{report.VerdictUnknown, config.PublicIPDeny, report.StatusWarn, report.ClassPublicIPUnknown},
		{report.VerdictUnknown, config.PublicIPStrict, report.StatusFail, report.ClassPublicIPUnknown},
		{report.VerdictUnknown, config.PublicIPWarn, report.StatusWarn, report.ClassPublicIPUnknown},
		{report.VerdictNone, config.PublicIPStrict, report.StatusPass, report.ClassNone},
	}
	for _, tt := range tests {
		t.Run(string(tt.verdict)+"/"+string(tt.policy), func(t *testing.T) {
			c := &PublicIPChecker{Region: "us-east-1", NewEC2: finder(tt.verdict)}
			r := c.Result(context.Background(), fargate, true, tt.policy)
			if r.Status != tt.wantStatus || r.Class != tt.wantClass || r.PublicIP == nil || r.PublicIP.Verdict != tt.verdict {
				t.Errorf("got %s/%s %+v; want %s/%s", r.Status, r.Class, r.PublicIP, tt.wantStatus, tt.wantClass)
			}
			if r.Status != report.StatusPass && r.Hint == "" {
				t.Error("no hint")
			}
			if tt.verdict == report.VerdictPresent && !strings.Contains(r.Hint, "assignPublicIp") {
				t.Errorf("hint %q does not name assignPublicIp", r.Hint)
			}
		})
	}
	if r := (&PublicIPChecker{}).Result(context.Background(), nil, false, config.PublicIPStrict); r.Status != report.StatusSkip {
		t.Errorf("outside ECS: %s; want skip", r.Status)
	}
}

type staticFinder []NetworkInterface

func (s staticFinder) FindByPrivateIP(context.Context, string) ([]NetworkInterface, error) {
	return s, nil
}

// TestHintsNameThePartitionsOwnHosts: hints built for China and the ISO
// partitions name their own domains and endpoint services.
func TestHintsNameThePartitionsOwnHosts(t *testing.T) {
	tests := []struct {
		region string
		want   []string
	}{
		{"us-east-1", []string{"ec2.us-east-1.amazonaws.com", "com.amazonaws.us-east-1.ec2"}},
		{"cn-north-1", []string{"ec2.cn-north-1.amazonaws.com.cn", "cn.com.amazonaws.cn-north-1.ec2"}},
		{"us-iso-east-1", []string{"ec2.us-iso-east-1.c2s.ic.gov"}},
	}
	for _, tt := range tests {
		h := publicIPHint("ec2-path", tt.region)
		for _, w := range tt.want {
			if !strings.Contains(h, w) {
				t.Errorf("ec2-path hint for %s: %q; want it to name %s", tt.region, h, w)
			}
		}
	}
	if h := resolverHint([]string{"10.9.9.9:53"}, "cn-north-1"); !strings.Contains(h, "forwards amazonaws.com.cn") {
		t.Errorf("resolver hint for China: %q; want it to name amazonaws.com.cn", h)
	}
}

// ipv6Only turns task's awsvpc network into an IPv6-only one.
func ipv6Only(t *testing.T, task *Task) *Task {
	t.Helper()
	for ci := range task.Containers {
		for ni := range task.Containers[ci].Networks {
			n := &task.Containers[ci].Networks[ni]
			n.IPv4Addresses, n.IPv4SubnetCIDRBlock, n.SubnetGatewayIpv4Address = nil, "", ""
			n.IPv6Addresses = []string{"2600:1f18:1234:5601::a1"}
			n.IPv6SubnetCIDRBlock = "2600:1f18:1234:5601::/64"
			n.DomainNameServers = []string{"fd00:ec2::253"}
		}
	}
	return task
}

func TestIPv6OnlyTaskEnvironment(t *testing.T) {
	task := ipv6Only(t, loadTask(t, "fargate-task.json"))
	n, ok := task.TaskNetwork()
	if !ok {
		t.Fatal("got no task network; want one")
	}
	tests := []struct {
		name string
		got  func() string
		want string
	}{
		{"hint subnet", func() string { p, _ := n.HintSubnetCIDR(); return p.String() }, "2600:1f18:1234:5601::/64"},
		{"resolver posture", func() string { return string(ResolverPosture([]string{"[fd00:ec2::253]:53"}, task, true).Status) }, "pass"},
		{"connect hint", func() string {
			in := hintInput{addrs: []string{"10.0.0.9"}, env: Environment{SubnetCIDR: "2600:1f18:1234:5601::/64"}, situation: "private"}
			in.target.Port = 443
			if h := hint(report.ClassConnect, in); strings.Contains(h, "2600:1f18:1234:5601::/64") {
				return "names it"
			}
			return "does not name it"
		}, "names it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
		})
	}
}
