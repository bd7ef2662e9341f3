package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// ReportFile is one --report FORMAT=FILE: the run's report in Format,
// written to Path.
type ReportFile struct {
	Format report.Output
	Path   string
}

// ParseReportFiles parses a comma-separated list of FORMAT=FILE, the value
// of --report (repeated flags are joined with commas) and of
// PREFLIGHT_REPORT. Every bad item is reported: an unknown format (with
// the closest one), no "=", an empty file, "-", and a file given twice
// (two reports racing to one path would leave whichever renamed last).
func ParseReportFiles(v string) ([]ReportFile, error) {
	var out []ReportFile
	var errs []error
	seen := map[string]report.Output{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		format, path, ok := strings.Cut(item, "=")
		format, path = strings.TrimSpace(format), strings.TrimSpace(path)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%q: want FORMAT=FILE, e.g. sarif=audit.sarif", item))
			continue
		case !slices.Contains(reportOutputs, format):
			msg := fmt.Sprintf("%q: unknown format %q: want %s", item, format, orList(reportOutputs))
			if s := Closest(strings.ToLower(format), reportOutputs); s != "" {
				msg += fmt.Sprintf(": did you mean %s?", s)
			}
			errs = append(errs, errors.New(msg))
			continue
		case path == "":
			errs = append(errs, fmt.Errorf("%q: no file after \"=\"", item))
			continue
		case path == "-":
			// stdout is --output's: a second report there would make
			// neither parse.
			errs = append(errs, fmt.Errorf("%q: \"-\" is not a file (the report on stdout is --output's)", item))
			continue
		}
		key := filepath.Clean(path)
		if prev, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%q: file %q is already the %s report", item, path, prev))
			continue
		}
		seen[key] = report.Output(format)
		out = append(out, ReportFile{Format: report.Output(format), Path: path})
	}
	return out, errors.Join(errs...)
}
