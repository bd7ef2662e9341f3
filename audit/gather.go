package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/smithy-go"
	"github.com/preflight-dev/preflight/config"
)

// API is every AWS call gather makes, all of them reads. *SDKClients
// implements it with the SDK; tests wrap it to count calls or inject
// faults. Each method has the SDK client's own signature, so the SDK's
// paginators accept an API.
type API interface {
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	ListServices(context.Context, *ecs.ListServicesInput, ...func(*ecs.Options)) (*ecs.ListServicesOutput, error)
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)

	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeVpcAttribute(context.Context, *ec2.DescribeVpcAttributeInput, ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error)
	DescribeDhcpOptions(context.Context, *ec2.DescribeDhcpOptionsInput, ...func(*ec2.Options)) (*ec2.DescribeDhcpOptionsOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
	DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	DescribeNetworkAcls(context.Context, *ec2.DescribeNetworkAclsInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error)
	DescribeManagedPrefixLists(context.Context, *ec2.DescribeManagedPrefixListsInput, ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error)
	GetManagedPrefixListEntries(context.Context, *ec2.GetManagedPrefixListEntriesInput, ...func(*ec2.Options)) (*ec2.GetManagedPrefixListEntriesOutput, error)
	DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)

	DescribeMountTargets(context.Context, *efs.DescribeMountTargetsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error)
	DescribeMountTargetSecurityGroups(context.Context, *efs.DescribeMountTargetSecurityGroupsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error)
}

// IAM actions gather calls that the rules do not look up (the others are
// the Action* constants in facts.go). audit-policy.json lists them all.
const (
	ActionDescribeClusters            = "ecs:DescribeClusters"
	ActionListServices                = "ecs:ListServices"
	ActionGetManagedPrefixListEntries = "ec2:GetManagedPrefixListEntries"
)

// SDKClients is API backed by the AWS SDK for Go v2.
type SDKClients struct {
	EC2 *ec2.Client
	ECS *ecs.Client
	EFS *efs.Client
}

var _ API = SDKClients{}

// maxAttempts bounds the SDK's standard retryer: throttling is retried
// with backoff, and what still fails becomes an Undecided fact.
const maxAttempts = 5

// attemptTimeout bounds one HTTP attempt of one call (a large account's
// DescribeSecurityGroups page can take seconds).
const attemptTimeout = 30 * time.Second

// NewSDKClients loads the AWS configuration the way the AWS CLI does
// (environment, shared profiles, SSO, container credentials, then IMDS:
// audit runs on laptops, in CI and on EC2), honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_EC2/_ECS/_EFS, and retries with the SDK's standard
// retryer: maxAttempts attempts unless AWS_MAX_ATTEMPTS, the profile's
// max_attempts or an option says otherwise (AWS_RETRY_MODE=adaptive works
// too). region may be empty: the configuration's region is then used. It
// returns the clients and the region they talk to.
func NewSDKClients(ctx context.Context, region string, optFns ...func(*awsconfig.LoadOptions) error) (SDKClients, string, error) {
	cfg, attempts, err := loadConfig(ctx, region, optFns)
	if err != nil {
		return SDKClients{}, "", err
	}
	return SDKClients{
		EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.RetryMaxAttempts = attempts }),
		ECS: ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.RetryMaxAttempts = attempts }),
		EFS: efs.NewFromConfig(cfg, func(o *efs.Options) { o.RetryMaxAttempts = attempts }),
	}, cfg.Region, nil
}

// NewNetworkClients is NewSDKClients for GatherNetwork alone: reading one
// VPC (explaining a failure from inside a task) calls EC2 only, so the ECS
// and EFS clients are not built; their methods return ErrNoClient.
func NewNetworkClients(ctx context.Context, region string, optFns ...func(*awsconfig.LoadOptions) error) (SDKClients, string, error) {
	cfg, attempts, err := loadConfig(ctx, region, optFns)
	if err != nil {
		return SDKClients{}, "", err
	}
	return SDKClients{EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.RetryMaxAttempts = attempts })}, cfg.Region, nil
}

// ErrNoClient is the error of a call to a service whose client was not
// built (see NewNetworkClients).
var ErrNoClient = errors.New("no client for this service: built for network reads only")

func loadConfig(ctx context.Context, region string, optFns []func(*awsconfig.LoadOptions) error) (aws.Config, int, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		// Every attempt has a deadline, so a hung connection becomes a
		// retried (then undecided) call instead of a hung audit.
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(attemptTimeout)),
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, append(opts, optFns...)...)
	if err != nil {
		return aws.Config{}, 0, fmt.Errorf("load AWS configuration: %w", err)
	}
	attempts := cfg.RetryMaxAttempts // set only when configured
	if attempts == 0 {
		attempts = maxAttempts
	}
	return cfg, attempts, nil
}

