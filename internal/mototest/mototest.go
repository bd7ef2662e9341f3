// Package mototest runs moto_server, the AWS API emulator, for tests: on
// a free port of 127.0.0.1, killed with the test binary even when a test
// panics, and waited for until it listens (it takes seconds to import on
// a loaded machine). Only tests import it.
package mototest

import (
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/internal/schematest"
)

// listenTimeout bounds the wait for moto_server to listen: generous,
// since its Python imports take several seconds beside other builds.
const listenTimeout = 60 * time.Second

// Start runs moto_server for t and returns its URL; it stops when t
// ends. Without moto_server the test skips, except where tools are
// required (CI=true), where it fails.
func Start(t testing.TB) string {
	t.Helper()
	schematest.RequireTool(t, "moto_server", "pip install 'moto[server]'")
	url, stop, err := Launch()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// Launch runs moto_server and returns its URL and the function that
// stops it, for a server that outlives one test (shared by a package's
// tests). The caller checks that moto_server is installed.
func Launch() (url string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("find a free port for moto_server: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	cmd := DieWithTest(exec.Command("moto_server", "-H", host, "-p", port))
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start moto_server: %w", err)
	}
	stop = func() {
		cmd.Process.Kill() //nolint:errcheck // it may have ended
		cmd.Wait()         //nolint:errcheck // killed on purpose
	}
	for deadline := time.Now().Add(listenTimeout); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return "http://" + addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("moto_server did not listen on %s within %s", addr, listenTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// UseFor points the AWS SDK of this process at url for the rest of t:
// dummy static credentials, no shared config, credentials file, profile
// or instance metadata from the machine (so nothing can reach real AWS),
// Region us-east-1.
func UseFor(t testing.TB, url string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            url,
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  "us-east-1",
	} {
		t.Setenv(k, v)
	}
}
