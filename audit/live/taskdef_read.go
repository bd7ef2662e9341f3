package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/preflight-dev/preflight/audit"
)

// readTaskDefinitionFile reads a RegisterTaskDefinition input (the JSON
// `aws ecs register-task-definition --cli-input-json` takes), or the
// output of describe-task-definition ({"taskDefinition": {...}}). A
// problem is an *InputError naming the file and the JSON path, e.g.
// "containerDefinitions[1].image: missing". It returns the definition and
// its requiresCompatibilities.
//
// The read is bounded (MaxTaskDefinitionBytes) and ends with ctx, so a
// FIFO, a pipe that never closes or /dev/zero is an *InputError, not a
// hang or an exhausted memory.
func (s *gathering) readTaskDefinitionFile(ctx context.Context, path string) (*audit.TaskDefinition, []string, error) {
	b, err := readBounded(ctx, path, MaxTaskDefinitionBytes)
	if err != nil {
		return nil, nil, inputErr("--task-definition", "%w", err)
	}
	td, compat, err := audit.ParseTaskDefinitionJSON(b)
	if err != nil {
		// One error per problem, so that each is listed on its own.
		var errs []error
		for _, problem := range strings.Split(err.Error(), "\n") {
			errs = append(errs, inputErr("--task-definition", "%s: %s", path, problem))
		}
		return nil, nil, errors.Join(errs...)
	}
	return td, compat, nil
}

// MaxTaskDefinitionBytes bounds a task-definition file. ECS limits a
// registered task definition to 64 KiB of JSON; 1 MiB leaves room for
// pretty-printing and describe-task-definition output, and keeps a
// /dev/zero or an endless pipe from filling memory.
const MaxTaskDefinitionBytes = 1 << 20

// readBounded reads at most limit bytes of path and stops when ctx ends.
// A FIFO without a writer blocks in open(2) and a pipe that never closes
// blocks in read(2): both happen in a goroutine that the cancellation
// releases (closing the file, or opening the FIFO's write end so that the
// pending open returns), so a SIGINT or SIGTERM ends the command at once.
func readBounded(ctx context.Context, path string, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	opened := make(chan *os.File, 1)
	done := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			close(opened)
			done <- result{err: err}
			return
		}
		opened <- f
		b, err := io.ReadAll(io.LimitReader(f, limit+1))
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		if f, ok := <-opened; ok {
			f.Close()
		}
		if r.err != nil {
			return nil, r.err
		}
		if int64(len(r.b)) > limit {
			return nil, fmt.Errorf("%s: larger than %d KiB, the most preflight reads (ECS limits a task definition to 64 KiB of JSON)", path, limit>>10)
		}
		return r.b, nil
	case <-ctx.Done():
	}
	// Closing unblocks a read from a pipe or FIFO (they are read through
	// the runtime's poller). Until the file is open, the goroutine may be
	// in open(2) on a FIFO that waits for a writer: opening the write end
	// without blocking lets that open return (it fails while no open is
	// pending, so it is tried until the file arrives).
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case f, ok := <-opened:
			if ok {
				f.Close()
			}
			waiting = false
		case <-tick.C:
			if st, err := os.Stat(path); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
				continue
			}
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
	}
	<-done
	return nil, fmt.Errorf("read %s: interrupted: %w", path, context.Cause(ctx))
}
