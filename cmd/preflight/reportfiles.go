package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// writeReportFiles writes r to each --report file and returns the exit
// code the run ends with: code, unless a file could not be written and
// code is 0, then 2. A report that failed to reach its file is not a
// passing run (CI would upload nothing, or the last run's file), but it
// does not hide a verdict either: a failing run keeps its code. Each file
// that could not be written is one line on stderr naming it; the others
// are still written.
func writeReportFiles(r *report.Report, files []config.ReportFile, stderr io.Writer, command string, code int) int {
	// A file stands alone: the text report must not point at fix-plan
	// steps that only stdout holds.
	alone := *r
	alone.PlanBelow = false
	failed := false
	for _, f := range files {
		if err := writeFileAtomic(f.Path, func(w io.Writer) error { return alone.Write(w, f.Format) }); err != nil {
			fmt.Fprintf(stderr, "preflight %s: --report %s=%s: %s\n", command, f.Format, report.Printable(f.Path), report.Printable(err.Error()))
			failed = true
		}
	}
	if failed && code == report.ExitOK {
		return report.ExitUsage
	}
	return code
}

// writeFileAtomic writes path through a temporary file in its directory,
// renamed over it when complete, so that a reader (a CI upload step, a
// browser) sees the old file or the whole new one, never a part. The
// file is 0644: a report is for reading by others (a CI runner's upload
// step may run as another user).
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	// Synced before the rename: after a crash the name holds the old
	// file or the whole new one, not an empty one.
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
