//go:build perfcompare

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/peakrss"
	"github.com/preflight-dev/preflight/probe/dnstest"
)

// BenchmarkProcess compares whole processes: the shipped preflight binary
// running `check` and this minimal program, each against N private
// targets (two addresses on 127.0.x.y each, DNS + connect, no TLS) served
// by an in-process DNS server and plain TCP listeners. It reports wall
// time per run and the peak RSS of the child (its rusage, what
// /usr/bin/time -v prints as "Maximum resident set size").
//
//	go test -tags perfcompare -run XXX -bench Process -count 10 ./probe/internal/mincheck
//
// Peak RSS comes from GNU time (see package peakrss): a child's own rusage
// would include this test process's memory.
//
// PERFCOMPARE_WRAP runs each child under a command, for instance
// PERFCOMPARE_WRAP="/usr/bin/time -v" (with -v on go test to see it) or
// "strace -f -c"; PERFCOMPARE_ENV sets the children's environment
// (space-separated K=V, for instance "GODEBUG=gctrace=1").
// PERFCOMPARE_BASE=REV also builds preflight at git revision REV and runs
// it as "base", interleaved with the others, for a before/after figure
// on one machine state (compare with benchstat).
func BenchmarkProcess(b *testing.B) {
	dir := b.TempDir()
	preflight, mincheck := filepath.Join(dir, "preflight"), filepath.Join(dir, "mincheck")
	build(b, preflight, "github.com/preflight-dev/preflight/cmd/preflight")
	build(b, mincheck, "-tags", "perfcompare", "github.com/preflight-dev/preflight/probe/internal/mincheck")
	base := ""
	if rev := os.Getenv("PERFCOMPARE_BASE"); rev != "" {
		base = filepath.Join(dir, "base")
		buildAt(b, rev, base)
	}
	for _, n := range []int{12, 200} {
		names, zone := targets(n)
		port := listenAll(b, zone)
		srv := dnstest.Start(b, zone)
		var checks []string
		for _, name := range names {
			checks = append(checks, fmt.Sprintf("%s:%d=private", name, port))
		}
		b.Run(fmt.Sprintf("preflight/targets=%d", n), func(b *testing.B) {
			runProcess(b, preflight, "check", "--checks", strings.Join(checks, ","), "--resolver", srv.Addr(),
				"--private-cidrs", "127.0.0.0/8", "--region", "us-east-1", "--account", "111122223333",
				"--public-ip", "off", "--wait", "0", "--log-level", "error", "--output", "json")
		})
		if base != "" {
			b.Run(fmt.Sprintf("base/targets=%d", n), func(b *testing.B) {
				runProcess(b, base, "check", "--checks", strings.Join(checks, ","), "--resolver", srv.Addr(),
					"--private-cidrs", "127.0.0.0/8", "--region", "us-east-1", "--account", "111122223333",
					"--public-ip", "off", "--wait", "0", "--log-level", "error", "--output", "json")
			})
		}
		b.Run(fmt.Sprintf("mincheck/targets=%d", n), func(b *testing.B) {
			runProcess(b, mincheck, append([]string{"-resolver", srv.Addr(), "-port", strconv.Itoa(port)}, names...)...)
		})
	}
}

func build(b *testing.B, out string, args ...string) {
	b.Helper()
	cmd := exec.Command("go", append([]string{"build", "-trimpath", "-o", out}, args...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %v: %v\n%s", args, err, msg)
	}
}

// buildAt builds cmd/preflight as of git revision rev, in a temporary
// worktree of the repository this test runs in.
func buildAt(b *testing.B, rev, out string) {
	b.Helper()
	tree := filepath.Join(b.TempDir(), "tree")
	if msg, err := exec.Command("git", "worktree", "add", "--detach", tree, rev).CombinedOutput(); err != nil {
		b.Fatalf("git worktree add %s: %v\n%s", rev, err, msg)
	}
	b.Cleanup(func() { exec.Command("git", "worktree", "remove", "--force", tree).Run() }) //nolint:errcheck // best effort
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./cmd/preflight")
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build at %s: %v\n%s", rev, err, msg)
	}
}

// targets names n hosts with two loopback addresses each.
func targets(n int) ([]string, dnstest.Zone) {
	zone := dnstest.Zone{}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc%d.perf.internal", i)
		a1, a2 := 2*i, 2*i+1
		zone[names[i]] = dnstest.Records{A: []string{
			fmt.Sprintf("127.0.%d.%d", 10+a1/250, 1+a1%250), fmt.Sprintf("127.0.%d.%d", 10+a2/250, 1+a2%250),
		}}
	}
	return names, zone
}

// listenAll listens on one port of every address in zone and returns the
// port; connections are accepted and closed.
func listenAll(b *testing.B, zone dnstest.Zone) int {
	b.Helper()
	for try := 0; try < 20; try++ {
		first, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		port := first.Addr().(*net.TCPAddr).Port
		ls := []net.Listener{first}
		ok := true
		for _, r := range zone {
			for _, a := range r.A {
				l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
				if err != nil {
					ok = false
					break
				}
				ls = append(ls, l)
			}
		}
		if !ok {
			for _, l := range ls {
				l.Close()
			}
			continue
		}
		for _, l := range ls {
			b.Cleanup(func() { l.Close() })
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
		return port
	}
	b.Fatal("no port free on every address")
	return 0
}

func runProcess(b *testing.B, bin string, args ...string) {
	meter := peakrss.NewMeter(b.TempDir())
	if !meter.Timed() {
		b.Log(peakrss.Missing)
	}
	argv := append(meter.Command(append(strings.Fields(os.Getenv("PERFCOMPARE_WRAP")), bin)), args...)
	var maxRSS int64
	var cpu time.Duration
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = strings.Fields(os.Getenv("PERFCOMPARE_ENV"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(bin), err, out)
		}
		if (os.Getenv("PERFCOMPARE_WRAP") != "" || os.Getenv("PERFCOMPARE_ENV") != "") && i == 0 {
			b.Logf("%s %s:\n%s", os.Getenv("PERFCOMPARE_WRAP"), filepath.Base(bin), out)
		}
		rss, err := meter.Peak(cmd.ProcessState)
		if err != nil {
			b.Fatal(err)
		}
		maxRSS = max(maxRSS, rss)
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "wall-ms/op")
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
