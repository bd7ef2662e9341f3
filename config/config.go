// Package config loads and validates preflight's configuration: defaults,
// then PREFLIGHT_* environment variables, then flags, then one validation
// that reports every error. It also holds the check-entry grammar, the AWS
// endpoint catalogue and partition table, and every AWS host name and DNS
// suffix preflight uses (HostFor, DNSSuffix, ParseImage, EndpointServiceName),
// so that no other package spells one out. It does no network I/O.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/preflight-dev/preflight/report"
)

// DefaultPrivateCIDRs are the ranges a "private" answer must fall in: RFC 1918,
// shared address space (RFC 6598, used by some VPCs as secondary CIDRs) and
// IPv6 unique local addresses.
const DefaultPrivateCIDRs = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7"

// Config is a loaded, valid configuration. A Config that Load returned
// without error is valid.
type Config struct {
	// Checks are the parsed --checks entries; may contain the "auto" entry.
	Checks []Entry
	// Region and Account are empty when neither flag nor env set them;
	// the run then takes them from the task metadata.
	Region, Account string
	PrivateCIDRs    []netip.Prefix
	// Resolvers are DNS servers as host:port; empty means /etc/resolv.conf.
	Resolvers []string
	Timeout   time.Duration
	Wait      time.Duration
	TLS       bool
	Output    report.Output
	LogLevel  LogLevel
	// LogFormat is "json", "console", or "" for console on a terminal and
	// json otherwise.
	LogFormat string
	// PublicIP is the public-IP policy: deny, strict, warn or off.
	PublicIP PublicIPPolicy
	// Explain decides whether failures get a cause from the control plane.
	Explain ExplainMode
	// Listen is serve's HTTP address, and where healthcheck finds it.
	Listen string
	// Interval is the time between the starts of serve's cycles (jittered).
	Interval time.Duration
	// EMF makes serve print a CloudWatch Embedded Metric Format line per cycle.
	EMF bool

	// Audit: what to read from the control plane. Cross-field rules
	// (a cluster or a task definition; --subnets with --security-groups)
	// are checked by the audit package, which also asks AWS whether the
	// named resources exist.
	Cluster string
	// Services are --service names; empty with a cluster means every
	// service in it.
	Services       []string
	TaskDefinition string
	Subnets        []string
	SecurityGroups []string
	// AssignPublicIP is ENABLED, DISABLED, or "" (DISABLED) for the
	// pre-deploy form.
	AssignPublicIP string
	// EgressRules is the format of the suggested egress rule set, or "".
	EgressRules string
	// FailUndecided makes an undecided finding fail (exit 18).
	FailUndecided bool

	sources map[string]string
}

// Source names where option name's value came from: "--name", the env var,
// or "default".
func (c *Config) Source(name string) string {
	if s, ok := c.sources[name]; ok {
		return s
	}
	return "default"
}

// HasAuto reports whether the checks include the "auto" entry.
func (c *Config) HasAuto() bool {
	for _, e := range c.Checks {
		if e.Name == AutoEntry {
			return true
		}
	}
	return false
}

// DefaultListen is serve's address. Port 19109 is outside the range
// 9100-9999 that the Prometheus project allocates to exporters (it is fully
// allocated) and away from common application ports.
const DefaultListen = ":19109"

// option is one flag with its environment variable and default.
type option struct {
	name   string
	def    string
	usage  string
	isBool bool
	// commands lists the commands that take the flag; nil means check,
	// endpoints and serve.
	commands []string
	set      func(c *Config, v string) error
}

var probeCommands = []string{"check", "endpoints", "serve"}

func (o option) appliesTo(command string) bool {
	cmds := o.commands
	if cmds == nil {
		cmds = probeCommands
	}
	for _, c := range cmds {
		if c == command {
			return true
		}
	}
	return false
}

