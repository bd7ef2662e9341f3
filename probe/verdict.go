package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// stage is one step of probing a target. The table below drives both what
// an attempt reports and the rows (and metric series) a target has. DNS
// comes first and gives the addresses; connect and TLS are judged from one
// pass over the addresses, because a handshake rides on the connection the
// connect stage opened.
type stage struct {
	check report.Check
	// wanted says whether the stage applies to t under r's settings.
	wanted func(r *Runner, t config.Target) bool
	// judge turns what the attempt saw on every address into the row.
	judge func(r *Runner, t config.Target, base report.Result, outcomes []addrOutcome) report.Result
}

// targetStages are the stages of every target, in order. The DNS stage is
// judged while resolving (it decides whether there is anything to dial), so
// it has no judge here.
var targetStages = []stage{
	{check: report.CheckDNS, wanted: func(*Runner, config.Target) bool { return true }},
	{check: report.CheckConnect, wanted: func(*Runner, config.Target) bool { return true }, judge: (*Runner).judgeConnect},
	{check: report.CheckTLS, wanted: (*Runner).wantsTLS, judge: (*Runner).judgeTLS},
}

// wantsTLS: a handshake on port 443 unless TLS is off or the target must
// be blocked.
func (r *Runner) wantsTLS(t config.Target) bool {
	return r.TLSConfig != nil && t.Port == 443 && t.Expect != config.ExpectBlocked
}

// Handshakes reports whether probing t makes a TLS handshake, which needs
// the roots to verify against: a TLS stage on a host name (an address
// literal has no name to verify; its TLS row is a skip).
func (r *Runner) Handshakes(t config.Target) bool {
	return r.wantsTLS(t) && !isAddrLiteral(t.Host)
}

// attempt probes t once. The lookup and the dials, whose call chains run
// deep into miekg/dns and net, are called from small frames (attempt,
// lookup, dialAll); the rows, whose frames are large, are built only once
// each has returned (judgeDNS, finish). A target's goroutine then needs a
// smaller stack while it waits on the network, which at a few hundred
// targets is most of what a run holds.
func (r *Runner) attempt(ctx context.Context, t *config.Target) []report.Result {
	lk := r.lookup(ctx, t.Host)
	out := make([]report.Result, 1, len(targetStages))
	addrs, ok := r.judgeDNS(t, &out[0], lk)
	if !ok {
		return r.notDialled(t, out)
	}
	var tlsConfig *tls.Config
	if r.Handshakes(*t) {
		tlsConfig = r.tlsConfigFor(t.Host)
	}
	outcomes := dialAll(ctx, r.Dialer, r.slots(), addrs, uint16(t.Port), r.Timeout, tlsConfig)
	return r.finish(t, out, outcomes)
}

func (r *Runner) tlsConfigFor(host string) *tls.Config {
	c := r.TLSConfig.Clone()
	c.ServerName = host
	return c
}

// notDialled completes the rows of an attempt with nothing to dial: the DNS
// row says why, and says it once; the other stages still report a row
// each, so that every series reflects this attempt.
func (r *Runner) notDialled(t *config.Target, out []report.Result) []report.Result {
	detail := "not run: DNS failed"
	if out[0].Status == report.StatusPass {
		detail = "nothing to connect to"
	}
	for _, s := range targetStages[1:] {
		if s.wanted(r, *t) {
			out = append(out, skipped(rowBase(t), s.check, detail))
		}
	}
	return out
}

// finish judges the stages after DNS from what the dials saw.
func (r *Runner) finish(t *config.Target, out []report.Result, outcomes []addrOutcome) []report.Result {
	for _, s := range targetStages[1:] {
		if s.wanted(r, *t) {
			out = append(out, s.judge(r, *t, rowBase(t), outcomes))
		}
	}
	return out
}

// rowBase is what every row of t carries.
func rowBase(t *config.Target) report.Result {
	return report.Result{Target: t.Name, Host: t.Host, Port: t.Port, Expect: string(t.Expect)}
}

