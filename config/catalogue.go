package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// EndpointKind says how a VPC reaches a service privately; it decides which
// remediation a failure needs and whether a public DNS answer is a fault.
type EndpointKind string

const (
	// Interface endpoints (PrivateLink) put ENIs with private IPs in the subnets;
	// with private DNS enabled the public name resolves to them.
	Interface EndpointKind = "interface"
	// Gateway endpoints (S3, DynamoDB) are route-table entries to a prefix list;
	// the name keeps resolving to public addresses.
	Gateway EndpointKind = "gateway"
)

// Service is one row of the AWS endpoint catalogue.
type Service struct {
	// Name is what users write in --checks (e.g. "ecr.dkr").
	Name string
	// HostTemplate is the host clients use; {region}, {account} and {dns}
	// (the partition's DNS suffix) are filled in by Expand and HostFor.
	// Empty when the service has no fixed host (see NoHost).
	HostTemplate string
	// NoHost says why a service has no HostTemplate; such a row exists for
	// the endpoint audit and cannot be probed.
	NoHost string
	// Expect is the default expectation for the service.
	Expect Expect
	// EndpointService is the last part of the VPC endpoint service name
	// (PREFIX.REGION.EndpointService); see EndpointServiceName.
	EndpointService string
	Kind            EndpointKind
	// ReverseDNSIn lists where the endpoint service name starts with the
	// partition's own reverse-DNS prefix (Partition.EndpointPrefix, such as
	// "cn.com.amazonaws") instead of "com.amazonaws": partition names (every
	// region of the partition) or region names (that region only). It is
	// what `aws ec2 describe-vpc-endpoint-services` returns; see the sources
	// above the catalogue.
	ReverseDNSIn []string
	// CrossRegion is true when AWS PrivateLink serves the service from
	// another Region of the partition: an interface endpoint created with
	// --service-region, whose service name is the other Region's
	// (com.amazonaws.us-west-2.ecr.dkr in a VPC of ap-northeast-1). See
	// crossRegionSource.
	CrossRegion bool
}

// crossRegionSource is where CrossRegion comes from: AWS PrivateLink's
// list of cross-Region enabled AWS services, which names S3, IAM, ECR
// (ecr.api, ecr.dkr), KMS (kms, kms-fips), ECS (ecs), Lambda, Data
// Firehose, Managed Service for Apache Flink and Route 53; CloudWatch
// Logs, Secrets Manager, SSM and the ECS agent's ecs-agent and
// ecs-telemetry are not on it, so they are served only in their own
// Region.
const crossRegionSource = "https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html"

// CrossRegionSource is the page that lists the services AWS PrivateLink
// serves across Regions (Service.CrossRegion).
func CrossRegionSource() string { return crossRegionSource }

// ecsEndpointSetSource is the ECS interface VPC endpoint page. Under
// "Considerations for endpoints in Regions introduced starting on
// December 23, 2023" it says those Regions must have all three of
// com.amazonaws.REGION.ecs-agent, .ecs-telemetry and .ecs, and: "If you do
// not configure all of the endpoints, your traffic will go over the public
// endpoints, not your VPC endpoint." (its example is ca-west-1). The page
// says no such thing for older Regions, where each endpoint serves its
// own traffic.
const ecsEndpointSetSource = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html"

