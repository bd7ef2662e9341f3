package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestLoadReportsEveryFlagProblemAtOnce: unknown flags (with a suggestion),
// flags of another command, missing values, stray arguments and bad values
// all come back in one error.
func TestLoadReportsEveryFlagProblemAtOnce(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		want    []string
		notWant []string
	}{
		{name: "typos and a bad value", command: "check", args: []string{"--chekcs", "x", "--wiat", "0", "--region", "nowhere"},
			want:    []string{"unknown flag --chekcs: did you mean --checks?", "unknown flag --wiat: did you mean --wait?", `flag --region "nowhere"`},
			notWant: []string{"unexpected argument"}},
		{name: "flag of another command", command: "serve", args: []string{"--wait", "5s", "--output=json"},
			want:    []string{"flag --wait does not apply to serve (it is a flag of check)", "flag --output does not apply to serve (it is a flag of check, audit and endpoints)"},
			notWant: []string{"unexpected argument"}},
		{name: "endpoints takes no probe flags", command: "endpoints", args: []string{"--tls", "--public-ip", "off", "--resolver", "10.0.0.2", "--wait", "0"},
			want: []string{"--tls does not apply to endpoints", "--public-ip does not apply", "--resolver does not apply", "--wait does not apply"}},
		{name: "typo of another command's flag", command: "check", args: []string{"--intervl", "5s"},
			want: []string{"unknown flag --intervl: did you mean --interval? (a flag of serve, not check)"}},
		{name: "nothing close", command: "check", args: []string{"--frobnicate"}, want: []string{"unknown flag --frobnicate"}, notWant: []string{"did you mean"}},
		{name: "bool followed by false", command: "check", args: []string{"--tls", "false"},
			want: []string{`flag --tls false: a bool flag takes its value after "=": did you mean --tls=false?`}, notWant: []string{"unexpected argument"}},
		{name: "missing value at the end", command: "check", args: []string{"--timeout"}, want: []string{"flag --timeout needs a value (duration)"}},
		{name: "missing value before a flag", command: "check", args: []string{"--region", "--checks", "logs"}, want: []string{"flag --region needs a value (region)"}},
		{name: "stray arguments", command: "check", args: []string{"logs", "s3"}, want: []string{`unexpected argument "logs" "s3": check takes flags only`}},
		{name: "after --", command: "audit", args: []string{"--cluster", "prod", "--", "--x"}, want: []string{`unexpected argument "--x"`}},
		{name: "enum", command: "check", args: []string{"--public-ip=never", "--log-level", "loud"}, want: []string{`flag --public-ip "never": want deny, strict, warn or off`, `flag --log-level "loud": want debug, info, warn or error`}},
		{name: "bad bool", command: "serve", args: []string{"--emf=yes"}, want: []string{`flag --emf "yes": want true or false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.command, tt.args, env(nil))
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got error %v; want *UsageError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got\n%s\nwant it to contain %q", err, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("got\n%s\nwant no %q", err, w)
				}
			}
		})
	}
}

func TestLoadAcceptsEveryFlagForm(t *testing.T) {
	tests := []struct {
		args    []string
		wantTLS bool
		wantEMF bool
		wantInt string
	}{
		{args: []string{"--tls=false", "--emf"}, wantTLS: false, wantEMF: true, wantInt: "30s"},
		{args: []string{"-tls=0", "-emf=true", "-interval", "5s"}, wantTLS: false, wantEMF: true, wantInt: "5s"},
		{args: []string{"--interval=1m", "--interval", "2m"}, wantTLS: true, wantInt: "2m0s"},
	}
	for _, tt := range tests {
		c, err := Load("serve", tt.args, env(nil))
		if err != nil {
			t.Errorf("Load(%q): %v", tt.args, err)
			continue
		}
		if c.TLS != tt.wantTLS || c.EMF != tt.wantEMF || c.Interval.String() != tt.wantInt {
			t.Errorf("Load(%q): got tls=%v emf=%v interval=%v; want %v %v %v", tt.args, c.TLS, c.EMF, c.Interval, tt.wantTLS, tt.wantEMF, tt.wantInt)
		}
	}
	if _, err := Load("check", []string{"--wait", "-1s"}, env(nil)); err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("--wait -1s: got %v; want the value checked, not a missing value", err)
	}
}

// TestEnvOfAnotherCommandIsIgnored: one task definition may carry
// PREFLIGHT_WAIT for check and run serve from the same environment.
func TestEnvOfAnotherCommandIsIgnored(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{"PREFLIGHT_WAIT": "not a duration", "PREFLIGHT_OUTPUT": "yaml", "PREFLIGHT_INTERVAL": "1m"}))
	if err != nil {
		t.Fatalf("got %v; want the variables of other commands ignored", err)
	}
	if c.Interval.String() != "1m0s" || c.Source("interval") != "PREFLIGHT_INTERVAL" {
		t.Errorf("got interval %v from %s; want 1m0s from PREFLIGHT_INTERVAL", c.Interval, c.Source("interval"))
	}
}

func TestHelpWinsOverErrors(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--nope", "--help"}} {
		if _, err := Load("check", args, env(nil)); !errors.Is(err, ErrHelp) {
			t.Errorf("Load(%q): got %v; want ErrHelp", args, err)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"wiat", "wait", 1}, {"chekcs", "checks", 1}, {"check", "checks", 1}, {"", "tls", 3}, {"region", "region", 0}, {"regoin", "region", 1}, {"timout", "timeout", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestEnumDefaultsAreValues: a default outside its own enumeration would
// fail every run that does not set the flag.
func TestEnumDefaultsAreValues(t *testing.T) {
	for _, o := range options {
		if o.values != nil && o.def != "" && o.checkValue(o.def) != nil {
			t.Errorf("option %s: default %q is not among %v", o.name, o.def, o.values)
		}
	}
}

// TestUsageForNamesItsCommands: a per-command text is for a command that
// takes the flag and differs from the shared text (else it is dead), and
// FlagsFor gives each command its own.
func TestUsageForNamesItsCommands(t *testing.T) {
	for _, o := range options {
		for cmd, u := range o.usageFor {
			if !o.appliesTo(cmd) {
				t.Errorf("--%s: got a text for %s, which does not take it; want texts only for %v", o.name, cmd, o.cmds())
			}
			if u == o.usage || u == "" {
				t.Errorf("--%s: got text %q for %s; want one that differs from the shared %q", o.name, u, cmd, o.usage)
			}
			for _, f := range FlagsFor(cmd) {
				if f.Name == o.name && f.Usage != u {
					t.Errorf("FlagsFor(%s) --%s: got %q; want %q", cmd, o.name, f.Usage, u)
				}
			}
		}
	}
}

// TestClosestBoundsWorkByLength: the distance runs only on candidates
// whose length is within the edit limit of the name, so a 120 KB flag is
// refused after a length comparison per flag, never a distance table.
func TestClosestBoundsWorkByLength(t *testing.T) {
	huge := strings.Repeat("w", 120<<10)
	names := []string{"wait", "timeout", "region", "checks", "output"}
	for _, tt := range []struct {
		name      string
		input     string
		want      string
		wantCalls []string
	}{
		{"120 KB flag", huge, "", nil},
		{"one edit", "wiat", "wait", []string{"wait", "region", "checks", "output"}},
		{"length 3 off", "waitxyz", "", []string{"timeout", "region", "checks", "output"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			dist := func(a, b string) int {
				calls = append(calls, b)
				return editDistance(a, b)
			}
			if got := closest(tt.input, names, dist); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
			if !reflect.DeepEqual(calls, tt.wantCalls) {
				t.Errorf("got the distance computed against %q; want only %q", calls, tt.wantCalls)
			}
		})
	}
	// Through Load: the unknown flag is refused, with no suggestion.
	_, err := Load("check", []string{"--" + huge}, env(nil))
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("got %v; want an unknown flag error without a suggestion", err)
	}
}

// TestLoadPublicPath: --public-path defaults to fail, is read from
// PREFLIGHT_PUBLIC_PATH, takes fail or warn only, and is the same rule in
// check, serve and audit; endpoints and healthcheck judge nothing.
func TestLoadPublicPath(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "default", command: "audit", args: []string{"--cluster", "prod"}, want: PublicPathFail},
		{name: "flag", command: "audit", args: []string{"--cluster", "prod", "--public-path", "warn"}, want: PublicPathWarn},
		{name: "environment", command: "audit", args: []string{"--cluster", "prod"}, env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, want: PublicPathWarn},
		{name: "bad value", command: "audit", args: []string{"--cluster", "prod", "--public-path=allow"}, wantErr: `flag --public-path "allow": want fail or warn`},
		{name: "check default", command: "check", args: []string{"--checks", "logs"}, want: PublicPathFail},
		{name: "check flag", command: "check", args: []string{"--checks", "logs", "--public-path", "warn"}, want: PublicPathWarn},
		{name: "check environment", command: "check", args: []string{"--checks", "logs"}, env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, want: PublicPathWarn},
		{name: "check bad value", command: "check", args: []string{"--public-path=allow"}, wantErr: `flag --public-path "allow": want fail or warn`},
		{name: "serve flag", command: "serve", args: []string{"--checks", "logs", "--public-path=warn"}, want: PublicPathWarn},
		{name: "serve environment", command: "serve", args: []string{"--checks", "logs"}, env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, want: PublicPathWarn},
		{name: "not endpoints'", command: "endpoints", args: []string{"--public-path=warn"}, wantErr: "--public-path does not apply to endpoints"},
		{name: "endpoints ignores the variable", command: "endpoints", args: []string{"--checks", "logs"}, env: map[string]string{"PREFLIGHT_PUBLIC_PATH": "warn"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.command, tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.args, err)
			}
			if c.PublicPath != tt.want {
				t.Errorf("got PublicPath %q; want %q", c.PublicPath, tt.want)
			}
		})
	}
}

// TestLoadAllClusters: --all-clusters is a bool that defaults to false, is
// read from PREFLIGHT_ALL_CLUSTERS, and is audit's alone; --cluster keeps
// a comma-separated list as given (the audit package splits it).
func TestLoadAllClusters(t *testing.T) {
	tests := []struct {
		name        string
		command     string
		args        []string
		env         map[string]string
		want        bool
		wantCluster string
		wantErr     string
	}{
		{name: "default", command: "audit", args: []string{"--cluster", "prod"}, wantCluster: "prod"},
		{name: "flag", command: "audit", args: []string{"--all-clusters"}, want: true},
		{name: "flag false", command: "audit", args: []string{"--all-clusters=false", "--cluster", "prod"}, wantCluster: "prod"},
		{name: "environment", command: "audit", env: map[string]string{"PREFLIGHT_ALL_CLUSTERS": "true"}, want: true},
		{name: "a list of clusters", command: "audit", args: []string{"--cluster", "prod,staging"}, wantCluster: "prod,staging"},
		{name: "bad value", command: "audit", args: []string{"--all-clusters=maybe"}, wantErr: `flag --all-clusters "maybe"`},
		{name: "not check's", command: "check", args: []string{"--all-clusters"}, wantErr: "--all-clusters does not apply to check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.command, tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.args, err)
			}
			if c.AllClusters != tt.want || c.Cluster != tt.wantCluster {
				t.Errorf("got AllClusters %v, Cluster %q; want %v, %q", c.AllClusters, c.Cluster, tt.want, tt.wantCluster)
			}
		})
	}
}
