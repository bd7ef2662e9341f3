package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeAWS answers the sweep's calls on 127.0.0.1: STS hands out keys that
// name the account ("AKID" + account), Organizations lists accounts a page
// of two at a time, DescribeRegions lists regions, and the ECS and EC2
// reads of the live reader find no cluster. Every account-Region that
// lists its clusters is recorded, and onListClusters runs inside that
// handler (the interruption test cancels from there).
type fakeAWS struct {
	srv *httptest.Server
	// accounts are ListAccounts' answer: id → state.
	accounts [][2]string
	// regions are DescribeRegions' answer: name → opt-in status.
	regions [][2]string
	// noRole are the accounts where AssumeRole is denied.
	noRole map[string]bool
	// deniedRegions answer every ECS and EC2 call with AccessDenied.
	deniedRegions map[string]bool
	// orgDenied answers ListAccounts with AccessDeniedException.
	orgDenied bool
	// throttled accounts' ListClusters answer ThrottlingException.
	throttled      map[string]bool
	onListClusters func(account, region string)

	mu     sync.Mutex
	listed []string // ACCOUNT.REGION of each ListClusters
	roles  []string // RoleArn and RoleSessionName of each AssumeRole
	extIDs []string
}

var credRE = regexp.MustCompile(`Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/`)

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{noRole: map[string]bool{}, deniedRegions: map[string]bool{}, throttled: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	m := credRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	key, region, service := m[1], m[2], m[3]
	account := strings.TrimPrefix(key, "AKID")
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	target := r.Header.Get("X-Amz-Target")
	switch {
	case service == "sts" && form.Get("Action") == "AssumeRole":
		arn := form.Get("RoleArn")
		f.mu.Lock()
		f.roles = append(f.roles, arn+" "+form.Get("RoleSessionName"))
		f.extIDs = append(f.extIDs, form.Get("ExternalId"))
		f.mu.Unlock()
		acct := strings.Split(arn, ":")[4]
		if f.noRole[acct] {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>1</RequestId></ErrorResponse>`, arn)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>AKID%s</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`, acct, arn)
		// The key names the account the role is in.
		return
	case strings.HasSuffix(target, ".ListAccounts") && f.orgDenied:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"com.amazonaws.organizations#AccessDeniedException","Message":"You don't have permissions to access this resource."}`)
		return
	case strings.HasSuffix(target, ".ListAccounts"):
		var in struct{ NextToken string }
		json.Unmarshal(body, &in) //nolint:errcheck // an empty body is the first page
		start := 0
		fmt.Sscan(in.NextToken, &start) //nolint:errcheck // "" is page one
		end := min(start+2, len(f.accounts))
		var page []map[string]string
		for _, a := range f.accounts[start:end] {
			page = append(page, map[string]string{"Id": a[0], "State": a[1]})
		}
		out := map[string]any{"Accounts": page}
		if end < len(f.accounts) {
			out["NextToken"] = fmt.Sprint(end)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out) //nolint:errcheck // the client sees a cut answer
		return
	}
	if f.deniedRegions[region] {
		if service == "ecs" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"AccessDeniedException","message":"explicit deny in a service control policy"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>explicit deny in a service control policy</Message></Error></Errors><RequestID>1</RequestID></Response>`)
		return
	}
	switch {
	case strings.HasSuffix(target, ".ListClusters"):
		f.mu.Lock()
		f.listed = append(f.listed, account+"."+region)
		f.mu.Unlock()
		if f.onListClusters != nil {
			f.onListClusters(account, region)
		}
		if f.throttled[account] {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		fmt.Fprint(w, `{"clusterArns":[]}`)
	case target != "":
		fmt.Fprint(w, `{}`)
	case form.Get("Action") == "DescribeRegions":
		var b strings.Builder
		for _, reg := range f.regions {
			fmt.Fprintf(&b, "<item><regionName>%s</regionName><optInStatus>%s</optInStatus></item>", reg[0], reg[1])
		}
		fmt.Fprintf(w, `<DescribeRegionsResponse><requestId>1</requestId><regionInfo>%s</regionInfo></DescribeRegionsResponse>`, b.String())
	default:
		a := form.Get("Action")
		fmt.Fprintf(w, `<%sResponse><requestId>1</requestId></%sResponse>`, a, a)
	}
}

// options point every client at the fake, signing as the caller
// (account 123456789012) until a role is assumed.
func (f *fakeAWS) options() []func(*awsconfig.LoadOptions) error {
	return []func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(f.srv.URL),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID123456789012", "s", "")),
		awsconfig.WithRetryMaxAttempts(1),
		awsconfig.WithSharedConfigFiles(nil), awsconfig.WithSharedCredentialsFiles(nil),
	}
}

// run sweeps the fake with spec.
func (f *fakeAWS) run(t *testing.T, ctx context.Context, spec Spec) *Outcome {
	t.Helper()
	s := &Sweeper{Spec: spec, Region: "us-east-1", LoadOptions: f.options()}
	out, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
