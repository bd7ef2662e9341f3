package audit

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/preflight-dev/preflight/config"
)

// Need is one thing a workload's tasks must reach, with the reason it is
// needed. The rules decide, per need, whether the network path serves it.
type Need struct {
	// Service is a catalogue name ("ecr.api", "logs", "ecs-agent"...),
	// NeedInternet for a registry no endpoint serves, or NeedEFS.
	Service string
	// Region is the region of the service; it differs from the task's
	// region for a cross-region need, which no VPC endpoint serves.
	Region string
	// Reason says why the need exists, e.g. "image 1234...:1.4.2".
	Reason string
	// Internet is true when only an internet path serves the need (an image
	// from a registry other than ECR in the task's region and partition).
	Internet bool
	// DualStack is true when the destination is known to answer on IPv6
	// too (an ECR dual-stack name, ACCOUNT.dkr-ecr.REGION.on.aws): an IPv6
	// internet path then serves it as well as an IPv4 one.
	DualStack bool
	// Port is the TCP port the tasks connect to (443, 2049 for EFS).
	Port int
	// Expect is the expectation an --checks entry named explicitly; empty
	// for derived needs. ExpectAny lets an internet path stand in for a
	// missing endpoint (a warning instead of a failure). An entry's
	// expectation wins over a derived need of the same name: the user
	// named it (see mergeExpect).
	Expect config.Expect
	// ExpectBy is the entry whose expectation Expect is, e.g.
	// "--checks ecr.api=any", for the row that says which entry won.
	ExpectBy string
	// FileSystemID is the EFS file system (NeedEFS only).
	FileSystemID string
	// Host is the host name or IP literal of an entry that names no
	// catalogue service (NeedHost only); it is the Target of its rows, as
	// in the data plane. Addr is set when Host is an IP literal.
	Host string
	Addr netip.Addr
	// ViaInstance is true when the container instance makes the
	// connection for the task (the agent and the Docker daemon: image
	// pulls, awslogs, secrets, the agent's own endpoints), through the
	// instance's network interface rather than the task's: on the EC2 and
	// EXTERNAL launch types only (see hostNeedParts).
	ViaInstance bool
}

// Need services that are not catalogue names.
const (
	// NeedInternet is a destination only an internet path reaches.
	NeedInternet = "internet"
	// NeedEFS is an EFS file system's mount targets (TCP 2049).
	NeedEFS = "efs"
	// NeedHost is a host name or an IP address an entry names (Need.Host):
	// no endpoint service serves it.
	NeedHost = "host"
)

// CrossRegion reports whether n is in another region than taskRegion.
func (n Need) CrossRegion(taskRegion string) bool {
	return n.Region != "" && taskRegion != "" && n.Region != taskRegion
}

// Needs derives what w's tasks must reach, running in region: what the
// task definition implies, the entries of a container that runs preflight
// (its PREFLIGHT_CHECKS or --checks: the task checks them itself at start,
// so the audit must too), and extra, the --checks entries. Host names and
// IP addresses become NeedHost needs; "auto" adds nothing (it is what the
// derived needs already are). Needs with the same service and region are
// merged, their reasons joined. The result is sorted by service, then
// region.
func Needs(w *Workload, region, account string, extra []config.Entry) []Need {
	var c needCollector
	c.region = region
	// A launch type that could not be learned splits like an instance's:
	// its host needs are judged undecided, never on the task ENI.
	onInstances := splitsHost(w)
	if onInstances && w.LaunchType != LaunchUnknown {
		// The agent on the instance talks to these; in a subnet without
		// internet access they need their own endpoints.
		why := "launch type " + w.LaunchType + " (container agent)"
		c.add(Need{Service: "ecs", Reason: why, ViaInstance: true})
		c.add(Need{Service: "ecs-agent", Reason: why, ViaInstance: true})
		c.add(Need{Service: "ecs-telemetry", Reason: why, ViaInstance: true})
	}
	if w.EnableExecuteCommand {
		c.add(Need{Service: "ssmmessages", Reason: "enableExecuteCommand (ECS Exec)"})
	}
	if w.ServiceConnect {
		c.add(Need{Service: "ecs-agent", Reason: "Service Connect"})
	}
	if td := w.TaskDefinition; td != nil {
		for _, ct := range td.Containers {
			if onInstances {
				// The host does part of what a container needs.
				host, task := hostNeedParts(ct)
				c.viaInstance = true
				c.container(host)
				c.viaInstance = false
				c.container(task)
				continue
			}
			c.container(ct)
		}
		for _, v := range td.EFSVolumes {
			c.add(Need{Service: NeedEFS, Port: 2049, FileSystemID: v.FileSystemID,
				Reason: fmt.Sprintf("EFS volume %s (%s)", v.Name, v.FileSystemID)})
		}
	}
	if td := w.TaskDefinition; td != nil {
		for _, tc := range containerChecks(td) {
			for _, e := range tc.Entries {
				why := fmt.Sprintf("%s of container %q: %s", tc.Source, tc.Container, e)
				if e.Region == "" {
					e.Region = tc.Region
				}
				c.entry(e, account, why)
			}
		}
	}
	for _, e := range extra {
		c.entry(e, account, "--checks "+e.String())
	}
	return c.list()
}