// DescribeClusters calls the ECS API.
func (c SDKClients) DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, o ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.DescribeClusters(ctx, in, o...)
}

// ListServices calls the ECS API.
func (c SDKClients) ListServices(ctx context.Context, in *ecs.ListServicesInput, o ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.ListServices(ctx, in, o...)
}

// DescribeServices calls the ECS API.
func (c SDKClients) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.DescribeServices(ctx, in, o...)
}

// DescribeTaskDefinition calls the ECS API.
func (c SDKClients) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.DescribeTaskDefinition(ctx, in, o...)
}

// DescribeVpcs calls the EC2 API.
func (c SDKClients) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return c.EC2.DescribeVpcs(ctx, in, o...)
}

// DescribeVpcAttribute calls the EC2 API.
func (c SDKClients) DescribeVpcAttribute(ctx context.Context, in *ec2.DescribeVpcAttributeInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	return c.EC2.DescribeVpcAttribute(ctx, in, o...)
}

// DescribeDhcpOptions calls the EC2 API.
func (c SDKClients) DescribeDhcpOptions(ctx context.Context, in *ec2.DescribeDhcpOptionsInput, o ...func(*ec2.Options)) (*ec2.DescribeDhcpOptionsOutput, error) {
	return c.EC2.DescribeDhcpOptions(ctx, in, o...)
}

// DescribeSubnets calls the EC2 API.
func (c SDKClients) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return c.EC2.DescribeSubnets(ctx, in, o...)
}

// DescribeRouteTables calls the EC2 API.
func (c SDKClients) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, o ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	return c.EC2.DescribeRouteTables(ctx, in, o...)
}

// DescribeVpcEndpoints calls the EC2 API.
func (c SDKClients) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	return c.EC2.DescribeVpcEndpoints(ctx, in, o...)
}

// DescribeSecurityGroups calls the EC2 API.
func (c SDKClients) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	return c.EC2.DescribeSecurityGroups(ctx, in, o...)
}

// DescribeNetworkAcls calls the EC2 API.
func (c SDKClients) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	return c.EC2.DescribeNetworkAcls(ctx, in, o...)
}

// DescribeManagedPrefixLists calls the EC2 API.
func (c SDKClients) DescribeManagedPrefixLists(ctx context.Context, in *ec2.DescribeManagedPrefixListsInput, o ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	return c.EC2.DescribeManagedPrefixLists(ctx, in, o...)
}

// GetManagedPrefixListEntries calls the EC2 API.
func (c SDKClients) GetManagedPrefixListEntries(ctx context.Context, in *ec2.GetManagedPrefixListEntriesInput, o ...func(*ec2.Options)) (*ec2.GetManagedPrefixListEntriesOutput, error) {
	return c.EC2.GetManagedPrefixListEntries(ctx, in, o...)
}

// DescribeNetworkInterfaces calls the EC2 API.
func (c SDKClients) DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	return c.EC2.DescribeNetworkInterfaces(ctx, in, o...)
}

// DescribeMountTargets calls the EFS API.
func (c SDKClients) DescribeMountTargets(ctx context.Context, in *efs.DescribeMountTargetsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error) {
	if c.EFS == nil {
		return nil, ErrNoClient
	}
	return c.EFS.DescribeMountTargets(ctx, in, o...)
}

// DescribeMountTargetSecurityGroups calls the EFS API.
func (c SDKClients) DescribeMountTargetSecurityGroups(ctx context.Context, in *efs.DescribeMountTargetSecurityGroupsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error) {
	if c.EFS == nil {
		return nil, ErrNoClient
	}
	return c.EFS.DescribeMountTargetSecurityGroups(ctx, in, o...)
}

// limitedAPI bounds the calls in flight: each call holds one slot of sem
// while it runs (paginators included, page by page). Bounding the calls,
// not the goroutines that make them, means a function that fans out
// further calls can never wait on a slot its own caller holds.
type limitedAPI struct {
	api API
	sem chan struct{}
}

func (l limitedAPI) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l limitedAPI) release() { <-l.sem }

func (l limitedAPI) DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, o ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeClusters(ctx, in, o...)
}

func (l limitedAPI) ListServices(ctx context.Context, in *ecs.ListServicesInput, o ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.ListServices(ctx, in, o...)
}

func (l limitedAPI) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeServices(ctx, in, o...)
}

func (l limitedAPI) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeTaskDefinition(ctx, in, o...)
}

func (l limitedAPI) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeVpcs(ctx, in, o...)
}

func (l limitedAPI) DescribeVpcAttribute(ctx context.Context, in *ec2.DescribeVpcAttributeInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeVpcAttribute(ctx, in, o...)
}

