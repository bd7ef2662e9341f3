// Command gen writes deploy/iam's generated files from audit-policy.json
// and management-policy.json; `go generate ./deploy/iam` runs it there.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/preflight-dev/preflight/deploy/iam"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run rewrites the generated files under dir (deploy/iam), whose
// audit-policy.json is two levels up, at the repository's root.
func run(dir string) error {
	files, err := iam.Render(dir, filepath.Join(dir, "..", "..", "audit-policy.json"))
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(dir, p), files[p], 0o644); err != nil {
			return err
		}
		fmt.Println(filepath.Join("deploy/iam", p))
	}
	return nil
}
