// Package peakrss measures the peak resident set size of a child process
// for the whole-process benchmarks.
//
// A child that a Go program starts reports the wrong peak in its rusage:
// Go starts children with vfork (CLONE_VM), and when the child calls exec
// the kernel folds the peak of the memory it had until then, the parent's,
// into the child's maxrss. A 2 MiB program started by a 30 MiB test
// process reports 30 MiB. GNU time forks a small C process and waits for
// it, so its %M is the child's own peak; a Meter runs children under it.
package peakrss

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// timePath is GNU time (Debian package "time").
const timePath = "/usr/bin/time"

// Missing is the caveat a benchmark logs when GNU time is missing.
const Missing = "no " + timePath + " (Debian package time): peak-RSS-MiB is the child's rusage, which includes this test process's own RSS"

// Meter measures the children whose commands it wrapped, one at a time.
type Meter struct {
	file  string
	timed bool
}

// NewMeter returns a Meter that keeps GNU time's output in dir. Without GNU
// time it falls back to the rusage (an upper bound); Timed says which.
func NewMeter(dir string) *Meter {
	_, err := exec.LookPath(timePath)
	return &Meter{file: filepath.Join(dir, "peak-rss"), timed: err == nil}
}

// Timed says whether the figures come from GNU time.
func (m *Meter) Timed() bool { return m.timed }

// Command returns argv run under GNU time, or argv itself without it.
func (m *Meter) Command(argv []string) []string {
	if !m.timed {
		return argv
	}
	return append([]string{timePath, "-f", "%M", "-o", m.file}, argv...)
}

// Peak returns the peak RSS in KiB of the child that just exited with
// state ps, its command built by Command.
func (m *Meter) Peak(ps *os.ProcessState) (int64, error) {
	if !m.timed {
		ru, ok := ps.SysUsage().(*syscall.Rusage)
		if !ok {
			return 0, fmt.Errorf("no rusage for the child")
		}
		return ru.Maxrss, nil
	}
	data, err := os.ReadFile(m.file)
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
		return 0, fmt.Errorf("GNU time wrote %q to %s: no peak RSS in KiB on its last line", data, m.file)
	}
	return kib, nil
}
