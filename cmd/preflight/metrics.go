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
	duration   *prometheus.GaugeVec
	failures   *prometheus.CounterVec
	certExpiry *prometheus.GaugeVec
	publicIP   *prometheus.GaugeVec
	lastRun    prometheus.Gauge
	ready      prometheus.Gauge
	cycles     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "preflight_check_success", Help: "1 if the check passed (or warned) in the last cycle, 0 if it failed or has not run.",
		}, []string{"check", "target"}),
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
	reg.MustRegister(m.success, m.duration, m.failures, m.certExpiry, m.publicIP, m.lastRun, m.ready, m.cycles, info)
	for _, verdict := range report.Verdicts {
		m.publicIP.WithLabelValues(string(verdict))
	}
	return m
}

// preset creates every series the results will carry, so that they exist
// from the first scrape.
func (m *metrics) preset(results []report.Result) {
	for _, r := range results {
		m.success.WithLabelValues(string(r.Check), r.Target)
		m.duration.WithLabelValues(string(r.Check), r.Target)
		m.failures.WithLabelValues(string(r.Check), r.Target)
		if r.Check == report.CheckTLS {
			m.certExpiry.WithLabelValues(r.Target)
		}
	}
}

// observe records one finished cycle.
func (m *metrics) observe(results []report.Result, ready bool, finished time.Time) {
	for _, r := range results {
		ok := 1.0
		if r.Failed() {
			ok = 0
			m.failures.WithLabelValues(string(r.Check), r.Target).Inc()
		}
		m.success.WithLabelValues(string(r.Check), r.Target).Set(ok)
		m.duration.WithLabelValues(string(r.Check), r.Target).Set(r.Duration.Seconds())
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
	readyVal := 0.0
	if ready {
		readyVal = 1
	}
	m.ready.Set(readyVal)
	m.lastRun.Set(float64(finished.UnixNano()) / 1e9)
	m.cycles.Inc()
}
