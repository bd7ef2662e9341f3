package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
)

// API is every AWS call gather makes, all of them reads. *SDKClients
// implements it with the SDK; tests wrap it to count calls or inject
// faults. Each method has the SDK client's own signature, so the SDK's
// paginators accept an API.
type API interface {
	ListClusters(context.Context, *ecs.ListClustersInput, ...func(*ecs.Options)) (*ecs.ListClustersOutput, error)
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	ListServices(context.Context, *ecs.ListServicesInput, ...func(*ecs.Options)) (*ecs.ListServicesOutput, error)
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	ListContainerInstances(context.Context, *ecs.ListContainerInstancesInput, ...func(*ecs.Options)) (*ecs.ListContainerInstancesOutput, error)
	DescribeContainerInstances(context.Context, *ecs.DescribeContainerInstancesInput, ...func(*ecs.Options)) (*ecs.DescribeContainerInstancesOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeCapacityProviders(context.Context, *ecs.DescribeCapacityProvidersInput, ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error)

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
	DescribeVpcBlockPublicAccessOptions(context.Context, *ec2.DescribeVpcBlockPublicAccessOptionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessOptionsOutput, error)
	DescribeVpcBlockPublicAccessExclusions(context.Context, *ec2.DescribeVpcBlockPublicAccessExclusionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessExclusionsOutput, error)

	DescribeMountTargets(context.Context, *efs.DescribeMountTargetsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error)
	DescribeMountTargetSecurityGroups(context.Context, *efs.DescribeMountTargetSecurityGroupsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error)
}

// SDKClients is API backed by the AWS SDK for Go v2.
type SDKClients struct {
	EC2 *ec2.Client
	ECS *ecs.Client
	EFS *efs.Client
}

var _ API = SDKClients{}

// maxAttempts bounds the SDK's standard retryer: throttling and server
// errors are retried with backoff, and what still fails becomes an
// Undecided fact.
const maxAttempts = 5

// attemptTimeout bounds one HTTP attempt of one call (a large account's
// DescribeSecurityGroups page can take seconds).
const attemptTimeout = 30 * time.Second

// credentialsTimeout bounds finding credentials before the first call: the
// chain may end at instance metadata, which on a laptop never answers.
const credentialsTimeout = 15 * time.Second

// NewSDKClients loads the AWS configuration the way the AWS CLI does
// (environment, shared profiles, SSO, container credentials, then IMDS:
// audit runs on laptops, in CI and on EC2), honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_EC2/_ECS/_EFS, and retries with the SDK's standard
// retryer: maxAttempts attempts unless AWS_MAX_ATTEMPTS, the profile's
// max_attempts or an option says otherwise (AWS_RETRY_MODE=adaptive works
// too), every call getting all of them (see newRetryer). region may be
// empty: the configuration's region is then used. It returns the clients
// and the region they talk to. No credentials is an *EnvironmentError.
func NewSDKClients(ctx context.Context, region string, optFns ...func(*awsconfig.LoadOptions) error) (SDKClients, string, error) {
	return newSDKClients(ctx, region, clientSettings{}, optFns)
}

// clientSettings are the seams of the SDK clients that LoadOptions do not
// reach; the zero value is what preflight ships.
type clientSettings struct {
	// backoff replaces the retryer's exponential backoff (tests).
	backoff retry.BackoffDelayer
}

func newSDKClients(ctx context.Context, region string, set clientSettings, optFns []func(*awsconfig.LoadOptions) error) (SDKClients, string, error) {
	cfg, attempts, err := loadConfig(ctx, region, set, optFns)
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
	cfg, attempts, err := loadConfig(ctx, region, clientSettings{}, optFns)
	if err != nil {
		return SDKClients{}, "", err
	}
	return SDKClients{EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.RetryMaxAttempts = attempts })}, cfg.Region, nil
}

// ErrNoClient is the error of a call to a service whose client was not
// built (see NewNetworkClients).
var ErrNoClient = errors.New("no client for this service: built for network reads only")

