package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Classifier decides whether an address is private.
type Classifier struct {
	Private []netip.Prefix
}

// IsPrivate reports whether a (IPv4-mapped IPv6 addresses unmapped) lies in
// one of the private prefixes.
func (c Classifier) IsPrivate(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range c.Private {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Dialer opens TCP connections; *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// addrOutcome is what happened on one address of a target.
type addrOutcome struct {
	addr       netip.Addr
	connectErr error
	connectDur time.Duration
	// tlsTried is false when no handshake was attempted.
	tlsTried bool
	tlsErr   error
	tlsDur   time.Duration
	notAfter time.Time
}

// maxDialsPerTarget bounds the simultaneous dials to one target's addresses.
const maxDialsPerTarget = 16

// dialAll connects to every address, at most maxDialsPerTarget at a time
// and each holding one of the runner's slots, each connect and each
// handshake bounded by timeout, and performs a TLS handshake on the
// connections that opened when tlsConfig is not nil.
func dialAll(ctx context.Context, d Dialer, slots semaphore, addrs []netip.Addr, port uint16, timeout time.Duration, tlsConfig *tls.Config) []addrOutcome {
	out := make([]addrOutcome, len(addrs))
	dial := func(i int, local semaphore) {
		a := addrs[i]
		out[i] = addrOutcome{addr: a}
		err := local.do(ctx, func() error {
			return slots.do(ctx, func() error {
				out[i] = dialOne(ctx, d, a, port, timeout, tlsConfig)
				return nil
			})
		})
		if err != nil {
			// The run ended before a slot came free.
			out[i].connectErr = normalizeNetError(err)
		}
	}
	if len(addrs) == 0 {
		return out
	}
	// The first address is dialled on the calling goroutine, which would
	// only wait otherwise: a target with one address starts no goroutine,
	// one with two starts one.
	local := make(semaphore, min(len(addrs), maxDialsPerTarget))
	var g group
	for i := 1; i < len(addrs); i++ {
		g.Go(func() { dial(i, local) })
	}
	dial(0, local)
	g.Wait()
	return out
}

func dialOne(ctx context.Context, d Dialer, a netip.Addr, port uint16, timeout time.Duration, tlsConfig *tls.Config) addrOutcome {
	o := addrOutcome{addr: a}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	conn, err := d.DialContext(cctx, "tcp", netip.AddrPortFrom(a, port).String())
	o.connectDur = time.Since(start)
	if err != nil {
		o.connectErr = normalizeNetError(err)
		return o
	}
	defer conn.Close()
	if tlsConfig == nil {
		return o
	}
	o.tlsTried = true
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	defer tcancel()
	start = time.Now()
	tc := tls.Client(conn, tlsConfig)
	err = tc.HandshakeContext(tctx)
	o.tlsDur = time.Since(start)
	if err != nil {
		o.tlsErr = normalizeNetError(err)
		return o
	}
	if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
		o.notAfter = certs[0].NotAfter
	}
	return o
}

// isRefused reports whether a connect was answered with a reset: the path is
// open but nothing accepts, which needs another hint than a silent drop.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// tlsFailure names how a handshake failed.
type tlsFailure string

const (
	tlsWrongName tlsFailure = "wrong_name"
	tlsUntrusted tlsFailure = "untrusted"
	tlsExpired   tlsFailure = "expired"
	tlsTimeout   tlsFailure = "timeout"
	// tlsOversized: the chain is larger than a client accepts (more than
	// 64 KiB in one handshake message, or too many certificates to check).
	tlsOversized tlsFailure = "oversized_chain"
	tlsOther     tlsFailure = "other"
)

func classifyTLSError(err error) tlsFailure {
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &verifyErr) {
		err = verifyErr.Err
	}
	switch {
	case errors.As(err, &hostErr):
		return tlsWrongName
	case errors.As(err, &authErr):
		return tlsUntrusted
	case errors.As(err, &invalidErr) && invalidErr.Reason == x509.Expired:
		return tlsExpired
	case isOversizedChain(err):
		return tlsOversized
	case isTimeout(err):
		return tlsTimeout
	default:
		return tlsOther
	}
}

// isOversizedChain reports whether a handshake failed on the size of the
// certificate chain: crypto/tls refuses a handshake message over 64 KiB
// (where a 100-certificate chain ends up), crypto/x509 gives up after too
// many signature checks. Neither is a firewall or MTU problem.
func isOversizedChain(err error) bool {
	s := err.Error()
	return (strings.Contains(s, "handshake message of length") && strings.Contains(s, "exceeds maximum")) ||
		strings.Contains(s, "signature check attempts limit") ||
		strings.Contains(s, "too many certificates")
}
