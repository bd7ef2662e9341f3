package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// MetadataEnv is the variable the ECS agent sets in every container; when it
// is absent the process is not running in ECS.
const MetadataEnv = "ECS_CONTAINER_METADATA_URI_V4"

// maxMetadataBody bounds what preflight reads from the metadata endpoint.
const maxMetadataBody = 1 << 20

// Task is the task metadata document (TMDS v4 ${URI}/task). Unknown fields
// are ignored; only what preflight uses is declared.
type Task struct {
	Cluster          string      `json:"Cluster"`
	TaskARN          string      `json:"TaskARN"`
	Family           string      `json:"Family"`
	Revision         string      `json:"Revision"`
	DesiredStatus    string      `json:"DesiredStatus"`
	KnownStatus      string      `json:"KnownStatus"`
	AvailabilityZone string      `json:"AvailabilityZone"`
	LaunchType       string      `json:"LaunchType"`
	VPCID            string      `json:"VPCID"`
	ServiceName      string      `json:"ServiceName"`
	Containers       []Container `json:"Containers"`
}

// Container is a container metadata document (TMDS v4 ${URI}, or an element
// of Task.Containers).
type Container struct {
	DockerID      string            `json:"DockerId"`
	Name          string            `json:"Name"`
	DockerName    string            `json:"DockerName"`
	Image         string            `json:"Image"`
	ImageID       string            `json:"ImageID"`
	Labels        map[string]string `json:"Labels"`
	DesiredStatus string            `json:"DesiredStatus"`
	KnownStatus   string            `json:"KnownStatus"`
	Type          string            `json:"Type"`
	LogDriver     string            `json:"LogDriver"`
	LogOptions    map[string]string `json:"LogOptions"`
	Networks      []Network         `json:"Networks"`
	ContainerARN  string            `json:"ContainerARN"`
}

// Network is one entry of a container's Networks.
type Network struct {
	NetworkMode          string   `json:"NetworkMode"`
	IPv4Addresses        []string `json:"IPv4Addresses"`
	IPv6Addresses        []string `json:"IPv6Addresses"`
	AttachmentIndex      int      `json:"AttachmentIndex"`
	MACAddress           string   `json:"MACAddress"`
	IPv4SubnetCIDRBlock  string   `json:"IPv4SubnetCIDRBlock"`
	IPv6SubnetCIDRBlock  string   `json:"IPv6SubnetCIDRBlock"`
	DomainNameServers    []string `json:"DomainNameServers"`
	DomainNameSearchList []string `json:"DomainNameSearchList"`
	PrivateDNSName       string   `json:"PrivateDNSName"`
	// SubnetGatewayIpv4Address is documented as an address but AWS's own
	// examples carry a prefix length ("10.0.2.1/24"); it is kept as text.
	SubnetGatewayIpv4Address string `json:"SubnetGatewayIpv4Address"`
}

// TaskARN is the parsed form of arn:PARTITION:ecs:REGION:ACCOUNT:task/...
type TaskARN struct {
	Partition, Region, Account string
}

// ParseTaskARN parses an ECS task ARN, old format (task/ID) or new
// (task/CLUSTER/ID).
func ParseTaskARN(arn string) (TaskARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ecs" || !strings.HasPrefix(parts[5], "task/") {
		return TaskARN{}, fmt.Errorf("TaskARN %q is not an ECS task ARN (arn:PARTITION:ecs:REGION:ACCOUNT:task/...)", arn)
	}
	if parts[1] == "" || parts[3] == "" || parts[4] == "" {
		return TaskARN{}, fmt.Errorf("TaskARN %q lacks a partition, region or account", arn)
	}
	return TaskARN{Partition: parts[1], Region: parts[3], Account: parts[4]}, nil
}

// TaskNetwork returns the network preflight reasons about: the first awsvpc
// network of a NORMAL container, else the first network found.
func (t *Task) TaskNetwork() (Network, bool) {
	var first *Network
	for ci := range t.Containers {
		c := &t.Containers[ci]
		for ni := range c.Networks {
			n := &c.Networks[ni]
			if n.NetworkMode == "awsvpc" && c.Type != "CNI_PAUSE" {
				return *n, true
			}
			if first == nil {
				first = n
			}
		}
	}
	if first == nil {
		return Network{}, false
	}
	return *first, true
}

