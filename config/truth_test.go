package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSNamesLiveInConfig: host names, DNS suffixes and endpoint-service
// names come from the partition table and the catalogue here, so that
// China, GovCloud and the ISO partitions get their own. No other package's
// code may spell an AWS service domain.
func TestAWSNamesLiveInConfig(t *testing.T) {
	var suffixes []string
	for _, p := range Partitions() {
		suffixes = append(suffixes, p.DNSSuffix)
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "config" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range suffixes {
			if strings.Contains(string(b), "."+s) {
				t.Errorf("%s spells %q: take it from config (DNSSuffix, HostFor, EndpointServiceNameFor, ParseImage)", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
