package config

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestPartitionsMatchBotocore compares the table with the copy of botocore's
// partitions.json in testdata (boto/botocore commit 0e6e2404b85d): same
// partitions, regexes and suffixes, and every region botocore lists (other
// than the *-global pseudo-regions) resolves to its partition.
// botocorePartition is one partition of testdata/partitions.json.
type botocorePartition struct {
	ID          string `json:"id"`
	RegionRegex string `json:"regionRegex"`
	Outputs     struct {
		DNSSuffix          string `json:"dnsSuffix"`
		DualStackDNSSuffix string `json:"dualStackDnsSuffix"`
	} `json:"outputs"`
	Regions map[string]json.RawMessage `json:"regions"`
}

func partitionsFromBotocore(t testing.TB) []botocorePartition {
	t.Helper()
	raw, err := os.ReadFile("testdata/partitions.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []botocorePartition `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Partitions
}

func TestPartitionsMatchBotocore(t *testing.T) {
	doc := struct{ Partitions []botocorePartition }{partitionsFromBotocore(t)}
	if got, want := len(Partitions()), len(doc.Partitions); got != want {
		t.Errorf("got %d partitions; want %d", got, want)
	}
	global := regexp.MustCompile(`^aws(-[a-z-]+)?-global$`)
	for _, bp := range doc.Partitions {
		p, ok := PartitionByName(bp.ID)
		if !ok {
			t.Errorf("partition %s: missing", bp.ID)
			continue
		}
		if p.RegionRegex != bp.RegionRegex || p.DNSSuffix != bp.Outputs.DNSSuffix || p.DualStackDNSSuffix != bp.Outputs.DualStackDNSSuffix {
			t.Errorf("partition %s: got %q %q %q; want %q %q %q", bp.ID,
				p.RegionRegex, p.DNSSuffix, p.DualStackDNSSuffix, bp.RegionRegex, bp.Outputs.DNSSuffix, bp.Outputs.DualStackDNSSuffix)
		}
		var listed []string
		for region := range bp.Regions {
			if !global.MatchString(region) {
				listed = append(listed, region)
			}
		}
		slices.Sort(listed)
		if !slices.Equal(p.Regions, listed) {
			t.Errorf("partition %s: got regions %q; want botocore's %q", bp.ID, p.Regions, listed)
		}
		for region := range bp.Regions {
			if global.MatchString(region) {
				continue
			}
			got, ok := LookupPartition(region)
			if !ok || got.Name != bp.ID {
				t.Errorf("LookupPartition(%q) = %q, %v; want %q", region, got.Name, ok, bp.ID)
			}
		}
	}
}

// TestRegions: the completion list is every partition's regions, sorted,
// each a valid region of its own partition, none twice.
func TestRegions(t *testing.T) {
	all := Regions()
	if !slices.IsSorted(all) {
		t.Errorf("got %q; want sorted", all)
	}
	if got, want := len(slices.Compact(slices.Clone(all))), len(all); got != want {
		t.Errorf("got %d distinct regions of %d; want no duplicates", got, want)
	}
	n := 0
	for _, p := range Partitions() {
		n += len(p.Regions)
		for _, r := range p.Regions {
			if got, ok := LookupPartition(r); !ok || got.Name != p.Name {
				t.Errorf("region %s of %s: LookupPartition = %q, %v; want %s", r, p.Name, got.Name, ok, p.Name)
			}
		}
	}
	if len(all) != n {
		t.Errorf("Regions() has %d; want the %d of the partitions", len(all), n)
	}
	for _, want := range []string{"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1"} {
		if !slices.Contains(all, want) {
			t.Errorf("Regions() lacks %s", want)
		}
	}
}

func TestPartitionOf(t *testing.T) {
	tests := []struct {
		region, partition, dns, prefix string
	}{
		{"us-east-1", "aws", "amazonaws.com", "com.amazonaws"},
		{"il-central-1", "aws", "amazonaws.com", "com.amazonaws"},
		{"mx-central-1", "aws", "amazonaws.com", "com.amazonaws"},
		{"cn-north-1", "aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"},
		{"cn-northwest-1", "aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"},
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com", "com.amazonaws"},
		{"us-iso-east-1", "aws-iso", "c2s.ic.gov", "gov.ic.c2s"},
		{"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov", "gov.sgov.sc2s"},
		{"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk", "uk.adc-e.cloud"},
		{"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov", "gov.ic.hci.csp"},
		{"eusc-de-east-1", "aws-eusc", "amazonaws.eu", "eu.amazonaws"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			p := PartitionOf(tt.region)
			if p.Name != tt.partition || p.DNSSuffix != tt.dns || p.EndpointPrefix != tt.prefix {
				t.Errorf("PartitionOf(%q) = %s %s %s; want %s %s %s", tt.region, p.Name, p.DNSSuffix, p.EndpointPrefix, tt.partition, tt.dns, tt.prefix)
			}
			if got := DNSSuffix(tt.region); got != tt.dns {
				t.Errorf("DNSSuffix(%q) = %q; want %q", tt.region, got, tt.dns)
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{
		"us-east-1": true, "ap-southeast-7": true, "us-gov-west-1": true, "cn-north-1": true, "cn-northwest-1": true,
		"il-central-1": true, "us-iso-east-1": true, "us-isob-east-1": true, "eu-isoe-west-1": true,
		"us-isof-south-1": true, "eusc-de-east-1": true, "mx-central-1": true,
		"zz-nowhere-9": false, "eusc-fr-east-1": false, "aws-global": false, "aws-cn-global": false,
		"useast1": false, "US-EAST-1": false, "us-east": false, "us-east-1a": false, "": false,
		"us-gov-1": true, // matches aws's regex (us-\w+-\d+), as in the SDKs
		"moon-1":   false, "us-east-1 ": false, "xus-east-1": false,
	} {
		if got := ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %v; want %v", region, got, want)
		}
	}
}

func TestPartitionByNameUnknown(t *testing.T) {
	if p, ok := PartitionByName("aws-mars"); ok {
		t.Errorf("PartitionByName(aws-mars) = %+v, true; want false", p)
	}
	if p := PartitionOf("zz-nowhere-9"); p.Name != "aws" {
		t.Errorf("PartitionOf(zz-nowhere-9) = %q; want the aws fallback", p.Name)
	}
}
