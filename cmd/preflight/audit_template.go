package main

import (
	"errors"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/cloudformation"
	"github.com/preflight-dev/preflight/config"
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
	if cfg.Fix != "" || cfg.EgressRules != "" {
		// Their steps would name AWS ids; a template's are logical ids.
		errs = append(errs, errors.New("--template: --fix and --egress-rules are not written for templates yet; the report's rows name the logical ids to change"))
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