func (l limitedAPI) DescribeDhcpOptions(ctx context.Context, in *ec2.DescribeDhcpOptionsInput, o ...func(*ec2.Options)) (*ec2.DescribeDhcpOptionsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeDhcpOptions(ctx, in, o...)
}

func (l limitedAPI) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeSubnets(ctx, in, o...)
}

func (l limitedAPI) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, o ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeRouteTables(ctx, in, o...)
}

func (l limitedAPI) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeVpcEndpoints(ctx, in, o...)
}

func (l limitedAPI) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeSecurityGroups(ctx, in, o...)
}

func (l limitedAPI) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeNetworkAcls(ctx, in, o...)
}

func (l limitedAPI) DescribeManagedPrefixLists(ctx context.Context, in *ec2.DescribeManagedPrefixListsInput, o ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeManagedPrefixLists(ctx, in, o...)
}

func (l limitedAPI) GetManagedPrefixListEntries(ctx context.Context, in *ec2.GetManagedPrefixListEntriesInput, o ...func(*ec2.Options)) (*ec2.GetManagedPrefixListEntriesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.GetManagedPrefixListEntries(ctx, in, o...)
}

func (l limitedAPI) DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeNetworkInterfaces(ctx, in, o...)
}

func (l limitedAPI) DescribeMountTargets(ctx context.Context, in *efs.DescribeMountTargetsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeMountTargets(ctx, in, o...)
}

func (l limitedAPI) DescribeMountTargetSecurityGroups(ctx context.Context, in *efs.DescribeMountTargetSecurityGroupsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeMountTargetSecurityGroups(ctx, in, o...)
}

// Input is what to audit: a cluster's services, or a task definition with
// the network configuration it would be deployed with.
type Input struct {
	// Cluster is a cluster name or ARN.
	Cluster string
	// Services are service names in Cluster; empty means every service.
	Services []string
	// TaskDefinition is FAMILY[:REV], an ARN, or a path to a
	// RegisterTaskDefinition input JSON file (it contains a '/' or ends in
	// .json).
	TaskDefinition string
	Subnets        []string
	SecurityGroups []string
	// AssignPublicIP is ENABLED or DISABLED (default) for TaskDefinition.
	AssignPublicIP string
}

// InputError is bad input, found before any rule runs: a flag combination
// that cannot work, a task-definition file that does not parse, or a
// resource that does not exist. Input names the flag.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return e.Input + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(input, format string, args ...any) *InputError {
	return &InputError{Input: input, Err: fmt.Errorf(format, args...)}
}

// Validate checks the flag combinations; every problem is reported.
func (in Input) Validate() error {
	var errs []error
	switch {
	case in.Cluster == "" && in.TaskDefinition == "":
		errs = append(errs, inputErr("--cluster", "audit needs --cluster (a service sweep) or --task-definition (before deploy)"))
	case in.TaskDefinition != "" && len(in.Services) > 0:
		errs = append(errs, inputErr("--service", "audits a deployed service; it does not combine with --task-definition"))
	}
	if len(in.Subnets) > 0 && len(in.SecurityGroups) == 0 {
		errs = append(errs, inputErr("--subnets", "needs --security-groups: without the task's security groups no path can be judged"))
	}
	if len(in.SecurityGroups) > 0 && len(in.Subnets) == 0 {
		errs = append(errs, inputErr("--security-groups", "needs --subnets"))
	}
	if in.TaskDefinition != "" && len(in.Subnets) == 0 && len(in.SecurityGroups) == 0 {
		errs = append(errs, inputErr("--task-definition", "needs --subnets and --security-groups (the awsvpcConfiguration it would be deployed with)"))
	}
	if in.TaskDefinition == "" && len(in.Subnets) > 0 {
		errs = append(errs, inputErr("--subnets", "applies to --task-definition; a service's subnets come from the service"))
	}
	return errors.Join(errs...)
}

// DefaultConcurrency bounds the API calls in flight.
const DefaultConcurrency = 6

// Gatherer fills Facts from the AWS APIs.
type Gatherer struct {
	API    API
	Region string
	// Concurrency bounds the calls in flight (DefaultConcurrency when 0).
	Concurrency int
}

