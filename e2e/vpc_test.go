package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/preflight-dev/preflight/probe/dnstest"
	"github.com/preflight-dev/preflight/probe/tlstest"
)

// The simulated VPC: two network namespaces joined by a veth pair and
// nothing else, so no packet can leave the machine.
//
//	task ns  10.0.2.100/24, fd00:10:2::100/64   (preflight runs here)
//	   |  veth; task egress security group = nftables output chain
//	vpc ns   every other host of the VPC as an address on its veth:
//	         10.0.0.2 Route 53 Resolver, 169.254.170.2 TMDS,
//	         10.0.1.x / 10.0.3.x endpoint interfaces in AZ a / AZ b,
//	         192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 "the internet";
//	         endpoint security groups / missing routes = nftables input chain
const (
	taskIPv4   = "10.0.2.100"
	taskSubnet = "10.0.2.0/24"
	taskIPv6   = "fd00:10:2::100"
	vpcDNS     = "10.0.0.2"
	tmdsAddr   = "169.254.170.2"
	region     = "us-east-1"
	account    = "111122223333"
)

// vpc is one simulated VPC, torn down when the test ends.
type vpc struct {
	t              testing.TB
	id             string
	taskNS, vpcNS  string
	dir            string
	ca             *tlstest.CA
	caFile         string
	metadataPrefix string
	tmdsMux        *http.ServeMux
}

// requireE2E skips (or, with PREFLIGHT_E2E=require, fails) when this machine
// cannot build network namespaces.
func requireE2E(t testing.TB) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (network namespaces and nftables need it)")
	}
	for _, bin := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin+" (apt-get install iproute2 nftables)")
		}
	}
	if preflightBinary == "" {
		missing = append(missing, "the preflight binary: "+buildError)
	}
	if len(missing) == 0 {
		return
	}
	msg := "end-to-end tests need " + strings.Join(missing, ", ")
	if os.Getenv("PREFLIGHT_E2E") == "require" {
		t.Fatal(msg + " (PREFLIGHT_E2E=require)")
	}
	t.Skip(msg + "; set PREFLIGHT_E2E=require to make this a failure")
}

func newVPC(t testing.TB) *vpc {
	t.Helper()
	requireE2E(t)
	b := make([]byte, 4)
	rand.Read(b)
	id := hex.EncodeToString(b)
	v := &vpc{t: t, id: id, taskNS: "pf" + id + "t", vpcNS: "pf" + id + "v", dir: t.TempDir()}
	v.metadataPrefix = "/v4/" + id
	// The owner files come first, so a sweeper in a concurrent run never sees
	// these namespaces without their owner.
	self, err := processOwner(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.teardown)
	for _, ns := range []string{v.taskNS, v.vpcNS} {
		if err := claim(defaultOwnerDir, ns, self); err != nil {
			t.Fatal(err)
		}
	}
	v.ip("netns", "add", v.taskNS)
	v.ip("netns", "add", v.vpcNS)
	v.ip("link", "add", "pf"+id+"a", "netns", v.taskNS, "type", "veth", "peer", "name", "pf"+id+"b", "netns", v.vpcNS)
	for _, ns := range []string{v.taskNS, v.vpcNS} {
		v.exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
		v.exec(ns, "ip", "link", "set", "lo", "up")
	}
	v.exec(v.taskNS, "ip", "link", "set", "pf"+id+"a", "up")
	v.exec(v.vpcNS, "ip", "link", "set", "pf"+id+"b", "up")
	v.exec(v.taskNS, "ip", "addr", "add", taskIPv4+"/24", "dev", "pf"+id+"a")
	v.exec(v.taskNS, "ip", "addr", "add", taskIPv6+"/64", "dev", "pf"+id+"a", "nodad")
	// Every destination is on-link: the vpc namespace answers ARP/ND for all
	// the addresses it holds, like the VPC router would forward to them.
	v.exec(v.taskNS, "ip", "route", "add", "default", "dev", "pf"+id+"a")
	v.exec(v.taskNS, "ip", "-6", "route", "add", "default", "dev", "pf"+id+"a")
	v.exec(v.vpcNS, "ip", "route", "add", taskSubnet, "dev", "pf"+id+"b")
	v.exec(v.vpcNS, "ip", "-6", "route", "add", "fd00:10:2::/64", "dev", "pf"+id+"b")
	v.addAddr(vpcDNS, tmdsAddr)
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	v.ca = ca
	v.caFile = filepath.Join(v.dir, "ca.pem")
	v.writeFile(v.caFile, ca.PEM())
	v.setResolvConf(vpcDNS)
	return v
}

