package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// TestReadmeDocumentsEveryFlagAndExitCode keeps the README's reference
// tables in step with the code.
func TestReadmeDocumentsEveryFlagAndExitCode(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, f := range config.Flags() {
		// The commands column lists the commands that take the flag, in
		// the order of the command table.
		takes := config.FlagCommands(strings.TrimPrefix(f[0], "--"))
		var cmds []string
		for _, c := range commands {
			if slices.Contains(takes, c.name) {
				cmds = append(cmds, c.name)
			}
		}
		row := fmt.Sprintf("| `%s` | `%s` | %s |", f[0], f[1], strings.Join(cmds, ", "))
		if !strings.Contains(readme, row) {
			t.Errorf("README has no row starting %q", row)
		}
	}
	for _, c := range commands {
		if !strings.Contains(readme, "preflight "+c.name+" ") {
			t.Errorf("README's Commands section does not list %s", c.name)
		}
	}
	for _, code := range report.ExitCodes() {
		if !strings.Contains(readme, fmt.Sprintf("| %d |", code)) {
			t.Errorf("README does not document exit code %d", code)
		}
	}
	for _, s := range config.Services() {
		if !strings.Contains(readme, "`"+s.Name+"`") {
			t.Errorf("README catalogue does not mention %s", s.Name)
		}
	}
}
