package probe

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// ParseResolvConf returns the nameservers of a resolv.conf as host:port.
func ParseResolvConf(r io.Reader) ([]string, error) {
	var servers []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(fields[1])
		if err != nil {
			continue // glibc ignores what it cannot parse; so do we
		}
		servers = append(servers, netip.AddrPortFrom(a.WithZone(""), 53).String())
	}
	return servers, sc.Err()
}

// Well-known addresses of the AWS-provided (Route 53) resolver.
var (
	awsResolverLinkLocal = netip.MustParseAddr("169.254.169.253")
	awsResolverIPv6      = netip.MustParseAddr("fd00:ec2::253")
)

// ResolverPosture judges the DNS servers in use: pass when every one is the
// AWS-provided resolver, warn otherwise, because private DNS for interface
// endpoints then depends on forwarding. Outside ECS there is nothing to
// compare with and the check is skipped.
func ResolverPosture(inUse []string, task *Task, inECS bool) report.Result {
	res := report.Result{Check: report.CheckResolver, Target: "resolver", Addresses: inUse}
	if !inECS {
		res.Status, res.Detail = report.StatusSkip, "not running in ECS: nothing to compare "+strings.Join(inUse, ", ")+" with"
		return res
	}
	var given []string
	var subnet netip.Prefix
	haveSubnet := false
	if task != nil {
		if n, ok := task.TaskNetwork(); ok {
			given = n.DomainNameServers
			subnet, haveSubnet = n.SubnetCIDR()
		}
	}
	var foreign []string
	for _, s := range inUse {
		ap, err := netip.ParseAddrPort(s)
		if err != nil || ap.Port() != 53 || !isAWSResolver(ap.Addr(), subnet, haveSubnet, contains(given, ap.Addr())) {
			foreign = append(foreign, s)
		}
	}
	if len(foreign) == 0 {
		res.Status, res.Detail = report.StatusPass, "AWS-provided resolver "+strings.Join(inUse, ", ")
		return res
	}
	res.Status, res.Class = report.StatusWarn, report.ClassResolver
	res.FailedAddresses = foreign
	res.Error = fmt.Sprintf("resolver %s is not the AWS-provided resolver", strings.Join(foreign, ", "))
	if len(given) > 0 {
		res.Detail = "task metadata lists DomainNameServers " + strings.Join(given, ", ")
	}
	region := ""
	if task != nil {
		if arn, err := ParseTaskARN(task.TaskARN); err == nil {
			region = arn.Region
		}
	}
	res.Hint = resolverHint(foreign, region)
	return res
}

// isAWSResolver recognises the Route 53 Resolver: its link-local addresses,
// or the VPC base address + 2. The VPC CIDR is not in the metadata, so "base
// + 2" is checked against every prefix /16../28 that contains the task
// subnet; without a subnet, or when DHCP handed it out (DomainNameServers),
// any x.y.z.2 is accepted.
func isAWSResolver(a netip.Addr, subnet netip.Prefix, haveSubnet, listedByDHCP bool) bool {
	a = a.Unmap()
	if a == awsResolverLinkLocal || a == awsResolverIPv6 {
		return true
	}
	if !a.Is4() {
		return false
	}
	base := a.As4()
	if base[3] < 2 {
		return false
	}
	base[3] -= 2
	baseAddr := netip.AddrFrom4(base)
	if haveSubnet && subnet.Addr().Is4() {
		for bits := 16; bits <= subnet.Bits() && bits <= 28; bits++ {
			if p, err := subnet.Addr().Prefix(bits); err == nil && p.Addr() == baseAddr {
				return true
			}
		}
	}
	// Without a subnet (bridge or host mode), or for a subnet in a secondary
	// VPC CIDR whose DHCP options hand out the primary CIDR's resolver, only
	// the shape is left: the base of a /24 or larger network, plus two.
	return (!haveSubnet || listedByDHCP) && base[3] == 0
}

func contains(list []string, a netip.Addr) bool {
	for _, s := range list {
		if b, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil && b.Unmap() == a.Unmap() {
			return true
		}
	}
	return false
}
