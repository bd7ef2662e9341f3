package config

import (
	"strings"
	"testing"
)

// FuzzParseEntries: any --checks value parses or fails with an error that
// names an entry; nothing panics, what parses reads back the same from its
// String, and expands or errs cleanly.
func FuzzParseEntries(f *testing.F) {
	for _, s := range []string{"ecr,logs", "example.com=blocked", "[fd00::1]:443=private", "auto", "a:b:c", "=", ",,,", "x.y:65535=any", "[::1", "ecr:0", "logs@us-west-2", "ecr.dkr@111122223333.eu-west-1:443=private", "ecr@cn-north-1", "x@y"} {
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
			// String is the grammar: what parsed reads back the same.
			if back, err := ParseEntry(e.String()); err != nil || back != e {
				t.Errorf("ParseEntry(%q) = %+v, %v; want %+v", e.String(), back, err, e)
			}
		}
		Expand(plain, "us-east-1", "111122223333") //nolint:errcheck // must not panic
	})
}

// FuzzParseImage: any string parses or is refused without a panic, and
// what parses as ECR carries a valid account, a region in the partition it
// names, and an API host.
func FuzzParseImage(f *testing.F) {
	for _, s := range []string{
		"nginx", "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1", "123456789012.dkr-ecr.us-west-2.on.aws/a",
		"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/a", "localhost:5000/a", "[::1]:5000/a", "a/b/c", "x:/y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		im, ok := ParseImage(s)
		if !ok {
			return
		}
		if im.Registry == "" || im.ECR == im.Public {
			t.Errorf("ParseImage(%q) = %+v: want a registry and exactly one of ECR, Public", s, im)
		}
		if im.ECR {
			p, found := LookupPartition(im.Region)
			if !ValidAccount(im.Account) || !found || p.Name != im.Partition || im.APIHost == "" {
				t.Errorf("ParseImage(%q) = %+v: inconsistent ECR fields", s, im)
			}
		}
	})
}
