package main

import (
	"errors"
	"io"

	"github.com/preflight-dev/preflight/audit"
)

// writeEgressRules prints the least egress rule set for the audited
// workloads' security groups in format.
func writeEgressRules(w io.Writer, format string, f *audit.Facts) error {
	return errors.New("the egress rule set is not available in this build yet")
}