// EnvName is the environment variable that configures flag name.
func EnvName(name string) string {
	return "PREFLIGHT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

var options = []option{
	// audit derives its needs from task definitions; --checks only adds to them.
	{name: "checks", usage: "comma-separated extra entries NAME[:PORT][=EXPECT] every audited task must reach privately, beyond what its task definition needs", commands: []string{"audit"}, set: func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			c.Checks = nil
			return nil
		}
		entries, err := ParseEntries(v)
		for _, e := range entries {
			if e.Name == AutoEntry {
				err = errors.Join(err, errors.New("auto does not apply to audit (needs come from the task definition)"))
			}
		}
		c.Checks = entries
		return err
	}},
	{name: "checks", def: AutoEntry, usage: "comma-separated entries NAME[:PORT][=EXPECT]; auto derives them from the task metadata", set: func(c *Config, v string) error {
		entries, err := ParseEntries(v)
		c.Checks = entries
		return err
	}},
	{name: "region", usage: "region for catalogue names (default: from the task ARN, then AWS_REGION, then AWS_DEFAULT_REGION); audit: the region to read", commands: []string{"check", "endpoints", "serve", "audit"}, set: func(c *Config, v string) error {
		if v != "" && !ValidRegion(v) {
			return errors.New(errRegionFormat)
		}
		c.Region = v
		return nil
	}},
	{name: "account", usage: "AWS account ID for ACCOUNT.dkr.ecr... (default: from the task ARN)", set: func(c *Config, v string) error {
		if v != "" && !ValidAccount(v) {
			return errors.New("want a 12-digit AWS account ID")
		}
		c.Account = v
		return nil
	}},
	{name: "private-cidrs", def: DefaultPrivateCIDRs, usage: "comma-separated CIDRs that count as private answers", set: func(c *Config, v string) error {
		prefixes, err := parsePrefixes(v)
		c.PrivateCIDRs = prefixes
		return err
	}},
	{name: "resolver", usage: "comma-separated DNS servers IP[:PORT] (default: the nameservers in /etc/resolv.conf)", set: func(c *Config, v string) error {
		servers, err := parseServers(v)
		c.Resolvers = servers
		return err
	}},
	{name: "timeout", def: "2s", usage: "bound on one attempt of one probe", commands: []string{"check", "endpoints", "serve", "healthcheck"}, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil && d == 0 {
			err = errors.New("must be greater than zero")
		}
		c.Timeout = d
		return err
	}},
	{name: "wait", def: "15s", usage: "retry failing checks with backoff until this much time has passed; 0 = one attempt", set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		c.Wait = d
		return err
	}},
	{name: "tls", def: "true", isBool: true, usage: "TLS handshake (SNI = host, chain verified) on port 443 targets", set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		c.TLS = b
		return nil
	}},
	{name: "output", def: string(report.OutputText), usage: "report format: text or json", commands: []string{"check", "endpoints", "serve", "audit"}, set: func(c *Config, v string) error {
		switch o := report.Output(v); o {
		case report.OutputText, report.OutputJSON:
			c.Output = o
			return nil
		}
		return errors.New("want text or json")
	}},
	{name: "public-ip", def: string(PublicIPDeny), usage: "public-IP verdict policy: deny (a public IP fails, unknown warns), strict (unknown fails too), warn, off", commands: []string{"check", "endpoints", "serve", "audit"}, set: func(c *Config, v string) error {
		switch p := PublicIPPolicy(v); p {
		case PublicIPDeny, PublicIPStrict, PublicIPWarn, PublicIPOff:
			c.PublicIP = p
			return nil
		}
		return errors.New("want deny, strict, warn or off")
	}},
	{name: "explain", def: string(ExplainAuto), usage: "attach a cause from the AWS control plane to failing checks: auto (when credentials need no IMDS), on (missing credentials warn), off", commands: []string{"check", "serve"}, set: func(c *Config, v string) error {
		switch m := ExplainMode(v); m {
		case ExplainAuto, ExplainOn, ExplainOff:
			c.Explain = m
			return nil
		}
		return errors.New("want auto, on or off")
	}},
	{name: "listen", def: DefaultListen, usage: "serve's HTTP address for /metrics, /healthz and /readyz; healthcheck asks it", commands: []string{"serve", "healthcheck"}, set: func(c *Config, v string) error {
		if err := checkListen(v); err != nil {
			return err
		}
		c.Listen = v
		return nil
	}},
	{name: "interval", def: "30s", usage: "time between serve's check cycles (with up to 10% jitter)", commands: []string{"serve"}, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil && d < 10*time.Millisecond {
			err = errors.New("must be at least 10ms")
		}
		c.Interval = d
		return err
	}},
	{name: "emf", def: "false", isBool: true, usage: "print one CloudWatch Embedded Metric Format line per cycle on stdout (serve)", commands: []string{"serve"}, set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		c.EMF = b
		return nil
	}},
	{name: "log-level", def: string(LogInfo), usage: "debug, info, warn or error", commands: []string{"check", "endpoints", "serve", "healthcheck", "audit"}, set: func(c *Config, v string) error {
		switch l := LogLevel(v); l {
		case LogDebug, LogInfo, LogWarn, LogError:
			c.LogLevel = l
			return nil
		}
		return errors.New("want debug, info, warn or error")
	}},
	{name: "log-format", usage: "json or console (default: console on a terminal, json otherwise)", commands: []string{"check", "endpoints", "serve", "healthcheck", "audit"}, set: func(c *Config, v string) error {
		switch v {
		case "", "json", "console":
			c.LogFormat = v
			return nil
		}
		return errors.New("want json or console")
	}},
	{name: "cluster", usage: "audit: the ECS cluster (name or ARN) whose services to audit", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Cluster = v
		return nil
	}},
	{name: "service", usage: "audit: comma-separated service names in --cluster (default: every service in the cluster)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Services = splitList(v)
		return nil
	}},
	{name: "task-definition", usage: "audit before deploy: FAMILY[:REVISION], a task-definition ARN, or ./FILE.json (a RegisterTaskDefinition input); needs --subnets and --security-groups", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.TaskDefinition = v
		return nil
	}},
	{name: "subnets", usage: "audit: comma-separated subnet IDs the task will run in (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Subnets = splitList(v)
		return checkIDs(c.Subnets, "subnet-")
	}},
	{name: "security-groups", usage: "audit: comma-separated security-group IDs of the task (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.SecurityGroups = splitList(v)
		return checkIDs(c.SecurityGroups, "sg-")
	}},
	{name: "assign-public-ip", def: "DISABLED", usage: "audit: ENABLED or DISABLED, as the service's awsvpcConfiguration would say (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		switch v {
		case "ENABLED", "DISABLED":
			c.AssignPublicIP = v
			return nil
		}
		return errors.New("want ENABLED or DISABLED")
	}},
	{name: "egress-rules", usage: "audit: print the least egress rule set for the task security groups on stdout (cli, terraform, cloudformation or json); the report goes to stderr", commands: []string{"audit"}, set: func(c *Config, v string) error {
		switch v {
		case "", "cli", "terraform", "cloudformation", "json":
			c.EgressRules = v
			return nil
		}
		return errors.New("want cli, terraform, cloudformation or json")
	}},
	{name: "fail-undecided", def: "false", isBool: true, usage: "audit: fail (exit 18) when a finding could not be decided because an API call was denied or throttled; default: warn", commands: []string{"audit"}, set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		c.FailUndecided = b
		return nil
	}},
}

