package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
)

// ErrNoPublicIPv4 means IMDS answered 404 for public-ipv4.
var ErrNoPublicIPv4 = errors.New("no public IPv4")

// IMDSClient reads the EC2 instance metadata service with IMDSv2 tokens.
type IMDSClient struct {
	// BaseURL is http://169.254.169.254 in EC2.
	BaseURL string
	HTTP    *http.Client
}

// NewIMDSClient returns a client for baseURL that never uses a proxy.
func NewIMDSClient(baseURL string) *IMDSClient {
	return &IMDSClient{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: LocalHTTPClient()}
}

// PublicIPv4 returns the instance's public IPv4, or ErrNoPublicIPv4.
func (c *IMDSClient) PublicIPv4(ctx context.Context) (string, error) {
	token, err := c.token(ctx)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/latest/meta-data/public-ipv4", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-aws-ec2-metadata-token", token)
	body, status, err := c.do(req)
	if err != nil {
		return "", err
	}
	switch status {
	case http.StatusOK:
		ip := strings.TrimSpace(body)
		if _, err := netip.ParseAddr(ip); err != nil {
			return "", fmt.Errorf("GET public-ipv4: %q is not an IP address", snippet([]byte(ip)))
		}
		return ip, nil
	case http.StatusNotFound:
		return "", ErrNoPublicIPv4
	default:
		return "", fmt.Errorf("GET public-ipv4: HTTP %d", status)
	}
}

func (c *IMDSClient) token(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.BaseURL+"/latest/api/token", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
	body, status, err := c.do(req)
	if err != nil {
		return "", fmt.Errorf("PUT token: %w (IMDS blocked by ECS_AWSVPC_BLOCK_IMDS, a hop limit of 1, or not on EC2)", err)
	}
	if status != http.StatusOK || strings.TrimSpace(body) == "" {
		return "", fmt.Errorf("PUT token: HTTP %d (IMDSv2 disabled or blocked)", status)
	}
	return strings.TrimSpace(body), nil
}

func (c *IMDSClient) do(req *http.Request) (string, int, error) {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if isTimeout(err) {
			return "", 0, errTimeout
		}
		return "", 0, unwrapURLError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", 0, err
	}
	return string(b), resp.StatusCode, nil
}
