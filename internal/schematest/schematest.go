// Package schematest checks preflight's machine outputs against the
// schemas their readers hold them to, for tests: SARIF 2.1.0 against the
// OASIS JSON schema (in Go), JUnit XML against Jenkins xUnit's XSD (with
// xmllint, Debian's libxml2-utils). The schemas are embedded with their
// licences (schema/README.md says where each comes from). Only tests
// import it, so the binary carries neither schema nor validator.
package schematest

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema/sarif-schema-2.1.0.json schema/junit-10.xsd
var schemas embed.FS

// sarifSchemaID is the schema's own id, under which it is compiled: no
// reference in it leaves the file, so nothing is fetched.
const sarifSchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Required reports whether tests that need an external tool must fail
// without it rather than skip: in CI (CI=true) and under
// PREFLIGHT_E2E=require, as the moto and end-to-end tests do.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PREFLIGHT_E2E") == "require"
}

// RequireTool finds an external tool: missing, the test skips with the
// reason (install says how to get it), except where Required, where it
// fails.
func RequireTool(t testing.TB, name, install string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("%s not installed (%s)", name, install)
	if Required() {
		t.Fatalf("%s; required here (CI=true or PREFLIGHT_E2E=require)", msg)
	}
	t.Skipf("%s; this test is required in CI", msg)
	return ""
}

// SARIFError returns why doc is not a valid SARIF 2.1.0 log, nil when it
// is one. Formats (uri, date-time) are asserted, not only annotated.
func SARIFError(doc []byte) error {
	raw, err := schemas.ReadFile("schema/sarif-schema-2.1.0.json")
	if err != nil {
		return err
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("read the SARIF schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(sarifSchemaID, schemaDoc); err != nil {
		return fmt.Errorf("add the SARIF schema: %w", err)
	}
	sch, err := c.Compile(sarifSchemaID)
	if err != nil {
		return fmt.Errorf("compile the SARIF schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("SARIF log is not JSON: %w", err)
	}
	return sch.Validate(inst)
}

// ValidateSARIF fails t when doc is not a valid SARIF 2.1.0 log.
func ValidateSARIF(t testing.TB, doc []byte) {
	t.Helper()
	if err := SARIFError(doc); err != nil {
		t.Errorf("SARIF log does not validate against the SARIF 2.1.0 schema: %v", err)
	}
}

// JUnitError returns why doc is not valid against the JUnit XSD (xmllint's
// words), nil when it is valid. xmllint is found by RequireTool.
func JUnitError(t testing.TB, doc []byte) error {
	t.Helper()
	xmllint := RequireTool(t, "xmllint", "apt-get install libxml2-utils")
	xsd, err := schemas.ReadFile("schema/junit-10.xsd")
	if err != nil {
		return err
	}
	dir := t.TempDir()
	xsdPath, docPath := filepath.Join(dir, "junit.xsd"), filepath.Join(dir, "report.xml")
	if err := os.WriteFile(xsdPath, xsd, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(docPath, doc, 0o644); err != nil {
		return err
	}
	// --nonet: the schema and the document are local; nothing is fetched.
	out, err := exec.Command(xmllint, "--nonet", "--noout", "--schema", xsdPath, docPath).CombinedOutput()
	if err != nil {
		return fmt.Errorf("xmllint: %w: %s", err, out)
	}
	return nil
}

// ValidateJUnit fails t when doc is not valid against the JUnit XSD.
func ValidateJUnit(t testing.TB, doc []byte) {
	t.Helper()
	if err := JUnitError(t, doc); err != nil {
		t.Errorf("JUnit XML does not validate against Jenkins xUnit's junit-10.xsd: %v", err)
	}
}