// rawValue is a flag.Value that records the raw text; parsing happens after
// precedence is resolved so that errors can name the winning source.
type rawValue struct {
	text   string
	isBool bool
}

func (r *rawValue) String() string     { return r.text }
func (r *rawValue) Set(s string) error { r.text = s; return nil }
func (r *rawValue) IsBoolFlag() bool   { return r.isBool }

// ErrHelp is returned by Load when -h or --help was asked for; the usage has
// been written to the output given to Load.
var ErrHelp = flag.ErrHelp

// UsageError is a configuration error: bad flags, env vars or values.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Load builds a Config for command from defaults, the environment (through
// getenv) and args, in that order of increasing precedence, and validates it.
// Usage text for -h goes to usageOut. Every error found is reported, joined
// in one *UsageError.
func Load(command string, args []string, getenv func(string) string, usageOut io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("preflight "+command, flag.ContinueOnError)
	fs.SetOutput(usageOut)
	raws := make(map[string]*rawValue, len(options))
	for _, o := range options {
		if !o.appliesTo(command) {
			continue
		}
		rv := &rawValue{text: o.def, isBool: o.isBool}
		raws[o.name] = rv
		fs.Var(rv, o.name, fmt.Sprintf("%s (env %s)", o.usage, EnvName(o.name)))
	}
	fs.Usage = func() {
		fmt.Fprintf(usageOut, "Usage: preflight %s [flags]\n\nEvery flag can also be set with its PREFLIGHT_* environment variable; a flag wins over the environment.\n\n", command)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ErrHelp
		}
		return nil, &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return nil, &UsageError{Err: fmt.Errorf("unexpected argument %q: %s takes flags only", fs.Arg(0), command)}
	}
	setOnCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setOnCommandLine[f.Name] = true })

	c := &Config{sources: map[string]string{}}
	var errs []error
	for _, o := range options {
		if !o.appliesTo(command) {
			continue
		}
		value, source := o.def, "default"
		if setOnCommandLine[o.name] {
			value, source = raws[o.name].text, "--"+o.name
		} else if v := strings.TrimSpace(getenv(EnvName(o.name))); v != "" {
			value, source = v, EnvName(o.name)
		}
		c.sources[o.name] = source
		if err := o.set(c, value); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", describeSource(source), value, err))
		}
	}
	if len(errs) > 0 {
		return nil, &UsageError{Err: errors.Join(errs...)}
	}
	return c, nil
}

