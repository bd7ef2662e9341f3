package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// buildInfo returns the version, the commit (from -ldflags, else from the
// VCS stamp Go embeds) and the Go version.
func buildInfo() (string, string, string) {
	rev := commit
	if rev == "" {
		rev = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					rev = s.Value
				}
			}
		}
	}
	return version, rev, runtime.Version()
}

func versionString() string {
	v, c, g := buildInfo()
	return fmt.Sprintf("preflight %s (commit %s, %s)", v, c, g)
}
