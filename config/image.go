package config

import (
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Image is where a container image is pulled from, as ParseImage reads an
// image reference ([REGISTRY/]REPOSITORY[:TAG][@DIGEST]).
type Image struct {
	// Registry is the registry host, lower-cased, without a port:
	// "123456789012.dkr.ecr.us-east-1.amazonaws.com", "registry-1.docker.io"
	// (for references without a registry and for docker.io), "ghcr.io".
	Registry string
	// Port is the registry port when the reference names one
	// ("localhost:5000/app"); 0 means HTTPS on 443.
	Port int
	// ECR is true for an Amazon ECR private registry in any partition and
	// form. ECR Public (public.ecr.aws) is not ECR here: it is Public.
	ECR bool
	// Account, Region and Partition are the ECR registry's ("aws-cn");
	// empty unless ECR.
	Account, Region, Partition string
	// FIPS is true for the FIPS names (ACCOUNT.dkr.ecr-fips.REGION...,
	// ACCOUNT.dkr-ecr-fips.REGION.on.aws).
	FIPS bool
	// DualStack is true for the dual-stack (IPv4 and IPv6) names
	// (ACCOUNT.dkr-ecr.REGION.on.aws), which IPv6-only tasks must use.
	// "Amazon ECR does not support AWS PrivateLink traffic over dual-stack
	// endpoints" (ECR User Guide, "Making requests to Amazon ECR
	// registries"): their path is public by design.
	DualStack bool
	// APIHost is the ECR API host that goes with the registry (the pull
	// gets its auth token there): api.ecr.REGION.DNS, ecr-fips.REGION.DNS,
	// ecr.REGION.api.aws or ecr-fips.REGION.api.aws. Empty unless ECR.
	APIHost string
	// Public is true for every registry that is not ECR private: no AWS VPC
	// endpoint serves it, so only reachability (over NAT or a proxy) can be
	// checked. A self-hosted registry is Public in this sense too.
	Public bool
}

// Expect is the expectation a check of the image's registry should carry:
// private for ECR's IPv4 names, which a VPC endpoint serves; any for
// everything else. FIPS names get any as well: AWS does not document
// whether the ecr.dkr endpoint's private DNS covers them (unconfirmed), and
// a private expectation would fail a working pull.
func (im Image) Expect() Expect {
	if im.ECR && !im.FIPS && !im.DualStack {
		return ExpectPrivate
	}
	return ExpectAny
}

// dockerHubRegistry is the host Docker Hub pulls go to.
const dockerHubRegistry = "registry-1.docker.io"

// The registry patterns are compiled on first use: only runs that derive
// checks from task metadata read image names, and compiling at package
// initialisation would cost every process.
var (
	// ecrRegistry matches ACCOUNT.dkr.ecr[-fips].REGION.SUFFIX; SUFFIX must be
	// the region's partition DNS suffix.
	ecrRegistry = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z0-9_-]+)\.(.+)$`)
	})
	// ecrDualStackRegistry matches ACCOUNT.dkr-ecr[-fips].REGION.on.aws, the
	// only dual-stack registry form AWS documents (ECR endpoints in the AWS
	// General Reference); other partitions' forms are not recognised.
	ecrDualStackRegistry = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([0-9]{12})\.dkr-ecr(-fips)?\.([a-z0-9_-]+)\.on\.aws$`)
	})
)

// ParseImage reads the registry out of a container image reference. It
// reports false for strings that are no image reference (empty, spaces, a
// bad registry host or port, no repository).
func ParseImage(image string) (Image, bool) {
	if image == "" || strings.ContainsAny(image, " \t\r\n") {
		return Image{}, false
	}
	first, rest, found := strings.Cut(image, "/")
	// Docker's rule: the first component is a registry when it has a dot or
	// a port, or is localhost; otherwise the image is on Docker Hub.
	if !found || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		if strings.HasPrefix(image, "/") || strings.HasPrefix(image, ":") || strings.HasPrefix(image, "@") {
			return Image{}, false
		}
		return Image{Registry: dockerHubRegistry, Public: true}, true
	}
	if rest == "" || strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "@") {
		return Image{}, false
	}
	host, port, ok := splitRegistry(strings.ToLower(first))
	if !ok {
		return Image{}, false
	}
	switch host {
	case "docker.io", "index.docker.io", dockerHubRegistry:
		return Image{Registry: dockerHubRegistry, Port: port, Public: true}, true
	}
	if port == 0 || port == DefaultPort {
		if im, ok := parseECRHost(host); ok {
			im.Port = port
			return im, true
		}
	}
	return Image{Registry: host, Port: port, Public: true}, true
}

// splitRegistry splits HOST[:PORT] and checks both.
func splitRegistry(s string) (string, int, bool) {
	host, port := s, 0
	if strings.Contains(s, ":") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", 0, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, false
		}
		host, port = h, n
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host, port, true
	}
	if host != "localhost" && validHostName(host) != nil {
		return "", 0, false
	}
	return host, port, true
}

// parseECRHost recognises an ECR private registry host.
func parseECRHost(host string) (Image, bool) {
	if m := ecrRegistry().FindStringSubmatch(host); m != nil {
		account, fips, region, suffix := m[1], m[2] != "", m[3], m[4]
		p, ok := LookupPartition(region)
		if !ok || suffix != p.DNSSuffix {
			return Image{}, false
		}
		api := "api.ecr." + region + "." + p.DNSSuffix
		if fips {
			api = "ecr-fips." + region + "." + p.DNSSuffix
		}
		return Image{Registry: host, ECR: true, Account: account, Region: region, Partition: p.Name, FIPS: fips, APIHost: api}, true
	}
	if m := ecrDualStackRegistry().FindStringSubmatch(host); m != nil {
		account, fips, region := m[1], m[2] != "", m[3]
		p, ok := LookupPartition(region)
		if !ok || p.DualStackDNSSuffix != "api.aws" {
			return Image{}, false // on.aws belongs to aws and aws-us-gov only
		}
		api := "ecr." + region + "." + p.DualStackDNSSuffix
		if fips {
			api = "ecr-fips." + region + "." + p.DualStackDNSSuffix
		}
		return Image{Registry: host, ECR: true, Account: account, Region: region, Partition: p.Name, FIPS: fips, DualStack: true, APIHost: api}, true
	}
	return Image{}, false
}

// ECRDualStackRegistry returns ECR's dual-stack (IPv4 and IPv6) registry
// host for account in region, ACCOUNT.dkr-ecr.REGION.on.aws, the name an
// IPv6-only task pulls through; ok is false in a partition without one
// (on.aws serves aws and aws-us-gov only, as ParseImage knows).
func ECRDualStackRegistry(account, region string) (host string, ok bool) {
	p, found := LookupPartition(region)
	if !found || p.DualStackDNSSuffix != "api.aws" || !ValidAccount(account) {
		return "", false
	}
	return account + ".dkr-ecr." + region + ".on.aws", true
}
