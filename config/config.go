// Package config loads and validates preflight's configuration: defaults,
// then PREFLIGHT_* environment variables, then flags, then one validation
// that reports every error. It also holds the check-entry grammar, the AWS
// endpoint catalogue and partition table, and every AWS host name and DNS
// suffix preflight uses (HostFor, DNSSuffix, ParseImage, EndpointServiceName),
// so that no other package spells one out. It does no network I/O.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/preflight-dev/preflight/internal/awsid"
	"github.com/preflight-dev/preflight/report"
)

// DefaultPrivateCIDRs are the ranges a "private" answer must fall in: RFC 1918,
// shared address space (RFC 6598, used by some VPCs as secondary CIDRs) and
// IPv6 unique local addresses.
const DefaultPrivateCIDRs = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7"

// Public-path policies (--public-path).
const (
	// PublicPathFail fails a need reached only over a public path when a
	// VPC endpoint could serve it.
	PublicPathFail = "fail"
	// PublicPathWarn makes such a need a warning.
	PublicPathWarn = "warn"
)

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
	// Only says which rows the text report prints.
	Only     Only
	LogLevel LogLevel
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
	// AllClusters sweeps every cluster of the Region instead of Cluster.
	AllClusters bool
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
	// Fix is the format of the fix plan (--fix), or "".
	Fix string
	// FailUndecided makes an undecided finding fail (exit 18).
	FailUndecided bool
	// PublicPath is the verdict on a need that has a private option (a
	// VPC endpoint) but is reached only over a NAT or internet gateway
	// (audit), or whose name an interface endpoint would answer
	// privately resolves to a public address (check, serve):
	// PublicPathFail (default) or PublicPathWarn.
	PublicPath string
	// Plan is the --plan file: the JSON of a Terraform plan (or a binary
	// plan, shown with terraform show -json) whose facts audit judges
	// instead of reading the account.
	Plan string
	// Reports are the --report files: the same report, each in its
	// format, written after the run besides the --output one.
	Reports []ReportFile
	// Template is --template: a CloudFormation template or a cdk.out
	// directory whose facts replace the account's (no AWS call).
	Template string
	// Parameters are the --parameter KEY=VALUE values of the template's
	// parameters, by key.
	Parameters map[string]string

	// The organization sweep (audit): which accounts and Regions to read
	// and how. A sweep runs when Accounts, OrgAccounts, Regions or
	// AllRegions is set; the audit/sweep package checks how they combine.
	//
	// Accounts are --accounts ids; OrgAccounts is --accounts org (every
	// ACTIVE account of the Organization).
	Accounts    []string
	OrgAccounts bool
	// ExcludeAccounts are left out of the sweep (--exclude-accounts).
	ExcludeAccounts []string
	// Regions are --regions names; AllRegions is --regions all (the
	// Regions enabled for each account).
	Regions    []string
	AllRegions bool
	// RoleName is the role assumed in each account; ExternalID goes with
	// the AssumeRole calls.
	RoleName, ExternalID string
	// Parallel bounds the account-Regions read at once.
	Parallel int
	// Progress prints the sweep's progress on stderr even when it is not
	// a terminal.
	Progress bool

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
	name string
	def  string
	// placeholder names the value's type in help ("duration", "list");
	// empty for a bool flag, and derived from values for an enumeration.
	placeholder string
	// values are the accepted values of an enumeration; Load checks them
	// before set runs, and help and shell completion offer them. An empty
	// value is also accepted when def is empty.
	values []string
	// usage is the flag's help text; usageFor replaces it for the
	// commands that read the flag differently, so that each command's
	// help says only what the flag does there.
	usage    string
	usageFor map[string]string
	isBool   bool
	// repeatable flags add up: set runs once for each --name given, or
	// for each item of the comma-separated PREFLIGHT_* variable (a flag's
	// value may hold a comma; the variable's items cannot).
	repeatable bool
	// commands lists the commands that take the flag; nil means check,
	// endpoints and serve. A flag given to another command is an error; its
	// PREFLIGHT_* variable is ignored there (one task definition may set
	// variables for several commands).
	commands []string
	set      func(c *Config, v string) error
}

