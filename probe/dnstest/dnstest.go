// Package dnstest provides a scriptable DNS server for tests, in the manner
// of net/http/httptest: it answers from a zone held in memory, over UDP and
// TCP on the same port, and can misbehave on purpose (rcodes, truncation,
// silence, garbage).
package dnstest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Records is what the server knows about one name.
type Records struct {
	A     []string
	AAAA  []string
	CNAME string
	// Rcode, when not zero, is returned instead of records ("NXDOMAIN",
	// "SERVFAIL", ...).
	Rcode string
	// Truncate sets TC on UDP replies (with no answers); TCP gets the records.
	Truncate bool
	// Drop makes the server never answer for this name.
	Drop bool
	// Garbage answers with bytes that are not a DNS message.
	Garbage bool
	// NoFollow leaves the CNAME target's records out of the answer, as a
	// resolver that stops at a CNAME would.
	NoFollow bool
}

// Zone maps names (with or without the trailing dot) to records. The name
// "*" matches any name that is not listed.
type Zone map[string]Records

// Server is a running DNS server.
type Server struct {
	udp, tcp *dns.Server
	addr     string

	mu   sync.Mutex
	zone Zone
	// Queries counts questions received, by transport.
	queries map[string]int
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB, zone Zone) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", zone)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a server on addr (UDP and TCP on the same port). With port
// 0, a port whose TCP side is taken is given back and another one tried.
func Listen(addr string, zone Zone) (*Server, error) {
	s := &Server{zone: normalize(zone), queries: map[string]int{}}
	pc, l, err := listenBoth(addr)
	if err != nil {
		return nil, err
	}
	s.addr = pc.LocalAddr().String()
	started := make(chan struct{}, 2)
	s.udp = &dns.Server{PacketConn: pc, Handler: s.handler("udp"), NotifyStartedFunc: func() { started <- struct{}{} }}
	s.tcp = &dns.Server{Listener: l, Handler: s.handler("tcp"), NotifyStartedFunc: func() { started <- struct{}{} }}
	go s.udp.ActivateAndServe() //nolint:errcheck // ends with Close
	go s.tcp.ActivateAndServe() //nolint:errcheck // ends with Close
	<-started
	<-started
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown() //nolint:errcheck // best effort in tests
	s.tcp.Shutdown() //nolint:errcheck // best effort in tests
}

// Set replaces the records of one name.
func (s *Server) Set(name string, r Records) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zone[dns.Fqdn(strings.ToLower(name))] = r
}

// Queries returns how many questions arrived over transport ("udp", "tcp").
func (s *Server) Queries(transport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[transport]
}

func normalize(z Zone) Zone {
	out := Zone{}
	for k, v := range z {
		if k != "*" {
			k = dns.Fqdn(strings.ToLower(k))
		}
		out[k] = v
	}
	return out
}

func (s *Server) lookup(name string) (Records, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.zone[strings.ToLower(name)]
	if !ok {
		r, ok = s.zone["*"]
	}
	return r, ok
}

func (s *Server) handler(transport string) dns.HandlerFunc {
	return func(w dns.ResponseWriter, req *dns.Msg) {
		if len(req.Question) != 1 {
			return
		}
		q := req.Question[0]
		s.mu.Lock()
		s.queries[transport]++
		s.mu.Unlock()
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		rec, ok := s.lookup(q.Name)
		switch {
		case !ok:
			m.Rcode = dns.RcodeNameError
		case rec.Drop:
			return
		case rec.Garbage:
			w.Write([]byte{0xde, 0xad, 0xbe, 0xef}) //nolint:errcheck // test server
			return
		case rec.Rcode != "":
			m.Rcode = dns.StringToRcode[rec.Rcode]
		case rec.Truncate && transport == "udp":
			m.Truncated = true
		default:
			s.answer(m, q, 0)
		}
		w.WriteMsg(m) //nolint:errcheck // test server
	}
}

// answer adds the records for q.Name, following CNAMEs inside the zone.
func (s *Server) answer(m *dns.Msg, q dns.Question, depth int) {
	rec, ok := s.lookup(q.Name)
	if !ok || depth > 8 {
		return
	}
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	if rec.CNAME != "" {
		target := dns.Fqdn(rec.CNAME)
		m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(dns.TypeCNAME), Target: target})
		if !rec.NoFollow {
			s.answer(m, dns.Question{Name: target, Qtype: q.Qtype, Qclass: q.Qclass}, depth+1)
		}
		return
	}
	switch q.Qtype {
	case dns.TypeA:
		for _, a := range rec.A {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: net.ParseIP(a).To4()})
		}
	case dns.TypeAAAA:
		for _, a := range rec.AAAA {
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.ParseIP(a)})
		}
	}
}

// listenBoth binds UDP and TCP on one port. With port 0 the kernel picks a
// free UDP port that may be taken on TCP by another test: then it tries a
// new port, a few times.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for tries := 0; ; tries++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp %s: %w", addr, err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if port != "0" || tries == 9 {
			return nil, nil, fmt.Errorf("listen tcp %s: %w", pc.LocalAddr(), err)
		}
	}
}