func loadConfig(ctx context.Context, region string, set clientSettings, optFns []func(*awsconfig.LoadOptions) error) (aws.Config, int, error) {
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
	// Every body has a bound, so a runaway answer is an error, not
	// memory. Wrapped after loading: AWS_CA_BUNDLE needs the SDK's own
	// client type while the configuration loads.
	if cfg.HTTPClient != nil {
		cfg.HTTPClient = boundedClient{client: cfg.HTTPClient, limit: maxResponseBytes}
	}
	attempts := cfg.RetryMaxAttempts // set only when configured
	if attempts == 0 {
		attempts = maxAttempts
	}
	if cfg.Retryer == nil {
		mode := cfg.RetryMode
		cfg.Retryer = func() aws.Retryer { return newRetryer(mode, attempts, set.backoff) }
	}
	return cfg, attempts, nil
}

// CheckCredentials finds the credentials the clients sign with, within
// credentialsTimeout: Gather asks before its first call, so that no
// credentials is one line (an *EnvironmentError) rather than an undecided
// row per call. The SDK caches what it finds for the calls.
func (c SDKClients) CheckCredentials(ctx context.Context) error {
	var creds aws.CredentialsProvider
	switch {
	case c.EC2 != nil:
		creds = c.EC2.Options().Credentials
	case c.ECS != nil:
		creds = c.ECS.Options().Credentials
	}
	if creds == nil {
		return &EnvironmentError{Err: errors.New("no AWS credentials: none configured")}
	}
	cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := creds.Retrieve(cctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &EnvironmentError{Err: fmt.Errorf("no AWS credentials (environment, profile, SSO, container or instance metadata): %w", err)}
	}
	return nil
}

// credentialChecker is an API that can tell, before any call, whether it
// has credentials (SDKClients).
type credentialChecker interface {
	CheckCredentials(context.Context) error
}

// newRetryer is the SDK's standard (or adaptive) retryer without its
// client-side retry quota: that bucket (500 tokens, 5 a retry, 10 a
// timeout) is shared by every call of a client, so under sustained errors
// it ran dry and later calls got one attempt instead of attempts (40
// failing calls made 140 attempts, not 200). A throttled call keeps its
// exponential backoff with jitter (up to 20 s between attempts), and at
// most DefaultConcurrency calls are in flight, so the quota's protection
// of the service is not needed here.
func newRetryer(mode aws.RetryMode, attempts int, backoff retry.BackoffDelayer) aws.Retryer {
	std := func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.RateLimiter = ratelimit.None
		if backoff != nil {
			o.Backoff = backoff
		}
	}
	if mode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, std)
		})
	}
	return retry.NewStandard(std)
}

