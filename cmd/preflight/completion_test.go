package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// needShell returns the path of shell; it skips the test without it,
// except in CI (CI=true), where the shells are installed and their absence
// is a failure.
func needShell(t *testing.T, shell string) string {
	t.Helper()
	bin, err := exec.LookPath(shell)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", shell, err)
		}
		t.Skipf("%s not installed (apt-get install %s); this test is required in CI", shell, shell)
	}
	return bin
}

// completionScript writes preflight's completion script for shell to a
// file and returns its path.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, script, stderr := runPlain("completion", shell)
	if code != report.ExitOK || stderr != "" {
		t.Fatalf("completion %s: got exit %d, stderr %q; want 0", shell, code, stderr)
	}
	path := filepath.Join(t.TempDir(), "preflight."+shell)
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withPrefix returns the values that start with prefix, each written
// after head.
func withPrefix(values []string, head, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, head+v)
		}
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func flagNames(cmd string) []string {
	var out []string
	for _, f := range config.FlagsFor(cmd) {
		out = append(out, "--"+f.Name)
	}
	return append(out, "--help")
}

// catalogueNames are the --checks completions of command: check's start
// with auto, audit's do not (its needs come from the task definition).
func catalogueNames(t *testing.T, cmd string) []string {
	t.Helper()
	for _, f := range config.FlagsFor(cmd) {
		if f.Name == "checks" {
			return flagValues(cmd, f)
		}
	}
	t.Fatalf("%s takes no --checks", cmd)
	return nil
}

// TestBashCompletionCompletes runs the bash script in a real bash, as
// bash's programmable completion calls it: COMP_WORDS as bash splits the
// line (with "=" in COMP_WORDBREAKS, its default, --output=j is the three
// words --output, = and j; without it, one word), COMP_CWORD, then the
// function, and compares COMPREPLY.
func TestBashCompletionCompletes(t *testing.T) {
	bash := needShell(t, "bash")
	script := completionScript(t, "bash")
	regions := config.Regions()
	outputs := []string{"text", "json", "sarif", "junit", "html"}
	tests := []struct {
		name  string
		words []string // the last word is the one being completed
		want  []string
	}{
		{name: "command", words: []string{"preflight", "ch"}, want: []string{"check"}},
		{name: "flags", words: []string{"preflight", "audit", "--eg"}, want: []string{"--egress-rules"}},
		{name: "every flag of check", words: []string{"preflight", "check", ""}, want: flagNames("check")},
		{name: "--output VALUE", words: []string{"preflight", "check", "--output", ""}, want: outputs},
		{name: "--output= split, nothing typed", words: []string{"preflight", "check", "--output", "="}, want: outputs},
		{name: "--output=j split", words: []string{"preflight", "check", "--output", "=", "j"}, want: []string{"json", "junit"}},
		{name: "--output= one word", words: []string{"preflight", "check", "--output="}, want: []string{"--output=text", "--output=json", "--output=sarif", "--output=junit", "--output=html"}},
		{name: "endpoints --output VALUE", words: []string{"preflight", "endpoints", "--output", ""}, want: []string{"text", "json"}},
		{name: "-output= one word, one dash", words: []string{"preflight", "endpoints", "-output=t"}, want: []string{"-output=text"}},
		{name: "--region VALUE", words: []string{"preflight", "check", "--region", ""}, want: regions},
		{name: "--region=eu- split", words: []string{"preflight", "audit", "--region", "=", "eu-"}, want: withPrefix(regions, "", "eu-")},
		{name: "--region=eu- one word", words: []string{"preflight", "serve", "--region=eu-"}, want: withPrefix(regions, "--region=", "eu-")},
		{name: "--region=cn split", words: []string{"preflight", "endpoints", "--region", "=", "cn"}, want: []string{"cn-north-1", "cn-northwest-1"}},
		{name: "--checks list split", words: []string{"preflight", "check", "--checks", "=", "ecr,lo"}, want: []string{"ecr,logs"}},
		{name: "--checks list one word", words: []string{"preflight", "check", "--checks=ecr,lo"}, want: []string{"--checks=ecr,logs"}},
		{name: "--checks of audit, no auto", words: []string{"preflight", "audit", "--checks", ""}, want: catalogueNames(t, "audit")},
		{name: "bool --tls= split", words: []string{"preflight", "check", "--tls", "="}, want: []string{"true", "false"}},
		{name: "bool --emf=f one word", words: []string{"preflight", "serve", "--emf=f"}, want: []string{"--emf=false"}},
		{name: "bool --tls then flags", words: []string{"preflight", "check", "--tls", "--wa"}, want: []string{"--wait"}},
		{name: "after a bool flag, the flags", words: []string{"preflight", "check", "--tls", "--reg"}, want: []string{"--region"}},
		{name: "free value --wait", words: []string{"preflight", "check", "--wait", ""}},
		{name: "free value --wait=", words: []string{"preflight", "check", "--wait", "="}},
		{name: "flag of another command", words: []string{"preflight", "healthcheck", "--region", "="}},
		{name: "unknown flag", words: []string{"preflight", "check", "--nope="}},
		{name: "help COMMAND", words: []string{"preflight", "help", "au"}, want: []string{"audit"}},
		{name: "completion SHELL", words: []string{"preflight", "completion", "z"}, want: []string{"zsh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			driver := `source "$1"; COMP_CWORD=$2; shift 2; COMP_WORDS=("$@"); _preflight; printf '%s\n' "${COMPREPLY[@]}"`
			args := append([]string{"-c", driver, "bash", script, strconv.Itoa(len(tt.words) - 1)}, tt.words...)
			out, err := exec.Command(bash, args...).Output()
			if err != nil {
				t.Fatalf("bash: %v", err)
			}
			if got := lines(string(out)); !slices.Equal(got, tt.want) {
				t.Errorf("COMP_WORDS %q: got %q; want %q", tt.words, got, tt.want)
			}
		})
	}
}

