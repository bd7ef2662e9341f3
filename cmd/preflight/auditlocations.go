package main

import (
	"os"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// declareSources tells the report where the input declares what its rows
// name, for SARIF's physical locations: the lines of a template's
// resources (a cdk.out's in each stack's own file, never the directory as
// a whole), and the directory preflight runs in, which file URIs are made
// relative to so that code scanning finds them in the repository.
func declareSources(r *report.Report, cfg *config.Config, facts *audit.Facts) {
	r.Declared = facts.Declared
	if cfg.Template != "" {
		if st, err := os.Stat(cfg.Template); err == nil && st.IsDir() {
			r.SourceIsDir = true
		}
	}
	if wd, err := os.Getwd(); err == nil {
		r.WorkDir = wd
	}
}
