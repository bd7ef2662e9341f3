package main

import (
	"errors"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/cloudformation"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// defaultTemplateRegion is AWS::Region when neither --region nor the AWS
// variables name one (stated in --template's help).
const defaultTemplateRegion = "us-east-1"

// templateFacts reads --template into facts: its Region from --region,
// else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. An error is
// bad input (exit 2): the flags, or a template that cannot be read.
func templateFacts(cfg *config.Config, getenv func(string) string) (*audit.Facts, error) {
	var errs []error
	switch {
	case cfg.Cluster != "" || len(cfg.Services) > 0:
		errs = append(errs, errors.New("--template: the services come from the template; it does not combine with --cluster or --service"))
	case cfg.TaskDefinition != "" || len(cfg.Subnets) > 0 || len(cfg.SecurityGroups) > 0:
		errs = append(errs, errors.New("--template: the task definitions and networks come from the template; it does not combine with --task-definition, --subnets or --security-groups"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	region := cfg.Region
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if region == "" {
			region = strings.TrimSpace(getenv(name))
		}
	}
	if region == "" {
		region = defaultTemplateRegion
	}
	if !config.ValidRegion(region) {
		return nil, errors.New("--template: the Region " + region + " (from AWS_REGION or AWS_DEFAULT_REGION) is not an AWS Region name")
	}
	return cloudformation.Read(cfg.Template, cloudformation.Options{Region: region, Parameters: cfg.Parameters})
}

// writeFailed is the exit code of a fix plan or egress rules that could
// not be written: bad input (2) for a format that cannot name the
// resources of a plan or template, or a name in one that fails its
// grammar (a crafted plan); internal (1) for an AWS answer that fails
// its id pattern, or a write error.
func writeFailed(facts *audit.Facts, err error) int {
	var fe *audit.FormatError
	if errors.As(err, &fe) || facts.Source != audit.SourceAWS {
		return report.ExitUsage
	}
	return report.ExitInternal
}
