// Package e2e runs the real preflight binary inside a simulated VPC built
// from network namespaces, veth pairs and nftables. See vpc_test.go for the
// topology and README.md for how to run one scenario.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// preflightBinary is built once, so that what is tested is what ships.
var preflightBinary, buildError string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "preflight-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin := filepath.Join(dir, "preflight")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "../cmd/preflight")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		buildError = fmt.Sprintf("go build: %v: %s", err, out)
	} else {
		preflightBinary = bin
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("ip"); err == nil {
			// Leftovers of runs killed before their cleanups ran.
			logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
			if err := defaultSweeper(logf).sweep(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e: sweeping leftovers:", err)
			}
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
