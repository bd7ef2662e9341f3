package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// command documents one command for the usage, help and shell completion;
// its flags come from the configuration table.
type command struct {
	name string
	// args is the synopsis after the command name.
	args    string
	summary string
	// about is the paragraph under the synopsis in help, rewrapped at
	// helpWidth (its own line breaks are not kept).
	about    string
	examples []example
	// exitCodes says which of report.ExitCodes the command can return;
	// nil: no exit code section.
	exitCodes func(code int) bool
	// flags says whether the command reads the configuration table.
	flags bool
}

type example struct{ comment, line string }

// commands is the one list of commands: dispatch checks against it, and
// usage, help and completion are generated from it.
var commands = []command{
	{name: "check", args: "[flags]", flags: true,
		summary: "run every check once (retrying failures until --wait runs out), print a report, exit with the verdict",
		about: "Resolves, connects to and (on port 443) handshakes with every target, from inside the task's network,\n" +
			"and exits with the code of the worst failure class, so that an init container stops the app from starting.",
		examples: []example{
			{"Init container (\"command\": [\"check\"], \"essential\": false, the app dependsOn it with SUCCESS):\n# the checks derived from the task, plus a secret store and a host that must stay unreachable", "PREFLIGHT_CHECKS=auto,secretsmanager,example.com=blocked PREFLIGHT_WAIT=20s preflight check"},
			{"By hand, with docker run in the task's subnet", "docker run --rm preflight check --checks ecr,logs,s3 --region eu-west-1 --account 111122223333"},
			{"One attempt, a JSON report for a script", "preflight check --checks sts,dynamodb=private --region us-east-1 --wait 0 --output json"},
		},
		exitCodes: func(code int) bool { return code != report.ExitUndecided && code != report.ExitEnvironment },
	},
	{name: "endpoints", args: "[flags]", flags: true,
		summary: "print the targets check would probe, and exit",
		about: "Prints the expanded target list (name, host, port, expectation, VPC endpoint service) without probing:\n" +
			"the interface endpoints a VPC needs for these checks. Exits 0, 2 (configuration) or 17 (task metadata\n" +
			"failure: auto could not derive the list).",
		examples: []example{
			{"Which VPC endpoints does this need?", "preflight endpoints --checks ecr,logs,secretsmanager --region eu-west-1 --account 111122223333"},
			{"As JSON, for a script that creates them", "preflight endpoints --checks ecr,logs --region us-east-1 --account 111122223333 --output json"},
		},
	},
	{name: "serve", args: "[flags]", flags: true,
		summary: "run the checks every --interval and serve /metrics, /healthz and /readyz until SIGTERM, SIGINT or SIGHUP",
		about: "The sidecar: one attempt per probe per cycle (the next cycle is the retry), Prometheus metrics on\n" +
			"/metrics, /readyz 200 when the last cycle passed. The exit code is 0 on SIGTERM, 2 for a bad configuration.",
		examples: []example{
			{"Sidecar (\"command\": [\"serve\"], \"essential\": false), with a health check that needs no shell:\n# \"healthCheck\": {\"command\": [\"CMD\", \"/preflight\", \"healthcheck\"]}", "PREFLIGHT_CHECKS=auto,secretsmanager preflight serve"},
			{"CloudWatch metrics through the awslogs driver instead of Prometheus", "preflight serve --interval 1m --emf"},
		},
	},
	{name: "healthcheck", args: "[flags]", flags: true,
		summary: "exit 0 when the local serve instance reports ready, 1 otherwise",
		about:   "Asks serve's /readyz at --listen (the same PREFLIGHT_LISTEN as serve's) and exits 0 (ready) or 1.",
		examples: []example{
			{"ECS container health check of the serve sidecar", `"healthCheck": {"command": ["CMD", "/preflight", "healthcheck"], "interval": 30}`},
			{"serve on another port", "preflight healthcheck --listen :9000 --timeout 1s"},
		},
	},
	{name: "audit", args: "[flags]", flags: true,
		summary: "before deploy, from the control plane: will a service's tasks reach what they need privately, and only that?",
		about: "Reads the service's network configuration and task definition with read-only AWS calls (audit-policy.json)\n" +
			"and judges every need against the VPC's endpoints, routes, security groups, network ACLs and DNS.\n" +
			"AWS credentials and region come the usual way; --region wins.",
		examples: []example{
			{"Every service of a cluster", "preflight audit --cluster prod"},
			{"In CI before the first deploy, failing when a call was denied", "preflight audit --task-definition ./deploy/task-def.json \\\n    --subnets subnet-0a1b,subnet-2c3d --security-groups sg-0e4f --fail-undecided"},
			{"In CI: the text report in the log, the same findings as SARIF, JUnit and HTML files", "preflight audit --cluster prod --report sarif=preflight.sarif \\\n    --report junit=preflight.xml --report html=preflight.html"},
			{"Every fix in one round: the plan on stdout, the report on stderr", "preflight audit --cluster prod --fix cli > fix.sh && bash fix.sh"},
			{"The least egress rule set, as Terraform (the report goes to stderr)", "preflight audit --cluster prod --service orders --egress-rules terraform > egress.tf"},
			{"Every account of the Organization, every enabled Region, through a role in each", "preflight audit --accounts org --role-name preflight-audit --regions all \\\n    --exclude-accounts 111122223333 --output json > org.json"},
		},
		// The audit's findings fail only with these classes (README,
		// "Before you deploy"): DNS posture 11, connect 12, public IP 15
		// and 16, could not decide 18; no DNS answer, TLS or metadata. 3
		// is an audit that could not start (credentials, no AWS API).
		exitCodes: func(code int) bool {
			return slices.Contains([]int{report.ExitOK, report.ExitInternal, report.ExitUsage, report.ExitEnvironment, report.ExitDNSPosture, report.ExitConnect,
				report.ExitPublicIP, report.ExitPublicIPUnk, report.ExitUndecided}, code)
		},
	},
	{name: "completion", args: "bash|zsh|fish",
		summary: "print a shell completion script",
		about: "Prints a completion script for commands, each command's flags, and flag values given as --flag VALUE\n" +
			"or --flag=VALUE: enumerated values, true or false (after --flag= of a bool flag, in bash), the partition\n" +
			"table's regions for --region and the catalogue names for --checks.",
		examples: []example{
			{"bash, for this shell", "source <(preflight completion bash)"},
			{"zsh, installed on $fpath", "preflight completion zsh > \"${fpath[1]}/_preflight\""},
			{"fish", "preflight completion fish > ~/.config/fish/completions/preflight.fish"},
		},
	},
	{name: "version", summary: "print version, commit and Go version"},
	{name: "help", args: "[COMMAND]", summary: "print the commands, or the help of one command"},
}

