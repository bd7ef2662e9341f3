package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// collapse joins text's words with single spaces, so that a usage can be
// found in help however it was wrapped.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestHelpSaysWhatEachFlagDoesForThatCommand: a flag several commands take
// is described, in each command's help, by that command's own text, never
// by another command's where the two differ, and no text labels another
// command's reading ("audit: the region to read" in check's help).
func TestHelpSaysWhatEachFlagDoesForThatCommand(t *testing.T) {
	usages := map[string]map[string]string{} // flag → command → usage
	for _, c := range commands {
		if !c.flags {
			continue
		}
		for _, f := range config.FlagsFor(c.name) {
			if usages[f.Name] == nil {
				usages[f.Name] = map[string]string{}
			}
			usages[f.Name][c.name] = f.Usage
		}
	}
	for _, c := range commands {
		if !c.flags {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			_, stdout, _ := runPlain("help", c.name)
			help := collapse(stdout)
			for _, f := range config.FlagsFor(c.name) {
				if !strings.Contains(help, collapse(f.Usage)) {
					t.Errorf("--%s: got help without its %s text %q", f.Name, c.name, f.Usage)
				}
				for other, usage := range usages[f.Name] {
					if other != c.name && usage != f.Usage && strings.Contains(help, collapse(usage)) {
						t.Errorf("--%s: got %s's text %q in help %s; want only %s's: %q", f.Name, other, usage, c.name, c.name, f.Usage)
					}
				}
				for _, other := range commandNames() {
					if other != c.name && strings.Contains(f.Usage, other+":") {
						t.Errorf("--%s: got %q in help %s; want no reading labelled for %s", f.Name, f.Usage, c.name, other)
					}
				}
			}
		})
	}
	// The flags whose reading differs do have their own texts.
	for _, tt := range []struct{ flag, a, b string }{
		{"region", "check", "audit"}, {"region", "check", "endpoints"}, {"timeout", "check", "healthcheck"},
		{"timeout", "check", "endpoints"}, {"output", "check", "endpoints"}, {"public-ip", "check", "audit"},
		{"listen", "serve", "healthcheck"},
	} {
		if u := usages[tt.flag]; u[tt.a] == "" || u[tt.a] == u[tt.b] {
			t.Errorf("--%s: got %q for %s and %q for %s; want a text of its own for each", tt.flag, u[tt.a], tt.a, u[tt.b], tt.b)
		}
	}
}

// regionUsage returns the --region text of command's help.
func regionUsage(t *testing.T, command string) string {
	t.Helper()
	for _, f := range config.FlagsFor(command) {
		if f.Name == "region" {
			return f.Usage
		}
	}
	t.Fatalf("%s takes no --region", command)
	return ""
}

// inOrder reports whether every one of words occurs in s, in that order.
func inOrder(s string, words ...string) bool {
	at := 0
	for _, w := range words {
		i := strings.Index(s[at:], w)
		if i < 0 {
			return false
		}
		at += i + len(w)
	}
	return true
}

