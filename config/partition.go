package config

import (
	"slices"
	"strings"
)

// Partition is an AWS partition: a set of regions that share a DNS suffix and
// an ARN partition name.
//
// The values are botocore's partition data, the table every AWS SDK
// generates its endpoint resolution from: boto/botocore
// botocore/data/partitions.json (version 1.1, commit 0e6e2404b85d, 2026-08-07),
// fields "id", "regionRegex", "regions", "outputs.dnsSuffix" and
// "outputs.dualStackDnsSuffix".
type Partition struct {
	// Name is the partition ID, as in ARNs ("aws", "aws-cn", "aws-iso-b").
	Name string
	// DNSSuffix is the domain of the partition's service names
	// ("amazonaws.com", "amazonaws.com.cn", "c2s.ic.gov").
	DNSSuffix string
	// DualStackDNSSuffix is the domain of the dual-stack (IPv4 and IPv6)
	// service names ("api.aws", "api.amazonwebservices.com.cn").
	DualStackDNSSuffix string
	// RegionRegex is the partition's region pattern exactly as botocore
	// writes it; a region belongs to the partition when it matches.
	RegionRegex string
	// EndpointPrefix is the partition's reverse-DNS prefix ("cn.com.amazonaws",
	// "gov.ic.c2s"): the DNS suffix with its labels reversed. Only some
	// services use it in their VPC endpoint service names; the rest keep
	// "com.amazonaws" (see Service.ReverseDNSIn and EndpointServiceName).
	EndpointPrefix string
	// Regions are the regions botocore lists in the partition, without
	// the *-global pseudo-regions, sorted. RegionRegex, not this list,
	// decides what is a valid region (a new region is valid before this
	// table knows it); the list is what shell completion offers.
	Regions []string

	region *regionMatcher
}

// matches reports whether region matches the partition's regionRegex.
func (p Partition) matches(region string) bool { return p.region.match(region) }

func newPartition(name, regionRegex, dnsSuffix, dualStackDNSSuffix string, regions ...string) Partition {
	labels := strings.Split(dnsSuffix, ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return Partition{
		Name:               name,
		DNSSuffix:          dnsSuffix,
		DualStackDNSSuffix: dualStackDNSSuffix,
		RegionRegex:        regionRegex,
		EndpointPrefix:     strings.Join(labels, "."),
		Regions:            regions,
		region:             newRegionMatcher(regionRegex),
	}
}

// Partition names.
const (
	PartitionAWS      = "aws"
	PartitionChina    = "aws-cn"
	PartitionGovCloud = "aws-us-gov"
	PartitionISO      = "aws-iso"
	PartitionISOB     = "aws-iso-b"
	PartitionISOE     = "aws-iso-e"
	PartitionISOF     = "aws-iso-f"
	PartitionEUSC     = "aws-eusc"
)

// partitions is botocore's table (see Partition). The regexes use \w, which
// has no hyphen, so they never overlap today; "aws" still comes last because
// its pattern is the broad one (any two-letter prefix it lists followed by
// any word), and a future partition whose regions start with "us-" or "eu-"
// must win over it.
var partitions = []Partition{
	newPartition(PartitionChina, `^cn\-\w+\-\d+$`, "amazonaws.com.cn", "api.amazonwebservices.com.cn",
		"cn-north-1", "cn-northwest-1"),
	newPartition(PartitionEUSC, `^eusc\-(de)\-\w+\-\d+$`, "amazonaws.eu", "api.amazonwebservices.eu",
		"eusc-de-east-1"),
	newPartition(PartitionISO, `^us\-iso\-\w+\-\d+$`, "c2s.ic.gov", "api.aws.ic.gov",
		"us-iso-east-1", "us-iso-west-1"),
	newPartition(PartitionISOB, `^us\-isob\-\w+\-\d+$`, "sc2s.sgov.gov", "api.aws.scloud",
		"us-isob-east-1", "us-isob-west-1"),
	newPartition(PartitionISOE, `^eu\-isoe\-\w+\-\d+$`, "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk",
		"eu-isoe-west-1"),
	newPartition(PartitionISOF, `^us\-isof\-\w+\-\d+$`, "csp.hci.ic.gov", "api.aws.hci.ic.gov",
		"us-isof-east-1", "us-isof-south-1"),
	newPartition(PartitionGovCloud, `^us\-gov\-\w+\-\d+$`, "amazonaws.com", "api.aws",
		"us-gov-east-1", "us-gov-west-1"),
	newPartition(PartitionAWS, `^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`, "amazonaws.com", "api.aws",
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
		"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
		"us-west-1", "us-west-2"),
}

// Partitions returns every known partition, most specific region pattern
// first.
func Partitions() []Partition {
	out := append([]Partition(nil), partitions...)
	for i := range out {
		out[i].Regions = slices.Clone(out[i].Regions)
	}
	return out
}

// Regions lists the regions of every partition (see Partition.Regions),
// sorted.
func Regions() []string {
	var out []string
	for _, p := range partitions {
		out = append(out, p.Regions...)
	}
	slices.Sort(out)
	return out
}

// LookupPartition returns the partition whose region pattern region matches.
func LookupPartition(region string) (Partition, bool) {
	for _, p := range partitions {
		if p.matches(region) {
			return p, true
		}
	}
	return Partition{}, false
}

// PartitionByName returns the partition with ID name ("aws-cn"), as found in
// ARNs.
func PartitionByName(name string) (Partition, bool) {
	for _, p := range partitions {
		if p.Name == name {
			return p, true
		}
	}
	return Partition{}, false
}

// PartitionOf returns the partition a region belongs to, and the "aws"
// partition for a string that is no region (check ValidRegion first, or use
// LookupPartition, where that matters).
func PartitionOf(region string) Partition {
	if p, ok := LookupPartition(region); ok {
		return p
	}
	return partitions[len(partitions)-1]
}

// ValidRegion reports whether region matches some partition's region
// pattern: exactly the names the AWS SDKs resolve to a partition.
func ValidRegion(region string) bool {
	_, ok := LookupPartition(region)
	return ok
}

// DNSSuffix returns the domain of region's service names ("amazonaws.com",
// "amazonaws.com.cn"): what a custom resolver must forward to the VPC
// resolver for interface endpoints' private DNS to work.
func DNSSuffix(region string) string { return PartitionOf(region).DNSSuffix }