func skipped(base report.Result, check report.Check, detail string) report.Result {
	base.Check, base.Status, base.Detail = check, report.StatusSkip, detail
	return base
}

// lookupOutcome is what the DNS step saw, before it is judged.
type lookupOutcome struct {
	ans Answer
	err error
	// took is the lookup's own time, from when it got its slot; zero when
	// it was never sent (an address literal, or no slot before the run
	// ended).
	took time.Duration
}

// lookup resolves host unless it is an address literal (whose outcome is
// empty). The timeout starts once a slot is free: waiting behind other
// targets is not the resolver's slowness.
func (r *Runner) lookup(ctx context.Context, host string) lookupOutcome {
	var lk lookupOutcome
	if isAddrLiteral(host) {
		return lk
	}
	lk.err = r.slots().do(ctx, func() error {
		lctx, cancel := context.WithTimeout(ctx, r.Timeout)
		defer cancel()
		asked := time.Now()
		var err error
		lk.ans, err = r.Resolver.Lookup(lctx, host)
		lk.took = time.Since(asked)
		return err
	})
	return lk
}

// judgeDNS fills res, the DNS row, from the lookup and judges the address
// classes; it returns the addresses to dial, and false when there are none.
func (r *Runner) judgeDNS(t *config.Target, res *report.Result, lk lookupOutcome) ([]netip.Addr, bool) {
	*res = rowBase(t)
	res.Check = report.CheckDNS
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(t.Host); err == nil {
		addrs = []netip.Addr{a.Unmap()}
		res.Detail = "address literal, no lookup"
	} else {
		err := lk.err
		if err != nil && !errors.As(err, new(*DNSError)) {
			// The run ended before a slot came free: nothing was asked.
			err = &DNSError{Host: t.Host, Server: "(no free slot, not asked)", Err: normalizeNetError(err)}
		}
		res.Duration = lk.took
		if err != nil {
			res.Error = err.Error()
			if t.Expect == config.ExpectBlocked && provesAbsent(err) {
				res.Status, res.Detail = report.StatusPass, "does not resolve, so nothing to reach: fine for a blocked target"
				return nil, false
			}
			if exhausted(err) {
				*res = ownResources(*res)
				return nil, false
			}
			res.Status, res.Class = report.StatusFail, report.ClassDNS
			res.Hint = hint(report.ClassDNS, hintInput{target: *t, env: r.Env, situation: dnsSituation(err)})
			return nil, false
		}
		ans := lk.ans
		addrs = uniqueAddrs(ans.Addrs)
		res.Detail = fmt.Sprintf("%s via %s", report.Plural(len(addrs), "address", "addresses"), ans.Server)
		if len(ans.Chain) > 0 {
			res.Detail += " (CNAME " + strings.Join(trimDots(ans.Chain), " -> ") + ")"
		}
	}
	res.Addresses = addrStrings(addrs)
	var wrong, public []netip.Addr
	for _, a := range addrs {
		private := r.Classifier.IsPrivate(a)
		if !private {
			public = append(public, a)
		}
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
		res.Status, res.Class = report.StatusFail, report.ClassDNSPosture
		res.FailedAddresses = addrStrings(wrong)
		res.Error = fmt.Sprintf("%s resolves to %s %s; expected %s", t.Host, got, strings.Join(res.FailedAddresses, ", "), t.Expect)
		res.Hint = hint(report.ClassDNSPosture, hintInput{target: *t, addrs: res.FailedAddresses, env: r.Env})
	case t.Expect == config.ExpectPrivate || t.Expect == config.ExpectPublic:
		res.Status = report.StatusPass
		res.Detail += ", all " + string(t.Expect)
	default:
		res.Status = report.StatusPass
	}
	r.judgePublicPath(t, res, addrStrings(public))
	return addrs, true
}

// provesAbsent reports whether a lookup error proves that the name has no
// address: a resolver answered NXDOMAIN, or NOERROR with no A or AAAA
// records. A resolver that could not be reached (refused, timeout) or
// failed (SERVFAIL) proves nothing about the name.
func provesAbsent(err error) bool {
	var de *DNSError
	return errors.As(err, &de) && (de.Rcode == "NXDOMAIN" || (de.Rcode == "NOERROR" && !de.chainBroken()))
}

