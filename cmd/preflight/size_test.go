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

// buildGCFlags are the Dockerfile's -gcflags, one flag each: no inlining
// inside the AWS SDK and smithy-go, whose code waits on the network
// anyway, nor inside the protobuf runtime, which only encodes a metrics
// scrape in Prometheus's protobuf format.
var buildGCFlags = []string{"github.com/aws/...=-l", "google.golang.org/protobuf/...=-l"}

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
	args := []string{"build", "-trimpath"}
	for _, f := range buildGCFlags {
		if want := `-gcflags="` + f + `"`; !strings.Contains(string(dockerfile), want) {
			t.Fatalf("the Dockerfile does not build with %s: measure what it builds", want)
		}
		args = append(args, "-gcflags="+f)
	}
	bin := filepath.Join(t.TempDir(), "preflight")
	cmd := exec.Command("go", append(args, "-ldflags", "-s -w", "-o", bin, ".")...)
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
