package explain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// TestCrossRegionTargetsAreExplainedWithoutTheAPI: a failure to reach a
// service in another region is explained by the region itself; matching it
// against this region's endpoints would blame the wrong one, and asking the
// API for it costs calls for nothing.
func TestCrossRegionTargetsAreExplainedWithoutTheAPI(t *testing.T) {
	entries := []config.Entry{{Name: "logs", Region: "us-west-2", Expect: config.ExpectAny}}
	targets, err := config.Expand(entries, "us-east-1", "111122223333")
	if err != nil || len(targets) != 1 {
		t.Fatalf("Expand: %v, %v", targets, err)
	}
	tg := targets[0]
	calls := 0
	x := &Explainer{
		Mode: config.ExplainAuto, HasCredentials: true, Region: "us-east-1", Targets: targets,
		Interfaces: func(context.Context) (probe.InterfaceFinder, error) { calls++; return nil, errors.New("not asked") },
		NewAPI:     func(context.Context, string) (live.API, error) { calls++; return nil, errors.New("not asked") },
		Timeout:    time.Second,
	}
	rows := []report.Result{{Check: report.CheckConnect, Target: tg.Name, Host: tg.Host, Port: 443, Status: report.StatusFail, Class: report.ClassConnect,
		FailedAddresses: []string{"198.51.100.9"}}}
	out := x.Explain(context.Background(), rows)
	if calls != 0 {
		t.Errorf("%d API calls; want 0", calls)
	}
	c := out[0].Cause
	if c == nil || !strings.Contains(c.Error, "us-west-2") || !strings.Contains(c.Error, "only their own region") || !strings.Contains(c.Hint, "NAT gateway") {
		t.Errorf("cause %+v; want the cross-region explanation", c)
	}
	if rows[0].Cause != nil {
		t.Error("Explain changed its input rows")
	}
}
