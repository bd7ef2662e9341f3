package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

func runPlain(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestHelpGolden: every command's help, however asked for, is the same text
// on stdout with exit 0.
func TestHelpGolden(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runPlain("help", c.name)
			if code != report.ExitOK || stderr != "" {
				t.Fatalf("help %s: got exit %d, stderr %q; want 0 and nothing", c.name, code, stderr)
			}
			golden(t, "help-"+c.name+".txt", stdout)
			if c.name == "help" {
				return // help --help prints the command list (TestUsageAndHelpStreams)
			}
			for _, form := range [][]string{{c.name, "--help"}, {c.name, "-h"}} {
				code, got, stderr := runPlain(form...)
				if code != report.ExitOK || got != stdout || stderr != "" {
					t.Errorf("%q: got exit %d, stderr %q, stdout equal to 'help %s': %v; want 0, nothing, true", form, code, stderr, c.name, got == stdout)
				}
			}
		})
	}
}

func TestHelpShowsEveryFlagWithItsEnvAndExamples(t *testing.T) {
	for _, c := range commands {
		_, stdout, _ := runPlain("help", c.name)
		if c.flags {
			for _, f := range config.FlagsFor(c.name) {
				want := "  --" + f.Name
				if !f.Bool {
					want += " " + f.Placeholder
				}
				if !strings.Contains(stdout, want+"\n") || !strings.Contains(stdout, "env "+f.Env) {
					t.Errorf("help %s: got no line %q with env %s", c.name, want, f.Env)
				}
			}
		}
		if len(c.examples) > 0 && !strings.Contains(stdout, "\nExamples:\n") {
			t.Errorf("help %s: got no Examples section", c.name)
		}
	}
	for _, c := range commands {
		if c.exitCodes == nil {
			continue
		}
		_, stdout, _ := runPlain("help", c.name)
		for _, code := range report.ExitCodes() {
			line := fmt.Sprintf("\n  %-4d%s\n", code, report.ExitMeaningFor(c.name, code))
			if got, want := strings.Contains(stdout, line), c.exitCodes(code); got != want {
				t.Errorf("help %s: lists exit code %d (%s): %v; want %v", c.name, code, report.ExitMeaningFor(c.name, code), got, want)
			}
		}
	}
	// audit resolves and dials nothing: its codes speak of endpoints and
	// paths, not of answers and connections.
	if _, stdout, _ := runPlain("help", "audit"); strings.Contains(stdout, report.ExitMeaning(report.ExitDNSPosture)) ||
		!strings.Contains(stdout, "  11  endpoint missing") || !strings.Contains(stdout, "  12  path blocked") {
		t.Errorf("help audit: exit codes not in audit's words:\n%s", stdout)
	}
	for _, code := range []int{report.ExitDNS, report.ExitTLS, report.ExitMetadata} {
		if lookupCommand(t, "audit").exitCodes(code) {
			t.Errorf("help audit lists exit code %d, which no audit finding can produce", code)
		}
	}
	for _, want := range []string{"--timeout duration", "--checks list", "--private-cidrs cidrs", "--listen addr", "--region region", "--public-ip deny|strict|warn|off", "  --tls\n"} {
		var all string
		for _, c := range commands {
			_, stdout, _ := runPlain("help", c.name)
			all += stdout
		}
		if !strings.Contains(all, want) {
			t.Errorf("help: got no %q", want)
		}
	}
}

