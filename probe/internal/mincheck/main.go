//go:build perfcompare

// Command mincheck is the floor preflight check is measured against: it
// only resolves names (A and AAAA, miekg/dns, one resolver), connects to
// every address and closes, with the same bound on work in flight as the
// runner. No configuration, planning, report or logging. It never ships:
// the perfcompare build tag keeps it out of every normal build.
//
//	mincheck -resolver 127.0.0.1:53 -port 5432 a.internal b.internal ...
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"
)

func main() {
	resolver := flag.String("resolver", "", "DNS server host:port")
	port := flag.Int("port", 443, "TCP port to connect to")
	timeout := flag.Duration("timeout", 5*time.Second, "per lookup and per connect")
	flag.Parse()
	failed := run(*resolver, *port, *timeout, flag.Args())
	fmt.Printf("%d names, %d failed\n", flag.NArg(), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func run(server string, port int, timeout time.Duration, names []string) int {
	c := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232}
	slots := make(chan struct{}, 64)
	var mu sync.Mutex
	failed := 0
	fail := func() { mu.Lock(); failed++; mu.Unlock() }
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			addrs, err := resolve(c, server, dns.Fqdn(name), timeout)
			<-slots
			if err != nil || len(addrs) == 0 {
				fail()
				return
			}
			for _, a := range addrs {
				slots <- struct{}{}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(a.String(), strconv.Itoa(port)))
				cancel()
				<-slots
				if err != nil {
					fail()
					continue
				}
				conn.Close()
			}
		}()
	}
	wg.Wait()
	return failed
}

// resolve asks for A and AAAA at once, as the runner does.
func resolve(c *dns.Client, server, name string, timeout time.Duration) ([]netip.Addr, error) {
	var (
		wg    sync.WaitGroup
		addrs [2][]netip.Addr
		errs  [2]error
	)
	for i, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := new(dns.Msg)
			m.SetQuestion(name, qtype)
			m.RecursionDesired = true
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			reply, _, err := c.ExchangeContext(ctx, m, server)
			if err != nil {
				errs[i] = err
				return
			}
			for _, rr := range reply.Answer {
				switch v := rr.(type) {
				case *dns.A:
					a, _ := netip.AddrFromSlice(v.A)
					addrs[i] = append(addrs[i], a.Unmap())
				case *dns.AAAA:
					a, _ := netip.AddrFromSlice(v.AAAA)
					addrs[i] = append(addrs[i], a)
				}
			}
		}()
	}
	wg.Wait()
	if errs[0] != nil {
		return nil, errs[0]
	}
	if errs[1] != nil {
		return nil, errs[1]
	}
	return append(addrs[0], addrs[1]...), nil
}
