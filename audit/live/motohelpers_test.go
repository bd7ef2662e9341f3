package live

import (
	"bufio"
	"bytes"
	"context"
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
	"strings"
	"sync"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/internal/mototest"
)

// One moto_server serves every test of the package (starting one costs
// seconds); each scenario resets it first. Tests that use it do not run in
// parallel with each other.
var motoShared struct {
	once sync.Once
	env  *motoEnv
	skip string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if motoShared.env != nil {
		motoShared.env.stop()
	}
	if binShared.dir != "" {
		os.RemoveAll(binShared.dir)
	}
	os.Exit(code)
}

// motoRequired: in CI (CI=true) and under PREFLIGHT_E2E=require a missing
// tool fails the test instead of skipping it.
func motoRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PREFLIGHT_E2E") == "require"
}

// motoEnv is a running moto_server, a recording proxy in front of it (what
// the audit talks to), and a seeding process (boto3) that builds scenarios.
type motoEnv struct {
	url   string // moto_server itself: seeding and the moto API
	proxy *httptest.Server

	mu      sync.Mutex
	actions []string // IAM action names of the requests through the proxy

	stopServer func()
	seeder     *exec.Cmd
	seedIn     io.WriteCloser
	seedOut    *bufio.Reader
	seedLock   sync.Mutex
}

// moto returns the shared environment, starting it on first use; it skips
// (or fails where required) without moto_server and python3 with boto3.
func moto(t testing.TB) *motoEnv {
	t.Helper()
	motoShared.once.Do(func() {
		motoShared.env, motoShared.skip, motoShared.err = startMotoEnv()
	})
	switch {
	case motoShared.skip != "" && motoRequired():
		t.Fatalf("%s; required here (CI=true or PREFLIGHT_E2E=require)", motoShared.skip)
	case motoShared.skip != "":
		t.Skipf("%s; these tests are required in CI", motoShared.skip)
	case motoShared.err != nil:
		t.Fatal(motoShared.err)
	}
	return motoShared.env
}

