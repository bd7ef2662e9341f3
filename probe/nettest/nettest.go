// Package nettest provides a dialer over real loopback sockets for tests:
// "ADDR:PORT" can be sent to the port a test server for ADDR really listens
// on (so that port 443 needs no privileges), and blackholed addresses hang
// until the deadline, as an address behind a security group that drops
// packets does. A public address (a documentation range such as
// 203.0.113.0/24) can be served from a loopback address, as a NAT gateway
// would carry the connection: no dial ever leaves 127.0.0.0/8.
package nettest

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"testing"

	"github.com/preflight-dev/preflight/probe/tlstest"
)

// Net is a Dialer with per-address port mapping and blackholes.
type Net struct {
	mu        sync.Mutex
	ports     map[string]string // address -> loopback host:port
	blackhole map[string]bool
	panicOn   map[string]bool
	dials     map[string]int
	inFlight  int
	maxFlight int
	d         net.Dialer
}

// Dials returns how many dials addr received.
func (n *Net) Dials(addr string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dials[addr]
}

// MaxInFlight returns the most dials that were in progress at once.
func (n *Net) MaxInFlight() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.maxFlight
}

// New returns an empty Net: every address dials as it is.
func New() *Net {
	return &Net{ports: map[string]string{}, blackhole: map[string]bool{}, panicOn: map[string]bool{}, dials: map[string]int{}}
}

// DialContext dials address, applying the mapping and blackholes.
func (n *Net) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	to, mapped := n.ports[host]
	hole, boom := n.blackhole[host], n.panicOn[host]
	n.dials[host]++
	n.inFlight++
	n.maxFlight = max(n.maxFlight, n.inFlight)
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.inFlight--
		n.mu.Unlock()
	}()
	if boom {
		panic("nettest: dialer asked to panic on " + host)
	}
	if hole {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	if mapped {
		address = to
	}
	return n.d.DialContext(ctx, network, address)
}

// Blackhole makes dials to addr hang until their deadline.
func (n *Net) Blackhole(addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.blackhole[addr] = true
}

// PanicOn makes dials to addr panic, to test panic containment.
func (n *Net) PanicOn(addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.panicOn[addr] = true
}

// ServeTLS starts a TLS server on addr (a loopback address) presenting cert,
// and sends every dial to addr there. It stops when the test ends.
func (n *Net) ServeTLS(t testing.TB, addr string, cert tls.Certificate) {
	t.Helper()
	n.ServeTLSVia(t, addr, addr, cert)
}

// ServeTLSVia starts a TLS server on the loopback address via presenting
// cert, and sends every dial to addr there: a public addr answers as if a
// NAT gateway carried the connection.
func (n *Net) ServeTLSVia(t testing.TB, addr, via string, cert tls.Certificate) {
	t.Helper()
	l, err := tls.Listen("tcp", net.JoinHostPort(via, "0"), &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go tlstest.Serve(l)
	n.mu.Lock()
	n.ports[addr] = l.Addr().String()
	n.mu.Unlock()
}
