package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

// healthcheckCommand asks the local serve instance (found through the same
// --listen as serve) whether its last cycle passed: exit 0 if so, 1 if not
// or if it cannot be reached. It is the ECS healthCheck of the sidecar:
// ["CMD", "/preflight", "healthcheck"], no shell needed.
func healthcheckCommand(ctx context.Context, cfg *config.Config, stdout, stderr io.Writer) int {
	readyz := "http://" + localAddress(cfg.Listen) + "/readyz"
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, readyz, nil)
	if err != nil {
		fmt.Fprintf(stderr, "preflight healthcheck: %s\n", report.Printable(err.Error()))
		return report.ExitInternal
	}
	resp, err := probe.LocalHTTPClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is already in the message
		}
		fmt.Fprintf(stderr, "preflight healthcheck: not ready: GET %s: %s\n", report.Printable(readyz), report.Printable(err.Error()))
		return report.ExitInternal
	}
	defer resp.Body.Close()
	var body report.JSON
	json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&body) //nolint:errcheck // the status code decides; the body only explains
	if resp.StatusCode == http.StatusOK {
		fmt.Fprintln(stdout, "ready")
		return report.ExitOK
	}
	var failing []string
	for _, c := range body.Checks {
		if c.Status == report.StatusFail {
			failing = append(failing, string(c.Check)+"/"+c.Target+": "+c.Error)
		}
	}
	reason := body.Detail
	if len(failing) > 0 {
		reason = fmt.Sprintf("exit code %d; %s", body.ExitCode, strings.Join(failing, "; "))
	}
	fmt.Fprintf(stderr, "preflight healthcheck: not ready (HTTP %d): %s\n", resp.StatusCode, report.Printable(reason))
	return report.ExitInternal
}

// localAddress turns a listen address into one to dial: an empty or
// unspecified host means this machine.
func localAddress(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