func dnsSituation(err error) string {
	var de *DNSError
	if errors.As(err, &de) {
		if de.chainBroken() {
			return "cname"
		}
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

func (r *Runner) judgeConnect(t config.Target, base report.Result, outcomes []addrOutcome) report.Result {
	res := base
	res.Check = report.CheckConnect
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
			res.Status, res.Class = report.StatusFail, report.ClassEgressOpen
			res.FailedAddresses = addrStrings(opened)
			res.Error = fmt.Sprintf("connected to %s on TCP %d; expected blocked", strings.Join(res.FailedAddresses, ", "), t.Port)
			res.Hint = hint(report.ClassEgressOpen, hintInput{target: t, addrs: res.FailedAddresses, env: r.Env})
			return res
		}
		res.Status = report.StatusPass
		res.Detail = fmt.Sprintf("blocked: none of %s accepted TCP %d", report.Plural(len(outcomes), "address", "addresses"), t.Port)
		return res
	}
	if len(failed) == 0 {
		res.Status = report.StatusPass
		res.Detail = fmt.Sprintf("%d/%d addresses accepted TCP %d", len(opened), len(outcomes), t.Port)
		return res
	}
	for _, o := range outcomes {
		if o.connectErr != nil && exhausted(o.connectErr) {
			res.Error = strings.Join(errs, "; ")
			return ownResources(res)
		}
	}
	res.Status, res.Class = report.StatusFail, report.ClassConnect
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
	res.Hint = hint(report.ClassConnect, hintInput{target: t, addrs: res.FailedAddresses, env: r.Env, situation: situation})
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

// isAddrLiteral reports whether host is an IP address rather than a name.
func isAddrLiteral(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

func (r *Runner) judgeTLS(t config.Target, base report.Result, outcomes []addrOutcome) report.Result {
	if isAddrLiteral(t.Host) {
		// No name to verify a certificate against: a handshake could only
		// fail on preflight's own configuration, never on the network.
		return skipped(base, report.CheckTLS, "no host name to verify")
	}
	res := base
	res.Check = report.CheckTLS
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
		return skipped(base, report.CheckTLS, "no address accepted TCP")
	}
	if !earliest.IsZero() {
		e := earliest.UTC()
		res.CertNotAfter = &e
	}
	if len(failed) > 0 {
		res.Status, res.Class = report.StatusFail, report.ClassTLS
		res.FailedAddresses = failed
		res.Error = strings.Join(errs, "; ")
		res.Hint = hint(report.ClassTLS, hintInput{target: t, addrs: failed, env: r.Env, situation: string(situation)})
		return res
	}
	res.Status = report.StatusPass
	res.Detail = fmt.Sprintf("certificate for %s verified on %s, valid until %s", t.Host, report.Plural(tried, "address", "addresses"), earliest.UTC().Format("2006-01-02"))
	return res
}

// uniqueAddrs unmaps IPv4-mapped IPv6 addresses and drops duplicates,
// keeping the first occurrence's place: an A record and the AAAA record
// ::ffff:of the same address are one address to dial.
func uniqueAddrs(addrs []netip.Addr) []netip.Addr {
	seen := make(map[netip.Addr]bool, len(addrs))
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		a = a.Unmap()
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
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

// exhausted reports whether err is preflight running out of its own
// resources (descriptors, buffers, memory) rather than anything the network
// did: blaming the resolver or a security group for it would send the
// operator to the wrong place.
func exhausted(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// ownResources turns res into the internal failure of a run that ran out
// of its own resources.
func ownResources(res report.Result) report.Result {
	res.Status, res.Class = report.StatusFail, report.ClassInternal
	res.Hint = "preflight ran out of its own resources (file descriptors or socket buffers), so this says nothing about the network: raise the container's nofile ulimit (ulimits in the task definition), check fewer targets at once, or look for what else holds descriptors in this process (too many clients of serve's HTTP port)."
	return res
}
