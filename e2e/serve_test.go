package e2e

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsOnSIGTERM: the shipped binary exits 0 within one second of
// SIGTERM, also while a cycle is stuck waiting on a silent resolver.
func TestServeStopsOnSIGTERM(t *testing.T) {
	if preflightBinary == "" {
		t.Fatal(buildError)
	}
	// A resolver that reads queries and never answers.
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := silent.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	for _, tc := range []struct{ name, checks string }{
		{"idle between cycles", "127.0.0.1:1=blocked"},
		{"in a stuck cycle", "slow.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			cmd := exec.Command(preflightBinary, "serve", "--checks", tc.checks, "--listen", addr, "--interval", "50ms",
				"--timeout", "10s", "--resolver", silent.LocalAddr().String(), "--public-ip", "off")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp, err := http.Get("http://" + addr + "/healthz")
				if err == nil {
					resp.Body.Close()
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("serve did not come up: %v\n%s", err, stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(150 * time.Millisecond) // let a cycle start
			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case err := <-waited:
				var exitErr *exec.ExitError
				if errors.As(err, &exitErr) {
					t.Errorf("exit %d after SIGTERM; want 0\n%s", exitErr.ExitCode(), stderr.String())
				}
				// A stuck cycle's probes run for --timeout (10s): stopping
				// well before that shows SIGTERM cut the cycle short,
				// with room for a loaded machine.
				if took := time.Since(start); took > 5*time.Second {
					t.Errorf("took %v to stop; want well under the cycle's 10s", took)
				}
			case <-time.After(8 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 8s after SIGTERM (the cycle's --timeout is 10s)\n%s", stderr.String())
			}
		})
	}
}