var probeCommands = []string{"check", "endpoints", "serve"}

func (o option) appliesTo(command string) bool {
	return slices.Contains(o.cmds(), command)
}

// usageOf is the help text of the flag in command's help.
func (o option) usageOf(command string) string {
	if u, ok := o.usageFor[command]; ok {
		return u
	}
	return o.usage
}

func (o option) cmds() []string {
	if o.commands == nil {
		return probeCommands
	}
	return o.commands
}

// valueName is the placeholder shown after the flag in help.
func (o option) valueName() string {
	switch {
	case o.isBool:
		return ""
	case o.placeholder != "":
		return o.placeholder
	case o.values != nil:
		return strings.Join(o.values, "|")
	}
	return "value"
}

// EnvName is the environment variable that configures flag name.
func EnvName(name string) string {
	return "PREFLIGHT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

var (
	logCommands     = []string{"check", "endpoints", "serve", "healthcheck", "audit"}
	outputs         = []string{string(report.OutputText), string(report.OutputJSON)}
	reportOutputs   = []string{string(report.OutputText), string(report.OutputJSON), string(report.OutputSARIF), string(report.OutputJUnit), string(report.OutputHTML)}
	publicIPs       = []string{string(PublicIPDeny), string(PublicIPStrict), string(PublicIPWarn), string(PublicIPOff)}
	logLevels       = []string{string(LogDebug), string(LogInfo), string(LogWarn), string(LogError)}
	boolValues      = []string{"true", "false"}
	egressRuleKinds = []string{"cli", "terraform", "cloudformation", "json"}
	fixKinds        = []string{"cli", "terraform", "cloudformation"}
)

// options is the one table of flags. Which commands take a flag follows from
// what each command reads: check probes (every probe flag); serve probes in
// cycles (no --wait: a cycle is one attempt; no --output: its report is
// /readyz's JSON); endpoints only plans (--timeout bounds the task-metadata
// read; no resolver, CIDRs, TLS or public IP, which only probes use);
// healthcheck asks serve; audit reads the control plane.
var options = []option{
	// audit derives its needs from task definitions; --checks only adds to them.
	{name: "checks", placeholder: "list", usage: "comma-separated extra entries NAME[@SCOPE][:PORT][=EXPECT] judged for every audited task beyond what its task definition needs: a catalogue name must be reached privately, an IP address is followed through routes, NACLs and task groups, a host name is listed as not judged", commands: []string{"audit"}, set: func(c *Config, v string) error {
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
	{name: "checks", def: AutoEntry, placeholder: "list", usage: "comma-separated entries NAME[@SCOPE][:PORT][=EXPECT] (SCOPE: REGION, ACCOUNT or ACCOUNT.REGION); auto derives them from the task metadata", set: func(c *Config, v string) error {
		entries, err := ParseEntries(v)
		c.Checks = entries
		return err
	}},
	{name: "region", placeholder: "region", usage: "the task's region: catalogue names expand in it, and the public-IP verdict and --explain call the EC2 API there (default: from the task ARN in the task metadata, then AWS_REGION, then AWS_DEFAULT_REGION)", usageFor: map[string]string{
		"endpoints": "the region catalogue names expand in (default: from the task ARN in the task metadata, then AWS_REGION, then AWS_DEFAULT_REGION)",
		"audit":     "the region to audit, whose ECS, EC2 and EFS APIs are read (default: the AWS SDK's: AWS_REGION, then AWS_DEFAULT_REGION, then the region of the profile, AWS_PROFILE or default, in ~/.aws/config or AWS_CONFIG_FILE)",
	}, commands: []string{"check", "endpoints", "serve", "audit"}, set: func(c *Config, v string) error {
		if v != "" && !ValidRegion(v) {
			return errors.New(errRegionFormat)
		}
		c.Region = v
		return nil
	}},
	{name: "account", placeholder: "id", usage: "AWS account ID for ACCOUNT.dkr.ecr... (default: from the task ARN)", set: func(c *Config, v string) error {
		if v != "" && !ValidAccount(v) {
			return errors.New("want a 12-digit AWS account ID")
		}
		c.Account = v
		return nil
	}},
	{name: "private-cidrs", def: DefaultPrivateCIDRs, placeholder: "cidrs", usage: "comma-separated CIDRs that count as private answers", commands: []string{"check", "serve"}, set: func(c *Config, v string) error {
		prefixes, err := parsePrefixes(v)
		c.PrivateCIDRs = prefixes
		return err
	}},
	{name: "resolver", placeholder: "servers", usage: "comma-separated DNS servers IP[:PORT] (default: the nameservers in /etc/resolv.conf)", commands: []string{"check", "serve"}, set: func(c *Config, v string) error {
		servers, err := parseServers(v)
		c.Resolvers = servers
		return err
	}},
	{name: "timeout", def: "2s", placeholder: "duration", usage: "bound on one attempt of one probe (a DNS query, a connect, a TLS handshake) and on the task-metadata and IMDS reads; the EC2 API calls of the public-IP verdict and --explain get twice this", usageFor: map[string]string{
		"serve":       "bound on one attempt of one probe (a DNS query, a connect, a TLS handshake; a cycle's metadata read and probes together get three times this) and on the task-metadata and IMDS reads; the EC2 API calls of the public-IP verdict and --explain get twice this",
		"endpoints":   "bound on the task-metadata read",
		"healthcheck": "bound on asking serve's /readyz",
	}, commands: []string{"check", "endpoints", "serve", "healthcheck"}, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil && d == 0 {
			err = errors.New("must be greater than zero")
		}
		c.Timeout = d
		return err
	}},
	{name: "wait", def: "15s", placeholder: "duration", usage: "retry failing checks with backoff until this much time has passed; 0 = one attempt", commands: []string{"check"}, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		c.Wait = d
		return err
	}},
	{name: "tls", def: "true", isBool: true, values: boolValues, usage: "TLS handshake (SNI = host, chain verified) on port 443 targets", commands: []string{"check", "serve"}, set: func(c *Config, v string) error {
		c.TLS = v == "true"
		return nil
	}},
	{name: "output", def: string(report.OutputText), values: reportOutputs, usage: "report format: text, json, sarif (SARIF 2.1.0, for code scanning), junit (JUnit XML, for CI test reports) or html (one self-contained page); --report writes more formats to files", commands: []string{"check", "audit"}, set: func(c *Config, v string) error {
		c.Output = report.Output(v)
		return nil
	}},
	{name: "output", def: string(report.OutputText), values: outputs, usage: "format of the target list", commands: []string{"endpoints"}, set: func(c *Config, v string) error {
		c.Output = report.Output(v)
		return nil
	}},
	{name: "report", placeholder: "format=file", repeatable: true, usage: "also write the report in FORMAT (text, json, sarif, junit or html) to FILE, atomically, after the run; repeat it for more files (the variable: a comma-separated list)", commands: []string{"check", "audit"}, set: func(c *Config, v string) error {
		f, err := parseReportFile(v)
		if err != nil {
			return err
		}
		for _, prev := range c.Reports {
			// Two reports renamed onto one path: only the last would stay.
			if filepath.Clean(prev.Path) == filepath.Clean(f.Path) {
				return fmt.Errorf("file %q is already the %s report", f.Path, prev.Format)
			}
		}
		c.Reports = append(c.Reports, f)
		return nil
	}},
	{name: "only", def: string(OnlyAll), values: []string{string(OnlyAll), string(OnlyProblems)}, usage: "rows the text report prints: all, or problems (failures and warnings; the summary counts the rest); JSON always has every row", commands: []string{"check", "audit"}, set: func(c *Config, v string) error {
		c.Only = Only(v)
		return nil
	}},
	{name: "public-ip", def: string(PublicIPDeny), values: publicIPs, usage: "public-IP verdict policy: deny (a public IP fails, unknown warns), strict (unknown fails too), warn, off", usageFor: map[string]string{
		"audit": "policy for the tasks' assignPublicIp (the service's, or --assign-public-ip): deny (ENABLED fails, unreadable warns), strict (unreadable fails too), warn, off",
	}, commands: []string{"check", "serve", "audit"}, set: func(c *Config, v string) error {
		c.PublicIP = PublicIPPolicy(v)
		return nil
	}},
	{name: "explain", def: string(ExplainAuto), values: []string{string(ExplainAuto), string(ExplainOn), string(ExplainOff)}, usage: "attach a cause from the AWS control plane to failing checks: auto (when credentials need no IMDS), on (missing credentials warn), off", commands: []string{"check", "serve"}, set: func(c *Config, v string) error {
		c.Explain = ExplainMode(v)
		return nil
	}},
	{name: "listen", def: DefaultListen, placeholder: "addr", usage: "HTTP address to serve /metrics, /healthz and /readyz on", usageFor: map[string]string{
		"healthcheck": "serve's HTTP address, whose /readyz to ask (set it as for serve)",
	}, commands: []string{"serve", "healthcheck"}, set: func(c *Config, v string) error {
		if err := checkListen(v); err != nil {
			return err
		}
		c.Listen = v
		return nil
	}},
	{name: "interval", def: "30s", placeholder: "duration", usage: "time between serve's check cycles (with up to 10% jitter)", commands: []string{"serve"}, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil && d < 10*time.Millisecond {
			err = errors.New("must be at least 10ms")
		}
		c.Interval = d
		return err
	}},
	{name: "emf", def: "false", isBool: true, values: boolValues, usage: "print one CloudWatch Embedded Metric Format line per cycle on stdout", commands: []string{"serve"}, set: func(c *Config, v string) error {
		c.EMF = v == "true"
		return nil
	}},
	{name: "log-level", def: string(LogInfo), values: logLevels, usage: "log level", commands: logCommands, set: func(c *Config, v string) error {
		c.LogLevel = LogLevel(v)
		return nil
	}},
	{name: "log-format", values: []string{"json", "console"}, usage: "log encoding (default: console on a terminal, json otherwise)", commands: logCommands, set: func(c *Config, v string) error {
		c.LogFormat = v
		return nil
	}},
	{name: "plan", placeholder: "file", usage: "audit a change before it is applied: the JSON of a Terraform plan (terraform show -json tfplan), or the binary plan when terraform is on PATH; no AWS credentials needed, except with --cluster or --service, which lay it over those running services", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Plan = v
		return nil
	}},
	{name: "cluster", placeholder: "name", usage: "the ECS cluster (name or ARN) whose services to audit, or a comma-separated list of clusters", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Cluster = v
		return nil
	}},
	{name: "all-clusters", def: "false", isBool: true, values: boolValues, usage: "audit the services of every cluster in the region (ecs:ListClusters) instead of --cluster", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.AllClusters = v == "true"
		return nil
	}},
	{name: "service", placeholder: "list", usage: "comma-separated service names in --cluster (default: every service in the cluster)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Services = splitList(v)
		return nil
	}},
	{name: "task-definition", placeholder: "taskdef", usage: "audit before deploy: FAMILY[:REVISION], a task-definition ARN, or ./FILE.json (a RegisterTaskDefinition input); needs --subnets and --security-groups", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.TaskDefinition = v
		return nil
	}},
	{name: "subnets", placeholder: "ids", usage: "comma-separated subnet IDs the task will run in (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Subnets = splitList(v)
		return checkIDs(c.Subnets, awsid.Subnet)
	}},
	{name: "security-groups", placeholder: "ids", usage: "comma-separated security-group IDs of the task (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.SecurityGroups = splitList(v)
		return checkIDs(c.SecurityGroups, awsid.SecurityGroup)
	}},
	{name: "assign-public-ip", def: "DISABLED", values: []string{"ENABLED", "DISABLED"}, usage: "as the service's awsvpcConfiguration would say (with --task-definition)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.AssignPublicIP = v
		return nil
	}},
	{name: "egress-rules", values: egressRuleKinds, usage: "print the least egress rule set for the task security groups, and the revoke of the allow-all it replaces, on stdout in this format; the report goes to stderr", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.EgressRules = v
		return nil
	}},
	{name: "fix", values: fixKinds, usage: "print on stdout, in this format, the one ordered plan of changes that turns every failing row green (created ids carried to the steps that use them); the report goes to stderr", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Fix = v
		return nil
	}},
	{name: "public-path", def: PublicPathFail, values: []string{PublicPathFail, PublicPathWarn}, usage: "a need a VPC endpoint would serve privately, reached only over a NAT or internet gateway: fail (with its class, 11), or warn (naming the path and the endpoint)", usageFor: map[string]string{
		"check": "a public answer for a name an interface endpoint would answer privately (not s3, dynamodb): fail (dns_posture, 11), or warn (naming the addresses and the endpoint)",
		"serve": "a public answer for a name an interface endpoint would answer privately (not s3, dynamodb): fail (dns_posture, not ready), or warn (naming the addresses and the endpoint)",
	}, commands: []string{"check", "serve", "audit"}, set: func(c *Config, v string) error {
		c.PublicPath = v
		return nil
	}},
	{name: "template", placeholder: "file|dir", usage: "audit a change before it exists: a CloudFormation template (JSON or YAML) or a cdk.out directory (every stack of its manifest); no AWS call, the services come from the template, its Region from --region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Template = v
		return nil
	}},
	{name: "parameter", placeholder: "key=value", repeatable: true, usage: "a value for the template's parameter KEY (with --template), over its Default; repeat it for more parameters (the variable: a comma-separated list, so a list value needs the flag)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		key, value, ok := strings.Cut(v, "=")
		if !ok || !isLogicalID(key) {
			return errors.New("want KEY=VALUE, KEY a parameter's logical id (letters and digits)")
		}
		if _, dup := c.Parameters[key]; dup {
			return fmt.Errorf("parameter %s given twice", key)
		}
		if c.Parameters == nil {
			c.Parameters = map[string]string{}
		}
		c.Parameters[key] = value
		return nil
	}},
	{name: "accounts", placeholder: "list", usage: "sweep these 12-digit accounts (comma-separated), or org: every ACTIVE account of the Organization (organizations:ListAccounts, from the management or a delegated administrator account); needs --role-name", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Accounts, c.OrgAccounts = nil, false
		if v == "org" {
			c.OrgAccounts = true
			return nil
		}
		ids, err := accountList(v)
		c.Accounts = ids
		return err
	}},
	{name: "exclude-accounts", placeholder: "list", usage: "comma-separated 12-digit accounts the sweep leaves out (with --accounts)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		ids, err := accountList(v)
		c.ExcludeAccounts = ids
		return err
	}},
	{name: "regions", placeholder: "list", usage: "sweep these Regions (comma-separated), or all: the Regions enabled for each account (ec2:DescribeRegions)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Regions, c.AllRegions = nil, false
		if v == "all" {
			c.AllRegions = true
			return nil
		}
		var bad []string
		for _, r := range splitList(v) {
			if !ValidRegion(r) {
				bad = append(bad, r)
			}
			c.Regions = append(c.Regions, r)
		}
		if len(bad) > 0 {
			return fmt.Errorf("%s: %s", strings.Join(bad, ", "), errRegionFormat)
		}
		return nil
	}},
	{name: "role-name", placeholder: "name", usage: "the role assumed in each account of the sweep (sts:AssumeRole on arn:PARTITION:iam::ACCOUNT:role/NAME, session preflight-audit-...)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		if v != "" && !roleNamePattern.MatchString(v) {
			return errors.New("want an IAM role name: 1 to 64 of letters, digits and +=,.@_-")
		}
		c.RoleName = v
		return nil
	}},
	{name: "external-id", placeholder: "id", usage: "the external id the --role-name role's trust policy asks for", commands: []string{"audit"}, set: func(c *Config, v string) error {
		if v != "" && (len(v) < 2 || len(v) > 1224 || !externalIDPattern.MatchString(v)) {
			return errors.New("want 2 to 1224 of letters, digits and +=,.@:/_-")
		}
		c.ExternalID = v
		return nil
	}},
	{name: "parallel", def: "4", placeholder: "n", usage: "account-Regions the sweep reads at once (each with its own clients and retries)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return errors.New("want a whole number from 1 to 64")
		}
		c.Parallel = n
		return nil
	}},
	{name: "progress", def: "false", isBool: true, values: boolValues, usage: "print the sweep's progress on stderr even when it is not a terminal (on a terminal it shows after 2s)", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.Progress = v == "true"
		return nil
	}},
	{name: "fail-undecided", def: "false", isBool: true, values: boolValues, usage: "fail (exit 18) when a finding could not be decided because an API call failed (denied, throttled, a server error, no connection); default: warn", commands: []string{"audit"}, set: func(c *Config, v string) error {
		c.FailUndecided = v == "true"
		return nil
	}},
}