// describeSource names where a bad value came from, for error messages.
func describeSource(source string) string {
	if strings.HasPrefix(source, "--") {
		return "flag " + source
	}
	return "environment variable " + source
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("want a duration such as 500ms, 2s or 1m")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	if d > time.Hour {
		return 0, errors.New("must be at most 1h")
	}
	return d, nil
}

func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s))
			continue
		}
		if p.Masked() != p {
			errs = append(errs, fmt.Errorf("%q has host bits set: did you mean %s?", s, p.Masked()))
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no CIDRs"))
	}
	return out, errors.Join(errs...)
}

// parseServers accepts IP or IP:PORT ([IPv6]:PORT); names are refused
// because resolving the resolver would need a resolver.
func parseServers(v string) ([]string, error) {
	var out []string
	var errs []error
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.AddrPortFrom(a, 53).String())
			continue
		}
		ap, err := netip.ParseAddrPort(s)
		if err != nil || ap.Port() == 0 {
			errs = append(errs, fmt.Errorf("%q is not IP or IP:PORT (IPv6 as [ADDR]:PORT)", s))
			continue
		}
		out = append(out, ap.String())
	}
	return out, errors.Join(errs...)
}

// Flags lists the flag names with their environment variables and defaults,
// sorted; used for documentation tests.
func Flags() [][3]string {
	out := make([][3]string, 0, len(options))
	for _, o := range options {
		out = append(out, [3]string{"--" + o.name, EnvName(o.name), o.def})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkIDs checks the shape of AWS resource IDs (whether they exist is
// the audit's question, asked of the API).
func checkIDs(ids []string, prefix string) error {
	var errs []error
	for _, id := range ids {
		if !strings.HasPrefix(id, prefix) || len(id) <= len(prefix) {
			errs = append(errs, fmt.Errorf("%q is not an ID of the form %sxxxxxxxx", id, prefix))
		}
	}
	return errors.Join(errs...)
}

// checkListen checks a listen address: HOST:PORT or :PORT.
func checkListen(v string) error {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return errors.New("want HOST:PORT or :PORT, e.g. :19109")
	}
	port, err := strconv.Atoi(v[i+1:])
	if err != nil || port < 1 || port > 65535 {
		return fmt.Errorf("port %q: want a number from 1 to 65535", v[i+1:])
	}
	return nil
}
