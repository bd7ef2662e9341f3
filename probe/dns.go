package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// maxCNAMELinks is the longest CNAME chain followed; a longer one is
// reported as such (resolvers give up near there too).
const maxCNAMELinks = 8

// maxCNAMEQueries bounds the follow-up queries made when a resolver returns a
// CNAME chain without the final addresses: one a link at worst.
const maxCNAMEQueries = maxCNAMELinks

// Answer is what a lookup found.
type Answer struct {
	Addrs []netip.Addr
	// Chain lists the CNAME targets followed, in order.
	Chain []string
	// Server is the resolver that answered.
	Server string
}

// DNSError is a failed lookup. Rcode is the response code name when the
// server answered ("NXDOMAIN", "SERVFAIL", "NOERROR" for an empty answer),
// and empty when it did not answer at all.
type DNSError struct {
	Host   string
	Server string
	Rcode  string
	Err    error
	// CNAME, when set, says how the answer's CNAME chain is broken ("CNAME
	// loop at a.example", "CNAME chain longer than 8"): the resolver
	// answered, but the name leads nowhere.
	CNAME string
}

func (e *DNSError) Error() string {
	switch {
	case e.CNAME != "":
		return fmt.Sprintf("lookup %s on %s: %s", e.Host, e.Server, e.CNAME)
	case e.Rcode == "NOERROR":
		return fmt.Sprintf("lookup %s on %s: NOERROR with no A or AAAA records", e.Host, e.Server)
	case e.Rcode != "":
		return fmt.Sprintf("lookup %s on %s: %s", e.Host, e.Server, e.Rcode)
	default:
		return fmt.Sprintf("lookup %s on %s: %v", e.Host, e.Server, e.Err)
	}
}

func (e *DNSError) Unwrap() error { return e.Err }

// chainBroken reports whether the name's CNAME chain loops or is too long.
func (e *DNSError) chainBroken() bool { return e.CNAME != "" }

// Timeout reports whether the server did not answer in time.
func (e *DNSError) Timeout() bool { return e.Rcode == "" && isTimeout(e.Err) }

// Resolver looks names up with miekg/dns against explicit servers, the way
// the task's own stub resolver would, so that the answer is the one the
// application will get.
type Resolver struct {
	// Servers are host:port addresses, tried in order.
	Servers []string
	// UDP and TCP are the clients; TCP is used when a UDP reply is truncated.
	UDP, TCP *dns.Client
}

// NewResolver returns a resolver for servers whose every exchange is bounded
// by timeout (and by the context's deadline, whichever comes first).
func NewResolver(servers []string, timeout time.Duration) *Resolver {
	return &Resolver{
		Servers: servers,
		UDP:     &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232},
		TCP:     &dns.Client{Net: "tcp", Timeout: timeout},
	}
}

