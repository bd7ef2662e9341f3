package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gzipBudget is what the image may cost every task start: the linux/amd64
// binary, gzipped as a registry stores it (gzip -9), within 6 MiB with
// every reader of audit in it.
const gzipBudget = 6 << 20

// buildGCFlags are the Dockerfile's -gcflags: no inlining inside the AWS
// SDK and smithy-go, whose code waits on the network anyway.
const buildGCFlags = "github.com/aws/...=-l"

// TestBinaryGzipBudget builds the binary as the Dockerfile does
// (CGO_ENABLED=0, -trimpath, buildGCFlags, -ldflags "-s -w", linux/amd64;
// it checks that the Dockerfile still says so) and measures
// it with GNU gzip -9 (Go's compress/gzip at level 9 makes this binary
// about 2 % larger, so it would not measure the same budget).
func TestBinaryGzipBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; not in -short")
	}
	gz, err := exec.LookPath("gzip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gzip not on PATH; required in CI")
		}
		t.Skip("gzip not on PATH; this test is required in CI")
	}
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `-gcflags="` + buildGCFlags + `"`; !strings.Contains(string(dockerfile), want) {
		t.Fatalf("the Dockerfile does not build with %s: measure what it builds", want)
	}
	bin := filepath.Join(t.TempDir(), "preflight")
	cmd := exec.Command("go", "build", "-trimpath", "-gcflags="+buildGCFlags, "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(gz, "-9", "-c", bin).Output()
	if err != nil {
		t.Fatalf("gzip -9: %v", err)
	}
	n := len(out)
	t.Logf("linux/amd64 binary: %d bytes with gzip -9 (budget %d, %d left)", n, gzipBudget, gzipBudget-n)
	if n > gzipBudget {
		t.Errorf("got %d bytes gzipped; want at most %d (6 MiB)", n, gzipBudget)
	}
}
