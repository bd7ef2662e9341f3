// Command preflight checks, from inside an Amazon ECS task, that the task's
// network is the one that was meant: endpoint names resolve to private
// addresses, every endpoint interface accepts connections, TLS verifies, and
// egress that should be closed is closed. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
