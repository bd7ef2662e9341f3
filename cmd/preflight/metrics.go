package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/preflight-dev/preflight/report"
)

// metrics are serve's Prometheus series. Labels stay low-cardinality: the
// check kind and the entry name, never an address or an error string.
type metrics struct {
	success    *prometheus.GaugeVec
	status     *prometheus.GaugeVec
	duration   *prometheus.GaugeVec
	failures   *prometheus.CounterVec
	certExpiry *prometheus.GaugeVec
	publicIP   *prometheus.GaugeVec
	lastRun    prometheus.Gauge
	ready      prometheus.Gauge
	cycles     prometheus.Counter
	// expected are the (check, target) pairs preset from the plan: every
	// one of them reflects the last cycle, run or not.
	expected []seriesKey
}

type seriesKey struct {
	check  report.Check
	target string
}

// statuses are the values of preflight_check_status's status label.
var statuses = [...]report.Status{report.StatusPass, report.StatusWarn, report.StatusSkip, report.StatusFail}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_check_success", Help: "0 if the check failed in the last cycle, else 1 (passed, warned, or skipped: did not run).",
		}, []string{"check", "target"}),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_check_status", Help: "1 for the check's status in the last cycle (pass, warn, skip, fail), 0 for the others; all 0 before the first cycle.",
		}, []string{"check", "target", "status"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_check_duration_seconds", Help: "Duration of the check in the last cycle.",
		}, []string{"check", "target"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "preflight_check_failures_total", Help: "Cycles in which the check failed.",
		}, []string{"check", "target"}),
		certExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_tls_cert_expiry_timestamp_seconds", Help: "Earliest leaf-certificate expiry seen for the target, as a Unix time; 0 until seen.",
		}, []string{"target"}),
		publicIP: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_public_ip", Help: "1 for the task's public-IP verdict (none, present, unknown), 0 for the others.",
		}, []string{"verdict"}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "preflight_last_run_timestamp_seconds", Help: "Unix time at which the last check cycle finished; 0 before the first.",
		}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "preflight_ready", Help: "1 if the last cycle passed (what /readyz reports), else 0.",
		}),
		cycles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "preflight_cycles_total", Help: "Check cycles finished.",
		}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "preflight_build_info", Help: "Always 1; labels carry the version, the revision and the Go version.",
	}, []string{"version", "revision", "goversion"})
	v, r, g := buildInfo()
	info.WithLabelValues(v, r, g).Set(1)
	reg.MustRegister(m.success, m.status, m.duration, m.failures, m.certExpiry, m.publicIP, m.lastRun, m.ready, m.cycles, info)
	for _, verdict := range report.Verdicts {
		m.publicIP.WithLabelValues(string(verdict))
	}
	return m
}

// preset creates every series the results will carry, so that they exist
// from the first scrape: success 1 (nothing has failed yet) and every
// status 0 (nothing has run yet).
func (m *metrics) preset(results []report.Result) {
	for _, r := range results {
		check := string(r.Check)
		m.expected = append(m.expected, seriesKey{r.Check, r.Target})
		m.success.WithLabelValues(check, r.Target).Set(1)
		m.duration.WithLabelValues(check, r.Target)
		m.failures.WithLabelValues(check, r.Target)
		for _, st := range statuses {
			m.status.WithLabelValues(check, r.Target, string(st))
		}
		if r.Check == report.CheckTLS {
			m.certExpiry.WithLabelValues(r.Target)
		}
	}
}

// observe records one finished cycle. An expected series whose check did
// not run in the cycle (connect after DNS failed) says so: status skip,
// success 1, duration 0. No series keeps a value from an older cycle.
func (m *metrics) observe(results []report.Result, ready bool, finished time.Time) {
	ran := make(map[seriesKey]bool, len(results))
	for _, r := range results {
		ran[seriesKey{r.Check, r.Target}] = true
		m.record(r)
	}
	for _, k := range m.expected {
		if !ran[k] {
			m.record(report.Result{Check: k.check, Target: k.target, Status: report.StatusSkip})
		}
	}
	readyVal := 0.0
	if ready {
		readyVal = 1
	}
	m.ready.Set(readyVal)
	m.lastRun.Set(float64(finished.UnixNano()) / 1e9)
	m.cycles.Inc()
}

// record sets the series of one row.
func (m *metrics) record(r report.Result) {
	check := string(r.Check)
	ok := 1.0
	if r.Failed() {
		ok = 0
		m.failures.WithLabelValues(check, r.Target).Inc()
	}
	m.success.WithLabelValues(check, r.Target).Set(ok)
	for _, st := range statuses {
		v := 0.0
		if st == r.Status {
			v = 1
		}
		m.status.WithLabelValues(check, r.Target, string(st)).Set(v)
	}
	m.duration.WithLabelValues(check, r.Target).Set(r.Duration.Seconds())
	if r.CertNotAfter != nil {
		m.certExpiry.WithLabelValues(r.Target).Set(float64(r.CertNotAfter.Unix()))
	}
	if r.PublicIP != nil {
		for _, v := range report.Verdicts {
			val := 0.0
			if v == r.PublicIP.Verdict {
				val = 1
			}
			m.publicIP.WithLabelValues(string(v)).Set(val)
		}
	}
}
