package audit

import (
	"fmt"
	"net/netip"

	"github.com/preflight-dev/preflight/config"
)

// logs adds what a container's log configuration needs, read as `check`'s
// auto reads it (config.LogRoutes): CloudWatch Logs for awslogs, the
// service of a FireLens output (logs, kinesis-streams, firehose, s3) in
// its region, or the host of an awslogs-endpoint or a FireLens output's
// endpoint, which then carries the logs instead of the default name. A
// log router whose FireLens configuration is an S3 object needs S3 too.
func (c *needCollector) logs(ct Container) {
	for _, r := range config.LogRoutes(ct.LogDriver, ct.LogOptions) {
		switch {
		case r.Host != "":
			// A VPC endpoint's own DNS name or a proxy: judged like a host
			// entry (an IP literal as far as the facts go, a name by
			// `preflight check` inside the task).
			addr, _ := netip.ParseAddr(r.Host)
			c.add(Need{Service: NeedHost, Host: r.Host, Addr: addr.Unmap(), Port: r.Port,
				Reason: fmt.Sprintf("container %s %s", ct.Name, r.Option)})
		case ct.LogDriver == "awslogs":
			c.add(Need{Service: r.Service, Region: r.Region,
				Reason: fmt.Sprintf("container %s log driver awslogs (group %s)", ct.Name, ct.LogOptions["awslogs-group"])})
		default:
			why := fmt.Sprintf("container %s log driver %s", ct.Name, r.Option)
			if r.Region != "" {
				why += " (region " + r.Region + ")"
			}
			c.add(Need{Service: r.Service, Region: r.Region, Reason: why})
		}
	}
	if fl := ct.FireLens; fl != nil && fl.Options["config-file-type"] == "s3" {
		c.add(Need{Service: "s3", Reason: fmt.Sprintf("container %s firelensConfiguration config file %s", ct.Name, fl.Options["config-file-value"])})
	}
}