// TestRegionDefaultOfCheckIsWhatItsHelpSays: check, endpoints and serve
// take the region from the task ARN, then AWS_REGION, then
// AWS_DEFAULT_REGION (--region and PREFLIGHT_REGION win); their help says
// so, and nothing of the AWS SDK's profile chain.
func TestRegionDefaultOfCheckIsWhatItsHelpSays(t *testing.T) {
	for _, cmd := range []string{"check", "endpoints", "serve"} {
		u := regionUsage(t, cmd)
		if !inOrder(u, "task ARN", "AWS_REGION", "AWS_DEFAULT_REGION") || strings.Contains(u, "profile") {
			t.Errorf("help %s --region: got %q; want the task ARN, AWS_REGION, AWS_DEFAULT_REGION in that order, and no profile", cmd, u)
		}
	}
	tests := []struct {
		name     string
		metadata bool // the task ARN says us-east-1
		env      map[string]string
		args     []string
		want     string
	}{
		{name: "task ARN first", metadata: true, env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"}, want: "us-east-1"},
		{name: "then AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"}, want: "eu-west-1"},
		{name: "then AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-2"}, want: "eu-west-2"},
		{name: "PREFLIGHT_REGION wins", metadata: true, env: map[string]string{"PREFLIGHT_REGION": "ap-south-1", "AWS_REGION": "eu-west-1"}, want: "ap-south-1"},
		{name: "--region wins", metadata: true, env: map[string]string{"PREFLIGHT_REGION": "ap-south-1"}, args: []string{"--region", "sa-east-1"}, want: "sa-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tt.metadata {
				h.metadata("fargate-task.json")
			}
			for k, v := range tt.env {
				h.env[k] = v
			}
			args := append([]string{"endpoints", "--checks", "logs", "--account", "111122223333", "--output", "json"}, tt.args...)
			code, stdout, stderr := h.run(args...)
			if code != report.ExitOK {
				t.Fatalf("exit %d, stderr %s; want 0", code, stderr)
			}
			var got struct{ Region string }
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%v in %s", err, stdout)
			}
			if got.Region != tt.want {
				t.Errorf("got region %q; want %q", got.Region, tt.want)
			}
		})
	}
}

// TestRegionDefaultOfAuditIsWhatItsHelpSays: audit takes the region as the
// AWS SDK does, AWS_REGION, then AWS_DEFAULT_REGION, then the profile's
// (--region wins); its help says so, and nothing of the task metadata.
func TestRegionDefaultOfAuditIsWhatItsHelpSays(t *testing.T) {
	u := regionUsage(t, "audit")
	if !inOrder(u, "AWS_REGION", "AWS_DEFAULT_REGION", "profile", "AWS_PROFILE") || strings.Contains(u, "task ARN") || strings.Contains(u, "metadata") {
		t.Errorf("help audit --region: got %q; want AWS_REGION, AWS_DEFAULT_REGION, the profile (AWS_PROFILE) in that order, and no task metadata", u)
	}
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	if err := os.WriteFile(configFile, []byte("[default]\nregion = ca-central-1\n\n[profile other]\nregion = me-south-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		flag string
		want string
	}{
		{name: "default profile", want: "ca-central-1"},
		{name: "AWS_PROFILE's", env: map[string]string{"AWS_PROFILE": "other"}, want: "me-south-1"},
		{name: "AWS_DEFAULT_REGION over the profile", env: map[string]string{"AWS_PROFILE": "other", "AWS_DEFAULT_REGION": "eu-west-2"}, want: "eu-west-2"},
		{name: "AWS_REGION first", env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-2", "AWS_REGION": "eu-west-1"}, want: "eu-west-1"},
		{name: "--region wins", env: map[string]string{"AWS_REGION": "eu-west-1"}, flag: "sa-east-1", want: "sa-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv("AWS_CONFIG_FILE", configFile)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			_, got, err := live.NewSDKClients(context.Background(), tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got region %q; want %q", got, tt.want)
			}
		})
	}
}

// TestHelpFitsTheWidth: every command's help fits a terminal of helpWidth
// columns; flag texts are wrapped, not cut.
func TestHelpFitsTheWidth(t *testing.T) {
	for _, c := range commands {
		_, stdout, _ := runPlain("help", c.name)
		for i, line := range strings.Split(stdout, "\n") {
			if n := len([]rune(line)); n > helpWidth {
				t.Errorf("help %s line %d: got %d columns; want at most %d: %q", c.name, i+1, n, helpWidth, line)
			}
		}
	}
	for _, tt := range []struct {
		text  string
		width int
		want  string
	}{
		{"a bb ccc", 6, "  a bb\n  ccc"},
		{"a bb ccc", 10, "  a bb ccc"},
		{"averyveryverylongword x", 6, "  averyveryverylongword\n  x"},
		{"  spaced\n out ", 20, "  spaced out"},
	} {
		if got := wrap(tt.text, tt.width, "  "); got != tt.want {
			t.Errorf("wrap(%q, %d): got %q; want %q", tt.text, tt.width, got, tt.want)
		}
	}
}