func startMotoEnv() (*motoEnv, string, error) {
	for _, tool := range []string{"moto_server", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, tool + " not installed (pip install 'moto[server]' boto3)", nil
		}
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		return nil, "python3 has no boto3 (pip install boto3)", nil
	}
	m := &motoEnv{}
	var err error
	if m.url, m.stopServer, err = mototest.Launch(); err != nil {
		return nil, "", err
	}
	target, _ := url.Parse(m.url)
	rp := httputil.NewSingleHostReverseProxy(target)
	m.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := requestAction(r)
		if action != "" {
			m.mu.Lock()
			m.actions = append(m.actions, action)
			m.mu.Unlock()
		}
		if body, ok := motoMissing[action]; ok {
			op := strings.TrimPrefix(action, "ec2:")
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			fmt.Fprintf(w, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>moto-missing</requestId>%s</%sResponse>`, op, body, op)
			return
		}
		rp.ServeHTTP(w, r)
	}))

	m.seeder = mototest.DieWithTest(exec.Command("python3", filepath.Join("testdata", "moto_seed.py"), m.url, "--serve"))
	m.seeder.Stderr = os.Stderr
	if m.seedIn, err = m.seeder.StdinPipe(); err != nil {
		m.stop()
		return nil, "", err
	}
	out, err := m.seeder.StdoutPipe()
	if err != nil {
		m.stop()
		return nil, "", err
	}
	m.seedOut = bufio.NewReader(out)
	if err := m.seeder.Start(); err != nil {
		m.stop()
		return nil, "", err
	}
	return m, "", nil
}

// motoMissing answers the calls moto does not implement: moto 5.2.1
// answers DescribeVpcBlockPublicAccessOptions and
// DescribeVpcBlockPublicAccessExclusions with an HTML "500 Internal
// Server Error", which the SDK retries and the audit would then report as
// undecided for every internet path. The proxy answers them (recorded
// like any call) as a new account has them on AWS: BPA off, no
// exclusions. The replay server tests BPA itself.
var motoMissing = map[string]string{
	audit.ActionDescribeBPAOptions: `<vpcBlockPublicAccessOptions><awsAccountId>123456789012</awsAccountId><awsRegion>us-east-1</awsRegion>` +
		`<state>default-state</state><internetGatewayBlockMode>off</internetGatewayBlockMode><exclusionsAllowed>allowed</exclusionsAllowed></vpcBlockPublicAccessOptions>`,
	audit.ActionDescribeBPAExclusions: `<vpcBlockPublicAccessExclusionSet/>`,
}

func (m *motoEnv) stop() {
	if m.seedIn != nil {
		m.seedIn.Close()
	}
	if m.seeder != nil && m.seeder.Process != nil {
		m.seeder.Process.Kill()
		m.seeder.Wait() //nolint:errcheck // killed on purpose
	}
	if m.proxy != nil {
		m.proxy.Close()
	}
	if m.stopServer != nil {
		m.stopServer()
	}
}

// requestAction names the IAM action of an AWS API request: EC2's query
// protocol carries Action= in the form body, ECS's JSON protocol the
// X-Amz-Target header, EFS's REST protocol the path.
func requestAction(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op := target[strings.LastIndexByte(target, '.')+1:]
		if strings.HasPrefix(target, "AmazonEC2ContainerService") {
			return "ecs:" + op
		}
		return "unknown:" + target
	}
	if r.Method == http.MethodPost && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if v, err := url.ParseQuery(string(b)); err == nil && v.Get("Action") != "" {
			return "ec2:" + v.Get("Action")
		}
	}
	if strings.HasPrefix(r.URL.Path, "/moto-api") {
		return ""
	}
	// EFS speaks REST: the path names the operation.
	if strings.HasPrefix(r.URL.Path, "/2015-02-01/mount-targets") && r.Method == http.MethodGet {
		if strings.HasSuffix(r.URL.Path, "/security-groups") {
			return "elasticfilesystem:DescribeMountTargetSecurityGroups"
		}
		return "elasticfilesystem:DescribeMountTargets"
	}
	return "unknown:" + r.Method + " " + r.URL.Path
}

// takeActions returns the actions recorded since the last call.
func (m *motoEnv) takeActions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.actions
	m.actions = nil
	return out
}

// motoWorld is what the seeder printed about a scenario.
type motoWorld struct {
	Region       string            `json:"region"`
	Account      string            `json:"account"`
	Cluster      string            `json:"cluster"`
	VPC          string            `json:"vpc"`
	Subnets      []string          `json:"subnets"`
	RouteTable   string            `json:"route_table"`
	TaskSG       string            `json:"task_sg"`
	VPCESG       string            `json:"vpce_sg"`
	S3PrefixList string            `json:"s3_prefix_list"`
	NACL         string            `json:"nacl"`
	DHCP         string            `json:"dhcp"`
	Endpoints    map[string]string `json:"endpoints"`
	Services     []string          `json:"services"`
	TaskDef      string            `json:"task_definition"`
	Users        map[string]struct {
		Key    string `json:"key"`
		Secret string `json:"secret"`
	} `json:"users"`
	EFS          string   `json:"efs"`
	EFSSG        string   `json:"efs_sg"`
	MountTargets []string `json:"mount_targets"`
	VPC2         string   `json:"vpc2"`
	Subnet2      string   `json:"subnet2"`
	SG2          string   `json:"sg2"`
	Instances    []string `json:"instances"`
	InstanceSG   string   `json:"instance_sg"`
	BatchSG      string   `json:"batch_sg"`
	Error        string   `json:"error"`
}

// scenario resets moto (IAM enforcement off) and seeds the base motoWorld
// with mutations (see testdata/moto_seed.py).
func (m *motoEnv) scenario(t testing.TB, mutations ...string) motoWorld {
	t.Helper()
	m.motoAPI(t, "reset-auth", "inf")
	m.motoAPI(t, "reset", "")
	m.seedLock.Lock()
	defer m.seedLock.Unlock()
	if _, err := fmt.Fprintln(m.seedIn, strings.Join(mutations, " ")); err != nil {
		t.Fatalf("seeder: %v", err)
	}
	line, err := m.seedOut.ReadString('\n')
	if err != nil {
		t.Fatalf("seeder: %v", err)
	}
	var w motoWorld
	if err := json.Unmarshal([]byte(line), &w); err != nil {
		t.Fatalf("seeder output %q: %v", line, err)
	}
	if w.Error != "" {
		t.Fatalf("seeding %v: %s", mutations, w.Error)
	}
	m.takeActions()
	return w
}

// motoAPI posts to moto's own API: reset, or reset-auth with "0" (enforce
// IAM from now on) or "inf" (stop enforcing).
func (m *motoEnv) motoAPI(t testing.TB, path, body string) {
	t.Helper()
	resp, err := http.Post(m.url+"/moto-api/"+path, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatalf("moto-api/%s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // drained for reuse
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto-api/%s: %s", path, resp.Status)
	}
}

// api is the audit's SDK clients pointed at the recording proxy, with the
// given access key (moto's default account accepts any key while IAM is
// not enforced).
func (m *motoEnv) api(t testing.TB, key, secret string) (API, string) {
	t.Helper()
	api, region, err := NewSDKClients(context.Background(), "us-east-1", testClientOptions(m.proxy.URL, key, secret)...)
	if err != nil {
		t.Fatal(err)
	}
	return api, region
}

// testClientOptions point the SDK at endpoint with static credentials, no
// shared files and a single attempt, so that a denied or failing call is
// quick: no backoff waits in tests.
func testClientOptions(endpoint, key, secret string) []func(*awsconfig.LoadOptions) error {
	return []func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(endpoint),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, "")),
		awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
		awsconfig.WithRetryMaxAttempts(1),
	}
}

// networkAPI is what explanations inside a task use: NewNetworkClients
// (EC2 only) pointed at the recording proxy.
func (m *motoEnv) networkAPI(t testing.TB) (API, string) {
	t.Helper()
	api, region, err := NewNetworkClients(context.Background(), "us-east-1", testClientOptions(m.proxy.URL, "test", "test")...)
	if err != nil {
		t.Fatal(err)
	}
	return api, region
}

// gather runs the audit's gathering against moto with test credentials.
func (m *motoEnv) gather(t testing.TB, in Input) (*audit.Facts, error) {
	t.Helper()
	api, region := m.api(t, "test", "test")
	return (&Gatherer{API: api, Region: region}).Gather(context.Background(), in)
}

// envFor is an environment for the preflight binary that reaches moto
// through the proxy and nothing else.
func (m *motoEnv) envFor(key, secret string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL=" + m.proxy.URL, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
	}
}

// The preflight binary, built once for the CLI tests: what is tested is
// what ships.
var binShared struct {
	once      sync.Once
	dir, path string
	err       error
}

func preflightBinary(t testing.TB) string {
	t.Helper()
	binShared.once.Do(func() {
		binShared.dir, binShared.err = os.MkdirTemp("", "preflight-audit-")
		if binShared.err != nil {
			return
		}
		binShared.path = filepath.Join(binShared.dir, "preflight")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binShared.path, "../../cmd/preflight")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binShared.err = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if binShared.err != nil {
		t.Fatal(binShared.err)
	}
	return binShared.path
}

// cliResult is one run of the binary.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs preflight with args in env and returns its exit code and
// output.
func runCLI(t testing.TB, env []string, args ...string) cliResult {
	t.Helper()
	// Build first: the first caller builds the binary, which on a cold cache
	// and a loaded machine can take minutes that are not the run's.
	bin := preflightBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("preflight %v: %v", args, err)
	}
	return res
}

// deadAPI is the SDK clients pointed at a closed loopback port.
func deadAPI(t testing.TB) (API, string) {
	t.Helper()
	api, region, err := NewSDKClients(context.Background(), "us-east-1", testClientOptions("http://"+closedPort(t), "test", "test")...)
	if err != nil {
		t.Fatal(err)
	}
	return api, region
}
