package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
)

// Lookuper resolves a host name; *Resolver satisfies it.
type Lookuper interface {
	Lookup(ctx context.Context, host string) (Answer, error)
}

// Runner probes targets: DNS, then TCP to every address, then TLS on port
// 443, each step bounded by Timeout, retrying failed targets with backoff.
type Runner struct {
	Resolver   Lookuper
	Dialer     Dialer
	Classifier Classifier
	// TLSConfig carries the roots to verify against (nil RootCAs = system
	// roots); nil disables TLS checks.
	TLSConfig *tls.Config
	Timeout   time.Duration
	Env       Environment
	Logger    *zap.Logger
	Now       func() time.Time
	// InitialBackoff and MaxBackoff shape the retry delays.
	InitialBackoff, MaxBackoff time.Duration
}

// Run probes every target concurrently. Failing targets are retried while a
// retry can start before retryUntil; ctx bounds everything. Results come back
// in target order: dns, connect, then tls rows for each target.
func (r *Runner) Run(ctx context.Context, targets []config.Target, retryUntil time.Time) []Result {
	perTarget := make([][]Result, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			perTarget[i] = r.runTarget(ctx, t, retryUntil)
		}()
	}
	wg.Wait()
	var out []Result
	for _, rs := range perTarget {
		out = append(out, rs...)
	}
	return out
}

func (r *Runner) runTarget(ctx context.Context, t config.Target, retryUntil time.Time) (results []Result) {
	log := r.Logger.With(zap.String("target", t.Name), zap.String("host", t.Host), zap.Int("port", t.Port))
	defer func() {
		if v := recover(); v != nil {
			log.Error("probe panicked", zap.Any("panic", v), zap.ByteString("stack", debug.Stack()))
			results = []Result{{
				Check: "internal", Target: t.Name, Host: t.Host, Port: t.Port, Expect: string(t.Expect),
				Status: StatusFail, Class: ClassInternal, Error: fmt.Sprintf("probe panicked: %v", v),
				Hint: "This is a preflight bug: please report it with the log line above.",
			}}
		}
	}()
	backoff := r.InitialBackoff
	for attempt := 1; ; attempt++ {
		results = r.attempt(ctx, t)
		for i := range results {
			results[i].Attempts = attempt
		}
		failed := firstFailure(results)
		if failed == nil || ctx.Err() != nil {
			return results
		}
		if !r.Now().Add(backoff).Before(retryUntil) {
			return results
		}
		log.Info("check failed, retrying", zap.Int("attempt", attempt), zap.String("check", failed.Check),
			zap.String("error", failed.Error), zap.Duration("retry_in", backoff))
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return results
		case <-timer.C:
		}
		backoff = min(backoff*2, r.MaxBackoff)
	}
}

func firstFailure(rs []Result) *Result {
	for i := range rs {
		if rs[i].Failed() {
			return &rs[i]
		}
	}
	return nil
}

// ChecksFor lists the check kinds a target's results carry when its name
// resolves: dns and connect, and tls for port 443 unless TLS is off or the
// target must be blocked. serve presets its metric series from it.
func (r *Runner) ChecksFor(t config.Target) []string {
	if r.wantsTLS(t) {
		return []string{CheckDNS, CheckConnect, CheckTLS}
	}
	return []string{CheckDNS, CheckConnect}
}

func (r *Runner) wantsTLS(t config.Target) bool {
	return r.TLSConfig != nil && t.Port == 443 && t.Expect != config.ExpectBlocked
}

// attempt probes t once.
func (r *Runner) attempt(ctx context.Context, t config.Target) []Result {
	base := Result{Target: t.Name, Host: t.Host, Port: t.Port, Expect: string(t.Expect)}
	dnsRes, addrs, ok := r.resolve(ctx, t, base)
	wantTLS := r.wantsTLS(t)
	if !ok {
		// Nothing to dial: the DNS row says why, and says it once.
		return []Result{dnsRes}
	}
	var tlsConfig *tls.Config
	if wantTLS {
		tlsConfig = r.TLSConfig.Clone()
		if _, err := netip.ParseAddr(t.Host); err != nil {
			tlsConfig.ServerName = t.Host
		}
	}
	outcomes := dialAll(ctx, r.Dialer, addrs, uint16(t.Port), r.Timeout, tlsConfig)
	out := []Result{dnsRes, r.judgeConnect(t, base, outcomes)}
	if wantTLS {
		out = append(out, r.judgeTLS(t, base, outcomes))
	}
	return out
}

