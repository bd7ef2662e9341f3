package live

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
	if r.Body != nil && r.Body != http.NoBody {
		r = r.WithContext(r.Context()) // a copy: the caller's request is its own
		r.Body = readOnlyBody{r.Body}
	}
	resp, err := c.client.Do(r)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &boundedBody{body: resp.Body, left: c.limit, limit: c.limit}
	return resp, nil
}

// readOnlyBody hides every method of a request body but Read and Close.
//
// The SDK closes the request body as soon as the response headers arrive,
// and its body then answers WriteTo with io.EOF (smithy-go's
// safeWriteToReadCloser, v1.28.9 and before). net/http's writer, after
// sending Content-Length bytes, copies the rest of the body to io.Discard
// to check that nothing is left; when the server answered first, that
// copy goes through WriteTo, gets io.EOF as an error, and the transport
// closes the connection under the response the SDK is still reading: a
// complete answer fails with "use of closed network connection". Through
// Read, a closed body's io.EOF is the normal end of a copy.
type readOnlyBody struct {
	body io.ReadCloser
}

func (b readOnlyBody) Read(p []byte) (int, error) { return b.body.Read(p) }
func (b readOnlyBody) Close() error               { return b.body.Close() }

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
