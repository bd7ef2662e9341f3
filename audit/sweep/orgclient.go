package sweep

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"

	"github.com/preflight-dev/preflight/config"
)

// orgClient calls organizations:ListAccounts over the service's JSON 1.1
// protocol, signed by the SDK's SigV4 signer and retried by the
// configuration's retryer. The SDK's own Organizations client added
// 160 KB gzipped to the binary (a schema of every shape of the service,
// built at start) and took it past the image budget, for one read.
type orgClient struct {
	cfg aws.Config
	// url and region are the endpoint and its signing Region: the
	// partition's one global endpoint, unless the configuration names
	// another (AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL).
	url, region string
	now         func() time.Time
}

// orgRegion is the Region of Organizations' endpoint in a partition:
// the service has one endpoint a partition (AWS documents us-east-1,
// us-gov-west-1 and cn-northwest-1); "" for the others.
func orgRegion(partition string) string {
	switch partition {
	case "aws":
		return "us-east-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	case "aws-cn":
		return "cn-northwest-1"
	}
	return ""
}

// serviceEndpoint is what a configuration source (the environment, a
// profile) says a service's endpoint is; the SDK's sources implement it.
type serviceEndpoint interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

func newOrgClient(ctx context.Context, cfg aws.Config, now func() time.Time) (*orgClient, error) {
	partition := config.PartitionOf(cfg.Region).Name
	region := orgRegion(partition)
	if region == "" {
		return nil, fmt.Errorf("--accounts org: AWS Organizations has no endpoint preflight knows in partition %s: give --accounts a list", partition)
	}
	c := &orgClient{cfg: cfg, url: "https://organizations." + region + "." + config.DNSSuffix(region), region: region, now: now}
	if cfg.BaseEndpoint != nil {
		c.url = *cfg.BaseEndpoint
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(serviceEndpoint); ok {
			if u, found, err := s.GetServiceBaseEndpoint(ctx, "Organizations"); err == nil && found && u != "" {
				c.url = u
				break
			}
		}
	}
	return c, nil
}

// accountsPage is one page of ListAccounts' answer, with the fields read.
type accountsPage struct {
	Accounts []struct {
		ID     string `json:"Id"`
		State  string `json:"State"`
		Status string `json:"Status"`
	} `json:"Accounts"`
	NextToken string `json:"NextToken"`
}

// maxOrgAnswer bounds one page's body: 20 accounts are a few kilobytes.
const maxOrgAnswer = 4 << 20

// ListAccounts returns the page after token ("" for the first), each
// attempt with the configuration's retryer's backoff.
func (c *orgClient) ListAccounts(ctx context.Context, token string) (*accountsPage, error) {
	body := []byte("{}")
	if token != "" {
		body, _ = json.Marshal(map[string]string{"NextToken": token}) //nolint:errcheck // a string map always encodes
	}
	retryer := aws.Retryer(nil)
	if c.cfg.Retryer != nil {
		retryer = c.cfg.Retryer()
	}
	for attempt := 1; ; attempt++ {
		page, err := c.attempt(ctx, body)
		if err == nil || retryer == nil || ctx.Err() != nil || attempt >= retryer.MaxAttempts() || !retryer.IsErrorRetryable(err) {
			return page, err
		}
		delay, derr := retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *orgClient) attempt(ctx context.Context, body []byte) (*accountsPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.url, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts")
	if c.cfg.Credentials == nil {
		return nil, fmt.Errorf("no AWS credentials")
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "organizations", c.region, c.now()); err != nil {
		return nil, err
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxOrgAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxOrgAnswer {
		return nil, fmt.Errorf("answer larger than %d bytes", maxOrgAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, orgError(resp, raw)
	}
	var page accountsPage
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, fmt.Errorf("decode the answer: %w", err)
	}
	return &page, nil
}

// apiError is an error answer of the JSON protocol: the retryer reads its
// code (throttling) and its HTTP status (server errors).
type apiError struct {
	smithy.GenericAPIError
	status int
}

func (e *apiError) HTTPStatusCode() int { return e.status }

// orgError reads the error of a JSON 1.1 answer: the code in __type (after
// any '#'), or in the x-amzn-ErrorType header, and the message.
func orgError(resp *http.Response, raw []byte) error {
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Msg     string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &doc) //nolint:errcheck // a body that is no JSON leaves the status
	code := doc.Type
	if h := resp.Header.Get("X-Amzn-Errortype"); code == "" && h != "" {
		code = strings.SplitN(h, ":", 2)[0]
	}
	code = code[strings.LastIndexByte(code, '#')+1:]
	if code == "" {
		code = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	msg := doc.Message
	if msg == "" {
		msg = doc.Msg
	}
	fault := smithy.FaultClient
	if resp.StatusCode >= 500 {
		fault = smithy.FaultServer
	}
	return &apiError{GenericAPIError: smithy.GenericAPIError{Code: code, Message: msg, Fault: fault}, status: resp.StatusCode}
}
