package config

import (
	"regexp"
	"strings"
	"testing"
)

// regionCorpus is every region botocore lists plus near misses of each
// part of the pattern: case, separators, empty parts, trailing text,
// non-ASCII word characters.
func regionCorpus(t testing.TB) []string {
	corpus := []string{
		"", "-", "us", "us-", "us-east", "us-east-", "us-east-1", "us-east-12", "us-east-1a", "us-east-1-", "us--1",
		"-east-1", "US-east-1", "us-EAST-1", "us-ea_st-1", "us-ea.st-1", "us-east-x1", "us-east-1\n", " us-east-1",
		"us-east-1 ", "us-eäst-1", "us-east-١", "us-gov-west-1", "us-gov-1", "us-iso-east-1", "us-isob-east-1",
		"us-isof-south-1", "eu-isoe-west-1", "cn-north-1", "cn-northwest-1", "cn-1", "eusc-de-east-1", "eusc-fr-east-1",
		"eusc-de-1", "il-central-1", "mx-central-1", "xx-east-1", "aws-global", "ap-southeast-7", "us-east-1-1",
	}
	for _, p := range partitionsFromBotocore(t) {
		for region := range p.Regions {
			corpus = append(corpus, region, strings.ToUpper(region), region+"x", strings.TrimRight(region, "0123456789"))
		}
	}
	return corpus
}

// TestRegionMatcherAgreesWithRegexp: the string matcher gives regexp's
// answer for every partition's pattern on every region botocore lists and
// the near misses, and a pattern of another shape falls back to regexp.
func TestRegionMatcherAgreesWithRegexp(t *testing.T) {
	patterns := []string{`^[a-z]{2}\-\w+\-\d+$`, `^(us|eu)\-gov\-\w+$`, `us\-\w+\-\d+$`}
	for _, p := range partitions {
		if p.region.prefixes == nil {
			t.Errorf("partition %s: pattern %s is not matched without regexp; literalPrefixes should learn its shape", p.Name, p.RegionRegex)
		}
		patterns = append(patterns, p.RegionRegex)
	}
	corpus := regionCorpus(t)
	for _, pattern := range patterns {
		re, m := regexp.MustCompile(pattern), newRegionMatcher(pattern)
		for _, region := range corpus {
			if got, want := m.match(region), re.MatchString(region); got != want {
				t.Errorf("pattern %s, region %q: matcher says %t, regexp says %t", pattern, region, got, want)
			}
		}
	}
}

func TestLiteralPrefixes(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{`^cn\-\w+\-\d+$`, []string{"cn-"}},
		{`^eusc\-(de)\-\w+\-\d+$`, []string{"eusc-de-"}},
		{`^(us|eu)\-(a|b)\-\w+\-\d+$`, []string{"us-a-", "us-b-", "eu-a-", "eu-b-"}},
		{`^us\-iso\-\w+\-\d+$`, []string{"us-iso-"}},
		{`^[a-z]{2}\-\w+\-\d+$`, nil},
		{`^(us|eu\-\w+\-\d+$`, nil},
		{`cn\-\w+\-\d+$`, nil},
		{`^\-\w+\-\d+$`, nil},
		{`^\w+\-\d+$`, nil},
		{`^(US)\-\w+\-\d+$`, nil},
	}
	for _, tt := range tests {
		got := literalPrefixes(tt.pattern)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") || (got == nil) != (tt.want == nil) {
			t.Errorf("literalPrefixes(%s) = %q; want %q", tt.pattern, got, tt.want)
		}
	}
}

// FuzzRegionMatcher holds the matcher to regexp on arbitrary strings for
// every partition's pattern.
func FuzzRegionMatcher(f *testing.F) {
	for _, r := range []string{"us-east-1", "eusc-de-east-1", "us-gov-west-1", "cn-north-1", "us-east-1a", "us--1", "ü-ä-1"} {
		f.Add(r)
	}
	type pair struct {
		re *regexp.Regexp
		m  *regionMatcher
	}
	var pairs []pair
	for _, p := range partitions {
		pairs = append(pairs, pair{regexp.MustCompile(p.RegionRegex), newRegionMatcher(p.RegionRegex)})
	}
	f.Fuzz(func(t *testing.T, region string) {
		for _, p := range pairs {
			if got, want := p.m.match(region), p.re.MatchString(region); got != want {
				t.Errorf("pattern %s, region %q: matcher says %t, regexp says %t", p.re, region, got, want)
			}
		}
	})
}
