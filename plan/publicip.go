package plan

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// defaultIMDS is the EC2 instance metadata service;
// AWS_EC2_METADATA_SERVICE_ENDPOINT overrides it as it does for the AWS SDKs.
const defaultIMDS = "http://169.254.169.254"

// PublicIPCheck is the public-IP verdict as a task check, or nil under
// --public-ip=off.
func (p *Plan) PublicIPCheck(cfg *config.Config, in Inputs) probe.Check {
	if cfg.PublicIP == config.PublicIPOff {
		return nil
	}
	imds := strings.TrimSpace(in.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"))
	if imds == "" {
		imds = defaultIMDS
	}
	checker := &probe.PublicIPChecker{
		IMDS:        probe.NewIMDSClient(imds),
		IMDSTimeout: cfg.Timeout,
		// Room for one retry of a throttled or reset call.
		EC2Timeout: 2 * cfg.Timeout,
		Region:     p.Region,
		NewEC2:     p.Interfaces(in).Client,
	}
	return probe.TaskCheck{Kind: report.CheckPublicIP, Name: "task", Fn: func(ctx context.Context) report.Result {
		return checker.Result(ctx, p.Task, p.InECS, cfg.PublicIP)
	}}
}

// interfaceErrorTTL is how long a failed interface lookup is kept before
// serve asks again (a role or an endpoint may have been fixed meanwhile).
const interfaceErrorTTL = 10 * time.Minute

// Interfaces is the run's one EC2 interface finder, shared by the public-IP
// verdict and the explanation of failures so that the task's interface is
// looked up once. It refuses to build a client without credentials that
// need no IMDS.
func (p *Plan) Interfaces(in Inputs) *probe.SharedFinder {
	p.enisOnce.Do(func() {
		p.enis = &probe.SharedFinder{
			ErrorTTL: interfaceErrorTTL,
			New: func(ctx context.Context) (probe.InterfaceFinder, error) {
				if !HasCredentials(in.Getenv) {
					return nil, errors.New("no AWS credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set: the task has no task role)")
				}
				return in.NewEC2(ctx, p.Region)
			},
		}
	})
	return p.enis
}

// HasCredentials reports whether the environment offers AWS credentials the
// SDK can use without IMDS (Fargate has none, and waiting for it would
// stall the verdict until the deadline).
func HasCredentials(getenv func(string) string) bool {
	for _, k := range []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_PROFILE"} {
		if strings.TrimSpace(getenv(k)) != "" {
			return true
		}
	}
	return false
}
