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

// main stops on SIGTERM (ECS stopping the task), SIGINT (a person) and
// SIGHUP (a closed terminal, or a supervisor asking to reload): serve exits
// 0 after closing its listener, an interrupted check exits 1.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
