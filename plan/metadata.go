package plan

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// metadataWindow bounds reading the task metadata, retries included. The
// endpoint is local to the task and answers in milliseconds when healthy; a
// sick one must not eat the probes' time.
const metadataWindow = time.Second

// fetchMetadata reads the task document (and this container's) and returns
// the metadata row; on success p.Task is set.
func fetchMetadata(ctx context.Context, p *Plan, uri string, timeout time.Duration, log *zap.Logger) (res report.Result) {
	res = report.Result{Check: report.CheckMetadata, Target: "task"}
	if uri == "" {
		res.Status, res.Detail = report.StatusSkip, "not running in ECS ("+probe.MetadataEnv+" not set)"
		return res
	}
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	if u, err := url.Parse(uri); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		res.Status, res.Class = report.StatusFail, report.ClassMetadata
		res.Error = fmt.Sprintf("%s %q is not an http:// URL", probe.MetadataEnv, probe.RedactURI(uri))
		res.Hint = probe.MetadataHint(uri)
		return res
	}
	mctx, cancel := context.WithTimeout(ctx, min(timeout, metadataWindow))
	defer cancel()
	client := probe.NewMetadataClient(uri)
	task, err := client.Task(mctx)
	if err == nil {
		_, err = probe.ParseTaskARN(task.TaskARN)
	}
	if err != nil {
		res.Status, res.Class, res.Error = report.StatusFail, report.ClassMetadata, err.Error()
		res.Hint = probe.MetadataHint(uri)
		return res
	}
	p.Task = task
	res.Status = report.StatusPass
	res.Detail = describeTask(task)
	// The container document is a nicety: the agent answers 500 for it on a
	// bridge container without network settings, and a good task document
	// must not be lost for it.
	if self, err := client.Container(mctx); err != nil {
		res.Status, res.Class, res.Error = report.StatusWarn, report.ClassMetadata, "container endpoint: "+err.Error()
		res.Hint = probe.MetadataHint(uri)
	} else {
		res.Detail += ", container " + self.Name
	}
	log.Debug("task metadata", zap.String("task_arn", task.TaskARN), zap.String("launch_type", task.LaunchType),
		zap.String("availability_zone", task.AvailabilityZone), zap.Int("containers", len(task.Containers)))
	return res
}

func describeTask(t *probe.Task) string {
	parts := []string{t.Family + ":" + t.Revision}
	if t.LaunchType != "" {
		parts = append(parts, t.LaunchType)
	}
	if t.AvailabilityZone != "" {
		parts = append(parts, t.AvailabilityZone)
	}
	if n, ok := t.TaskNetwork(); ok {
		parts = append(parts, n.NetworkMode)
		if c, ok := n.SubnetCIDR(); ok {
			parts = append(parts, "subnet "+c.String())
		}
	}
	return strings.Join(parts, ", ")
}