// needCollector merges needs by service, region and file system. The
// reasons of a need are kept as a list and a set and joined once in list:
// merging is linear in the number of needs added (10,000 containers that
// share a need cost 10,000 set look-ups, not a rescan and a copy of the
// joined reasons at each).
type needCollector struct {
	region  string
	order   []needKey
	needs   map[needKey]*Need
	reasons map[needKey]*reasonSet

	// viaInstance marks the needs added as the container instance's.
	viaInstance bool
}

type needKey struct {
	service, region, fs string
	viaInstance         bool
}

// reasonSet is the distinct reasons of one need, in the order first seen.
type reasonSet struct {
	list []string
	seen map[string]bool
}

func (r *reasonSet) add(reason string) {
	if reason == "" || r.seen[reason] {
		return
	}
	r.seen[reason] = true
	r.list = append(r.list, reason)
}

func (c *needCollector) add(n Need) {
	if n.Region == "" {
		n.Region = c.region
	}
	if n.Port == 0 {
		n.Port = config.DefaultPort
	}
	if c.viaInstance {
		n.ViaInstance = true
	}
	k := needKey{n.Service, n.Region, n.FileSystemID, n.ViaInstance}
	switch {
	case n.Internet:
		// One internet need per registry host: the reason names it.
		k.fs = n.Reason
	case n.Service == NeedHost:
		// One need per host and port, and a =blocked entry apart from
		// the ones that want it reachable: they are judged differently.
		k.fs = fmt.Sprintf("%s %d %t", n.Host, n.Port, n.Expect == config.ExpectBlocked)
	}
	if c.needs == nil {
		c.needs = map[needKey]*Need{}
		c.reasons = map[needKey]*reasonSet{}
	}
	old, ok := c.needs[k]
	if !ok {
		if n.Expect != "" {
			n.ExpectBy = n.Reason
		}
		c.needs[k] = &n
		c.order = append(c.order, k)
		rs := &reasonSet{seen: map[string]bool{}}
		for _, r := range strings.Split(n.Reason, "; ") {
			rs.add(r)
		}
		c.reasons[k] = rs
		return
	}
	c.reasons[k].add(n.Reason)
	if e := mergeExpect(old.Expect, n.Expect); e != old.Expect {
		old.Expect, old.ExpectBy = e, n.Reason
	}
}

// mergeExpect is the expectation of a need two sources name. An entry
// (--checks, or a preflight container's PREFLIGHT_CHECKS) wins over a
// derived need (empty Expect), as the README promises: "ecr.api=any"
// accepts the public path for a need the task definition implies. Of two
// entries the stricter wins.
func mergeExpect(a, b config.Expect) config.Expect {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case a != config.ExpectAny:
		return a
	default:
		return b
	}
}

func (c *needCollector) list() []Need {
	out := make([]Need, 0, len(c.order))
	for _, k := range c.order {
		n := *c.needs[k]
		n.Reason = strings.Join(c.reasons[k].list, "; ")
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.FileSystemID != b.FileSystemID {
			return a.FileSystemID < b.FileSystemID
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Reason < b.Reason
	})
	return out
}

