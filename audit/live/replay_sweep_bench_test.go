package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// BenchmarkSweepThrottled gathers issue 25's sweep (sweepScale: 50
// clusters, 2,000 services, 60 task definitions, 4 VPCs) from the replay
// server with none or 20 % of all requests throttled, with the SDK's
// standard retryer as shipped or its adaptive mode (AWS_RETRY_MODE=
// adaptive), and reports per sweep the calls, the requests, the retries
// (throttled requests), the highest attempt a call needed, and the calls
// that ran out of attempts (undecided). backoff=none retries at once, so
// ns/op is the audit's own work; backoff=sdk waits as shipped (jittered,
// up to 2^attempt s, 20 s at most) with 30 ms a round trip, so ns/op is
// the wall time a user waits. Adaptive mode at 20 % takes minutes a
// sweep (see the README); run the others with
//
//	go test ./audit -run '^$' -bench 'SweepThrottled/.*/mode=standard' -benchtime 3x
func BenchmarkSweepThrottled(b *testing.B) {
	for _, backoff := range []string{"none", "sdk"} {
		for _, percent := range []int{0, 20} {
			for _, mode := range []aws.RetryMode{aws.RetryModeStandard, aws.RetryModeAdaptive} {
				if backoff == "sdk" && mode == aws.RetryModeAdaptive {
					// Adaptive mode took 194 s a sweep at 20 % without
					// any backoff wait: with the waits, longer still.
					continue
				}
				b.Run(fmt.Sprintf("backoff=%s/throttle=%d%%/mode=%s", backoff, percent, mode), func(b *testing.B) {
					benchmarkSweep(b, backoff == "sdk", percent, mode)
				})
			}
		}
	}
}

func benchmarkSweep(b *testing.B, wait bool, percent int, mode aws.RetryMode) {
	spec := sweepScale
	set := clientSettings{backoff: retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })}
	if wait {
		spec.Latency = 30 * time.Millisecond
		set = clientSettings{}
	}
	sc := newSweepScenario(b, spec)
	var calls, requests, throttled, undecided, most int
	for b.Loop() {
		r := newReplayAWS(b, "")
		r.sweep = sc
		if percent > 0 {
			r.setThrottle("*", throttleSpec{Percent: percent})
		}
		api, region := testClients(b, r.srv.URL, set, awsconfig.WithRetryMode(mode))
		facts, err := (&Gatherer{API: api, Region: region}).Gather(context.Background(), Input{AllClusters: true})
		if err != nil {
			b.Fatal(err)
		}
		// A call that ran out of attempts is an Undecided (and its
		// services a placeholder): counted, not fatal, as it is the
		// figure this benchmark is for.
		undecided += len(facts.Undecided)
		for action, n := range r.counts() {
			requests += n
			calls += r.callsOf(action)
		}
		throttled += r.throttledTotal()
		most = max(most, r.maxAttempt)
	}
	n := float64(b.N)
	b.ReportMetric(float64(calls)/n, "calls/op")
	b.ReportMetric(float64(requests)/n, "requests/op")
	b.ReportMetric(float64(requests-calls)/n, "retries/op")
	b.ReportMetric(float64(throttled)/n, "throttled/op")
	b.ReportMetric(float64(undecided)/n, "undecided/op")
	b.ReportMetric(float64(most), "max-attempt")
}
