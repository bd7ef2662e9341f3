package audit

import (
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// maxResponseBytes bounds one response body. The largest answers audit
// asks for (a page of 1,000 security groups with their rules) are a few
// MiB; a body past the bound is an endpoint that misbehaves, and reading
// it whole would cost memory, not information.
const maxResponseBytes = 16 << 20

// ResponseTooLargeError is a response body that went past its bound.
type ResponseTooLargeError struct {
	Limit int64
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("response body over %d MiB; stopped reading", e.Limit>>20)
}

// boundedClient is the HTTP client the SDK uses, with every response body
// bounded: a read past limit fails with *ResponseTooLargeError, which the
// SDK reports as a deserialization error (not retried).
type boundedClient struct {
	client aws.HTTPClient
	limit  int64
}

// Do sends r and bounds the body of its response.
func (c boundedClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.client.Do(r)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &boundedBody{body: resp.Body, left: c.limit, limit: c.limit}
	return resp, nil
}

// boundedBody reads at most limit bytes of body.
type boundedBody struct {
	body  io.ReadCloser
	left  int64
	limit int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly limit bytes from a
		// longer one.
		var one [1]byte
		n, err := b.body.Read(one[:])
		if n > 0 {
			return 0, &ResponseTooLargeError{Limit: b.limit}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.body.Close() }
