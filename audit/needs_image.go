package audit

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/preflight-dev/preflight/config"
)

// registryIsAddress reports whether a registry host is an IP literal or
// localhost: no DNS answer decides where the pull goes, so the need is
// judged on the address itself rather than as an internet registry.
func registryIsAddress(host string) bool {
	if host == "localhost" {
		return true
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// registryHost is a registry as a reason names it: its host, with the
// port when the image names one (registry.example.com:5000,
// [2001:db8::1]:5000).
func registryHost(im config.Image) string {
	if im.Port == 0 {
		return im.Registry
	}
	return net.JoinHostPort(im.Registry, strconv.Itoa(im.Port))
}

// isLoopback reports whether a host need names the host itself
// (localhost, 127.0.0.0/8, ::1): the connection never leaves it, so no
// route, security group or network ACL is on its path.
func isLoopback(n Need) bool {
	return n.Host == "localhost" || n.Addr.IsLoopback()
}
