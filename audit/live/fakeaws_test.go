package live

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
	"github.com/preflight-dev/preflight/audit"
)

// fakeAWS is a stand-in for the ECS, EC2 and EFS APIs on 127.0.0.1 that
// misbehaves on request: a small healthy account (cluster prod, one
// Fargate service orders in subnet-0a1b with a NAT route and open groups
// and ACLs) whose answers a test replaces action by action ("ec2:*"
// replaces every EC2 action). moto cannot answer 503s, garbage, endless
// pages or 17 MiB bodies; this can.
type fakeAWS struct {
	srv      *httptest.Server
	override map[string]http.HandlerFunc
	// date, when set, is every answer's Date header (the SDK warns about
	// one it cannot parse); set it with setDate, under mu, because the
	// server is already running.
	date string

	mu    sync.Mutex
	calls map[string]int
}

func newFakeAWS(t testing.TB, override map[string]http.HandlerFunc) *fakeAWS {
	t.Helper()
	f := &fakeAWS{override: override, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// setDate makes every later answer carry date as its Date header.
func (f *fakeAWS) setDate(date string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.date = date
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	action := requestAction(r)
	f.mu.Lock()
	f.calls[action]++
	date := f.date
	f.mu.Unlock()
	if date != "" {
		w.Header().Set("Date", date)
	}
	if h := f.override[action]; h != nil {
		h(w, r)
		return
	}
	if h := f.override[action[:strings.IndexByte(action, ':')+1]+"*"]; h != nil {
		h(w, r)
		return
	}
	if body, ok := fakeECS[action]; ok {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, body)
		return
	}
	if body, ok := fakeEC2[action]; ok {
		op := strings.TrimPrefix(action, "ec2:")
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>%s</%sResponse>`, op, body, op)
		return
	}
	http.Error(w, "fakeAWS: no answer for "+action, http.StatusNotImplemented)
}

// count is how many requests (attempts) action got.
func (f *fakeAWS) count(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

// api is the audit's SDK clients pointed at f, with the default retries
// (maxAttempts) and no backoff waits.
func (f *fakeAWS) api(t testing.TB) (API, string) {
	t.Helper()
	return fakeClients(t, f.srv.URL)
}

func fakeClients(t testing.TB, endpoint string, opts ...func(*awsconfig.LoadOptions) error) (API, string) {
	t.Helper()
	noWait := retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	return testClients(t, endpoint, clientSettings{backoff: noWait}, opts...)
}

// testClients is the audit's SDK clients pointed at endpoint with static
// credentials and set's seams (the zero value: the shipped backoff).
func testClients(t testing.TB, endpoint string, set clientSettings, opts ...func(*awsconfig.LoadOptions) error) (API, string) {
	t.Helper()
	api, region, err := newSDKClients(context.Background(), "us-east-1", set, append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(endpoint),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
		// The SDK's warning about the body it could not drain after a
		// bounded read is expected here; the binary logs it through zap.
		awsconfig.WithLogger(logging.Nop{}),
	}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	return api, region
}

// gather gathers the service sweep of cluster prod from f.
func (f *fakeAWS) gather(t testing.TB) (*audit.Facts, error) {
	t.Helper()
	api, region := f.api(t)
	return (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{Cluster: "prod"})
}

// Misbehaviours a test can give an action.
var (
	answer503 http.HandlerFunc = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<Response><Errors><Error><Code>Unavailable</Code><Message>The service is unavailable.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	}
	answerGarbage http.HandlerFunc = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, "<html><body>captive portal</body></html")
	}
	closeConnection http.HandlerFunc = func(w http.ResponseWriter, _ *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}
)

// ec2Page answers an EC2 action with body and a token that never changes.
func ec2Page(op, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%sResponse><requestId>r</requestId>%s<nextToken>same</nextToken></%sResponse>`, op, body, op)
	}
}

// json answers with an ECS or EFS JSON body.
func jsonAnswer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

// closedPort is a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

const fakeTaskDefinition = `{"taskDefinition":{"family":"orders","revision":1,"taskDefinitionArn":"arn:aws:ecs:us-east-1:111122223333:task-definition/orders:1",` +
	`"networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"containerDefinitions":[{"name":"app","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:1"}]}}`