// SubnetCIDR returns the IPv4 subnet of the network, if TMDS gave one.
func (n Network) SubnetCIDR() (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(n.IPv4SubnetCIDRBlock))
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// HintSubnetCIDR returns the subnet to name in hints: the IPv4 subnet, or
// the IPv6SubnetCIDRBlock of an IPv6-only ENI.
func (n Network) HintSubnetCIDR() (netip.Prefix, bool) {
	if p, ok := n.SubnetCIDR(); ok {
		return p, true
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(n.IPv6SubnetCIDRBlock))
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// MetadataClient reads the task metadata endpoint v4.
type MetadataClient struct {
	// BaseURI is the value of ECS_CONTAINER_METADATA_URI_V4.
	BaseURI string
	// HTTP must not use a proxy: the endpoint is link-local.
	HTTP *http.Client
	// RetryDelay is the pause between attempts on transient errors.
	RetryDelay time.Duration
}

// maxMetadataRedirects bounds the redirects followed on the metadata host.
const maxMetadataRedirects = 3

// redirectError is a redirect the metadata client refused: not transient,
// so it is reported at once instead of retried until the deadline.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// NewMetadataClient returns a client for baseURI that never uses a proxy
// and follows redirects only on the metadata host, and only a few: the
// agent does not redirect, so a redirect elsewhere is something in the
// task intercepting 169.254.170.2.
func NewMetadataClient(baseURI string) *MetadataClient {
	hc := LocalHTTPClient()
	hc.CheckRedirect = checkMetadataRedirect
	return &MetadataClient{
		BaseURI:    strings.TrimRight(baseURI, "/"),
		HTTP:       hc,
		RetryDelay: 100 * time.Millisecond,
	}
}

func checkMetadataRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) {
		return &redirectError{fmt.Sprintf("redirected off the metadata host %s to %s", first.Host, redactURL(req.URL))}
	}
	if len(via) > maxMetadataRedirects {
		return &redirectError{fmt.Sprintf("redirect loop (more than %d redirects, last to %s)", maxMetadataRedirects, redactURL(req.URL))}
	}
	return nil
}

// Task fetches ${URI}/task (the path extended, any query kept after it).
func (c *MetadataClient) Task(ctx context.Context) (*Task, error) {
	var t Task
	if err := c.get(ctx, "/task", &t); err != nil {
		return nil, err
	}
	if t.TaskARN == "" {
		return nil, fmt.Errorf("GET %s: document has no TaskARN", c.shown("task"))
	}
	return &t, nil
}

// Container fetches ${URI}, this container's own document.
func (c *MetadataClient) Container(ctx context.Context) (*Container, error) {
	var ct Container
	if err := c.get(ctx, "", &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// get fetches path into v, retrying transient failures (connection errors,
// 5xx) until ctx is done: the agent can be briefly unavailable at start-up.
func (c *MetadataClient) get(ctx context.Context, path string, v any) error {
	u, err := c.endpoint(path)
	if err != nil {
		return err
	}
	target, shown := u.String(), redactURL(u)
	var last error
	for {
		transient, err := c.getOnce(ctx, target, shown, v)
		if err == nil || !transient {
			return err
		}
		if ctx.Err() != nil && last != nil {
			// The deadline cut the last attempt short: the failure before
			// it says what is wrong.
			return last
		}
		last = err
		select {
		case <-ctx.Done():
			return err
		case <-time.After(c.RetryDelay):
		}
	}
}

// endpoint is BaseURI with path appended to its path (before any query).
func (c *MetadataClient) endpoint(path string) (*url.URL, error) {
	u, err := url.Parse(c.BaseURI)
	if err != nil {
		return nil, fmt.Errorf("%s=%s is not a URL", MetadataEnv, RedactURI(c.BaseURI))
	}
	if path != "" {
		u = u.JoinPath(path)
	}
	return u, nil
}

// shown is the endpoint for path as printed: no password, no query.
func (c *MetadataClient) shown(path string) string {
	u, err := c.endpoint(path)
	if err != nil {
		return RedactURI(c.BaseURI)
	}
	return redactURL(u)
}

// getOnce fetches target; errors name it as shown, which carries no secret.
func (c *MetadataClient) getOnce(ctx context.Context, target, shown string, v any) (transient bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false, fmt.Errorf("GET %s: %w", shown, unwrapURLError(err))
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return !errors.As(err, new(*redirectError)), fmt.Errorf("GET %s: %w", shown, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBody+1))
	if err != nil {
		return true, fmt.Errorf("GET %s: reading body: %w", shown, err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode >= 500, fmt.Errorf("GET %s: HTTP %d: %s", shown, resp.StatusCode, snippet(body))
	}
	if len(body) > maxMetadataBody {
		return false, fmt.Errorf("GET %s: response larger than 1 MiB", shown)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, fmt.Errorf("GET %s: invalid JSON: %w (body starts %s)", shown, err, snippet(body))
	}
	return false, nil
}

// unwrapURLError drops net/http's `Get "URL":` prefix (any method), which
// repeats what the caller already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// RedactURI is uri fit to print: the password of its user info and its
// query (which may carry a token) are left out. Text that is not a URL
// loses everything between "://" and "@", and from "?".
func RedactURI(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		return redactURL(u)
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if at := strings.LastIndexByte(uri, '@'); at >= 0 {
		start := strings.Index(uri, "://") + len("://")
		if start < len("://") || start > at {
			start = 0
		}
		uri = uri[:start] + "xxxxx" + uri[at:]
	}
	return uri
}

// redactURL is u without its password and query, fit to print.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	return c.Redacted()
}

func snippet(b []byte) string {
	const n = 64
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return fmt.Sprintf("%q", s)
}
