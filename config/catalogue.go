package config

import (
	"fmt"
	"regexp"
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
	// (the partition's DNS suffix) are filled in by Expand.
	HostTemplate string
	// Expect is the default expectation for the service.
	Expect Expect
	// EndpointService is the suffix of the VPC endpoint service name
	// ("com.amazonaws.REGION." + EndpointService); used in hints.
	EndpointService string
	Kind            EndpointKind
	// GlobalPrefixInChina is true for the few services whose endpoint service
	// name keeps the "com.amazonaws." prefix in the aws-cn partition; most
	// use "cn.com.amazonaws.".
	GlobalPrefixInChina bool
	// What says in a few words what the service is used for; shown by
	// `preflight endpoints` and in hints.
	What string
}

// catalogue is the data table behind catalogue names. Adding a service is a
// row here, nothing else.
var catalogue = []Service{
	{Name: "ecr.api", HostTemplate: "api.ecr.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecr.api", Kind: Interface, What: "ECR API (image manifests, auth tokens)"},
	{Name: "ecr.dkr", HostTemplate: "{account}.dkr.ecr.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecr.dkr", Kind: Interface, What: "ECR registry (docker pull)"},
	{Name: "ecr.layers", HostTemplate: "prod-{region}-starport-layer-bucket.s3.{region}.{dns}", Expect: ExpectAny, EndpointService: "s3", Kind: Gateway, GlobalPrefixInChina: true, What: "ECR image layers in S3"},
	{Name: "s3", HostTemplate: "s3.{region}.{dns}", Expect: ExpectAny, EndpointService: "s3", Kind: Gateway, GlobalPrefixInChina: true, What: "Amazon S3"},
	{Name: "dynamodb", HostTemplate: "dynamodb.{region}.{dns}", Expect: ExpectAny, EndpointService: "dynamodb", Kind: Gateway, GlobalPrefixInChina: true, What: "Amazon DynamoDB"},
	{Name: "logs", HostTemplate: "logs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "logs", Kind: Interface, What: "CloudWatch Logs (awslogs driver)"},
	{Name: "monitoring", HostTemplate: "monitoring.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "monitoring", Kind: Interface, What: "CloudWatch metrics"},
	{Name: "secretsmanager", HostTemplate: "secretsmanager.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "secretsmanager", Kind: Interface, What: "Secrets Manager (task secrets)"},
	{Name: "ssm", HostTemplate: "ssm.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ssm", Kind: Interface, What: "Systems Manager Parameter Store"},
	{Name: "ssmmessages", HostTemplate: "ssmmessages.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ssmmessages", Kind: Interface, What: "ECS Exec sessions"},
	{Name: "ec2messages", HostTemplate: "ec2messages.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ec2messages", Kind: Interface, What: "SSM agent messages"},
	{Name: "kms", HostTemplate: "kms.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "kms", Kind: Interface, What: "AWS KMS"},
	{Name: "sts", HostTemplate: "sts.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sts", Kind: Interface, What: "AWS STS (role credentials)"},
	{Name: "ecs", HostTemplate: "ecs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ecs", Kind: Interface, What: "Amazon ECS API (EC2 launch type agents)"},
	{Name: "ec2", HostTemplate: "ec2.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "ec2", Kind: Interface, What: "Amazon EC2 API"},
	{Name: "xray", HostTemplate: "xray.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "xray", Kind: Interface, What: "AWS X-Ray"},
	{Name: "elasticfilesystem", HostTemplate: "elasticfilesystem.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "elasticfilesystem", Kind: Interface, What: "Amazon EFS API"},
	{Name: "sqs", HostTemplate: "sqs.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sqs", Kind: Interface, What: "Amazon SQS"},
	{Name: "sns", HostTemplate: "sns.{region}.{dns}", Expect: ExpectPrivate, EndpointService: "sns", Kind: Interface, GlobalPrefixInChina: true, What: "Amazon SNS"},
}

// bundles are catalogue names that stand for several services.
var bundles = map[string][]string{
	"ecr": {"ecr.api", "ecr.dkr", "ecr.layers"},
}

// LookupService returns the catalogue row for name.
func LookupService(name string) (Service, bool) {
	for _, s := range catalogue {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// Services returns a copy of the catalogue, sorted by name.
func Services() []Service {
	out := append([]Service(nil), catalogue...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

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
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return names
}

// Partition is an AWS partition and the DNS suffix its service names use.
type Partition struct {
	Name      string
	DNSSuffix string
	// EndpointPrefix is how VPC endpoint service names start ("com.amazonaws").
	EndpointPrefix string
}

var (
	partitionAWS    = Partition{Name: "aws", DNSSuffix: "amazonaws.com", EndpointPrefix: "com.amazonaws"}
	partitionChina  = Partition{Name: "aws-cn", DNSSuffix: "amazonaws.com.cn", EndpointPrefix: "cn.com.amazonaws"}
	partitionGov    = Partition{Name: "aws-us-gov", DNSSuffix: "amazonaws.com", EndpointPrefix: "com.amazonaws"}
	partitionISO    = Partition{Name: "aws-iso", DNSSuffix: "c2s.ic.gov", EndpointPrefix: "gov.ic.c2s"}
	partitionISOB   = Partition{Name: "aws-iso-b", DNSSuffix: "sc2s.sgov.gov", EndpointPrefix: "gov.sgov.sc2s"}
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	accountPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	errRegionFormat = "want a region such as us-east-1, eu-west-2 or cn-north-1"
)

// PartitionOf returns the partition a region belongs to.
func PartitionOf(region string) Partition {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return partitionChina
	case strings.HasPrefix(region, "us-gov-"):
		return partitionGov
	case strings.HasPrefix(region, "us-isob-"):
		return partitionISOB
	case strings.HasPrefix(region, "us-iso-"):
		return partitionISO
	default:
		return partitionAWS
	}
}

// ValidRegion reports whether region has the shape of an AWS region name.
func ValidRegion(region string) bool { return regionPattern.MatchString(region) }

// ValidAccount reports whether account is a 12-digit AWS account ID.
func ValidAccount(account string) bool { return accountPattern.MatchString(account) }

// EndpointServiceName returns the VPC endpoint service name for svc in region,
// e.g. "com.amazonaws.us-east-1.ecr.dkr".
func EndpointServiceName(svc Service, region string) string {
	p := PartitionOf(region)
	prefix := p.EndpointPrefix
	if p.Name == partitionChina.Name && svc.GlobalPrefixInChina {
		prefix = partitionAWS.EndpointPrefix
	}
	return fmt.Sprintf("%s.%s.%s", prefix, region, svc.EndpointService)
}

// hostFor fills svc's host template.
func hostFor(svc Service, region, account string) string {
	r := strings.NewReplacer("{region}", region, "{account}", account, "{dns}", PartitionOf(region).DNSSuffix)
	return r.Replace(svc.HostTemplate)
}
