package schematest

import (
	"strings"
	"testing"
)

// TestSARIFError: the schema accepts a minimal log and rejects the
// mistakes a writer could make (a level SARIF does not have, a result
// without a message, a version other than 2.1.0), so that a passing
// validation means something.
func TestSARIFError(t *testing.T) {
	const run = `{"tool":{"driver":{"name":"preflight","rules":[{"id":"endpoint"}]}},"results":[%s]}`
	tests := []struct {
		name, doc string
		valid     bool
	}{
		{"minimal", `{"version":"2.1.0","runs":[` + strings.Replace(run, "%s", `{"ruleId":"endpoint","level":"error","message":{"text":"no endpoint"}}`, 1) + `]}`, true},
		{"unknown level", `{"version":"2.1.0","runs":[` + strings.Replace(run, "%s", `{"ruleId":"endpoint","level":"fatal","message":{"text":"x"}}`, 1) + `]}`, false},
		{"no message", `{"version":"2.1.0","runs":[` + strings.Replace(run, "%s", `{"ruleId":"endpoint","level":"error"}`, 1) + `]}`, false},
		{"wrong version", `{"version":"2.0.0","runs":[]}`, false},
		{"unknown property", `{"version":"2.1.0","runs":[],"extra":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := SARIFError([]byte(tt.doc))
			if (err == nil) != tt.valid {
				t.Errorf("got error %v; want valid=%t", err, tt.valid)
			}
		})
	}
}

// TestJUnitError: the XSD accepts a minimal report and rejects a test
// case without a name and a suite without its counts.
func TestJUnitError(t *testing.T) {
	tests := []struct {
		name, doc string
		valid     bool
	}{
		{"minimal", `<testsuites><testsuite name="s" tests="1" failures="1" errors="0"><testcase name="c" classname="k"><failure message="m">x</failure></testcase></testsuite></testsuites>`, true},
		{"case without name", `<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase classname="k"/></testsuite></testsuites>`, false},
		{"suite without counts", `<testsuites><testsuite name="s"><testcase name="c"/></testsuite></testsuites>`, false},
		{"bad time", `<testsuites time="1s"><testsuite name="s" tests="0" failures="0" errors="0"/></testsuites>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := JUnitError(t, []byte(tt.doc))
			if (err == nil) != tt.valid {
				t.Errorf("got error %v; want valid=%t", err, tt.valid)
			}
		})
	}
}