func skipped(base Result, check, detail string) Result {
	base.Check, base.Status, base.Detail = check, StatusSkip, detail
	return base
}

// resolve runs the DNS step and judges the address classes.
func (r *Runner) resolve(ctx context.Context, t config.Target, base Result) (Result, []netip.Addr, bool) {
	res := base
	res.Check = CheckDNS
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(t.Host); err == nil {
		addrs = []netip.Addr{a.Unmap()}
		res.Detail = "address literal, no lookup"
	} else {
		lctx, cancel := context.WithTimeout(ctx, r.Timeout)
		start := time.Now()
		ans, err := r.Resolver.Lookup(lctx, t.Host)
		cancel()
		res.Duration = time.Since(start)
		if err != nil {
			res.Error = err.Error()
			if t.Expect == config.ExpectBlocked {
				res.Status, res.Detail = StatusPass, "does not resolve, so nothing to reach: fine for a blocked target"
				return res, nil, false
			}
			res.Status, res.Class = StatusFail, ClassDNS
			res.Hint = hint(ClassDNS, hintInput{target: t, env: r.Env, situation: dnsSituation(err)})
			return res, nil, false
		}
		addrs = ans.Addrs
		res.Detail = fmt.Sprintf("%s via %s", plural(len(addrs), "address", "addresses"), ans.Server)
		if len(ans.Chain) > 0 {
			res.Detail += " (CNAME " + strings.Join(trimDots(ans.Chain), " -> ") + ")"
		}
	}
	res.Addresses = addrStrings(addrs)
	var wrong []netip.Addr
	for _, a := range addrs {
		private := r.Classifier.IsPrivate(a)
		if (t.Expect == config.ExpectPrivate && !private) || (t.Expect == config.ExpectPublic && private) {
			wrong = append(wrong, a)
		}
	}
	switch {
	case len(wrong) > 0:
		got := "public"
		if t.Expect == config.ExpectPublic {
			got = "private"
		}
		res.Status, res.Class = StatusFail, ClassDNSPosture
		res.FailedAddresses = addrStrings(wrong)
		res.Error = fmt.Sprintf("%s resolves to %s %s; expected %s", t.Host, got, strings.Join(res.FailedAddresses, ", "), t.Expect)
		res.Hint = hint(ClassDNSPosture, hintInput{target: t, addrs: res.FailedAddresses, env: r.Env})
	case t.Expect == config.ExpectPrivate || t.Expect == config.ExpectPublic:
		res.Status = StatusPass
		res.Detail += ", all " + string(t.Expect)
	default:
		res.Status = StatusPass
	}
	return res, addrs, true
}

func dnsSituation(err error) string {
	var de *DNSError
	if errors.As(err, &de) {
		if de.Rcode != "" {
			return de.Rcode
		}
		if de.Timeout() {
			return "timeout"
		}
		if errors.Is(de.Err, syscall.ECONNREFUSED) {
			return "refused"
		}
	}
	return "other"
}

