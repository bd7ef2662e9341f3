package audit

import (
	"github.com/preflight-dev/preflight/config"
)

// endpointServiceName is the VPC endpoint service name of a catalogue
// service in region ("" for names outside the catalogue).
func endpointServiceName(service, region string) string {
	svc, ok := config.LookupService(service)
	if !ok {
		return ""
	}
	return config.EndpointServiceName(svc, region)
}
