package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/preflight-dev/preflight/internal/mototest"
	"github.com/preflight-dev/preflight/internal/schematest"
)

// motoOrg is a moto_server holding an Organization, and a proxy in front
// of it that the sweep talks to. The proxy does what moto does not:
// AssumeRole on a role that was never created is AccessDenied (moto hands
// out credentials for any ARN), the account-Regions in deny answer every
// ECS, EC2 and EFS call as an SCP's explicit deny does, and the two VPC
// Block Public Access reads moto 5.2.1 lacks get a new account's answer.
// It counts each account-Region's calls, and the sweep's own.
type motoOrg struct {
	url     string
	proxy   *httptest.Server
	seed    orgSeed
	latency time.Duration

	mu      sync.Mutex
	keys    map[string]string // access key → account, from AssumeRole answers
	roles   map[string]bool   // role ARNs that exist
	deny    map[string]bool   // ACCOUNT.REGION denied
	calls   map[string]int    // ACCOUNT.REGION → the reader's calls (ECS, EC2, EFS)
	own     map[string]int    // the sweep's own calls (STS, Organizations) by action
	actions map[string]bool   // IAM actions called
	// throttle, when set, throttles one account (moto_throttle_test.go).
	throttle *throttledAccount
}

// orgSeed is org_seed.py's answer.
type orgSeed struct {
	Management string                         `json:"management"`
	Accounts   []string                       `json:"accounts"`
	Roles      []string                       `json:"roles"`
	Services   map[string]map[string][]string `json:"services"`
}

// seedSpec is org_seed.py's input.
type seedSpec struct {
	Members  int      `json:"members"`
	Regions  []string `json:"regions"`
	Role     string   `json:"role"`
	NoRole   []int    `json:"no_role"`
	Clusters int      `json:"clusters"`
	Services int      `json:"services"`
}

// startMotoOrg starts moto_server and seeds it; it skips without moto,
// python3 or boto3, except in CI (CI=true), where it fails.
func startMotoOrg(t testing.TB, spec seedSpec) *motoOrg {
	t.Helper()
	schematest.RequireTool(t, "moto_server", "pip install 'moto[server]' boto3")
	py := schematest.RequireTool(t, "python3", "apt-get install python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		msg := "python3 has no boto3 (pip install boto3)"
		if schematest.Required() {
			t.Fatalf("%s; required here (CI=true or PREFLIGHT_E2E=require)", msg)
		}
		t.Skipf("%s; this test is required in CI", msg)
	}
	m := &motoOrg{url: mototest.Start(t), keys: map[string]string{}, roles: map[string]bool{},
		deny: map[string]bool{}, calls: map[string]int{}, own: map[string]int{}, actions: map[string]bool{}}
	in, _ := json.Marshal(spec) //nolint:errcheck // a struct of plain fields
	var stderr bytes.Buffer
	cmd := exec.Command(py, filepath.Join("testdata", "org_seed.py"), m.url, string(in))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("org_seed.py: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, &m.seed); err != nil {
		t.Fatalf("org_seed.py: %v\n%s", err, out)
	}
	for _, r := range m.seed.Roles {
		m.roles[r] = true
	}
	// PREFLIGHT_SWEEP_LATENCY (a duration) delays each proxied call, as
	// AWS's round trip does, so that --parallel is measured on a network
	// bound API rather than on moto's own CPU.
	if d := os.Getenv("PREFLIGHT_SWEEP_LATENCY"); d != "" {
		if m.latency, err = time.ParseDuration(d); err != nil {
			t.Fatalf("PREFLIGHT_SWEEP_LATENCY: %v", err)
		}
	}
	target, _ := url.Parse(m.url)
	m.proxy = httptest.NewServer(m.handler(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(m.proxy.Close)
	return m
}

var (
	signedRE  = regexp.MustCompile(`Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/`)
	accessKey = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
)

func (m *motoOrg) handler(rp *httputil.ReverseProxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.latency > 0 {
			time.Sleep(m.latency)
		}
		sig := signedRE.FindStringSubmatch(r.Header.Get("Authorization"))
		if sig == nil {
			rp.ServeHTTP(w, r)
			return
		}
		key, region, service := sig[1], sig[2], sig[3]
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		if t := r.Header.Get("X-Amz-Target"); t != "" {
			action = t[strings.LastIndexByte(t, '.')+1:]
		}
		if service == "elasticfilesystem" {
			// REST: the path names the call.
			action = "DescribeMountTargets"
			if strings.HasSuffix(r.URL.Path, "/security-groups") {
				action = "DescribeMountTargetSecurityGroups"
			}
		}
		m.mu.Lock()
		account, ok := m.keys[key]
		if !ok {
			account = m.seed.Management
		}
		scope := account + "." + region
		if service == "sts" || service == "organizations" {
			m.own[service+":"+action]++
		} else {
			m.calls[scope]++
		}
		m.actions[service+":"+action] = true
		denied := m.deny[scope]
		th := m.throttle
		m.mu.Unlock()
		if th != nil && service != "sts" && service != "organizations" && th.serve(w, r, account, service) {
			return
		}
		switch {
		case service == "sts" && action == "AssumeRole":
			arn := form.Get("RoleArn")
			if !m.roles[arn] {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::%s:user/ci is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`, m.seed.Management, arn)
				return
			}
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			if k := accessKey.FindSubmatch(rec.Body.Bytes()); k != nil {
				m.mu.Lock()
				m.keys[string(k[1])] = strings.Split(arn, ":")[4]
				m.mu.Unlock()
			}
			for h, v := range rec.Header() {
				w.Header()[h] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes()) //nolint:errcheck // the client sees a cut answer
			return
		case denied && service == "ecs":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"AccessDeniedException","message":"User: arn:aws:sts::%s:assumed-role/x is not authorized to perform: ecs:%s with an explicit deny in a service control policy"}`, account, action)
			return
		case denied && (service == "ec2" || service == "elasticfilesystem"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. with an explicit deny in a service control policy</Message></Error></Errors><RequestID>proxy</RequestID></Response>`)
			return
		case service == "ec2" && action == "DescribeVpcBlockPublicAccessOptions":
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			fmt.Fprintf(w, `<DescribeVpcBlockPublicAccessOptionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>proxy</requestId><vpcBlockPublicAccessOptions><awsAccountId>%s</awsAccountId><awsRegion>%s</awsRegion><state>default-state</state><internetGatewayBlockMode>off</internetGatewayBlockMode><exclusionsAllowed>allowed</exclusionsAllowed></vpcBlockPublicAccessOptions></DescribeVpcBlockPublicAccessOptionsResponse>`, account, region)
			return
		case service == "ec2" && action == "DescribeVpcBlockPublicAccessExclusions":
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			fmt.Fprint(w, `<DescribeVpcBlockPublicAccessExclusionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>proxy</requestId><vpcBlockPublicAccessExclusionSet/></DescribeVpcBlockPublicAccessExclusionsResponse>`)
			return
		}
		rp.ServeHTTP(w, r)
	})
}

// options point the sweep at the proxy as moto's default account.
func (m *motoOrg) options() []func(*awsconfig.LoadOptions) error {
	return []func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(m.proxy.URL),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		awsconfig.WithSharedConfigFiles(nil), awsconfig.WithSharedCredentialsFiles(nil),
	}
}
