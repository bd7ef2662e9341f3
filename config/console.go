package config

// consoleDomains are the AWS Management Console's domains by partition.
// botocore's partition data has no console domain, so they are AWS's
// published sign-in hosts; the isolated partitions and the European
// Sovereign Cloud have consoles reachable only from their own networks
// under names not published here, so they have none and the HTML report
// links nothing there.
var consoleDomains = map[string]string{
	PartitionAWS:      "console.aws.amazon.com",
	PartitionChina:    "console.amazonaws.cn",
	PartitionGovCloud: "console.amazonaws-us-gov.com",
}

// ConsoleDomain returns the console domain of region's partition, "" for
// a region outside the partitions with a known console (and for a string
// that is no region).
func ConsoleDomain(region string) string {
	p, ok := LookupPartition(region)
	if !ok {
		return ""
	}
	return consoleDomains[p.Name]
}