func TestUsageAndHelpStreams(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{args: nil, wantCode: report.ExitUsage, wantStderr: "Commands:"},
		{args: []string{"help"}, wantCode: report.ExitOK, wantStdout: "Commands:"},
		{args: []string{"--help"}, wantCode: report.ExitOK, wantStdout: "Commands:"},
		{args: []string{"-h"}, wantCode: report.ExitOK, wantStdout: "Commands:"},
		{args: []string{"help", "nope"}, wantCode: report.ExitUsage, wantStderr: `unknown command "nope"`},
		{args: []string{"chekc"}, wantCode: report.ExitUsage, wantStderr: "did you mean check?"},
		{args: []string{"completion"}, wantCode: report.ExitUsage, wantStderr: "want one shell"},
		{args: []string{"completion", "tcsh"}, wantCode: report.ExitUsage, wantStderr: `unknown shell "tcsh"`},
	}
	for _, tt := range tests {
		code, stdout, stderr := runPlain(tt.args...)
		if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("%q: got exit %d, stdout %q, stderr %q; want %d, %q, %q", tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}

// TestFlagErrorsAllAtOnceWithoutUsage: the example reports every
// problem once, then one line pointing to the help, not the usage.
func TestFlagErrorsAllAtOnceWithoutUsage(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{args: []string{"check", "--chekcs", "x", "--wiat", "0", "--region", "nowhere"},
			want: []string{"unknown flag --chekcs: did you mean --checks?", "unknown flag --wiat: did you mean --wait?", `flag --region "nowhere"`}},
		{args: []string{"serve", "--wait", "5s", "--output", "json"},
			want: []string{"flag --wait does not apply to serve (it is a flag of check)", "flag --output does not apply to serve"}},
		{args: []string{"endpoints", "--tls", "--public-ip", "off", "--resolver", "10.0.0.2", "--timeout", "1s"},
			want: []string{"flag --tls does not apply to endpoints", "flag --public-ip does not apply to endpoints", "flag --resolver does not apply to endpoints"}},
		{args: []string{"check", "--tls", "false"}, want: []string{"did you mean --tls=false?"}},
	}
	for _, tt := range tests {
		code, stdout, stderr := runPlain(tt.args...)
		if code != report.ExitUsage || stdout != "" {
			t.Errorf("%q: got exit %d, stdout %q; want 2 and nothing", tt.args, code, stdout)
		}
		for _, w := range tt.want {
			if strings.Count(stderr, w) != 1 {
				t.Errorf("%q: got stderr\n%s\nwant %q exactly once", tt.args, stderr, w)
			}
		}
		if lines := strings.Count(stderr, "\n"); lines != len(tt.want)+2 {
			t.Errorf("%q: got %d lines on stderr; want %d (header, one per problem, the help pointer):\n%s", tt.args, lines, len(tt.want)+2, stderr)
		}
		if !strings.Contains(stderr, "Run 'preflight "+tt.args[0]+" --help'") || strings.Contains(stderr, "Flags") {
			t.Errorf("%q: got stderr\n%s\nwant a pointer to --help and no flag list", tt.args, stderr)
		}
	}
}

// TestCompletionScriptsParse: each script is valid for its shell (zsh and
// fish are checked when installed, and must be in CI) and names every
// command, flag, enumerated value and region.
func TestCompletionScriptsParse(t *testing.T) {
	checks := map[string][]string{
		"bash": {"bash", "-n"},
		"zsh":  {"zsh", "-n"},
		"fish": {"fish", "--no-execute"},
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			code, script, stderr := runPlain("completion", shell)
			if code != report.ExitOK || stderr != "" {
				t.Fatalf("got exit %d, stderr %q; want 0", code, stderr)
			}
			for _, c := range commands {
				if !strings.Contains(script, c.name) {
					t.Errorf("script does not name command %s", c.name)
				}
				for _, f := range config.FlagsFor(c.name) {
					if !strings.Contains(script, f.Name) {
						t.Errorf("script does not name --%s", f.Name)
					}
					for _, v := range f.Values {
						if !strings.Contains(script, v) {
							t.Errorf("script does not offer %s for --%s", v, f.Name)
						}
					}
				}
			}
			for _, v := range []string{"secretsmanager", "ecr.dkr", "auto", "terraform", "ENABLED"} {
				if !strings.Contains(script, v) {
					t.Errorf("script does not offer %s", v)
				}
			}
			for _, r := range config.Regions() {
				if !strings.Contains(script, r) {
					t.Errorf("script does not offer region %s", r)
				}
			}
			argv := checks[shell]
			bin := needShell(t, argv[0])
			path := filepath.Join(t.TempDir(), "preflight."+shell)
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, append(argv[1:], path)...).CombinedOutput()
			if err != nil {
				t.Errorf("%s %s: %v\n%s", strings.Join(argv, " "), path, err, out)
			}
		})
	}
}

func lookupCommand(t *testing.T, name string) command {
	t.Helper()
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no command %s", name)
	return command{}
}
