package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// deps are the seams of a run; tests replace them.
type deps struct {
	dialer     probe.Dialer
	resolvConf string
	now        func() time.Time
	// newEC2 builds the EC2 API client for the public-IP verdict.
	newEC2 func(ctx context.Context, region string) (probe.InterfaceFinder, error)
	// httpLimits bound serve's HTTP clients.
	httpLimits httpLimits
	// newAudit builds the control-plane client that explains failures
	// (--explain); nil disables explanations.
	newAudit func(ctx context.Context, region string) (live.API, error)
	// terminal says whether w is a terminal.
	terminal func(w io.Writer) bool
	// sdkLog, when set, is the SDK logger of newEC2's and newAudit's
	// clients; runWith routes it to the run's logger.
	sdkLog *sdkLogRoute
}

// onTerminal says whether the report (on stdout) and the log (on stderr)
// are both on a terminal, where a person reads the report and a log line
// per failure would say it all again.
func (d deps) onTerminal(stdout, stderr io.Writer) bool {
	if d.terminal == nil {
		return false
	}
	return d.terminal(stdout) && d.terminal(stderr)
}

// planInputs are the plan's seams for one run.
func (d deps) planInputs(getenv func(string) string, log *zap.Logger) plan.Inputs {
	return plan.Inputs{Getenv: getenv, ResolvConf: d.resolvConf, Log: log, NewEC2: d.newEC2}
}

func defaultDeps() deps {
	sdkLog := &sdkLogRoute{}
	return deps{
		sdkLog:     sdkLog,
		dialer:     &net.Dialer{},
		resolvConf: "/etc/resolv.conf",
		now:        time.Now,
		httpLimits: defaultHTTPLimits(),
		terminal:   isTerminal,
		newEC2: func(ctx context.Context, region string) (probe.InterfaceFinder, error) {
			return probe.NewEC2Finder(ctx, region, awsconfig.WithLogger(sdkLog))
		},
		newAudit: func(ctx context.Context, region string) (live.API, error) {
			api, _, err := live.NewNetworkClients(ctx, region,
				// Explanations run only with credentials that need no IMDS,
				// and within 2 x --timeout: no IMDS, few retries.
				awsconfig.WithEC2IMDSClientEnableState(imds.ClientDisabled),
				awsconfig.WithRetryMaxAttempts(2), awsconfig.WithLogger(sdkLog))
			return api, err
		},
	}
}

// run is the whole program; main only adds the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, getenv, stdout, stderr, defaultDeps())
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, d deps) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return report.ExitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return withConfig(cmd, rest, getenv, stdout, stderr, d.sdkLog, func(cfg *config.Config, log *zap.Logger) int {
			return checkCommand(ctx, cfg, getenv, stdout, stderr, log, d)
		})
	case "endpoints":
		return withConfig(cmd, rest, getenv, stdout, stderr, d.sdkLog, func(cfg *config.Config, log *zap.Logger) int {
			return endpointsCommand(ctx, cfg, getenv, stdout, stderr, log, d)
		})
	case "serve":
		return withConfig(cmd, rest, getenv, stdout, stderr, d.sdkLog, func(cfg *config.Config, log *zap.Logger) int {
			return serveCommand(ctx, cfg, getenv, stdout, stderr, log, d)
		})
	case "audit":
		return withConfig(cmd, rest, getenv, stdout, stderr, d.sdkLog, func(cfg *config.Config, log *zap.Logger) int {
			return auditCommand(ctx, cfg, getenv, stdout, stderr, log)
		})
	case "healthcheck":
		return withConfig(cmd, rest, getenv, stdout, stderr, d.sdkLog, func(cfg *config.Config, log *zap.Logger) int {
			return healthcheckCommand(ctx, cfg, stdout, stderr)
		})
	case "completion":
		return completionCommand(rest, stdout, stderr)
	case "version", "--version", "-version":
		if wantsHelp(rest) {
			return helpCommand([]string{"version"}, stdout, stderr)
		}
		fmt.Fprintln(stdout, versionString())
		return report.ExitOK
	case "help", "-h", "--help", "-help":
		return helpCommand(rest, stdout, stderr)
	default:
		return unknownCommand(cmd, stderr)
	}
}

// helpCommand prints the command list, or the help of the command named,
// on stdout.
func helpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || wantsHelp(args[:1]) {
		writeUsage(stdout)
		return report.ExitOK
	}
	c, ok := findCommand(args[0])
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	writeHelp(stdout, c)
	return report.ExitOK
}

func unknownCommand(name string, stderr io.Writer) int {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	fmt.Fprintf(stderr, "preflight: unknown command %q", name)
	if s := config.Closest(name, names); s != "" {
		fmt.Fprintf(stderr, ": did you mean %s?", s)
	}
	fmt.Fprintf(stderr, "\nRun 'preflight help' for the commands: %s.\n", strings.Join(names, ", "))
	return report.ExitUsage
}

// wantsHelp says whether args hold -h or --help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// withConfig loads the configuration and the logger, turning configuration
// errors into exit code 2 with every problem listed, and --help into the
// command's help on stdout. It routes sdkLog (if any) to the logger.
func withConfig(cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer, sdkLog *sdkLogRoute, body func(*config.Config, *zap.Logger) int) int {
	cfg, err := config.Load(cmd, args, getenv)
	if errors.Is(err, config.ErrHelp) {
		c, _ := findCommand(cmd)
		writeHelp(stdout, c)
		return report.ExitOK
	}
	if err != nil {
		printUsageError(stderr, cmd, err)
		return report.ExitUsage
	}
	log := newLogger(cfg, stderr)
	defer log.Sync() //nolint:errcheck // nothing useful to do if stderr is gone
	if sdkLog != nil {
		sdkLog.use(log)
	}
	return body(cfg, log)
}

// printUsageError lists every configuration problem, one per line, and
// points to the help instead of printing it: the errors stay visible.
// Each problem is one line escaped like the report (report.Printable): a
// value from a flag, the environment or a file cannot add a line (a forged
// "- ok" or log record), move the cursor or reorder the text.
func printUsageError(w io.Writer, cmd string, err error) {
	fmt.Fprintf(w, "preflight %s: configuration error:\n", cmd)
	for _, line := range problems(err) {
		fmt.Fprintf(w, "  - %s\n", line)
	}
	fmt.Fprintf(w, "Run 'preflight %s --help' for its flags, their environment variables and examples.\n", cmd)
}

// problems splits err into its joined errors (errors.Join, at any depth,
// through wrappers that add no text of their own), each one printable line.
func problems(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, problems(e)...)
		}
		return out
	}
	if inner := errors.Unwrap(err); inner != nil && inner.Error() == err.Error() {
		return problems(inner)
	}
	return []string{report.Printable(err.Error())}
}

// newLogger builds the zap logger: JSON for machines, console on a terminal.
func newLogger(cfg *config.Config, stderr io.Writer) *zap.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if isTerminal(stderr) {
			format = "console"
		}
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.TimeKey = "time"
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if format == "console" {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		if isTerminal(stderr) {
			encCfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		enc = zapcore.NewConsoleEncoder(encCfg)
	} else {
		enc = zapcore.NewJSONEncoder(encCfg)
	}
	level, err := zapcore.ParseLevel(string(cfg.LogLevel))
	if err != nil {
		level = zapcore.InfoLevel // Load validated it; unreachable
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(stderr), level))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
