package main

import (
	"os"
	"path/filepath"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// declareSources tells the report where the input declares what its rows
// name, for SARIF's physical locations: the lines of a template's
// resources (a cdk.out's in each stack's own file, never the directory as
// a whole: a row that names nothing declared points at its manifest.json),
// and the directory preflight runs in, which file URIs are made relative
// to so that code scanning finds them in the repository.
func declareSources(r *report.Report, cfg *config.Config, facts *audit.Facts) {
	r.Declared = facts.Declared
	if cfg.Template != "" {
		if st, err := os.Stat(cfg.Template); err == nil && st.IsDir() {
			r.SourceFile = filepath.Join(cfg.Template, "manifest.json")
		}
	}
	if wd, err := os.Getwd(); err == nil {
		r.WorkDir = wd
	}
}
