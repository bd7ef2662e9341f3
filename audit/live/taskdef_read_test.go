package live

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/audit"
)

// TestReadTaskDefinitionFileBounded: /dev/zero and a file over the bound
// are refused with the limit said; the refusal is an *InputError (exit 2).
func TestReadTaskDefinitionFileBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(`{"family":"x","containerDefinitions":[],"pad":"`+strings.Repeat("a", MaxTaskDefinitionBytes)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", big} {
		t.Run(path, func(t *testing.T) {
			g := &gathering{g: &Gatherer{}}
			_, _, err := g.readTaskDefinitionFile(context.Background(), path)
			var inErr *InputError
			if !errors.As(err, &inErr) || inErr.Input != "--task-definition" {
				t.Fatalf("got %v; want an *InputError on --task-definition", err)
			}
			for _, want := range []string{"larger than 1024 KiB", "64 KiB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got %q; want it to say %q", err, want)
				}
			}
		})
	}
}

// TestReadTaskDefinitionFileInterruptible: a FIFO nobody writes to (the
// read waits in open) and a pipe that never closes (it waits in read)
// end when the context does, as SIGINT and SIGTERM end it.
func TestReadTaskDefinitionFileInterruptible(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "td.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := w.WriteString(`{"family":`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path string }{
		{"fifo without a writer", fifo},
		{"pipe that never closes", "/proc/self/fd/" + strconv.Itoa(int(r.Fd()))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			errc := make(chan error, 1)
			go func() {
				g := &gathering{g: &Gatherer{}}
				_, _, err := g.readTaskDefinitionFile(ctx, tt.path)
				errc <- err
			}()
			// The read is under way (or about to be): cancel it as the
			// signal handler would.
			time.Sleep(50 * time.Millisecond)
			cancel(errors.New("interrupt"))
			select {
			case err := <-errc:
				var inErr *InputError
				if !errors.As(err, &inErr) || !strings.Contains(err.Error(), "interrupted: interrupt") {
					t.Errorf("got %v; want an *InputError saying the read was interrupted", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("got no return 30s after the cancellation; want the read to end with its context")
			}
		})
	}
}

// TestParseTaskDefinitionJSONFraming: one JSON value, as
// register-task-definition takes: data after it is refused with where it
// starts; a UTF-8 byte order mark before it is accepted.
func TestParseTaskDefinitionJSONFraming(t *testing.T) {
	const td = `{"family":"orders","containerDefinitions":[{"name":"app","image":"nginx:1.27"}]}`
	for _, tt := range []struct {
		name, in, wantErr string
	}{
		{"plain", td, ""},
		{"trailing newline and spaces", td + "\n  \n", ""},
		{"byte order mark", "\xef\xbb\xbf" + td, ""},
		{"byte order mark and trailing data", "\xef\xbb\xbf" + td + "}", "data after the JSON value"},
		{"second object", td + "\n" + td, "line 2, column 1: data after the JSON value"},
		{"stray brace", td + "}", "data after the JSON value"},
		{"trailing garbage", td + " x", "data after the JSON value"},
		{"byte order mark twice", "\xef\xbb\xbf\xef\xbb\xbf" + td, "invalid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := audit.ParseTaskDefinitionJSON([]byte(tt.in))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v; want the definition", err)
			case tt.wantErr == "" && got.Family != "orders":
				t.Errorf("got family %q; want orders", got.Family)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestParseTaskDefinitionJSONRefusesCraftedNames: a container name or a
// file system id reaches hints; one that ECS would not register is
// refused naming its JSON path.
func TestParseTaskDefinitionJSONRefusesCraftedNames(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"container name", `{"family":"x","containerDefinitions":[{"name":"app;touch pwned","image":"nginx:1"}]}`, `containerDefinitions[0].name: "app;touch pwned" does not match`},
		{"file system id", `{"family":"x","containerDefinitions":[{"name":"app","image":"nginx:1"}],"volumes":[{"name":"d","efsVolumeConfiguration":{"fileSystemId":"fs-1$(id)"}}]}`, `volumes[0].efsVolumeConfiguration.fileSystemId: "fs-1$(id)" does not match`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := audit.ParseTaskDefinitionJSON([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
