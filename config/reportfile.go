package config

import (
	"errors"
	"fmt"
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

// parseReportFile parses one FORMAT=FILE. It refuses an unknown format
// (naming the closest one), a missing "=", an empty file and "-".
func parseReportFile(v string) (ReportFile, error) {
	format, path, ok := strings.Cut(v, "=")
	format, path = strings.TrimSpace(format), strings.TrimSpace(path)
	switch {
	case !ok:
		return ReportFile{}, errors.New("want FORMAT=FILE, e.g. sarif=audit.sarif")
	case !slices.Contains(reportOutputs, format):
		msg := fmt.Sprintf("unknown format %q: want %s", format, orList(reportOutputs))
		if s := Closest(strings.ToLower(format), reportOutputs); s != "" {
			msg += fmt.Sprintf(": did you mean %s?", s)
		}
		return ReportFile{}, errors.New(msg)
	case path == "":
		return ReportFile{}, errors.New(`no file after "="`)
	case path == "-":
		// stdout is --output's: a second report there would make
		// neither parse.
		return ReportFile{}, errors.New(`"-" is not a file (the report on stdout is --output's)`)
	}
	return ReportFile{Format: report.Output(format), Path: path}, nil
}
