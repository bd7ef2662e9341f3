package fixtest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/preflight-dev/preflight/audit/cloudformation"
)

// recorder is a testing.TB that keeps the failures it is told of.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestAssertFixedFailsAnUnchangedChange: the same facts before and after
// (a fix that was not applied) fail the round trip, once for each row the
// plan would fix.
func TestAssertFixedFailsAnUnchangedChange(t *testing.T) {
	f, err := cloudformation.Read(filepath.Join("..", "..", "audit", "cloudformation", "testdata", "cdkyaml", "isolated-no-endpoints.template.yaml"), cloudformation.Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	AssertFixed(rec, f, f)
	if len(rec.errors) == 0 {
		t.Fatal("got no failure for a fix that changed nothing; want one per row the plan fixes")
	}
	t.Logf("%d failures, the first: %s", len(rec.errors), rec.errors[0])
}
