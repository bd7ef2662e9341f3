package plan

import (
	"fmt"
	"os"

	"github.com/preflight-dev/preflight/probe"
)

// systemResolvers reads the nameservers of a resolv.conf.
func systemResolvers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading nameservers: %w; pass --resolver or PREFLIGHT_RESOLVER", err)
	}
	defer f.Close()
	servers, err := probe.ParseResolvConf(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("%s has no nameserver line; pass --resolver or PREFLIGHT_RESOLVER", path)
	}
	return servers, nil
}
