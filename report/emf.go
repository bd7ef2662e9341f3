package report

import (
	"encoding/json"
	"io"
	"time"
)

// WriteEMF writes one CloudWatch Embedded Metric Format line for r, so that
// the awslogs driver turns a serve cycle into metrics without Prometheus.
// family is the task family (the metrics' dimension).
func (r *Report) WriteEMF(w io.Writer, family string, finished time.Time) error {
	if family == "" {
		family = "unknown"
	}
	failing := []string{}
	for _, res := range r.Results {
		if res.Failed() {
			failing = append(failing, string(res.Check)+"/"+res.Target)
		}
	}
	ready := 0
	if r.Code == ExitOK {
		ready = 1
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": finished.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  "Preflight",
				"Dimensions": [][]string{{"TaskFamily"}},
				"Metrics": []map[string]string{
					{"Name": "Ready", "Unit": "None"},
					{"Name": "FailedChecks", "Unit": "Count"},
					{"Name": "CycleDuration", "Unit": "Seconds"},
				},
			}},
		},
		"TaskFamily":    family,
		"Ready":         ready,
		"FailedChecks":  len(failing),
		"CycleDuration": r.Elapsed.Seconds(),
		"ExitCode":      r.Code,
		"Failing":       failing,
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
