package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/audit/terraform"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// terraformShowTimeout bounds `terraform show -json` on a binary plan: it
// loads the providers' schemas, which takes seconds, not minutes.
const terraformShowTimeout = 2 * time.Minute

// gatherFacts reads the facts from the AWS account. A nil Facts means the
// audit ends with the returned exit code (its message already printed).
func gatherFacts(ctx context.Context, cfg *config.Config, in live.Input, stderr io.Writer, log *zap.Logger) (*audit.Facts, string, int) {
	if err := in.Validate(); err != nil {
		printUsageError(stderr, "audit", err)
		return nil, "", report.ExitUsage
	}
	facts, region, err := liveFacts(ctx, cfg.Region, in, log)
	if err != nil {
		return nil, "", liveError(err, stderr)
	}
	return facts, region, 0
}

// liveFacts is the one place audit reads the live account: the SDK
// clients for region, then the workloads in and their networks.
func liveFacts(ctx context.Context, region string, in live.Input, log *zap.Logger) (*audit.Facts, string, error) {
	facts, g, err := liveGather(ctx, region, in, log)
	if err != nil {
		return nil, "", err
	}
	return facts, g.Region, nil
}

// liveGather is liveFacts, returning the Gatherer it read with, for
// further reads of the same account (GatherOutside).
func liveGather(ctx context.Context, region string, in live.Input, log *zap.Logger) (*audit.Facts, *live.Gatherer, error) {
	api, region, err := live.NewSDKClients(ctx, region,
		// The SDK's own warnings go through the log, never raw to stderr.
		awsconfig.WithLogger(sdkLogger{log: log}))
	var envErr *live.EnvironmentError
	if err != nil && !errors.As(err, &envErr) {
		// A client that cannot be made is the configuration's fault.
		return nil, nil, clientError{err}
	}
	if err != nil {
		return nil, nil, err
	}
	g := &live.Gatherer{API: api, Region: region}
	facts, err := g.Gather(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	return facts, g, nil
}

// liveError prints an error of liveFacts and returns the exit code it
// means: bad input 2, no credentials or region 3, else internal.
func liveError(err error, stderr io.Writer) int {
	var envErr *live.EnvironmentError
	var inputErr *live.InputError
	var clientErr clientError
	switch {
	case errors.As(err, &envErr):
		fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
		return report.ExitEnvironment
	case errors.As(err, &inputErr), errors.As(err, &clientErr):
		printUsageError(stderr, "audit", err)
		return report.ExitUsage
	}
	fmt.Fprintf(stderr, "preflight audit: %s\n", report.Printable(err.Error()))
	return report.ExitInternal
}

// clientError is a configuration the SDK clients cannot be made with.
type clientError struct{ err error }

func (e clientError) Error() string { return e.err.Error() }
func (e clientError) Unwrap() error { return e.err }

// planScope refuses the flags that name live resources other than
// services beside --plan: the plan says the network, and --cluster or
// --service (or --all-clusters) name the running services to lay it over.
func planScope(cfg *config.Config) error {
	var errs []error
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--task-definition", cfg.TaskDefinition != ""},
		{"--subnets", len(cfg.Subnets) > 0}, {"--security-groups", len(cfg.SecurityGroups) > 0},
	} {
		if f.set {
			errs = append(errs, fmt.Errorf("%s: does not combine with --plan, which audits the services the plan declares, or with --cluster and --service the running services it would change", f.name))
		}
	}
	return errors.Join(errs...)
}

// readPlan reads the plan at path: its JSON, or a binary plan through
// `terraform show -json` when terraform is on PATH.
func readPlan(ctx context.Context, path, region string, log *zap.Logger) (*terraform.Plan, error) {
	opts := terraform.Options{Region: region}
	binary, err := terraform.IsBinaryPlan(path)
	if err != nil {
		return nil, fmt.Errorf("--plan: %w", err)
	}
	if !binary {
		p, err := terraform.ReadPlanFile(path, opts)
		if err != nil {
			return nil, fmt.Errorf("--plan: %w", err)
		}
		return p, nil
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return nil, fmt.Errorf("--plan: %s is a binary plan (terraform plan -out), not its JSON, and terraform is not on PATH: make the JSON with terraform show -json %s > plan.json in the configuration's directory, then give --plan plan.json", path, path)
	}
	log.Info("reading a binary plan with terraform show -json", zap.String("terraform", tf), zap.String("plan", path))
	ctx, cancel := context.WithTimeout(ctx, terraformShowTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, "show", "-json", "-no-color", path)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, left: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("--plan: terraform show: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("--plan: terraform show: %w", err)
	}
	p, readErr := terraform.ReadPlan(out, opts)
	// Drain what the reader left (it stops at an error) so terraform ends.
	_, _ = io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("--plan: terraform show -json %s: no answer within %s", path, terraformShowTimeout)
	case waitErr != nil:
		// terraform's first line of diagnostics says what it needs
		// (terraform init, the configuration's directory).
		return nil, fmt.Errorf("--plan: terraform show -json %s: %v: %s (run it in the directory the plan was made in)", path, waitErr, firstLine(stderr.String()))
	case readErr != nil:
		return nil, fmt.Errorf("--plan: terraform show -json %s: %w", path, readErr)
	}
	return p, nil
}

// limitedBuffer keeps the first bytes written to it and drops the rest.
type limitedBuffer struct {
	b    *bytes.Buffer
	left int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		keep := p
		if len(keep) > l.left {
			keep = keep[:l.left]
		}
		l.b.Write(keep)
		l.left -= len(keep)
	}
	return n, nil
}

// firstLine is the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && strings.Trim(line, "│╷╵ ") != "" {
			return strings.TrimSpace(strings.TrimLeft(line, "│╷╵ "))
		}
	}
	return "no message"
}