func (r *Runner) judgeConnect(t config.Target, base Result, outcomes []addrOutcome) Result {
	res := base
	res.Check = CheckConnect
	var opened, failed []netip.Addr
	var errs []string
	for _, o := range outcomes {
		res.Addresses = append(res.Addresses, o.addr.String())
		res.Duration = max(res.Duration, o.connectDur)
		if o.connectErr == nil {
			opened = append(opened, o.addr)
			continue
		}
		failed = append(failed, o.addr)
		errs = append(errs, fmt.Sprintf("dial %s: %v", netip.AddrPortFrom(o.addr, uint16(t.Port)), trimDialPrefix(o.connectErr)))
	}
	if t.Expect == config.ExpectBlocked {
		if len(opened) > 0 {
			res.Status, res.Class = StatusFail, ClassEgressOpen
			res.FailedAddresses = addrStrings(opened)
			res.Error = fmt.Sprintf("connected to %s on TCP %d; expected blocked", strings.Join(res.FailedAddresses, ", "), t.Port)
			res.Hint = hint(ClassEgressOpen, hintInput{target: t, addrs: res.FailedAddresses, env: r.Env})
			return res
		}
		res.Status = StatusPass
		res.Detail = fmt.Sprintf("blocked: none of %s accepted TCP %d", plural(len(outcomes), "address", "addresses"), t.Port)
		return res
	}
	if len(failed) == 0 {
		res.Status = StatusPass
		res.Detail = fmt.Sprintf("%d/%d addresses accepted TCP %d", len(opened), len(outcomes), t.Port)
		return res
	}
	res.Status, res.Class = StatusFail, ClassConnect
	res.FailedAddresses = addrStrings(failed)
	res.Detail = fmt.Sprintf("%d/%d addresses accepted TCP %d", len(opened), len(outcomes), t.Port)
	res.Error = strings.Join(errs, "; ")
	situation := "public"
	allPrivate := true
	for _, a := range failed {
		allPrivate = allPrivate && r.Classifier.IsPrivate(a)
	}
	if allPrivate {
		situation = "private"
	}
	if allRefused(outcomes) {
		situation = "refused"
	}
	res.Hint = hint(ClassConnect, hintInput{target: t, addrs: res.FailedAddresses, env: r.Env, situation: situation})
	return res
}

func allRefused(outcomes []addrOutcome) bool {
	n := 0
	for _, o := range outcomes {
		if o.connectErr == nil {
			continue
		}
		if !isRefused(o.connectErr) {
			return false
		}
		n++
	}
	return n > 0
}

func (r *Runner) judgeTLS(t config.Target, base Result, outcomes []addrOutcome) Result {
	res := base
	res.Check = CheckTLS
	var failed []string
	var errs []string
	var situation tlsFailure
	var earliest time.Time
	tried := 0
	for _, o := range outcomes {
		if !o.tlsTried {
			continue
		}
		tried++
		res.Addresses = append(res.Addresses, o.addr.String())
		res.Duration = max(res.Duration, o.tlsDur)
		if o.tlsErr != nil {
			failed = append(failed, o.addr.String())
			errs = append(errs, fmt.Sprintf("tls %s: %v", netip.AddrPortFrom(o.addr, uint16(t.Port)), o.tlsErr))
			if situation == "" {
				situation = classifyTLSError(o.tlsErr)
			}
			continue
		}
		if earliest.IsZero() || o.notAfter.Before(earliest) {
			earliest = o.notAfter
		}
	}
	if tried == 0 {
		return skipped(base, CheckTLS, "no address accepted TCP")
	}
	if !earliest.IsZero() {
		e := earliest.UTC()
		res.CertNotAfter = &e
	}
	if len(failed) > 0 {
		res.Status, res.Class = StatusFail, ClassTLS
		res.FailedAddresses = failed
		res.Error = strings.Join(errs, "; ")
		res.Hint = hint(ClassTLS, hintInput{target: t, addrs: failed, env: r.Env, situation: string(situation)})
		return res
	}
	res.Status = StatusPass
	res.Detail = fmt.Sprintf("certificate for %s verified on %s, valid until %s", t.Host, plural(tried, "address", "addresses"), earliest.UTC().Format("2006-01-02"))
	return res
}

func addrStrings(addrs []netip.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

func trimDots(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(n, ".")
	}
	return out
}

// trimDialPrefix removes net's "dial tcp ADDR:" prefix; the caller names the
// address itself.
func trimDialPrefix(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); strings.HasPrefix(s, "dial tcp") && i >= 0 {
		return s[i+2:]
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
