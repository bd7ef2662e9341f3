package audit

import (
	"strings"

	"github.com/preflight-dev/preflight/config"
)

// localServices are endpoint services the rules need that the config
// catalogue does not list yet. TEMPORARY: ecs-agent and ecs-telemetry are
// being added to config's catalogue on another branch; lookupService asks
// the catalogue first, so once they land there these rows are dead and can
// be deleted.
var localServices = map[string]config.Service{
	"ecs-agent":     {Name: "ecs-agent", EndpointService: "ecs-agent", Kind: config.Interface, Expect: config.ExpectPrivate, What: "ECS container agent (EC2 launch type, Service Connect)"},
	"ecs-telemetry": {Name: "ecs-telemetry", EndpointService: "ecs-telemetry", Kind: config.Interface, Expect: config.ExpectPrivate, What: "ECS agent telemetry (EC2 launch type)"},
}

// lookupService finds a catalogue row, falling back to localServices.
func lookupService(name string) (config.Service, bool) {
	if s, ok := config.LookupService(name); ok {
		return s, true
	}
	s, ok := localServices[name]
	return s, ok
}

// endpointServiceName is the VPC endpoint service name of a catalogue
// service in region ("" for names outside the catalogue).
func endpointServiceName(service, region string) string {
	svc, ok := lookupService(service)
	if !ok {
		return ""
	}
	return config.EndpointServiceName(svc, region)
}

// ecrRegistry is a private ECR registry an image comes from.
type ecrRegistry struct {
	Account, Region string
	FIPS            bool
}

// parseECRImage recognises ACCOUNT.dkr.ecr[-fips].REGION.DNSSUFFIX/...,
// where DNSSUFFIX is the region's partition suffix (amazonaws.com,
// amazonaws.com.cn, ...). It is the one place that knows the shape of an
// ECR host. Dual-stack names (dkr-ecr.REGION.on.aws) are not matched: ECR
// PrivateLink does not serve them, so they need an internet path.
func parseECRImage(image string) (ecrRegistry, bool) {
	host := registryHost(image)
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	labels := strings.SplitN(host, ".", 5)
	if len(labels) != 5 || labels[1] != "dkr" {
		return ecrRegistry{}, false
	}
	account, ecr, region, suffix := labels[0], labels[2], labels[3], labels[4]
	if !config.ValidAccount(account) || (ecr != "ecr" && ecr != "ecr-fips") || !config.ValidRegion(region) {
		return ecrRegistry{}, false
	}
	if suffix != config.PartitionOf(region).DNSSuffix {
		return ecrRegistry{}, false
	}
	return ecrRegistry{Account: account, Region: region, FIPS: ecr == "ecr-fips"}, true
}

// registryHost is the registry part of an image reference, following
// Docker's rule: the first path component is a host when it has a dot or
// a port or is "localhost"; otherwise the image is on Docker Hub.
func registryHost(image string) string {
	first, _, found := strings.Cut(image, "/")
	if !found {
		return "docker.io"
	}
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		return strings.ToLower(first)
	}
	return "docker.io"
}
