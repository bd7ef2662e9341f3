package live

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// closingBody is a request body as smithy-go builds it: its Close comes
// from the SDK once the response headers are in, and after Close its
// WriteTo answers io.EOF (safeWriteToReadCloser). Its WriteTo waits for
// that Close, so that net/http's check for bytes past Content-Length
// always comes after it, as it sometimes does on a loaded machine.
type closingBody struct {
	r      *bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func newClosingBody(b []byte) *closingBody {
	return &closingBody{r: bytes.NewReader(b), closed: make(chan struct{})}
}

func (b *closingBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *closingBody) WriteTo(w io.Writer) (int64, error) {
	select {
	case <-b.closed:
	case <-time.After(5 * time.Second):
	}
	return 0, io.EOF
}

func (b *closingBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// TestBodyClosedUnderTheAnswer: the SDK closes the request body when the
// response headers arrive, and the answer must still be read whole. Before
// boundedClient hid the body's WriteTo, net/http's writer got io.EOF from
// it and closed the connection under the response: "use of closed network
// connection" on a complete answer (seen in CI as undecided rows of a
// healthy sweep).
func TestBodyClosedUnderTheAnswer(t *testing.T) {
	answer := bytes.Repeat([]byte("x"), 1<<20)
	bodyClosed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Errorf("server: read request: %v", err)
		}
		w.Header().Set("Content-Length", "1048576")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-bodyClosed:
		case <-time.After(5 * time.Second):
			t.Errorf("server: the client never closed the request body")
		}
		w.Write(answer) //nolint:errcheck // the client's read is what the test checks
	}))
	t.Cleanup(srv.Close)

	client := boundedClient{client: awshttp.NewBuildableClient().WithTimeout(10 * time.Second), limit: maxResponseBytes}
	payload := []byte(`{"cluster":"prod","services":["orders"]}`)
	body := newClosingBody(payload)
	req, err := http.NewRequest(http.MethodPost, srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(payload))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("do: %v", err)
	}
	defer resp.Body.Close()
	// As smithy-go's ClientHandler does right after Do.
	body.Close()
	close(bodyClosed)
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v; want it whole (the request body's close must not close the connection)", err)
	}
	if len(got) != len(answer) {
		t.Errorf("read %d bytes; want %d", len(got), len(answer))
	}
}