// TestFishCompletionCompletes asks a real fish (complete -C) for the
// completions of command lines, --flag=VALUE among them.
func TestFishCompletionCompletes(t *testing.T) {
	fish := needShell(t, "fish")
	script := completionScript(t, "fish")
	regions := config.Regions()
	tests := []struct {
		line string
		want []string
	}{
		{line: "preflight che", want: []string{"check"}},
		{line: "preflight check --output=", want: []string{"--output=html", "--output=json", "--output=junit", "--output=sarif", "--output=text"}},
		{line: "preflight check --output ", want: []string{"html", "json", "junit", "sarif", "text"}},
		{line: "preflight endpoints --output ", want: []string{"json", "text"}},
		{line: "preflight audit --region=eu-", want: withPrefix(regions, "--region=", "eu-")},
		{line: "preflight check --region ", want: regions},
		{line: "preflight check --checks=ecr,lo", want: []string{"--checks=ecr,logs"}},
		{line: "preflight check --checks ecr,s", want: withPrefix(catalogueNames(t, "check"), "ecr,", "s")},
		{line: "preflight audit --checks au", want: nil}, // audit has no auto
		{line: "preflight check --wait=", want: nil},
		{line: "preflight endpoints --output=j", want: []string{"--output=json"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, tt.line).CombinedOutput()
			if err != nil {
				t.Fatalf("fish: %v\n%s", err, out)
			}
			var got []string
			for _, l := range lines(string(out)) {
				candidate, _, _ := strings.Cut(l, "\t") // the description follows a tab
				got = append(got, candidate)
			}
			want := slices.Clone(tt.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q: got %q; want %q", tt.line, got, want)
			}
		})
	}
}

// zshCapture completes a command line ($2) in an interactive zsh on a
// pseudo-terminal (zpty), with _preflight from the directory $1 on $fpath,
// and prints every candidate the completion adds as <<hit>>CANDIDATE<<end>>.
// fpath keeps only zsh's own completion directories, so that compinit has
// little to scan; the shell exits once the completion is done.
const zshCapture = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''; fpath=(${(q)1} \${(M)fpath:#*/Completion(|/Base|/Zsh)}); autoload -U compinit; compinit -u -D"
zpty -w z "bindkey '^I' complete-word; zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -A __hits "$@"; builtin compadd "$@"; local h; for h in $__hits; do print -r -- "<<""hit>>$IPREFIX$h<<""end>>"; done }'
zpty -w z 'comppostfuncs=(exit)'
zpty -w z "$2"$'\t'
local line
while zpty -r z line; do print -rn -- $line; done
`

var zshHit = regexp.MustCompile(`<<hit>>(.*?)<<end>>`)

// TestZshCompletionCompletes completes command lines in a real zsh, as
// pressing TAB does, --flag=VALUE among them.
func TestZshCompletionCompletes(t *testing.T) {
	zsh := needShell(t, "zsh")
	dir := t.TempDir()
	code, script, _ := runPlain("completion", "zsh")
	if code != report.ExitOK {
		t.Fatalf("completion zsh: exit %d", code)
	}
	if err := os.WriteFile(filepath.Join(dir, "_preflight"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	capture := filepath.Join(dir, "capture.zsh")
	if err := os.WriteFile(capture, []byte(zshCapture), 0o644); err != nil {
		t.Fatal(err)
	}
	regions := config.Regions()
	tests := []struct {
		line string
		want []string
	}{
		{line: "preflight che", want: []string{"check"}},
		{line: "preflight check --output=", want: []string{"--output=html", "--output=json", "--output=junit", "--output=sarif", "--output=text"}},
		{line: "preflight check --output ", want: []string{"html", "json", "junit", "sarif", "text"}},
		{line: "preflight endpoints --output ", want: []string{"json", "text"}},
		{line: "preflight audit --region=eu-", want: withPrefix(regions, "--region=", "eu-")},
		{line: "preflight serve --region us-gov", want: []string{"us-gov-east-1", "us-gov-west-1"}},
		{line: "preflight check --checks=ecr,lo", want: []string{"--checks=ecr,logs"}},
		{line: "preflight check --wait=", want: nil},
		{line: "preflight endpoints --output=j", want: []string{"--output=json"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			// The deadline only ends a shell that never finished completing;
			// a loaded machine takes seconds.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, zsh, "-f", capture, dir, tt.line)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("zsh: %v\n%s", err, out)
			}
			var got []string
			for _, m := range zshHit.FindAllStringSubmatch(string(out), -1) {
				got = append(got, m[1])
			}
			slices.Sort(got)
			got = slices.Compact(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q: got %q; want %q", tt.line, got, want)
			}
		})
	}
}
