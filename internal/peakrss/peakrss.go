// Package peakrss measures the peak resident set size of a child process
// for the whole-process benchmarks.
//
// A child that a Go program starts reports the wrong peak in its rusage:
// Go starts children with vfork (CLONE_VM), and when the child calls exec
// the kernel folds the peak of the memory it had until then, the parent's,
// into the child's maxrss. A 2 MiB program started by a 30 MiB test
// process reports 30 MiB. GNU time forks a small C process and waits for
// it, so its %M is the child's own peak; this package runs children under
// it.
package peakrss

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// timePath is GNU time (Debian package "time").
const timePath = "/usr/bin/time"

// Wrap returns argv run under GNU time, which writes the peak RSS of
// argv[0] to file. ok is false when GNU time is missing: argv is then
// returned unchanged, and only the rusage (an upper bound) is left.
func Wrap(file string, argv []string) (wrapped []string, ok bool) {
	if _, err := exec.LookPath(timePath); err != nil {
		return argv, false
	}
	return append([]string{timePath, "-f", "%M", "-o", file}, argv...), true
}

// Read returns the peak RSS in KiB that GNU time wrote to file.
func Read(file string) (int64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("reading GNU time's output: %w", err)
	}
	// A child that fails or is killed makes GNU time write a line about
	// it first ("Command exited with non-zero status 3"): the figure is
	// the last line, and nothing else.
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	kib, err := strconv.ParseInt(last, 10, 64)
	if err != nil || kib <= 0 {
		return 0, fmt.Errorf("GNU time wrote %q to %s: no peak RSS in KiB on its last line", data, file)
	}
	return kib, nil
}

// Missing is the caveat a benchmark logs when GNU time is missing.
const Missing = "no " + timePath + " (Debian package time): peak-RSS-MiB is the child's rusage, which includes this test process's own RSS"