func (v *vpc) teardown() {
	for _, ns := range []string{v.taskNS, v.vpcNS} {
		// Deleting a namespace deletes its end of the veth pair; processes
		// started in it were waited for by run.
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
			v.t.Errorf("teardown: ip netns del %s: %v: %s", ns, err, out)
		}
		os.RemoveAll("/etc/netns/" + ns)
		os.Remove(filepath.Join(defaultOwnerDir, ns+".pid"))
	}
}

func (v *vpc) ip(args ...string) {
	v.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		v.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func (v *vpc) exec(ns string, args ...string) {
	v.t.Helper()
	full := append([]string{"netns", "exec", ns}, args...)
	if out, err := exec.Command("ip", full...).CombinedOutput(); err != nil {
		v.t.Fatalf("ip %s: %v: %s", strings.Join(full, " "), err, out)
	}
}

func (v *vpc) writeFile(path string, b []byte) {
	v.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		v.t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		v.t.Fatal(err)
	}
}

// addAddr gives the vpc namespace more host addresses (IPv4 or IPv6).
func (v *vpc) addAddr(addrs ...string) {
	v.t.Helper()
	for _, a := range addrs {
		if strings.Contains(a, ":") {
			v.exec(v.vpcNS, "ip", "addr", "add", a+"/128", "dev", "pf"+v.id+"b", "nodad")
		} else {
			v.exec(v.vpcNS, "ip", "addr", "add", a+"/32", "dev", "pf"+v.id+"b")
		}
	}
}

// setResolvConf is what `ip netns exec` bind-mounts over /etc/resolv.conf
// in the task namespace.
func (v *vpc) setResolvConf(servers ...string) {
	var b strings.Builder
	b.WriteString("search ec2.internal\n")
	for _, s := range servers {
		b.WriteString("nameserver " + s + "\n")
	}
	v.writeFile("/etc/netns/"+v.taskNS+"/resolv.conf", []byte(b.String()))
}

// nft loads an nftables script in ns.
func (v *vpc) nft(ns, script string) {
	v.t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		v.t.Fatalf("nft in %s: %v: %s\n%s", ns, err, out, script)
	}
}

// taskEgress narrows the task's security group to the given nft rules
// (silent drop for the rest, as security groups do).
func (v *vpc) taskEgress(rules ...string) {
	v.nft(v.taskNS, "table inet sg {\n chain egress {\n  type filter hook output priority 0; policy drop;\n  ct state established,related accept\n  oifname \"lo\" accept\n  "+
		strings.Join(rules, "\n  ")+"\n }\n}\n")
}

// narrowEgress is the good posture: DNS to the VPC resolver, TMDS, 443 to
// the VPC and to the S3 prefix list range.
func (v *vpc) narrowEgress() {
	v.taskEgress(
		"ip daddr "+vpcDNS+" udp dport 53 accept",
		"ip daddr "+vpcDNS+" tcp dport 53 accept",
		"ip daddr "+tmdsAddr+" tcp dport 80 accept",
		"ip daddr 10.0.0.0/16 tcp dport 443 accept",
		"ip6 daddr fd00:10::/32 tcp dport 443 accept",
		"ip daddr 203.0.113.0/24 tcp dport 443 accept",
	)
}

// drop makes addresses in the vpc namespace silently drop what the nft
// match selects, e.g. `ip daddr 10.0.3.10 tcp dport 443`.
func (v *vpc) drop(matches ...string) {
	var rules []string
	for _, m := range matches {
		rules = append(rules, m+" drop")
	}
	v.nft(v.vpcNS, "table inet vpc {\n chain ingress {\n  type filter hook input priority 0; policy accept;\n  "+strings.Join(rules, "\n  ")+"\n }\n}\n")
}

// inNetns runs f with the calling OS thread in namespace ns, so that the
// sockets f creates belong to ns; they stay there after f returns.
func inNetns(ns string, f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return err
	}
	defer self.Close()
	target, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns %s: %w", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			panic("cannot return to the test's network namespace: " + err.Error())
		}
	}()
	return f()
}

// serveDNS starts a resolver on addr:53 in the vpc namespace.
func (v *vpc) serveDNS(addr string, zone dnstest.Zone) *dnstest.Server {
	v.t.Helper()
	var srv *dnstest.Server
	err := inNetns(v.vpcNS, func() error {
		var err error
		srv, err = dnstest.Listen(net.JoinHostPort(addr, "53"), zone)
		return err
	})
	if err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(srv.Close)
	return srv
}

