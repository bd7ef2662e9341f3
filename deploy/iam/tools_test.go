package iam

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/internal/tftest"
)

// TestTemplatesLint: CloudFormation would take both templates: cfn-lint
// finds neither an error nor a warning in them.
func TestTemplatesLint(t *testing.T) {
	bin := schematest.RequireTool(t, "cfn-lint", "pip install cfn-lint")
	for _, f := range []string{"member-role.yaml", "management-policy.yaml"} {
		t.Run(f, func(t *testing.T) {
			out, err := exec.Command(bin, "--regions", "us-east-1", "--non-zero-exit-code", "warning", "--", f).CombinedOutput()
			if err != nil {
				t.Errorf("cfn-lint %s: got %v; want no error or warning\n%s", f, err, out)
			}
		})
	}
}

// TestTerraformValidate: the files are formatted, and the example (with
// both modules) initialises from the local provider directory alone and
// validates.
func TestTerraformValidate(t *testing.T) {
	plugins := tftest.Plugins(t)
	root := t.TempDir()
	copyTree(t, "terraform", root)
	tftest.In(t, root)("fmt", "-check", "-recursive", "-no-color")
	// The example calls both modules: validating it validates them.
	tf := tftest.In(t, filepath.Join(root, "example"))
	tf("init", "-input=false", "-no-color", "-plugin-dir="+plugins)
	tf("validate", "-no-color")
}

// enforceIAM makes moto check every later request's signature and
// policies (moto's INITIAL_NO_AUTH_ACTION_COUNT, set to 0).
func enforceIAM(t *testing.T, endpoint string) {
	t.Helper()
	resp, err := http.Post(endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto-api/reset-auth: %s", resp.Status)
	}
}

// creds are an access key, with a session token for assumed roles.
type creds struct{ key, secret, token string }

// boto is one testdata/boto.py process calling endpoint: an AWS call costs
// a line, where the AWS CLI pays seconds of start-up for each.
type boto struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

// startBoto starts the helper until the test ends; it skips (fails in
// CI) without python3 and boto3.
func startBoto(t *testing.T, endpoint string) *boto {
	t.Helper()
	py := schematest.RequireTool(t, "python3", "apt-get install python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		msg := "python3 has no boto3 (pip install boto3)"
		if schematest.Required() {
			t.Fatal(msg + "; required in CI")
		}
		t.Skip(msg + "; this test is required in CI")
	}
	cmd := exec.Command(py, filepath.Join("testdata", "boto.py"), endpoint)
	cmd.Stderr = os.Stderr
	// None of the environment's AWS settings (a profile, a region, keys)
	// reaches boto3: every call names its credentials.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close() // the helper ends at the end of its input
		_ = cmd.Wait()
	})
	return &boto{in: in, out: bufio.NewReader(out)}
}

// apiError is an error an AWS API answered.
type apiError struct{ op, code, message string }

func (e *apiError) Error() string { return e.op + ": " + e.code + ": " + e.message }

// denied reports whether err is a refusal by IAM. moto refuses a call to
// a JSON-protocol service (ECS) with its XML error body, which boto3
// cannot parse: the code is then the HTTP status, the XML the message.
func denied(err error) bool {
	var e *apiError
	if !errors.As(err, &e) {
		return false
	}
	return slices.Contains([]string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}, e.code) ||
		e.code == "403" && strings.Contains(e.message, "<Code>AccessDenied</Code>")
}

// caller is the helper with one set of credentials.
type caller struct {
	b *boto
	c creds
}

// call calls service's operation op (boto3's name) with params, and
// returns the answer as JSON.
func (a caller) call(service, op string, params map[string]any) (json.RawMessage, error) {
	if params == nil {
		params = map[string]any{}
	}
	line, err := json.Marshal(map[string]any{"creds": []string{a.c.key, a.c.secret, a.c.token}, "service": service, "op": op, "params": params})
	if err != nil {
		return nil, err
	}
	a.b.mu.Lock()
	defer a.b.mu.Unlock()
	if _, err := a.b.in.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("%s %s: write to boto.py: %w", service, op, err)
	}
	ans, err := a.b.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("%s %s: read from boto.py: %w", service, op, err)
	}
	var r struct {
		OK    json.RawMessage
		Error *struct{ Code, Message string }
	}
	if err := json.Unmarshal(ans, &r); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", service, op, err, ans)
	}
	if r.Error != nil {
		return nil, &apiError{service + " " + op, r.Error.Code, r.Error.Message}
	}
	return r.OK, nil
}

// must calls, fails t on an error, and decodes the answer into v (nil:
// discarded).
func (a caller) must(t *testing.T, v any, service, op string, params map[string]any) {
	t.Helper()
	out, err := a.call(service, op, params)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("%s %s: %v: %s", service, op, err, out)
		}
	}
}

// assume returns the credentials of a session of roleARN, passing
// externalID unless it is empty.
func (a caller) assume(roleARN, externalID string) (creds, error) {
	p := map[string]any{"RoleArn": roleARN, "RoleSessionName": "preflight"}
	if externalID != "" {
		p["ExternalId"] = externalID
	}
	out, err := a.call("sts", "assume_role", p)
	if err != nil {
		return creds{}, err
	}
	var r struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return creds{}, err
	}
	return creds{r.Credentials.AccessKeyId, r.Credentials.SecretAccessKey, r.Credentials.SessionToken}, nil
}

// policyDoc decodes a policy document for comparison.
func policyDoc(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// samePolicy fails t unless got and want are the same document.
func samePolicy(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("%s: got\n%s\nwant\n%s", what, g, w)
	}
}

// copyTree copies the directory from into to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