// roleNamePattern is IAM's grammar of a role name (no path).
var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// externalIDPattern is STS's alphabet of an ExternalId (2 to 1224 of
// them; the length is checked apart: RE2 repeats at most 1000 times).
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// accountList parses a comma-separated list of 12-digit accounts,
// naming every bad one.
func accountList(v string) ([]string, error) {
	var ids, bad []string
	for _, id := range splitList(v) {
		if !ValidAccount(id) {
			bad = append(bad, id)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(bad) > 0 {
		return ids, fmt.Errorf("%s: want 12-digit AWS account IDs", strings.Join(bad, ", "))
	}
	return ids, nil
}

// isLogicalID reports whether s is a CloudFormation logical id: 1 to 255
// ASCII letters and digits (the template anatomy's rule for parameters).
func isLogicalID(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// checkValue checks v against o's enumeration, if it has one. Bool values
// are normalized by Load before this.
func (o option) checkValue(v string) error {
	if o.values == nil || slices.Contains(o.values, v) || (v == "" && o.def == "") {
		return nil
	}
	return fmt.Errorf("want %s", orList(o.values))
}

// orList joins values as "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// ErrHelp is returned by Load when -h or --help was asked for; the caller
// prints the help.
var ErrHelp = errors.New("help requested")

// UsageError is a configuration error: bad flags, env vars or values.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Load builds a Config for command from defaults, the environment (through
// getenv) and args, in that order of increasing precedence, and validates it.
// Every error found is reported, joined in one *UsageError: flags that do
// not exist or do not apply to command, missing values, stray arguments,
// then bad values. A PREFLIGHT_* variable of a flag command does not take is
// ignored.
func Load(command string, args []string, getenv func(string) string) (*Config, error) {
	flags, errs, help := scan(command, args)
	if help {
		return nil, ErrHelp
	}
	c := &Config{sources: map[string]string{}}
	for _, o := range options {
		if !o.appliesTo(command) {
			continue
		}
		value, source := o.def, "default"
		if v, ok := flags[o.name]; ok {
			value, source = v, "--"+o.name
		} else if v := strings.TrimSpace(getenv(EnvName(o.name))); v != "" {
			value, source = v, EnvName(o.name)
		}
		c.sources[o.name] = source
		for _, value := range o.items(value, source) {
			err := o.normalize(&value)
			if err == nil {
				err = o.checkValue(value)
			}
			if err == nil {
				err = o.set(c, value)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q: %w", describeSource(source), value, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, &UsageError{Err: errors.Join(errs...)}
	}
	return c, nil
}

// items are the values set runs on: value itself, or for a repeatable
// option each flag given (source a flag) or each comma-separated item of
// the variable, without blanks; none for an empty default.
func (o option) items(value, source string) []string {
	if !o.repeatable {
		return []string{value}
	}
	sep := ","
	if strings.HasPrefix(source, "--") {
		sep = flagSeparator
	}
	var out []string
	for _, v := range strings.Split(value, sep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// normalize turns a bool flag's value into "true" or "false", accepting
// what strconv.ParseBool accepts (1, t, TRUE...).
func (o option) normalize(v *string) error {
	if !o.isBool {
		return nil
	}
	b, err := strconv.ParseBool(*v)
	if err != nil {
		return errors.New("want true or false")
	}
	*v = strconv.FormatBool(b)
	return nil
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
func checkIDs(ids []string, re *regexp.Regexp) error {
	// One line for every bad id: a usage error is one problem a line.
	var bad []string
	for _, id := range ids {
		if !re.MatchString(id) {
			bad = append(bad, fmt.Sprintf("%q is not an ID of the form %s", id, re))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return errors.New(strings.Join(bad, "; "))
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