// ecsEndpointSetRegions are the Regions of the aws partition introduced
// starting on December 23, 2023 (ecsEndpointSetSource): ca-west-1 is the
// page's own example (launched December 20, 2023, yet named by the page);
// the others opened after it, by the launch dates of the Regions
// document history
// (https://docs.aws.amazon.com/global-infrastructure/latest/regions/doc-history.html):
// ap-southeast-5 August 21, 2024; ap-southeast-7 January 7, 2025;
// mx-central-1 January 14, 2025; ap-east-2 June 6, 2025; ap-southeast-6
// September 2, 2025. Every other
// Region of the partition table predates the cut-off. Regions of the
// other partitions are not listed: the page does not say whether the rule
// applies there.
var ecsEndpointSetRegions = []string{"ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "mx-central-1"}

// ECSEndpointSet reports whether region is one where the ECS agent uses
// its VPC endpoints only when all three of ECSEndpointSetServices exist
// (a Region introduced starting on December 23, 2023), and the page that
// says so.
func ECSEndpointSet(region string) (bool, string) {
	return slices.Contains(ecsEndpointSetRegions, region), ecsEndpointSetSource
}

// ECSEndpointSetServices are the catalogue names of the three ECS
// endpoints that ECSEndpointSet Regions need together.
func ECSEndpointSetServices() []string { return []string{"ecs", "ecs-agent", "ecs-telemetry"} }

// Where ReverseDNSIn comes from. AWS documents the per-service VPC endpoint
// service names only through describe-vpc-endpoint-services, so:
//
//   - aws, aws-us-gov: every catalogue service is com.amazonaws.REGION.NAME
//     (docs/aws-facts.md, "Endpoints and DNS"; the CDK table below lists no
//     exception for either partition).
//   - aws-cn: the AWS CDK's table of services that use cn.com.amazonaws,
//     kept from describe-vpc-endpoint-services output (aws/aws-cdk,
//     packages/aws-cdk-lib/aws-ec2/lib/vpc-endpoint.ts,
//     InterfaceVpcEndpointAwsService.getDefaultEndpointPrefix; the lists for
//     cn-north-1 and cn-northwest-1 agree on every catalogue service).
//     Confirmed independently by a published cn-north-1
//     describe-vpc-endpoint-services listing (gist readybuilderone/
//     d355f9f8f0f2b66379a10742b3c67cc7: cn.com.amazonaws for ec2, ecr.api,
//     ecr.dkr, elasticfilesystem, monitoring and the S3 *interface* endpoint)
//     and by China Terraform code keeping com.amazonaws for logs,
//     secretsmanager and the S3/DynamoDB *gateway* endpoints.
//   - aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc: the same CDK
//     table (prefixes gov.ic.c2s, gov.sgov.sc2s, uk.adc-e.cloud,
//     gov.ic.hci.csp, eu.amazonaws). Unconfirmed by any second source:
//     these partitions publish no listings. Where the CDK lists a service
//     for only some regions of a partition (monitoring in us-iso-west-1;
//     ec2, elasticfilesystem, sns and sqs in us-isob-east-1 but not
//     us-isob-west-1) the row names those regions, as the CDK does.
//   - Gateway endpoints (s3, dynamodb) keep com.amazonaws everywhere: the
//     CDK's GatewayVpcEndpointAwsService (same file) always builds
//     com.amazonaws.REGION.NAME. Confirmed for
//     aws-cn as above; unconfirmed for the ISO and EUSC partitions.
var (
	reverseECR = []string{PartitionChina, PartitionISO, PartitionISOB, PartitionISOE, PartitionISOF, PartitionEUSC}
	// ec2, elasticfilesystem and sqs share a pattern: China, all of
	// aws-iso, and us-isob-east-1.
	reverseCNISO = []string{PartitionChina, PartitionISO, "us-isob-east-1"}
)

// noHostECSAgent explains the ecs-agent and ecs-telemetry rows. The ECS
// agent learns these hosts from ecs:DiscoverPollEndpoint (ECS API
// reference: "endpoint", "telemetryEndpoint"); observed answers look like
// https://ecs-a-1.us-east-1.amazonaws.com and ecs-t-1..., and are described
// as changing over time (public write-ups and emulators, not AWS
// documentation). No fixed host exists, so the rows are for the endpoint
// audit only.
const noHostECSAgent = "the ECS agent on EC2 container instances gets its %s host from ecs:DiscoverPollEndpoint (names like ecs-%s-1.REGION.DNS-SUFFIX that can change over time), so there is no fixed name to probe; the VPC endpoint %s is still needed in subnets without NAT, and the endpoint audit checks that it exists"

// catalogue is the data table behind catalogue names. Adding a service is a
// row here, nothing else.
var catalogue = []Service{
	{Name: "ecr.api", HostTemplate: "api.ecr.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecr.api", Kind: Interface, ReverseDNSIn: reverseECR, CrossRegion: true},
	{Name: "ecr.dkr", HostTemplate: "{account}.dkr.ecr.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecr.dkr", Kind: Interface, ReverseDNSIn: reverseECR, CrossRegion: true},
	// A gateway endpoint serves only its own Region; across Regions S3 (and
	// so the layers) has an interface endpoint only (CrossRegion).
	{Name: "ecr.layers", HostTemplate: "prod-{region}-starport-layer-bucket.s3.{region}.{dns}", Expect: ExpectAny, EndpointService: "s3", Kind: Gateway, CrossRegion: true},
	{Name: "s3", HostTemplate: "s3.{region}.{dns}", Expect: ExpectAny, EndpointService: "s3", Kind: Gateway, CrossRegion: true},
	{Name: "dynamodb", HostTemplate: "dynamodb.{region}.{dns}", Expect: ExpectAny, EndpointService: "dynamodb", Kind: Gateway},
	{Name: "logs", HostTemplate: "logs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "logs", Kind: Interface},
	{Name: "monitoring", HostTemplate: "monitoring.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "monitoring", Kind: Interface, ReverseDNSIn: []string{PartitionChina, "us-iso-west-1"}},
	{Name: "secretsmanager", HostTemplate: "secretsmanager.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "secretsmanager", Kind: Interface},
	{Name: "ssm", HostTemplate: "ssm.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ssm", Kind: Interface},
	{Name: "ssmmessages", HostTemplate: "ssmmessages.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ssmmessages", Kind: Interface},
	{Name: "ec2messages", HostTemplate: "ec2messages.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ec2messages", Kind: Interface},
	{Name: "kms", HostTemplate: "kms.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "kms", Kind: Interface, CrossRegion: true},
	{Name: "sts", HostTemplate: "sts.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sts", Kind: Interface, ReverseDNSIn: []string{PartitionChina}},
	{Name: "ecs", HostTemplate: "ecs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecs", Kind: Interface, CrossRegion: true},
	{Name: "ecs-agent", NoHost: fmt.Sprintf(noHostECSAgent, "control", "a", "com.amazonaws.REGION.ecs-agent"), Expect: ExpectPrivate, EndpointService: "ecs-agent", Kind: Interface},
	{Name: "ecs-telemetry", NoHost: fmt.Sprintf(noHostECSAgent, "telemetry", "t", "com.amazonaws.REGION.ecs-telemetry"), Expect: ExpectPrivate, EndpointService: "ecs-telemetry", Kind: Interface},
	{Name: "ec2", HostTemplate: "ec2.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ec2", Kind: Interface, ReverseDNSIn: reverseCNISO},
	{Name: "xray", HostTemplate: "xray.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "xray", Kind: Interface, ReverseDNSIn: []string{PartitionChina}},
	{Name: "elasticfilesystem", HostTemplate: "elasticfilesystem.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "elasticfilesystem", Kind: Interface, ReverseDNSIn: reverseCNISO},
	{Name: "sqs", HostTemplate: "sqs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sqs", Kind: Interface, ReverseDNSIn: reverseCNISO},
	{Name: "sns", HostTemplate: "sns.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sns", Kind: Interface, ReverseDNSIn: []string{PartitionISO, "us-isob-east-1"}},
	// FireLens outputs (kinesis_streams, kinesis_firehose). Their endpoint
	// service names in aws-cn and the ISO partitions are unconfirmed: no
	// source lists them, so they follow the partition-wide default.
	{Name: "kinesis-streams", HostTemplate: "kinesis.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "kinesis-streams", Kind: Interface},
	{Name: "firehose", HostTemplate: "firehose.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "kinesis-firehose", Kind: Interface, CrossRegion: true},
}

// bundles are catalogue names that stand for several services.
var bundles = map[string][]string{
	"ecr": {"ecr.api", "ecr.dkr", "ecr.layers"},
}

// LookupService returns a copy of the catalogue row for name.
func LookupService(name string) (Service, bool) {
	for _, s := range catalogue {
		if s.Name == name {
			return s.clone(), true
		}
	}
	return Service{}, false
}

// Services returns a copy of the catalogue, sorted by name. Rows that are
// not Probeable are included: they exist for the endpoint audit; callers
// that build --checks from this list skip them.
func Services() []Service {
	out := make([]Service, 0, len(catalogue))
	for _, s := range catalogue {
		out = append(out, s.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// clone copies s so that callers cannot change the catalogue through the
// shared ReverseDNSIn slices.
func (s Service) clone() Service {
	s.ReverseDNSIn = slices.Clone(s.ReverseDNSIn)
	return s
}

// Probeable reports whether the service has a fixed host a probe can target.
func (s Service) Probeable() bool { return s.HostTemplate != "" }

// isCatalogueName reports whether name is a service or a bundle.
func isCatalogueName(name string) bool {
	if _, ok := bundles[name]; ok {
		return true
	}
	_, ok := LookupService(name)
	return ok
}

// catalogueNames lists every name accepted in --checks besides host names.
func catalogueNames() []string {
	names := []string{"auto"}
	for b := range bundles {
		names = append(names, b)
	}
	for _, s := range catalogue {
		if s.Probeable() {
			names = append(names, s.Name)
		}
	}
	sort.Strings(names)
	return names
}

// ValidAccount reports whether account is a 12-digit AWS account ID.
func ValidAccount(account string) bool {
	if len(account) != 12 {
		return false
	}
	for _, c := range account {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// errRegionFormat is the usage text for a bad --region.
const errRegionFormat = "want a region such as us-east-1, eu-west-2 or cn-north-1"

// EndpointServiceName returns the VPC endpoint service name for svc in
// region, as describe-vpc-endpoint-services lists it, e.g.
// "com.amazonaws.us-east-1.ecr.dkr" or "cn.com.amazonaws.cn-north-1.ecr.dkr".
// For a gateway service it is also the name of the AWS-managed prefix list.
func EndpointServiceName(svc Service, region string) string {
	p := PartitionOf(region)
	prefix := "com.amazonaws"
	if slices.Contains(svc.ReverseDNSIn, p.Name) || slices.Contains(svc.ReverseDNSIn, region) {
		prefix = p.EndpointPrefix
	}
	return prefix + "." + region + "." + svc.EndpointService
}

// EndpointServiceNameFor is EndpointServiceName by catalogue name; it fails
// for names not in the catalogue and regions in no partition.
func EndpointServiceNameFor(serviceName, region string) (string, error) {
	svc, ok := LookupService(serviceName)
	if !ok {
		return "", fmt.Errorf("service %q is not in the catalogue", serviceName)
	}
	if !ValidRegion(region) {
		return "", fmt.Errorf("service %s: region %q is in no AWS partition", serviceName, region)
	}
	return EndpointServiceName(svc, region), nil
}

// ErrNoFixedHost is returned (wrapped) for catalogue services whose host is
// only known at run time; see Service.NoHost.
var ErrNoFixedHost = errors.New("no fixed host")

// HostFor returns the host clients use for catalogue service serviceName in
// region ("logs.cn-north-1.amazonaws.com.cn"); account is needed only by
// services whose host names it (ecr.dkr).
func HostFor(serviceName, region, account string) (string, error) {
	svc, ok := LookupService(serviceName)
	if !ok {
		return "", fmt.Errorf("service %q is not in the catalogue", serviceName)
	}
	if !svc.Probeable() {
		return "", fmt.Errorf("service %s: %w: %s", serviceName, ErrNoFixedHost, svc.NoHost)
	}
	if !ValidRegion(region) {
		return "", fmt.Errorf("service %s: region %q is in no AWS partition", serviceName, region)
	}
	if needsAccount(svc) && !ValidAccount(account) {
		return "", fmt.Errorf("service %s: account %q is not a 12-digit AWS account ID", serviceName, account)
	}
	return hostFor(svc, region, account), nil
}

// S3PrefixListName returns the name of the AWS-managed prefix list that an
// S3 gateway endpoint routes to in region ("com.amazonaws.us-east-1.s3"):
// the gateway endpoint's service name. Documented for aws
// (docs/aws-facts.md); for aws-cn, China tutorials and test fixtures show
// com.amazonaws.cn-north-1.s3; for the other partitions it is assumed.
func S3PrefixListName(region string) string {
	svc, _ := LookupService("s3")
	return EndpointServiceName(svc, region)
}

// ECRLayerBucket returns the S3 bucket ECR serves image layers from in
// region ("prod-us-east-1-starport-layer-bucket"); a gateway endpoint policy
// must allow it for pulls through the endpoint to work.
func ECRLayerBucket(region string) string {
	return "prod-" + region + "-starport-layer-bucket"
}

func needsAccount(svc Service) bool { return strings.Contains(svc.HostTemplate, "{account}") }

// hostFor fills svc's host template. Not a strings.Replacer: that builds
// a lookup trie for every target, and ReplaceAll of a placeholder a
// template lacks returns it without copying.
func hostFor(svc Service, region, account string) string {
	host := strings.ReplaceAll(svc.HostTemplate, "{region}", region)
	host = strings.ReplaceAll(host, "{account}", account)
	return strings.ReplaceAll(host, "{dns}", DNSSuffix(region))
}