// Lookup resolves host to its A and AAAA addresses, following CNAMEs. A
// server that does not answer or answers SERVFAIL hands over to the next one
// with its share of the remaining time; NXDOMAIN and NOERROR are final.
func (r *Resolver) Lookup(ctx context.Context, host string) (Answer, error) {
	if len(r.Servers) == 0 {
		return Answer{}, &DNSError{Host: host, Server: "(none)", Err: errors.New("no DNS servers configured")}
	}
	var lastErr error
	for i, server := range r.Servers {
		sctx, cancel := shareOfDeadline(ctx, len(r.Servers)-i)
		ans, err := r.lookupOn(sctx, server, host)
		cancel()
		if err == nil {
			return ans, nil
		}
		lastErr = err
		var de *DNSError
		if errors.As(err, &de) && de.Rcode != "" && de.Rcode != "SERVFAIL" {
			return Answer{}, err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return Answer{}, lastErr
}

// shareOfDeadline gives one of n remaining servers an equal share of the time
// left, so that a dead first server does not starve the others.
func shareOfDeadline(ctx context.Context, n int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || n <= 1 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Until(deadline)/time.Duration(n))
}

func (r *Resolver) lookupOn(ctx context.Context, server, host string) (Answer, error) {
	ans := Answer{Server: server}
	name := dns.Fqdn(host)
	for q := 0; q <= maxCNAMEQueries; q++ {
		var (
			g       group
			results [2]typeResult
		)
		// AAAA on its own goroutine, A on this one: one goroutine a query
		// round instead of two, and a panic in either still reaches the
		// guard.
		g.Go(func() { results[1] = r.query(ctx, server, name, dns.TypeAAAA) })
		results[0] = r.query(ctx, server, name, dns.TypeA)
		g.Wait()
		for _, res := range results {
			if res.err != nil {
				return Answer{}, &DNSError{Host: host, Server: server, Err: res.err}
			}
			if res.rcode != dns.RcodeSuccess {
				return Answer{}, &DNSError{Host: host, Server: server, Rcode: rcodeName(res.rcode)}
			}
		}
		a, aaaa := results[0], results[1]
		for _, res := range results {
			if res.loopAt != "" {
				return Answer{}, &DNSError{Host: host, Server: server, Rcode: "NOERROR", CNAME: "CNAME loop at " + strings.TrimSuffix(res.loopAt, ".")}
			}
		}
		ans.Addrs = append(append(ans.Addrs, a.addrs...), aaaa.addrs...)
		chain := a.chain
		if len(aaaa.chain) > len(chain) {
			chain = aaaa.chain
		}
		for _, next := range chain {
			if strings.EqualFold(next, dns.Fqdn(host)) || slices.ContainsFunc(ans.Chain, func(c string) bool { return strings.EqualFold(c, next) }) {
				return Answer{}, &DNSError{Host: host, Server: server, Rcode: "NOERROR", CNAME: "CNAME loop at " + strings.TrimSuffix(next, ".")}
			}
			ans.Chain = append(ans.Chain, next)
		}
		if len(ans.Chain) > maxCNAMELinks {
			return Answer{}, &DNSError{Host: host, Server: server, Rcode: "NOERROR", CNAME: fmt.Sprintf("CNAME chain longer than %d", maxCNAMELinks)}
		}
		if len(ans.Addrs) > 0 {
			return ans, nil
		}
		if len(chain) == 0 {
			return Answer{}, &DNSError{Host: host, Server: server, Rcode: "NOERROR"}
		}
		// The resolver stopped at a CNAME: ask for its target ourselves.
		name = chain[len(chain)-1]
	}
	return Answer{}, &DNSError{Host: host, Server: server, Rcode: "NOERROR", CNAME: fmt.Sprintf("CNAME chain longer than %d", maxCNAMELinks)}
}

type typeResult struct {
	rcode int
	addrs []netip.Addr
	chain []string
	// loopAt is the name at which the answer's CNAME chain loops.
	loopAt string
	err    error
}

// query asks server for name/qtype, over TCP if the UDP reply is truncated,
// and extracts the addresses at the end of the CNAME chain.
func (r *Resolver) query(ctx context.Context, server, name string, qtype uint16) typeResult {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	reply, err := exchange(ctx, r.UDP, m, server)
	if err == nil && reply.Truncated {
		reply, err = exchange(ctx, r.TCP, m, server)
	}
	if err != nil {
		return typeResult{err: normalizeNetError(err)}
	}
	if len(reply.Question) != 1 || !strings.EqualFold(reply.Question[0].Name, name) || reply.Question[0].Qtype != qtype {
		return typeResult{err: fmt.Errorf("reply is for another question than %s %s", name, dns.TypeToString[qtype])}
	}
	if reply.Rcode != dns.RcodeSuccess {
		return typeResult{rcode: reply.Rcode}
	}
	chain, final, loopAt := followChain(reply.Answer, name)
	var addrs []netip.Addr
	for _, rr := range reply.Answer {
		if !strings.EqualFold(rr.Header().Name, final) {
			continue
		}
		var ip net.IP
		switch v := rr.(type) {
		case *dns.A:
			if qtype == dns.TypeA {
				ip = v.A
			}
		case *dns.AAAA:
			if qtype == dns.TypeAAAA {
				ip = v.AAAA
			}
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			addrs = append(addrs, a.Unmap())
		}
	}
	return typeResult{rcode: dns.RcodeSuccess, addrs: addrs, chain: chain, loopAt: loopAt}
}

// exchange sends m to server. miekg/dns turns the context's deadline into a
// socket deadline but does not watch for cancellation, so a shutdown would
// wait for a silent server until the deadline: cancellation pulls the
// socket deadline in instead.
func exchange(ctx context.Context, c *dns.Client, m *dns.Msg, server string) (*dns.Msg, error) {
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) }) //nolint:errcheck // best effort: the read fails either way
	defer stop()
	reply, _, err := c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errTimeout
		}
		return nil, ctx.Err()
	}
	return reply, err
}

// followChain walks CNAME records from name and returns the targets in order
// and the final name. A loop ends the walk and is returned as the name at
// which it closes.
func followChain(answer []dns.RR, name string) (chain []string, final, loopAt string) {
	seen := map[string]bool{strings.ToLower(name): true}
	for {
		next := ""
		for _, rr := range answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
				next = c.Target
				break
			}
		}
		if next == "" {
			return chain, name, ""
		}
		if seen[strings.ToLower(next)] {
			return chain, name, next
		}
		seen[strings.ToLower(next)] = true
		chain = append(chain, next)
		name = next
	}
}

func rcodeName(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rcode)
}

// isTimeout reports whether err is a deadline or network timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// timeoutError reads like, and is recognised as, the net package's own
// timeout error.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var errTimeout net.Error = timeoutError{}

// normalizeNetError makes context deadline errors read as timeouts, the way
// users know them from dig and nc.
func normalizeNetError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "i/o timeout") {
		return errTimeout
	}
	return err
}