// serveTLS starts a TLS server on addr:443 in the vpc namespace presenting
// a certificate for names issued by the test CA.
func (v *vpc) serveTLS(addr string, names ...string) {
	v.t.Helper()
	cert, err := v.ca.IssueValid(names...)
	if err != nil {
		v.t.Fatal(err)
	}
	var l net.Listener
	if err := inNetns(v.vpcNS, func() error {
		var err error
		l, err = tls.Listen("tcp", net.JoinHostPort(addr, "443"), &tls.Config{Certificates: []tls.Certificate{cert}})
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() { l.Close() })
	go tlstest.Serve(l)
}

// serveTCP accepts plain TCP on addr:port in the vpc namespace.
func (v *vpc) serveTCP(addr string, port int) {
	v.t.Helper()
	var l net.Listener
	if err := inNetns(v.vpcNS, func() error {
		var err error
		l, err = net.Listen("tcp", net.JoinHostPort(addr, fmt.Sprint(port)))
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// serveMetadata starts TMDS at 169.254.170.2:80 with handler.
func (v *vpc) serveMetadata(h http.Handler) {
	v.t.Helper()
	var l net.Listener
	if err := inNetns(v.vpcNS, func() error {
		var err error
		l, err = net.Listen("tcp", tmdsAddr+":80")
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	v.t.Cleanup(func() { srv.Close() })
}

// serveTask serves task (and its first container as this container's own
// document) in the TMDS v4 shape at the VPC's metadata prefix.
func (v *vpc) serveTask(task map[string]any) { v.serveTaskAt(v.metadataPrefix, task) }

// serveTaskAt serves task under prefix; the metadata server starts with the
// first document and serves every prefix added later.
func (v *vpc) serveTaskAt(prefix string, task map[string]any) {
	v.t.Helper()
	taskJSON, err := json.Marshal(task)
	if err != nil {
		v.t.Fatal(err)
	}
	containerJSON, err := json.Marshal(task["Containers"].([]map[string]any)[0])
	if err != nil {
		v.t.Fatal(err)
	}
	if v.tmdsMux == nil {
		v.tmdsMux = http.NewServeMux()
		v.serveMetadata(v.tmdsMux)
	}
	v.tmdsMux.HandleFunc(prefix+"/task", func(w http.ResponseWriter, r *http.Request) { w.Write(taskJSON) })
	v.tmdsMux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) { w.Write(containerJSON) })
}

// metadataEnv is the variable the ECS agent would set.
func (v *vpc) metadataEnv() string {
	return "ECS_CONTAINER_METADATA_URI_V4=http://" + tmdsAddr + v.metadataPrefix
}

// runResult is one run of the preflight binary in the task namespace.
type runResult struct {
	code           int
	stdout, stderr string
	wall           time.Duration
	report         report
}

type report struct {
	OK       bool    `json:"ok"`
	ExitCode int     `json:"exit_code"`
	Region   string  `json:"region"`
	Account  string  `json:"account"`
	InECS    bool    `json:"in_ecs"`
	Checks   []check `json:"checks"`
}

type check struct {
	Check           string   `json:"check"`
	Target          string   `json:"target"`
	Host            string   `json:"host"`
	Port            int      `json:"port"`
	Status          string   `json:"status"`
	Class           string   `json:"class"`
	Addresses       []string `json:"addresses"`
	FailedAddresses []string `json:"failed_addresses"`
	Error           string   `json:"error"`
	Hint            string   `json:"hint"`
	Cause           *cause   `json:"cause"`
}

type cause struct {
	Error     string   `json:"error"`
	Resources []string `json:"resources"`
	Hint      string   `json:"hint"`
}

// run executes preflight in the task namespace with env (plus SSL_CERT_FILE)
// and, for check with --output json, decodes the report.
func (v *vpc) run(env []string, args ...string) runResult {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", v.taskNS, preflightBinary}, args...)...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "SSL_CERT_FILE=" + v.caFile}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := runResult{stdout: stdout.String(), stderr: stderr.String(), wall: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		v.t.Fatalf("running preflight: %v\n%s", err, res.stderr)
	}
	if strings.Contains(strings.Join(args, " "), "--output json") && len(args) > 0 && args[0] == "check" {
		if err := json.Unmarshal(stdout.Bytes(), &res.report); err != nil {
			v.t.Fatalf("report is not JSON: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, res.stderr)
		}
	}
	return res
}

// find returns the result of kind check for target.
func (r runResult) find(t *testing.T, kind, target string) check {
	t.Helper()
	for _, c := range r.report.Checks {
		if c.Check == kind && c.Target == target {
			return c
		}
	}
	t.Fatalf("no %s check for %s in\n%s", kind, target, r.stdout)
	return check{}
}

// failing lists "check/target" of the failed checks.
func (r runResult) failing() []string {
	var out []string
	for _, c := range r.report.Checks {
		if c.Status == "fail" {
			out = append(out, c.Check+"/"+c.Target)
		}
	}
	return out
}
