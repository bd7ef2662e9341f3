package e2e

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/probe/dnstest"
)

// BenchmarkWholeProcess12Targets runs the shipped binary, as a process in
// the task namespace, against 12 targets (the ecr bundle and nine more
// services, two endpoint interfaces each) with DNS, connect and TLS. It
// reports wall time per run and the peak RSS of the preflight process.
func BenchmarkWholeProcess12Targets(b *testing.B) {
	v := newVPC(b)
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
	v.serveDNS(vpcDNS, zone)
	v.serveTask(fargateTask(container("app", account+".dkr.ecr."+region+".amazonaws.com/orders:1", region)))
	args := []string{"netns", "exec", v.taskNS, preflightBinary, "check", "--checks", "ecr,logs,s3,secretsmanager,ssm,kms,sts,sqs,sns,monitoring", "--log-level", "error"}
	var maxRSS int64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command("ip", args...)
		cmd.Env = []string{"SSL_CERT_FILE=" + v.caFile, v.metadataEnv()}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("preflight: %v\n%s", err, out)
		}
		// ip netns exec execs preflight, so the child's rusage is preflight's.
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "wall-ms/op")
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
}
