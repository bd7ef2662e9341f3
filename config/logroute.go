package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// LogRoute is one destination a container's log driver sends to: a
// catalogue service in a region, or the host of a custom endpoint that an
// option names instead. Both planes derive it from the same options:
// `check`'s auto (from the task metadata) and `audit` (from the task
// definition).
type LogRoute struct {
	// Service is the catalogue name ("logs", "kinesis-streams",
	// "firehose", "s3"); empty when Host is set.
	Service string
	// Region is the service's region as the options name it; empty means
	// the task's region.
	Region string
	// Host and Port are a custom endpoint (awslogs-endpoint, or a FireLens
	// output's endpoint option): the connection goes there, not to the
	// service's default name. Port is 443 unless the URL names another (or
	// its scheme is http: 80).
	Host string
	Port int
	// Option names what asks for the route, for reasons:
	// "awslogs-endpoint https://vpce-...", "awsfirelens output kinesis".
	Option string
}

// fireLensService maps a FireLens (Fluent Bit) output plugin name to the
// catalogue service it calls: the C plugins (cloudwatch_logs,
// kinesis_streams, kinesis_firehose, s3) and the older Go plugins of AWS
// for Fluent Bit (cloudwatch, kinesis, firehose). Fluent Bit matches
// plugin names without regard to case.
func fireLensService(output string) (string, bool) {
	switch strings.ToLower(output) {
	case "cloudwatch_logs", "cloudwatch":
		return "logs", true
	case "kinesis_streams", "kinesis":
		return "kinesis-streams", true
	case "kinesis_firehose", "firehose":
		return "firehose", true
	case "s3":
		return "s3", true
	}
	return "", false
}

// LogRoutes reads where a log driver with its options sends logs:
//   - awslogs: CloudWatch Logs in awslogs-region, or the awslogs-endpoint
//     host when set (a VPC endpoint's own DNS name, a proxy: the default
//     name is then not used);
//   - awsfirelens: the service of the output plugin named by the Name
//     option, in its region option, or its endpoint option's host.
//
// Other drivers, and FireLens outputs outside the catalogue (datadog,
// http, ...), give nothing: their destinations are not AWS services.
func LogRoutes(driver string, options map[string]string) []LogRoute {
	switch driver {
	case "awslogs":
		if ep := strings.TrimSpace(options["awslogs-endpoint"]); ep != "" {
			if host, port, ok := endpointHost(ep); ok {
				return []LogRoute{{Host: host, Port: port, Option: "awslogs-endpoint " + ep}}
			}
		}
		return []LogRoute{{Service: "logs", Region: options["awslogs-region"], Option: "awslogs log driver"}}
	case "awsfirelens":
		output := strings.ToLower(strings.TrimSpace(options["Name"]))
		svc, ok := fireLensService(output)
		if !ok {
			return nil
		}
		why := "awsfirelens output " + output
		if ep := strings.TrimSpace(options["endpoint"]); ep != "" {
			if host, port, ok := endpointHost(ep); ok {
				return []LogRoute{{Host: host, Port: port, Option: why + " endpoint " + ep}}
			}
		}
		return []LogRoute{{Service: svc, Region: strings.TrimSpace(options["region"]), Option: why}}
	}
	return nil
}

// endpointHost reads the host and port of an endpoint option: a URL
// (https://vpce-....logs.us-east-1.vpce.amazonaws.com, http://proxy:8080)
// or a bare host[:port], which the SDKs and Fluent Bit take as https.
func endpointHost(s string) (string, int, bool) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", 0, false
	}
	port := DefaultPort
	if strings.EqualFold(u.Scheme, "http") {
		port = 80
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, false
		}
		port = n
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) == nil && validHostName(host) != nil {
		return "", 0, false
	}
	return host, port, true
}
