package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/peakrss"
	"github.com/preflight-dev/preflight/probe/dnstest"
)

// BenchmarkWholeProcess12Targets runs the shipped binary, as a process in
// the task namespace, against 12 targets (the ecr bundle and nine more
// services, two endpoint interfaces each) with DNS, connect and TLS. It
// reports wall time per run and the peak RSS of the preflight process.
func BenchmarkWholeProcess12Targets(b *testing.B) {
	v := newVPC(b)
	services, zone := twelveTargets(v)
	v.serveDNS(vpcDNS, zone)
	v.serveTask(fargateTask(container("app", account+".dkr.ecr."+region+".amazonaws.com/orders:1", region)))
	// GNU time runs preflight inside the namespace: the rusage of ip, which
	// Go started, would carry this test process's memory (package peakrss).
	meter := peakrss.NewMeter(b.TempDir())
	if !meter.Timed() {
		b.Log(peakrss.Missing)
	}
	args := append([]string{"netns", "exec", v.taskNS}, meter.Command([]string{preflightBinary, "check", "--checks", services, "--log-level", "error"})...)
	var maxRSS int64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command("ip", args...)
		cmd.Env = []string{"SSL_CERT_FILE=" + v.caFile, v.metadataEnv()}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("preflight: %v\n%s", err, out)
		}
		rss, err := meter.Peak(cmd.ProcessState)
		if err != nil {
			b.Fatal(err)
		}
		maxRSS = max(maxRSS, rss)
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "wall-ms/op")
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
}

// BenchmarkServeSteadyState runs `preflight serve` in the task namespace
// against 12 targets at a 100ms interval and reports its resident memory
// and CPU time per cycle once warm (b.N cycles are measured).
func BenchmarkServeSteadyState(b *testing.B) {
	v := newVPC(b)
	services, zone := twelveTargets(v)
	v.serveDNS(vpcDNS, zone)
	v.serveTask(fargateTask(container("app", account+".dkr.ecr."+region+".amazonaws.com/orders:1", region)))
	const listen = "127.0.0.1:19109"
	cmd := exec.Command("ip", "netns", "exec", v.taskNS, preflightBinary, "serve", "--checks", services, "--interval", "100ms", "--listen", listen, "--log-level", "error")
	cmd.Env = []string{"SSL_CERT_FILE=" + v.caFile, v.metadataEnv()}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := inNetns(v.taskNS, func() error {
			var err error
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}}}
	cycles := func() float64 {
		resp, err := client.Get("http://" + listen + "/metrics")
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "preflight_cycles_total ") {
				n, _ := strconv.ParseFloat(strings.TrimPrefix(line, "preflight_cycles_total "), 64)
				return n
			}
		}
		return -1
	}
	waitCycles := func(n float64) float64 {
		deadline := time.Now().Add(time.Duration(n+50) * 200 * time.Millisecond)
		for {
			if c := cycles(); c >= n {
				return c
			}
			if time.Now().After(deadline) {
				b.Fatalf("serve did not reach %v cycles", n)
			}
			// Poll rarely: scrapes cost the measured process CPU too.
			time.Sleep(time.Second)
		}
	}
	cpu := func() time.Duration {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
		if err != nil {
			b.Fatal(err)
		}
		f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
		utime, _ := strconv.Atoi(f[11])
		stime, _ := strconv.Atoi(f[12])
		return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ = 100
	}
	rss := func() float64 {
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				return kb / 1024
			}
		}
		return 0
	}
	c0 := waitCycles(20) // warm up
	cpu0 := cpu()
	b.ResetTimer()
	c1 := waitCycles(c0 + float64(b.N))
	b.StopTimer()
	b.ReportMetric(float64((cpu()-cpu0).Microseconds())/1000/(c1-c0), "cpu-ms/cycle")
	b.ReportMetric(rss(), "RSS-MiB")
}

// twelveTargets gives the VPC the 12 targets of the benchmarks (two
// interfaces each) and returns the --checks value and the zone.
func twelveTargets(v *vpc) (string, dnstest.Zone) {
	services := []string{"ecr", "logs", "s3", "secretsmanager", "ssm", "kms", "sts", "sqs", "sns", "monitoring"}
	hosts := []string{apiHost, dkrHost, layersHost, s3Host}
	for _, s := range services[1:] {
		if s != "s3" {
			hosts = append(hosts, s+"."+region+".amazonaws.com")
		}
	}
	zone := dnstest.Zone{}
	for i, h := range hosts {
		a, c := fmt.Sprintf("10.0.1.%d", 20+i), fmt.Sprintf("10.0.3.%d", 20+i)
		v.addAddr(a, c)
		v.serveTLS(a, h)
		v.serveTLS(c, h)
		zone[h] = dnstest.Records{A: []string{a, c}}
	}
	return strings.Join(services, ","), zone
}