func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// writeUsage prints the command list.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: preflight COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s%s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'preflight help COMMAND' (or 'preflight COMMAND --help') for its flags, examples and exit codes.\n"+
		"Every flag can also be set with its PREFLIGHT_* environment variable.\n")
}

// helpWidth is the column help text wraps at: it fits a terminal of 100
// columns, the width the reports fit.
const helpWidth = 100

// wrap breaks text into lines of at most width columns, each starting with
// indent; a word longer than a line gets a line of its own.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// writeHelp prints the help of one command: synopsis, flags with their
// environment variables and defaults, examples, exit codes.
func writeHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: preflight %s", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	summary := strings.ToUpper(c.summary[:1]) + c.summary[1:]
	if !strings.HasSuffix(summary, "?") {
		summary += "."
	}
	fmt.Fprintf(w, "\n\n%s\n", wrap(summary, helpWidth, ""))
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(c.about, helpWidth, ""))
	}
	if c.flags {
		fmt.Fprint(w, "\nFlags (each also read from its environment variable; a flag wins over the environment):\n")
		for _, f := range config.FlagsFor(c.name) {
			fmt.Fprintf(w, "  --%s", f.Name)
			if !f.Bool {
				fmt.Fprintf(w, " %s", f.Placeholder)
			}
			env := "        env " + f.Env
			if def := "default " + f.Default; f.Default != "" && len(env)+2+len(def) <= helpWidth {
				env += ", " + def
			} else if f.Default != "" {
				// A long default (a CIDR list) gets a line of its own.
				env += "\n        " + def
			}
			fmt.Fprintf(w, "\n%s\n%s\n", wrap(f.Usage, helpWidth, "        "), env)
		}
		fmt.Fprintf(w, "\n%s\n", wrap("A PREFLIGHT_* variable of a flag that "+c.name+" does not take is ignored, so one task definition can configure several commands; such a flag on the command line is an error.", helpWidth, ""))
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for i, e := range c.examples {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "  # %s\n  %s\n", strings.ReplaceAll(e.comment, "\n", "\n  "), e.line)
		}
	}
	if c.exitCodes != nil {
		fmt.Fprint(w, "\nExit codes:\n")
		for _, code := range report.ExitCodes() {
			if c.exitCodes(code) {
				fmt.Fprintf(w, "  %-4d%s\n", code, report.ExitMeaningFor(c.name, code))
			}
		}
		fmt.Fprint(w, "  With several failing classes, the smallest code of 10 or more wins.\n")
	}
}
