package config

import (
	"strings"
	"testing"
)

// FuzzParseEntries: any --checks value parses or fails with an error that
// names an entry; nothing panics, and what parses expands or errs cleanly.
func FuzzParseEntries(f *testing.F) {
	for _, s := range []string{"ecr,logs", "example.com=blocked", "[fd00::1]:443=private", "auto", "a:b:c", "=", ",,,", "x.y:65535=any", "[::1", "ecr:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ParseEntries(s)
		if err != nil && !strings.Contains(err.Error(), "entry ") && !strings.Contains(err.Error(), "no check entries") {
			t.Errorf("error %q names no entry", err)
		}
		var plain []Entry
		for _, e := range entries {
			if e.Name != AutoEntry {
				plain = append(plain, e)
			}
			if e.Port < 0 || e.Port > 65535 {
				t.Errorf("port %d accepted", e.Port)
			}
		}
		Expand(plain, "us-east-1", "111122223333") //nolint:errcheck // must not panic
	})
}
