package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/mototest"
)

// ec2World is a VPC with the task's network interface in moto_server,
// driven through the AWS CLI.
type ec2World struct {
	t        testing.TB
	prefix   []string // how to run a command (e.g. in a namespace)
	endpoint string
	eniID    string
	mac      string
}

func (w *ec2World) aws(args ...string) map[string]any {
	w.t.Helper()
	full := append(append(append([]string{}, w.prefix...), "aws"), args...)
	full = append(full, "--endpoint-url", w.endpoint, "--output", "json")
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = awsEnv(w.endpoint)
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("%s: %v\n%s", strings.Join(full, " "), err, out)
	}
	var v map[string]any
	if len(bytes.TrimSpace(out)) == 0 {
		return map[string]any{} // a call that answers nothing (modify-*)
	}
	if err := json.Unmarshal(out, &v); err != nil {
		w.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// newEC2World creates a VPC, the task subnet and an interface holding the
// task's private address, as Fargate would.
func newEC2World(t testing.TB, endpoint string, prefix ...string) *ec2World {
	t.Helper()
	requireTools(t, "aws")
	w := &ec2World{t: t, prefix: prefix, endpoint: endpoint}
	vpcID := w.aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"].(map[string]any)["VpcId"].(string)
	subnetID := w.aws("ec2", "create-subnet", "--vpc-id", vpcID, "--cidr-block", taskSubnet)["Subnet"].(map[string]any)["SubnetId"].(string)
	eni := w.aws("ec2", "create-network-interface", "--subnet-id", subnetID, "--private-ip-address", taskIPv4)["NetworkInterface"].(map[string]any)
	w.eniID, w.mac = eni["NetworkInterfaceId"].(string), eni["MacAddress"].(string)
	// A decoy: the same private address in another VPC, with a public IP.
	otherVPC := w.aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"].(map[string]any)["VpcId"].(string)
	otherSubnet := w.aws("ec2", "create-subnet", "--vpc-id", otherVPC, "--cidr-block", taskSubnet)["Subnet"].(map[string]any)["SubnetId"].(string)
	decoy := w.aws("ec2", "create-network-interface", "--subnet-id", otherSubnet, "--private-ip-address", taskIPv4)["NetworkInterface"].(map[string]any)
	w.associate(decoy["NetworkInterfaceId"].(string))
	return w
}

// associate gives eni an Elastic IP and returns the address.
func (w *ec2World) associate(eni string) string {
	w.t.Helper()
	alloc := w.aws("ec2", "allocate-address", "--domain", "vpc")
	w.aws("ec2", "associate-address", "--allocation-id", alloc["AllocationId"].(string), "--network-interface-id", eni)
	return alloc["PublicIp"].(string)
}

// taskWithMAC is the Fargate task document for the world's interface.
func (w *ec2World) taskWithMAC() map[string]any {
	c := container("app", account+".dkr.ecr."+region+".amazonaws.com/orders:1", "")
	c["Networks"].([]map[string]any)[0]["MACAddress"] = w.mac
	return fargateTask(c)
}

// TestPublicIPAgainstMoto checks both verdicts through the AWS SDK against
// the EC2 API emulator, with the binary on loopback.
func TestPublicIPAgainstMoto(t *testing.T) {
	if preflightBinary == "" {
		t.Fatal(buildError)
	}
	endpoint := mototest.Start(t)
	w := newEC2World(t, endpoint)
	body, err := json.Marshal(w.taskWithMAC())
	if err != nil {
		t.Fatal(err)
	}
	container, _ := json.Marshal(w.taskWithMAC()["Containers"].([]map[string]any)[0])
	tmds := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/task") {
			rw.Write(body)
			return
		}
		rw.Write(container)
	}))
	defer tmds.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	run := func() (int, map[string]any) {
		cmd := exec.Command(preflightBinary, "check", "--checks", closedAddr+"=blocked", "--output", "json", "--wait", "0", "--timeout", "5s", "--public-ip", "strict")
		cmd.Env = append(awsEnv(endpoint), "ECS_CONTAINER_METADATA_URI_V4="+tmds.URL+"/v4/x")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr.String(), "testing\"") || strings.Contains(stdout.String(), "AWS_SECRET") {
			t.Errorf("credentials leaked into the output:\n%s\n%s", stdout.String(), stderr.String())
		}
		var rep struct {
			Checks []struct {
				Check    string         `json:"check"`
				PublicIP map[string]any `json:"public_ip"`
			} `json:"checks"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		for _, c := range rep.Checks {
			if c.Check == "public_ip" {
				return code, c.PublicIP
			}
		}
		t.Fatalf("no public_ip check:\n%s", stdout.String())
		return 0, nil
	}

	code, verdict := run()
	if code != 0 || verdict["verdict"] != "none" || !strings.Contains(fmt.Sprint(verdict["evidence"]), w.eniID) {
		t.Errorf("before association: exit %d, %v; want 0 and none for %s (not the decoy)", code, verdict, w.eniID)
	}
	eip := w.associate(w.eniID)
	code, verdict = run()
	if code != 15 || verdict["verdict"] != "present" || verdict["address"] != eip {
		t.Errorf("after association: exit %d, %v; want 15 and present %s", code, verdict, eip)
	}
}

// TestPublicIPInSimulatedVPC runs the Fargate verdict end to end: the EC2
// API emulator is a host of the simulated VPC (the ec2 interface endpoint),
// reached through the task's network.
func TestPublicIPInSimulatedVPC(t *testing.T) {
	t.Parallel()
	requireTools(t, "moto_server", "aws")
	f := goodVPC(t)
	endpoint := startMotoInVPC(t, f)
	w := newEC2World(t, endpoint, "ip", "netns", "exec", f.vpcNS)

	// The task document must carry the MAC address moto gave the interface.
	f.serveTaskAt("/v4/with-mac", w.taskWithMAC())
	env := append(awsEnv(endpoint), "ECS_CONTAINER_METADATA_URI_V4=http://"+tmdsAddr+"/v4/with-mac")

	res := f.check(t, env, "--checks", "logs")
	expectExit(t, res, 0)
	if c := res.find(t, "public_ip", "task"); c.Status != "pass" {
		t.Errorf("public_ip %s: %s", c.Status, c.Error)
	}
	w.associate(w.eniID)
	res = f.check(t, env, "--checks", "logs")
	expectExit(t, res, 15)
	expectHint(t, res.find(t, "public_ip", "task"), "assignPublicIp")
}

// startMotoInVPC runs moto_server (through testdata/moto_server_bpa.py)
// on a host of the fixture's VPC namespace, where the task reaches it as
// its EC2 endpoint, and returns its URL. The server is killed when the
// test ends.
func startMotoInVPC(t *testing.T, f *fixture) string {
	t.Helper()
	const ec2Endpoint = "10.0.0.50"
	f.addAddr(ec2Endpoint)
	// The launcher is moto_server plus the VPC Block Public Access reads
	// moto lacks (answered as BPA off), which audit's network read makes.
	launcher, err := filepath.Abs(filepath.Join("testdata", "moto_server_bpa.py"))
	if err != nil {
		t.Fatal(err)
	}
	moto := exec.Command("ip", "netns", "exec", f.vpcNS, "python3", launcher, "-H", ec2Endpoint, "-p", "5000")
	if err := moto.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { moto.Process.Kill(); moto.Wait() })
	waitForTCP(t, f.vpcNS, ec2Endpoint+":5000")
	return "http://" + ec2Endpoint + ":5000"
}

// waitForTCP waits until addr accepts connections from inside ns.
func waitForTCP(t testing.TB, ns, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var c net.Conn
		err := inNetns(ns, func() error {
			var err error
			c, err = net.DialTimeout("tcp", addr, 200*time.Millisecond)
			return err
		})
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not accept connections in %s within 20s", addr, ns)
}

// TestPublicIPEC2EndpointUnreachable: credentials but no path to the EC2
// API (the task's security group drops it) gives "unknown" with the ec2
// endpoint in the hint, within two --timeouts, not the run's deadline.
func TestPublicIPEC2EndpointUnreachable(t *testing.T) {
	t.Parallel()
	f := goodVPC(t)
	f.addAddr("10.0.0.51")
	f.drop("ip daddr 10.0.0.51")
	env := append(awsEnv("http://10.0.0.51:443"), f.metadataEnv())
	start := time.Now()
	res := f.check(t, env, "--checks", "logs", "--wait", "10s", "--public-ip", "strict")
	expectExit(t, res, 16)
	c := res.find(t, "public_ip", "task")
	expectHint(t, c, "com.amazonaws.us-east-1.ec2", "ec2:DescribeNetworkInterfaces")
	// --wait is 10s: a verdict that waited for it would miss this bound.
	if elapsed := time.Since(start); elapsed > 2*timeout+margin {
		t.Errorf("verdict took %v; want about 2 x --timeout (%v), not --wait", elapsed, 2*timeout)
	}
}