// ListClusters calls the ECS API.
func (c SDKClients) ListClusters(ctx context.Context, in *ecs.ListClustersInput, o ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.ListClusters(ctx, in, o...)
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

// ListContainerInstances calls the ECS API.
func (c SDKClients) ListContainerInstances(ctx context.Context, in *ecs.ListContainerInstancesInput, o ...func(*ecs.Options)) (*ecs.ListContainerInstancesOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.ListContainerInstances(ctx, in, o...)
}

// DescribeContainerInstances calls the ECS API.
func (c SDKClients) DescribeContainerInstances(ctx context.Context, in *ecs.DescribeContainerInstancesInput, o ...func(*ecs.Options)) (*ecs.DescribeContainerInstancesOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.DescribeContainerInstances(ctx, in, o...)
}

// DescribeCapacityProviders calls the ECS API.
func (c SDKClients) DescribeCapacityProviders(ctx context.Context, in *ecs.DescribeCapacityProvidersInput, o ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error) {
	if c.ECS == nil {
		return nil, ErrNoClient
	}
	return c.ECS.DescribeCapacityProviders(ctx, in, o...)
}

// DescribeInstances calls the EC2 API.
func (c SDKClients) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return c.EC2.DescribeInstances(ctx, in, o...)
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

// DescribeVpcBlockPublicAccessOptions calls the EC2 API.
func (c SDKClients) DescribeVpcBlockPublicAccessOptions(ctx context.Context, in *ec2.DescribeVpcBlockPublicAccessOptionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessOptionsOutput, error) {
	return c.EC2.DescribeVpcBlockPublicAccessOptions(ctx, in, o...)
}

// DescribeVpcBlockPublicAccessExclusions calls the EC2 API.
func (c SDKClients) DescribeVpcBlockPublicAccessExclusions(ctx context.Context, in *ec2.DescribeVpcBlockPublicAccessExclusionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessExclusionsOutput, error) {
	return c.EC2.DescribeVpcBlockPublicAccessExclusions(ctx, in, o...)
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

func (l limitedAPI) ListClusters(ctx context.Context, in *ecs.ListClustersInput, o ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.ListClusters(ctx, in, o...)
}

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

func (l limitedAPI) ListContainerInstances(ctx context.Context, in *ecs.ListContainerInstancesInput, o ...func(*ecs.Options)) (*ecs.ListContainerInstancesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.ListContainerInstances(ctx, in, o...)
}

func (l limitedAPI) DescribeContainerInstances(ctx context.Context, in *ecs.DescribeContainerInstancesInput, o ...func(*ecs.Options)) (*ecs.DescribeContainerInstancesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeContainerInstances(ctx, in, o...)
}

func (l limitedAPI) DescribeCapacityProviders(ctx context.Context, in *ecs.DescribeCapacityProvidersInput, o ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeCapacityProviders(ctx, in, o...)
}

func (l limitedAPI) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeInstances(ctx, in, o...)
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

func (l limitedAPI) DescribeVpcBlockPublicAccessOptions(ctx context.Context, in *ec2.DescribeVpcBlockPublicAccessOptionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessOptionsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeVpcBlockPublicAccessOptions(ctx, in, o...)
}

func (l limitedAPI) DescribeVpcBlockPublicAccessExclusions(ctx context.Context, in *ec2.DescribeVpcBlockPublicAccessExclusionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessExclusionsOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.api.DescribeVpcBlockPublicAccessExclusions(ctx, in, o...)
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
	// Cluster is a cluster name or ARN, or a comma-separated list of
	// them.
	Cluster string
	// AllClusters sweeps every cluster of the Region (ecs:ListClusters)
	// instead of Cluster.
	AllClusters bool
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
	case in.Cluster == "" && in.TaskDefinition == "" && !in.AllClusters:
		errs = append(errs, inputErr("--cluster", "audit needs --cluster or --all-clusters (a service sweep), or --task-definition (before deploy)"))
	case in.TaskDefinition != "" && len(in.Services) > 0:
		errs = append(errs, inputErr("--service", "audits a deployed service; it does not combine with --task-definition"))
	}
	errs = append(errs, in.validateClusters()...)
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
// is an *InputError. A call that fails after the SDK's retries (denied,
// throttled, a server error, no connection) becomes an Undecided fact and
// gathering carries on; when the first call gets no answer at all, or a
// call fails outside the HTTP exchange (credentials), the audit ends with
// an *EnvironmentError, since every other call would fail the same way.
func (g *Gatherer) Gather(ctx context.Context, in Input) (*audit.Facts, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if g.Region == "" {
		return nil, inputErr("--region", "no region: set --region, AWS_REGION or a profile's region")
	}
	s, ctx, cancel := g.start(ctx, in)
	defer cancel(nil)
	// Credentials are looked for before the first call, after the input
	// that needs none (a task-definition file) has been read.
	checkCredentials := func() error {
		if c, ok := g.API.(credentialChecker); ok {
			return c.CheckCredentials(ctx)
		}
		return nil
	}
	var err error
	switch {
	case in.TaskDefinition == "":
		if err = checkCredentials(); err == nil {
			err = s.serviceWorkloads(ctx)
		}
	case isTaskDefinitionFile(in.TaskDefinition):
		if err = s.taskDefinitionWorkload(ctx); err == nil {
			err = checkCredentials()
		}
	default:
		if err = checkCredentials(); err == nil {
			err = s.taskDefinitionWorkload(ctx)
		}
	}
	if err == nil {
		// What runs the tasks decides which hosts to read.
		err = s.capacityProviders(ctx)
	}
	if err == nil {
		// The container instances come first: their VPCs join the
		// network read.
		err = s.containerInstances(ctx)
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
		f: &audit.Facts{
			Region: g.Region, Partition: config.PartitionOf(g.Region).Name,
			VPCs: map[string]*audit.VPC{}, Subnets: map[string]*audit.Subnet{}, SecurityGroups: map[string]*audit.SecurityGroup{},
			PrefixLists: map[string]*audit.PrefixList{},
		},
	}
	return s, ctx, cancel
}

// GatherNetwork reads the network facts of VPCs, and only those (no
// ECS, no EFS): what EvaluateNetwork needs to judge one running task's
// interface (preflight check and serve use it to explain their
// failures), or what a plan laid over the account names outside the
// audited services' VPCs (GatherOutside). Each kind of resource is read
// once for all the VPCs. Calls that fail become Undecided facts, as in
// Gather; an error is an interrupted gathering or a failure outside any
// call.
func (g *Gatherer) GatherNetwork(ctx context.Context, vpcIDs ...string) (*audit.Facts, error) {
	if g.Region == "" {
		return nil, inputErr("--region", "no region")
	}
	return g.network(ctx, vpcIDs, true)
}

// network is GatherNetwork, with the Region's Block Public Access read
// only when bpa.
func (g *Gatherer) network(ctx context.Context, vpcIDs []string, bpa bool) (*audit.Facts, error) {
	s, ctx, cancel := g.start(ctx, Input{})
	defer cancel(nil)
	if err := s.vpcNetwork(ctx, vpcIDs, bpa); err != nil {
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
	f        *audit.Facts
	fatalErr error
	// clusterMu lets one cluster of a sweep at a time add its
	// workloads (the clusters are read in parallel).
	clusterMu sync.Mutex
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

// failed handles the error of one call about resource. Every answer, and
// every call that got none after its retries, becomes an Undecided fact
// saying what happened (denied, throttled, a server error, an undecodable
// or oversized body, a runaway pagination, a failed connection), and
// failed returns true; only an interrupted gathering or a failure outside
// any call (the credentials) is fatal.
func (s *gathering) failed(action, resource string, err error) bool {
	if err == nil {
		return false
	}
	var sendErr *smithyhttp.RequestSendError
	var respErr *awshttp.ResponseError
	var pe *pageError
	var apiErr smithy.APIError
	answered := errors.As(err, &apiErr) || errors.As(err, &respErr) && respErr.HTTPStatusCode() != 0
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatalErr == nil && (answered || errors.As(err, &pe) || errors.As(err, &sendErr) && !errors.Is(err, context.Canceled)) {
		code, msg := callFailure(err)
		s.f.Undecided = append(s.f.Undecided, audit.Undecided{Action: action, Resource: resource, Code: code, Err: msg})
		return true
	}
	if s.fatalErr == nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = &EnvironmentError{Err: err}
		}
		s.fatalErr = fmt.Errorf("%s: %w", action, err)
		s.cancel(s.fatalErr)
	}
	return true
}

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

func sortedUndecided(u []audit.Undecided) []audit.Undecided {
	slices.SortFunc(u, func(a, b audit.Undecided) int {
		if c := strings.Compare(a.Action, b.Action); c != 0 {
			return c
		}
		return strings.Compare(a.Resource, b.Resource)
	})
	return slices.CompactFunc(u, func(a, b audit.Undecided) bool { return a.Action == b.Action && a.Resource == b.Resource })
}

// arnParts returns the partition, account and resource of an ARN.
func arnParts(arn string) (partition, account, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", "", "", false
	}
	return parts[1], parts[4], parts[5], true
}
