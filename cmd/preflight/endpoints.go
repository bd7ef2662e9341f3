package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"go.uber.org/zap"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/plan"
	"github.com/preflight-dev/preflight/report"
)

// endpointsCommand prints the targets check would probe.
func endpointsCommand(ctx context.Context, cfg *config.Config, getenv func(string) string, stdout, stderr io.Writer, log *zap.Logger, d deps) int {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	in := d.planInputs(getenv, log)
	in.NoResolvers = true
	p, err := plan.Build(ctx, cfg, in)
	if err != nil {
		printUsageError(stderr, "endpoints", err)
		return report.ExitUsage
	}
	type row struct {
		Target          string `json:"target"`
		Host            string `json:"host"`
		Port            int    `json:"port"`
		Expect          string `json:"expect"`
		Region          string `json:"region,omitempty"`
		EndpointService string `json:"endpoint_service,omitempty"`
	}
	rows := make([]row, 0, len(p.Targets))
	for _, t := range p.Targets {
		rows = append(rows, row{t.Name, t.Host, t.Port, string(t.Expect), t.Region, t.EndpointService})
	}
	if cfg.Output == report.OutputJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"region": p.Region, "account": p.Account, "in_ecs": p.InECS, "targets": rows}); err != nil {
			log.Error("writing the endpoint list", zap.Error(err))
			return report.ExitInternal
		}
		return metadataVerdict(p.Metadata, stderr)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tHOST\tPORT\tEXPECT\tVPC ENDPOINT SERVICE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Target, r.Host, r.Port, r.Expect, cmp.Or(r.EndpointService, "-"))
	}
	if err := tw.Flush(); err != nil {
		log.Error("writing the endpoint list", zap.Error(err))
		return report.ExitInternal
	}
	return metadataVerdict(p.Metadata, stderr)
}

// metadataVerdict is endpoints' exit code: a list derived without the task
// metadata it needed is not the list check would probe, so a metadata
// failure exits 17 and says why instead of printing a short list and 0.
func metadataVerdict(metadata report.Result, stderr io.Writer) int {
	if !metadata.Failed() {
		return report.ExitOK
	}
	fmt.Fprintf(stderr, "preflight endpoints: task metadata failure: %s\n  hint: %s\n", report.Printable(metadata.Error), report.Printable(metadata.Hint))
	return report.ExitMetadata
}