// Gather validates in, asks the AWS APIs and returns the facts. Bad input
// is an *InputError. A call that is denied or throttled (after the SDK's
// retries) becomes an Undecided fact and gathering carries on; a call that
// fails without an AWS answer at all (no credentials, no network) ends the
// audit with an error, since every other call would fail the same way.
func (g *Gatherer) Gather(ctx context.Context, in Input) (*Facts, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if g.Region == "" {
		return nil, inputErr("--region", "no region: set --region, AWS_REGION or a profile's region")
	}
	s, ctx, cancel := g.start(ctx, in)
	defer cancel(nil)
	var err error
	if in.TaskDefinition != "" {
		err = s.taskDefinitionWorkload(ctx)
	} else {
		err = s.serviceWorkloads(ctx)
	}
	if err == nil {
		// The services' task definitions are read beside the network
		// (they do not depend on each other), then the EFS mount
		// targets, which need both.
		var wg sync.WaitGroup
		if in.TaskDefinition == "" {
			wg.Go(func() { s.describeTaskDefinitions(ctx) })
		}
		err = s.network(ctx)
		wg.Wait()
		if err == nil {
			s.describeMountTargets(ctx)
		}
	}
	if err == nil {
		err = s.fatal()
	}
	if err != nil {
		return nil, err
	}
	s.f.Undecided = sortedUndecided(s.f.Undecided)
	return s.f, nil
}

// start is one gathering of in: empty facts for g's region, the API behind
// g's concurrency bound, and a context the first fatal error cancels.
func (g *Gatherer) start(ctx context.Context, in Input) (*gathering, context.Context, context.CancelCauseFunc) {
	concurrency := g.Concurrency
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	ctx, cancel := context.WithCancelCause(ctx)
	s := &gathering{
		g: g, in: in, cancel: cancel, api: limitedAPI{api: g.API, sem: make(chan struct{}, concurrency)},
		f: &Facts{
			Region: g.Region, Partition: config.PartitionOf(g.Region).Name,
			VPCs: map[string]*VPC{}, Subnets: map[string]*Subnet{}, SecurityGroups: map[string]*SecurityGroup{},
			PrefixLists: map[string]*PrefixList{},
		},
	}
	return s, ctx, cancel
}

// GatherNetwork reads the network facts of one VPC, and only those (no
// ECS, no EFS): what EvaluateNetwork needs to judge one running task's
// interface. preflight check and serve use it to explain their failures.
// Denied or throttled calls become Undecided facts, as in Gather; an error
// is a call that got no AWS answer at all.
func (g *Gatherer) GatherNetwork(ctx context.Context, vpcID string) (*Facts, error) {
	if g.Region == "" {
		return nil, inputErr("--region", "no region")
	}
	s, ctx, cancel := g.start(ctx, Input{})
	defer cancel(nil)
	if err := s.vpcNetwork(ctx, []string{vpcID}); err != nil {
		return nil, err
	}
	s.f.Undecided = sortedUndecided(s.f.Undecided)
	return s.f, nil
}

// gathering is the state of one Gather: the facts under construction, the
// bounded API and the first fatal error.
type gathering struct {
	g  *Gatherer
	in Input
	// api is g.API with at most Concurrency calls in flight.
	api    API
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	f        *Facts
	fatalErr error
}

// parallel runs fns concurrently and waits for them; the calls they make
// are bounded by s.api.
func (s *gathering) parallel(ctx context.Context, fns ...func(context.Context)) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() { fn(ctx) })
	}
	wg.Wait()
}

// failed handles the error of one call about resource: an AWS answer
// (denied, throttled, anything the service said, even undecodable) becomes
// an Undecided fact and failed returns true; an error without any HTTP
// answer (no credentials, no network, cancelled) is fatal.
func (s *gathering) failed(action, resource string, err error) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case errors.As(err, &apiErr):
		s.f.Undecided = append(s.f.Undecided, Undecided{Action: action, Resource: resource, Code: apiErr.ErrorCode(), Err: apiErr.ErrorMessage()})
		return true
	case errors.As(err, &respErr) && respErr.HTTPStatusCode() != 0 && s.cancelled() == nil:
		// AWS (or a proxy) answered with an error the SDK could not
		// decode: still an answer about this call alone.
		s.f.Undecided = append(s.f.Undecided, Undecided{Action: action, Resource: resource,
			Code: fmt.Sprintf("HTTP %d", respErr.HTTPStatusCode()), Err: respErr.Error()})
		return true
	}
	if s.fatalErr == nil {
		s.fatalErr = fmt.Errorf("%s: %w", action, err)
		s.cancel(s.fatalErr)
	}
	return true
}

// cancelled is the fatal error that cancelled the gathering, if any; the
// caller holds s.mu.
func (s *gathering) cancelled() error { return s.fatalErr }

func (s *gathering) fatal() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatalErr
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

func sortedUndecided(u []Undecided) []Undecided {
	slices.SortFunc(u, func(a, b Undecided) int {
		if c := strings.Compare(a.Action, b.Action); c != 0 {
			return c
		}
		return strings.Compare(a.Resource, b.Resource)
	})
	return slices.CompactFunc(u, func(a, b Undecided) bool { return a.Action == b.Action && a.Resource == b.Resource })
}

// arnParts returns the partition, account and resource of an ARN.
func arnParts(arn string) (partition, account, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", "", "", false
	}
	return parts[1], parts[4], parts[5], true
}