var fakeECS = map[string]string{
	"ecs:ListClusters":     `{"clusterArns":["arn:aws:ecs:us-east-1:111122223333:cluster/prod"]}`,
	"ecs:DescribeClusters": `{"clusters":[{"clusterName":"prod","clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/prod","status":"ACTIVE"}],"failures":[]}`,
	"ecs:ListServices":     `{"serviceArns":["arn:aws:ecs:us-east-1:111122223333:service/prod/orders"]}`,
	"ecs:DescribeServices": `{"services":[{"serviceName":"orders","serviceArn":"arn:aws:ecs:us-east-1:111122223333:service/prod/orders","status":"ACTIVE","launchType":"FARGATE",` +
		`"taskDefinition":"arn:aws:ecs:us-east-1:111122223333:task-definition/orders:1",` +
		`"networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-0a1b"],"securityGroups":["sg-0e4f"],"assignPublicIp":"DISABLED"}}}],"failures":[]}`,
	"ecs:DescribeTaskDefinition": fakeTaskDefinition,
}

var fakeEC2 = map[string]string{
	"ec2:DescribeSubnets": `<subnetSet><item><subnetId>subnet-0a1b</subnetId><vpcId>vpc-0a</vpcId><cidrBlock>10.0.1.0/24</cidrBlock>` +
		`<availabilityZone>us-east-1a</availabilityZone><availabilityZoneId>use1-az1</availabilityZoneId><ownerId>111122223333</ownerId></item></subnetSet>`,
	"ec2:DescribeVpcs":         `<vpcSet><item><vpcId>vpc-0a</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><dhcpOptionsId>default</dhcpOptionsId></item></vpcSet>`,
	"ec2:DescribeVpcAttribute": `<vpcId>vpc-0a</vpcId><enableDnsSupport><value>true</value></enableDnsSupport><enableDnsHostnames><value>true</value></enableDnsHostnames>`,
	"ec2:DescribeRouteTables": `<routeTableSet><item><routeTableId>rtb-0a</routeTableId><vpcId>vpc-0a</vpcId><associationSet><item><main>true</main></item></associationSet>` +
		`<routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state></item>` +
		`<item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-0a</natGatewayId><state>active</state></item></routeSet></item></routeTableSet>`,
	"ec2:DescribeVpcEndpoints": `<vpcEndpointSet/>`,
	"ec2:DescribeSecurityGroups": `<securityGroupInfo><item><groupId>sg-0e4f</groupId><groupName>task</groupName><vpcId>vpc-0a</vpcId>` +
		`<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress></item></securityGroupInfo>`,
	"ec2:DescribeNetworkAcls": `<networkAclSet><item><networkAclId>acl-0a</networkAclId><vpcId>vpc-0a</vpcId><default>true</default><entrySet>` +
		`<item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>` +
		`<item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>` +
		`</entrySet><associationSet><item><subnetId>subnet-0a1b</subnetId></item></associationSet></item></networkAclSet>`,
	"ec2:DescribeManagedPrefixLists":  `<prefixListSet><item><prefixListId>pl-0a</prefixListId><prefixListName>com.amazonaws.us-east-1.s3</prefixListName></item></prefixListSet>`,
	"ec2:GetManagedPrefixListEntries": `<entrySet><item><cidr>203.0.113.0/24</cidr></item></entrySet>`,
	// VPC Block Public Access as a new account has it: off, no exclusions.
	"ec2:DescribeVpcBlockPublicAccessOptions": `<vpcBlockPublicAccessOptions><awsAccountId>111122223333</awsAccountId><awsRegion>us-east-1</awsRegion>` +
		`<state>default-state</state><internetGatewayBlockMode>off</internetGatewayBlockMode><exclusionsAllowed>allowed</exclusionsAllowed><managedBy>account</managedBy></vpcBlockPublicAccessOptions>`,
	"ec2:DescribeVpcBlockPublicAccessExclusions": `<vpcBlockPublicAccessExclusionSet/>`,
}
