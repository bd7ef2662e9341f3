package tftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIn: the runner returns terraform's stdout for a command that
// works, in the directory it was given.
func TestIn(t *testing.T) {
	Plugins(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("output \"x\" {\n  value = 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := string(In(t, dir)("fmt", "-check", "-list=true")); strings.TrimSpace(out) != "" {
		t.Errorf("got terraform fmt listing %q; want none (main.tf is formatted)", out)
	}
	if out := string(In(t, dir)("version")); !strings.HasPrefix(out, "Terraform v") {
		t.Errorf("got %q from terraform version; want Terraform v...", out)
	}
}
