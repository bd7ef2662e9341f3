package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
)

// checkCommand runs every check once (retrying failures until --wait), prints
// the report and returns the verdict as an exit code.
func checkCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger, d deps) int {
	roots, err := loadRoots(getenv)
	if err != nil {
		printUsageError(stderr, "check", err)
		return exitUsage
	}
	start := d.now()
	p, err := buildPlan(ctx, cfg, getenv, d, log)
	if err != nil {
		printUsageError(stderr, "check", err)
		return exitUsage
	}
	// The probes are bounded: retries start only before --wait has passed,
	// and nothing outlives --wait + --timeout, whatever the network does.
	// Planning before them is bounded by metadataWindow.
	probeStart := d.now()
	runCtx, cancel := context.WithDeadline(ctx, probeStart.Add(cfg.Wait+cfg.Timeout))
	defer cancel()
	log.Info("checking", zap.Int("targets", len(p.targets)), zap.String("region", p.region),
		zap.Strings("resolvers", p.resolvers), zap.Bool("in_ecs", p.inECS))

	runner := newRunner(cfg, p, roots, d, log)
	// The public-IP verdict runs beside the probes, under the same deadline.
	publicIP := make(chan probe.Result, 1)
	go func() { publicIP <- publicIPResult(runCtx, cfg, p, getenv, d, log) }()
	results := append(p.pre, runner.Run(runCtx, p.targets, probeStart.Add(cfg.Wait))...)
	if r := <-publicIP; r.Check != "" {
		results = append(results, r)
	}
	if ctx.Err() != nil {
		log.Warn("interrupted before the checks finished")
	}
	rep := report{
		region: p.region, account: p.account, inECS: p.inECS,
		results: results, elapsed: d.now().Sub(start),
	}
	code := rep.exitCode()
	if ctx.Err() != nil && code == exitOK {
		code = exitInternal
	}
	rep.code = code
	if err := rep.write(stdout, cfg.Output); err != nil {
		log.Error("writing the report", zap.Error(err))
		return exitInternal
	}
	logOutcome(log, rep)
	return code
}

func newRunner(cfg *config.Config, p *plan, roots *x509.CertPool, d deps, log *zap.Logger) *probe.Runner {
	var tlsConfig *tls.Config
	if cfg.TLS {
		tlsConfig = &tls.Config{
			RootCAs:    roots,
			MinVersion: tls.VersionTLS12,
			// The handshake only proves the path and the certificate; no
			// secret crosses it. Classical curves spare the ML-KEM key
			// generation, which costs more CPU and memory per handshake
			// than everything else preflight does.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
		}
	}
	return &probe.Runner{
		Resolver:       probe.NewResolver(p.resolvers, cfg.Timeout),
		Dialer:         d.dialer,
		Classifier:     probe.Classifier{Private: cfg.PrivateCIDRs},
		TLSConfig:      tlsConfig,
		Timeout:        cfg.Timeout,
		Env:            p.env,
		Logger:         log,
		Now:            d.now,
		InitialBackoff: 200 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
	}
}

// loadRoots honours SSL_CERT_FILE explicitly so that a bad value is a clear
// configuration error rather than a silent fallback to the system roots.
func loadRoots(getenv func(string) string) (*x509.CertPool, error) {
	path := strings.TrimSpace(getenv("SSL_CERT_FILE"))
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("environment variable SSL_CERT_FILE %q: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("environment variable SSL_CERT_FILE %q: no PEM certificates in the file", path)
	}
	return pool, nil
}

// logOutcome writes one log line per failing or warning check, with the hint,
// and a summary line.
func logOutcome(log *zap.Logger, rep report) {
	for _, r := range rep.results {
		if r.Status != probe.StatusFail && r.Status != probe.StatusWarn {
			continue
		}
		fields := []zap.Field{zap.String("check", r.Check), zap.String("target", r.Target), zap.String("status", string(r.Status)),
			zap.String("class", string(r.Class)), zap.String("error", r.Error), zap.String("hint", r.Hint)}
		if r.Host != "" {
			fields = append(fields, zap.String("host", r.Host), zap.Int("port", r.Port))
		}
		if r.Status == probe.StatusFail {
			log.Error("check failed", fields...)
		} else {
			log.Warn("check warning", fields...)
		}
	}
	log.Info("preflight finished", zap.Int("exit_code", rep.code), zap.Duration("elapsed", rep.elapsed))
}

// publicIPResult decides whether the task has a public IPv4 address; it
// returns a zero Result (no Check) under --public-ip=off. A panic becomes a
// failed result.
func publicIPResult(ctx context.Context, cfg *config.Config, p *plan, getenv func(string) string, d deps, log *zap.Logger) (res probe.Result) {
	if cfg.PublicIP == string(probe.PolicyOff) {
		return probe.Result{}
	}
	defer func() {
		if v := recover(); v != nil {
			log.Error("public-IP check panicked", zap.Any("panic", v), zap.Stack("stack"))
			res = probe.Result{Check: probe.CheckPublicIP, Target: "task", Status: probe.StatusFail, Class: probe.ClassInternal,
				Error: fmt.Sprintf("public-IP check panicked: %v", v), Hint: "This is a preflight bug: please report it with the log line."}
		}
	}()
	imds := strings.TrimSpace(getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"))
	if imds == "" {
		imds = defaultIMDS
	}
	checker := &probe.PublicIPChecker{
		IMDS:        probe.NewIMDSClient(imds),
		IMDSTimeout: cfg.Timeout,
		// Room for one retry of a throttled or reset call.
		EC2Timeout: 2 * cfg.Timeout,
		Region:     p.region,
		NewEC2: func(ctx context.Context) (probe.InterfaceFinder, error) {
			if !hasCredentials(getenv) {
				return nil, errors.New("no AWS credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set: the task has no task role)")
			}
			return d.newEC2(ctx, p.region)
		},
	}
	return checker.Result(ctx, p.task, p.inECS, probe.Policy(cfg.PublicIP))
}

// hasCredentials reports whether the environment offers AWS credentials the
// SDK can use without IMDS (Fargate has none, and waiting for it would
// stall the verdict until the deadline).
func hasCredentials(getenv func(string) string) bool {
	for _, k := range []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_PROFILE"} {
		if strings.TrimSpace(getenv(k)) != "" {
			return true
		}
	}
	return false
}
