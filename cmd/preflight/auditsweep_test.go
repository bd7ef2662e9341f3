package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

// TestAuditSweepWiring: the sweep flags' errors exit 2 naming the flag,
// before any call.
func TestAuditSweepWiring(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"accounts need a role", []string{"--accounts", "111122223333"}, []string{"--accounts: needs --role-name"}},
		{"a short account", []string{"--accounts", "1111", "--role-name", "r"}, []string{"--accounts", "1111: want 12-digit"}},
		{"an unknown Region", []string{"--regions", "us-east-1,moon-1"}, []string{"--regions", "moon-1"}},
		{"a role name with a path", []string{"--accounts", "org", "--role-name", "ops/audit"}, []string{"--role-name", "IAM role name"}},
		{"a role alone", []string{"--role-name", "audit", "--cluster", "prod"}, []string{"--role-name: needs --accounts"}},
		{"no fix plan across accounts", []string{"--accounts", "org", "--role-name", "r", "--fix", "cli"}, []string{"--fix: does not combine with a sweep"}},
		{"no task definition", []string{"--regions", "all", "--task-definition", "orders:1", "--subnets", "subnet-1", "--security-groups", "sg-1"}, []string{"--task-definition: a sweep audits deployed services"}},
		{"parallel bounds", []string{"--regions", "all", "--parallel", "0"}, []string{"--parallel", "1 to 64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"audit"}, tc.args...), func(string) string { return "" }, &stdout, &stderr)
			if code != report.ExitUsage {
				t.Errorf("got exit %d; want %d\n%s", code, report.ExitUsage, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("got stderr %q; want it to contain %q", stderr.String(), w)
				}
			}
		})
	}
}

// sweepFake answers a sweep on 127.0.0.1: AssumeRole (denied for the
// accounts in noRole; the keys it hands out name the account) and an
// account-Region with no cluster. onList runs inside each ListClusters.
func sweepFake(t *testing.T, noRole string, onList func()) {
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		target := r.Header.Get("X-Amz-Target")
		switch {
		case form.Get("Action") == "AssumeRole":
			account := strings.Split(form.Get("RoleArn"), ":")[4]
			if account == noRole {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>`)
				return
			}
			fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>AKID%s</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`, account)
		case strings.HasSuffix(target, ".ListClusters"):
			mu.Lock()
			if onList != nil {
				onList()
			}
			mu.Unlock()
			fmt.Fprint(w, `{"clusterArns":[]}`)
		case target != "":
			fmt.Fprint(w, `{}`)
		default:
			a := form.Get("Action")
			fmt.Fprintf(w, `<%sResponse><requestId>1</requestId></%sResponse>`, a, a)
		}
	}))
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKID123456789012", "AWS_SECRET_ACCESS_KEY": "s",
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_MAX_ATTEMPTS": "1", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
}

// TestAuditSweepExitCodes: a role that cannot be assumed is an undecided
// row (exit 0, 18 with --fail-undecided); an interrupted sweep prints what
// it read, marked partial, and exits 1.
func TestAuditSweepExitCodes(t *testing.T) {
	args := []string{"audit", "--accounts", "111111111111,222222222222", "--role-name", "audit", "--regions", "us-east-1,us-west-2", "--parallel", "1"}
	noEnv := func(string) string { return "" }
	t.Run("undecided", func(t *testing.T) {
		for _, fail := range []bool{false, true} {
			sweepFake(t, "222222222222", nil)
			var stdout, stderr bytes.Buffer
			a := append(append([]string{}, args...), fmt.Sprintf("--fail-undecided=%t", fail))
			code := run(context.Background(), a, noEnv, &stdout, &stderr)
			// 111111111111 has no service: nothing judged anywhere is
			// never a pass, so the sweep exits 18 either way here; the
			// role's row decides warn or FAIL.
			if code != report.ExitUndecided {
				t.Errorf("--fail-undecided=%t: got exit %d; want %d\n%s%s", fail, code, report.ExitUndecided, stdout.String(), stderr.String())
			}
			out := stdout.String()
			for _, w := range []string{"== account 111111111111, us-east-1 ==", "== account 111111111111, us-west-2 ==", "== account 222222222222, us-east-1 ==",
				"sts:AssumeRole on arn:aws:iam::222222222222:role/audit failed", "(AccessDenied: not authorized", "Total: 3 account-Regions in 2 accounts."} {
				if !strings.Contains(out, w) {
					t.Errorf("got report\n%s\nwant it to contain %q", out, w)
				}
			}
			status := map[bool]string{false: "warn    scope", true: "FAIL    scope"}[fail]
			if !strings.Contains(out, status) {
				t.Errorf("--fail-undecided=%t: got report\n%s\nwant the role's row as %q", fail, out, status)
			}
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lists := 0
		sweepFake(t, "", func() {
			if lists++; lists == 2 {
				cancel()
			}
		})
		var stdout, stderr bytes.Buffer
		code := run(ctx, append(append([]string{}, args...), "--output", "json"), noEnv, &stdout, &stderr)
		if code != report.ExitInternal {
			t.Errorf("got exit %d; want %d\n%s", code, report.ExitInternal, stderr.String())
		}
		var doc struct {
			Partial     bool   `json:"partial"`
			PartialNote string `json:"partial_note"`
			Checks      []struct {
				Account, Region string
			} `json:"checks"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatalf("%v\n%s", err, stdout.String())
		}
		if !doc.Partial || !strings.Contains(doc.PartialNote, "1 of") || len(doc.Checks) != 1 || doc.Checks[0].Account == "" || doc.Checks[0].Region == "" {
			t.Errorf("got partial %t %q with rows %+v; want partial, 1 account-Region read", doc.Partial, doc.PartialNote, doc.Checks)
		}
	})
}