// container adds what one container definition needs.
func (c *needCollector) container(ct Container) {
	if ct.Image != "" {
		img := "image " + ct.Image
		// Dual-stack ECR names are not served by PrivateLink: like any
		// other registry, they need an internet path.
		im, ok := config.ParseImage(ct.Image)
		switch {
		case ok && registryIsAddress(im.Registry):
			// An IP literal ([2001:db8::1]:5000, 10.0.5.10:5000) or
			// localhost: judged like an IP entry (route, groups, ACLs) or
			// as the loopback it is, not as the internet.
			addr, _ := netip.ParseAddr(im.Registry)
			c.add(Need{Service: NeedHost, Host: im.Registry, Addr: addr.Unmap(), Port: im.Port,
				Reason: fmt.Sprintf("image %s (registry %s)", ct.Image, registryHost(im))})
		case ok && im.ECR && !im.DualStack:
			c.add(Need{Service: "ecr.api", Region: im.Region, Reason: img})
			c.add(Need{Service: "ecr.dkr", Region: im.Region, Reason: img})
			c.add(Need{Service: "ecr.layers", Region: im.Region, Reason: img})
		default:
			registry := registryHost(im)
			if !ok {
				registry = "unknown: not an image reference"
			}
			// A registry that names its port serves the pull there
			// (registry.example.com:5000/app): 0 means HTTPS on 443.
			c.add(Need{Service: NeedInternet, Internet: true, Port: im.Port, DualStack: ok && im.DualStack,
				Reason: fmt.Sprintf("image %s (registry %s)", ct.Image, registry)})
		}
	}
	if p := ct.RepositoryCredentials; p != "" {
		c.add(Need{Service: "secretsmanager", Region: arnRegion(p),
			Reason: fmt.Sprintf("container %s repositoryCredentials %s", ct.Name, p)})
	}
	c.logs(ct)
	for _, s := range ct.Secrets {
		svc, region := secretSource(s)
		c.add(Need{Service: svc, Region: region, Reason: fmt.Sprintf("container %s secret %s", ct.Name, s)})
	}
}

// entry adds the needs of one check entry; why is the Reason of its rows.
func (c *needCollector) entry(e config.Entry, account, why string) {
	if e.Name == config.AutoEntry {
		return // auto is what the derived needs already are
	}
	if _, ok := config.LookupService(e.Name); ok {
		c.add(Need{Service: e.Name, Region: e.Region, Port: e.Port, Expect: e.Expect, Reason: why})
		return
	}
	if e.Account == "" {
		e.Account = account
	}
	if e.Account == "" {
		e.Account = "000000000000" // only the name and region are used here
	}
	targets, err := config.Expand([]config.Entry{e}, c.region, e.Account)
	if err != nil {
		return
	}
	for _, t := range targets {
		if t.Service == nil {
			// A host name or an IP literal: the rules judge what the
			// control plane can see of it, and say what it cannot.
			addr, _ := netip.ParseAddr(t.Host)
			c.add(Need{Service: NeedHost, Host: t.Host, Addr: addr.Unmap(), Port: t.Port, Expect: t.Expect, Reason: why})
			continue
		}
		c.add(Need{Service: t.Service.Name, Region: t.Region, Port: e.Port, Expect: e.Expect, Reason: why})
	}
}

// secretSource names the service and region a secret's valueFrom reads:
// a Secrets Manager ARN, an SSM parameter ARN, or (anything else) an SSM
// parameter name in the task's region.
func secretSource(valueFrom string) (service, region string) {
	if a, ok := parseARN(valueFrom); ok && a.service == "secretsmanager" {
		return "secretsmanager", a.region
	}
	return "ssm", arnRegion(valueFrom)
}

// arnRegion is the region of an ARN, or "" (the task's region) for a name.
func arnRegion(s string) string {
	if a, ok := parseARN(s); ok {
		return a.region
	}
	return ""
}

type arn struct{ partition, service, region, account, resource string }

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn{}, false
	}
	return arn{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}
