package live

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/preflight-dev/preflight/audit"
)

// EnvironmentError is an audit that cannot start: there are no AWS
// credentials, or the AWS API could not be reached at all. Nothing was
// judged; preflight exits 3 with its one line.
type EnvironmentError struct {
	Err error
}

func (e *EnvironmentError) Error() string { return e.Err.Error() }
func (e *EnvironmentError) Unwrap() error { return e.Err }

// pageError stops a paginated read that would not end.
type pageError struct {
	code string
	msg  string
}

func (e *pageError) Error() string { return e.code + ": " + e.msg }

// pageGuard follows the tokens of one paginated read: a token seen before
// stops it at once (the service would loop), and so does a read that
// still has pages after maxPages.
type pageGuard struct {
	pages int
	seen  map[string]bool
}

// next records the page just read and its token; the error says why the
// read must stop although a token came back.
func (g *pageGuard) next(token *string) error {
	g.pages++
	if token == nil || *token == "" {
		return nil
	}
	if g.seen[*token] {
		return &pageError{code: audit.CodePageRepeated, msg: fmt.Sprintf("page %d returned a token already followed; stopped", g.pages)}
	}
	if g.pages >= maxPages {
		return &pageError{code: audit.CodePageCap, msg: fmt.Sprintf("more than %d pages; stopped", maxPages)}
	}
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	g.seen[*token] = true
	return nil
}

// callFailure says what went wrong with one call that got no usable answer:
// the Undecided's Code (an AWS error code, or one of the Code* phrases)
// and its Err.
func callFailure(err error) (code, msg string) {
	var pe *pageError
	var tooLarge *ResponseTooLargeError
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	var sendErr *smithyhttp.RequestSendError
	attempts := ""
	var maxErr *retry.MaxAttemptsError
	if errors.As(err, &maxErr) {
		attempts = fmt.Sprintf(" after %d attempts", maxErr.Attempt)
	}
	status := 0
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case errors.As(err, &pe):
		return pe.code, pe.msg
	case errors.As(err, &tooLarge):
		return audit.CodeTooLarge, tooLarge.Error()
	case errors.As(err, &apiErr) && audit.ThrottledCode(apiErr.ErrorCode()):
		// EC2 throttles with HTTP 503 (RequestLimitExceeded): that is
		// throttling, not a server error, and its hint says to wait.
		return apiErr.ErrorCode(), apiErr.ErrorMessage() + attempts
	case status >= 500:
		msg = fmt.Sprintf("HTTP %d%s", status, attempts)
		if errors.As(err, &apiErr) {
			msg += " (" + apiErr.ErrorCode() + ": " + apiErr.ErrorMessage() + ")"
		}
		return audit.CodeServerError, msg
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode(), apiErr.ErrorMessage()
	case status != 0:
		// An answer the SDK could not decode (a proxy's HTML 403, a
		// garbled body): an answer about this call alone.
		return audit.CodeUndecodable, fmt.Sprintf("HTTP %d: %v", status, innermost(err))
	case errors.As(err, &sendErr):
		return audit.CodeConnectionFailed, connectionMessage(sendErr.Err) + attempts
	}
	return "", err.Error()
}

// unreachable says whether err is a call that got no HTTP answer at all
// (no connection, DNS, TLS, or a timeout), while ctx still runs.
func unreachable(ctx context.Context, err error) bool {
	var sendErr *smithyhttp.RequestSendError
	return err != nil && ctx.Err() == nil && errors.As(err, &sendErr)
}

// connectionMessage is the part of a transport error that says what
// happened ("dial tcp 127.0.0.1:1: connect: connection refused"), without
// the SDK's wrapping.
func connectionMessage(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	return err.Error()
}

// innermost is the last error in err's chain, which names the cause
// without the SDK's "operation error ..., https response error ..."
// prefixes.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
