package config

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseEntry(t *testing.T) {
	tests := []struct {
		raw     string
		want    Entry
		wantErr string
	}{
		{raw: "ecr", want: Entry{Name: "ecr"}},
		{raw: "ecr.dkr", want: Entry{Name: "ecr.dkr"}},
		{raw: "logs:443=private", want: Entry{Name: "logs", Port: 443, Expect: ExpectPrivate}},
		{raw: "example.com=blocked", want: Entry{Name: "example.com", Expect: ExpectBlocked}},
		{raw: "Example.COM.:8443", want: Entry{Name: "example.com", Port: 8443}},
		{raw: "10.0.1.5:5432=private", want: Entry{Name: "10.0.1.5", Port: 5432, Expect: ExpectPrivate}},
		{raw: "fd00::1", want: Entry{Name: "fd00::1"}},
		{raw: "[fd00::1]:443=private", want: Entry{Name: "fd00::1", Port: 443, Expect: ExpectPrivate}},
		{raw: "auto", want: Entry{Name: "auto"}},
		{raw: "db_1.internal", want: Entry{Name: "db_1.internal"}},
		{raw: "logs@us-west-2", want: Entry{Name: "logs", Region: "us-west-2"}},
		{raw: "ecr.dkr@111122223333", want: Entry{Name: "ecr.dkr", Account: "111122223333"}},
		{raw: "ecr.dkr@111122223333.eu-west-1:443=private", want: Entry{Name: "ecr.dkr", Account: "111122223333", Region: "eu-west-1", Port: 443, Expect: ExpectPrivate}},
		{raw: "ECR@111122223333.cn-north-1", want: Entry{Name: "ecr", Account: "111122223333", Region: "cn-north-1"}},
		{raw: "logs@us-west-2=any", want: Entry{Name: "logs", Region: "us-west-2", Expect: ExpectAny}},
		{raw: "logs@111122223333", wantErr: "service logs has no account in its host name: write logs@REGION"},
		{raw: "logs@us-nowhere-9x", wantErr: `"us-nowhere-9x" after @ is neither a region`},
		{raw: "logs@12345", wantErr: "after @ is neither"},
		{raw: "example.com@us-west-2", wantErr: `"example.com" before @ is not a catalogue service`},
		{raw: "auto@us-west-2", wantErr: "auto takes no @REGION"},
		{raw: "@us-west-2", wantErr: "empty name before @"},
		{raw: "ecs-agent@us-west-2", wantErr: "cannot be probed"},
		{raw: "ecrr", wantErr: `unknown service "ecrr"`},
		{raw: "logs:0", wantErr: `port "0": want a number from 1 to 65535`},
		{raw: "logs:65536", wantErr: `port "65536"`},
		{raw: "logs:https", wantErr: `port "https"`},
		{raw: "logs:", wantErr: "empty port"},
		{raw: "logs=privat", wantErr: `unknown expectation "privat"`},
		{raw: "=private", wantErr: "empty name"},
		{raw: "auto:443", wantErr: "auto takes no port"},
		{raw: "[10.0.0.1]:443", wantErr: "is not an IPv6 address"},
		{raw: "[fd00::1:443", wantErr: "missing ]"},
		{raw: "fd00::1::2:x", wantErr: "is not an IPv6 address"},
		{raw: "bad..name", wantErr: "empty label"},
		{raw: "-bad.example", wantErr: "hyphen"},
		{raw: "sp ace.example", wantErr: "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseEntry(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEntry(%q) error = %v; want containing %q", tt.raw, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.raw) {
					t.Errorf("error %q does not name the entry %q", err, tt.raw)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEntry(%q) error = %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseEntry(%q) = %+v; want %+v", tt.raw, got, tt.want)
			}
		})
	}
}

// TestTargetNamesAreEntries: every target name Expand prints, given back as
// an entry in the same run, names the same target (same name, host, port).
func TestTargetNamesAreEntries(t *testing.T) {
	const region, account = "us-east-1", "123456789012"
	entries := []Entry{
		{Name: "ecr"}, {Name: "logs", Region: "us-west-2"}, {Name: "ecr", Account: "111122223333"},
		{Name: "ecr.dkr", Account: "111122223333", Region: "eu-west-1"}, {Name: "sts", Region: "cn-north-1"},
		{Name: "db.internal", Port: 5432}, {Name: "db.internal", Port: 5433}, {Name: "10.0.0.5", Port: 5432},
		{Name: "fd00::1", Port: 8443},
	}
	targets, err := Expand(entries, region, account)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range targets {
		t.Run(want.Name, func(t *testing.T) {
			e, err := ParseEntry(want.Name)
			if err != nil {
				t.Fatalf("ParseEntry(%q): %v", want.Name, err)
			}
			if e.Port == 0 {
				e.Port = want.Port
			}
			got, err := Expand([]Entry{e}, region, account)
			if err != nil || len(got) != 1 {
				t.Fatalf("Expand(%+v) = %v, %v; want one target", e, got, err)
			}
			g := got[0]
			if g.Host != want.Host || g.Port != want.Port || strings.TrimSuffix(want.Name, ":"+strconv.Itoa(want.Port)) != g.Name {
				t.Errorf("got %s %s; want %s %s", g.Name, g.Address(), want.Name, want.Address())
			}
			if back, err := ParseEntry(e.String()); err != nil || back != e {
				t.Errorf("ParseEntry(%q) = %+v, %v; want %+v", e.String(), back, err, e)
			}
		})
	}
}

// TestTargetNamesInEveryCommand: --checks (and PREFLIGHT_CHECKS) take target
// names as printed in every command that takes --checks.
func TestTargetNamesInEveryCommand(t *testing.T) {
	for _, cmd := range []string{"check", "serve", "endpoints", "audit"} {
		for _, from := range []string{"flag", "env"} {
			t.Run(cmd+"/"+from, func(t *testing.T) {
				var args []string
				vars := map[string]string{}
				const list = "logs@us-west-2,ecr.dkr@111122223333.eu-west-1:443"
				if from == "flag" {
					args = []string{"--checks", list}
				} else {
					vars["PREFLIGHT_CHECKS"] = list
				}
				c, err := Load(cmd, args, env(vars))
				if err != nil {
					t.Fatalf("Load(%s, %q): %v", cmd, args, err)
				}
				want := []Entry{{Name: "logs", Region: "us-west-2"}, {Name: "ecr.dkr", Account: "111122223333", Region: "eu-west-1", Port: 443}}
				if !slices.Equal(c.Checks, want) {
					t.Errorf("got %+v; want %+v", c.Checks, want)
				}
			})
		}
	}
}

func TestParseEntriesReportsEveryError(t *testing.T) {
	entries, err := ParseEntries("logs, nope ,s3:99999, example.com=blocked")
	if err == nil {
		t.Fatal("got nil error; want two")
	}
	for _, want := range []string{`"nope"`, `"s3:99999"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if len(entries) != 2 {
		t.Errorf("got %d good entries; want 2", len(entries))
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name, checks, region, account string
		want                          []string // "name host:port expect endpoint-service"
		wantErr                       string
	}{
		{
			name: "aws ecr bundle", checks: "ecr", region: "us-east-1", account: "123456789012",
			want: []string{
				"ecr.api api.ecr.us-east-1.amazonaws.com:443 private com.amazonaws.us-east-1.ecr.api",
				"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com:443 private com.amazonaws.us-east-1.ecr.dkr",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com:443 any com.amazonaws.us-east-1.s3",
			},
		},
		{
			name: "china partition", checks: "ecr.dkr,logs,s3,sns", region: "cn-north-1", account: "123456789012",
			want: []string{
				"ecr.dkr 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn:443 private cn.com.amazonaws.cn-north-1.ecr.dkr",
				"logs logs.cn-north-1.amazonaws.com.cn:443 private com.amazonaws.cn-north-1.logs",
				"s3 s3.cn-north-1.amazonaws.com.cn:443 any com.amazonaws.cn-north-1.s3",
				"sns sns.cn-north-1.amazonaws.com.cn:443 private com.amazonaws.cn-north-1.sns",
			},
		},
		{
			name: "govcloud", checks: "sts,dynamodb=private", region: "us-gov-west-1",
			want: []string{
				"sts sts.us-gov-west-1.amazonaws.com:443 private com.amazonaws.us-gov-west-1.sts",
				"dynamodb dynamodb.us-gov-west-1.amazonaws.com:443 private com.amazonaws.us-gov-west-1.dynamodb",
			},
		},
		{
			name: "plain hosts and dedupe", checks: "example.com=blocked,db.internal:5432,example.com:443", region: "",
			want: []string{
				"example.com example.com:443 blocked ",
				"db.internal db.internal:5432 any ",
			},
		},
		{name: "catalogue without region", checks: "logs", wantErr: "needs a region"},
		{name: "ecr.dkr without account", checks: "ecr.dkr", region: "eu-west-1", wantErr: "needs an account ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := ParseEntries(tt.checks)
			if err != nil {
				t.Fatal(err)
			}
			targets, err := Expand(entries, tt.region, tt.account)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Expand error = %v; want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tg := range targets {
				got = append(got, tg.Name+" "+tg.Address()+" "+string(tg.Expect)+" "+tg.EndpointService)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadPrecedence(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantTimeout time.Duration
		wantSource  string
		wantTLS     bool
	}{
		{name: "default", wantTimeout: 2 * time.Second, wantSource: "default", wantTLS: true},
		{name: "env", env: map[string]string{"PREFLIGHT_TIMEOUT": "3s", "PREFLIGHT_TLS": "false"}, wantTimeout: 3 * time.Second, wantSource: "PREFLIGHT_TIMEOUT"},
		{name: "flag wins", args: []string{"--timeout", "4s", "--tls=false"}, env: map[string]string{"PREFLIGHT_TIMEOUT": "3s", "PREFLIGHT_TLS": "true"}, wantTimeout: 4 * time.Second, wantSource: "--timeout"},
		{name: "empty env is unset", env: map[string]string{"PREFLIGHT_TIMEOUT": " "}, wantTimeout: 2 * time.Second, wantSource: "default", wantTLS: true},
		{name: "bool flag alone", args: []string{"-tls"}, env: map[string]string{"PREFLIGHT_TLS": "false"}, wantTimeout: 2 * time.Second, wantSource: "default", wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("check", tt.args, env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Timeout != tt.wantTimeout {
				t.Errorf("Timeout = %v; want %v", c.Timeout, tt.wantTimeout)
			}
			if got := c.Source("timeout"); got != tt.wantSource {
				t.Errorf("Source(timeout) = %q; want %q", got, tt.wantSource)
			}
			if c.TLS != tt.wantTLS {
				t.Errorf("TLS = %v; want %v", c.TLS, tt.wantTLS)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load("check", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasAuto() || c.Wait != 15*time.Second || c.Output != "text" || len(c.PrivateCIDRs) != 5 || len(c.Resolvers) != 0 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadReportsEveryErrorNamingItsSource(t *testing.T) {
	_, err := Load("check",
		[]string{"--timeout=-1s", "--checks", "nope", "--private-cidrs", "10.0.0.1/8,banana", "--resolver", "dns.example"},
		env(map[string]string{"PREFLIGHT_REGION": "moon-1", "PREFLIGHT_WAIT": "soon", "PREFLIGHT_OUTPUT": "yaml", "PREFLIGHT_ACCOUNT": "12"}))
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v; want *UsageError", err)
	}
	for _, want := range []string{
		`flag --timeout "-1s": must not be negative`,
		`flag --checks "nope"`,
		`did you mean 10.0.0.0/8`,
		`"banana" is not a CIDR`,
		`flag --resolver "dns.example"`,
		`environment variable PREFLIGHT_REGION "moon-1"`,
		`environment variable PREFLIGHT_WAIT "soon"`,
		`environment variable PREFLIGHT_OUTPUT "yaml"`,
		`environment variable PREFLIGHT_ACCOUNT "12": want a 12-digit AWS account ID`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%s\ndoes not contain %q", err, want)
		}
	}
}

func TestLoadRejectsArgumentsAndUnknownFlags(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--nope"}, {"--timeout"}} {
		_, err := Load("check", args, env(nil))
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Load(%q) error = %v; want *UsageError", args, err)
		}
	}
	if _, err := Load("check", []string{"-h"}, env(nil)); !errors.Is(err, ErrHelp) {
		t.Errorf("Load(-h) error = %v; want ErrHelp", err)
	}
}

func TestResolverParsing(t *testing.T) {
	c, err := Load("check", []string{"--resolver", "10.0.0.2, 127.0.0.1:5353,fd00:ec2::253,[::1]:53"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := "10.0.0.2:53 127.0.0.1:5353 [fd00:ec2::253]:53 [::1]:53"
	if got := strings.Join(c.Resolvers, " "); got != want {
		t.Errorf("Resolvers = %q; want %q", got, want)
	}
}

func TestLoadRegionUsesPartitionPatterns(t *testing.T) {
	for region, wantErr := range map[string]bool{
		"eusc-de-east-1": false, "us-isof-south-1": false, "cn-northwest-1": false,
		"zz-nowhere-9": true, "us-east-1a": true,
	} {
		_, err := Load("check", []string{"--region", region}, env(nil))
		if (err != nil) != wantErr {
			t.Errorf("Load(--region %s) error = %v; want error %v", region, err, wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), `flag --region "`+region+`"`) {
			t.Errorf("error %q does not name the flag and value", err)
		}
	}
}

// TestCraftedIDsRefusedAtLoad: --subnets and --security-groups reach the
// audit's commands and hints, so an id that does not match its AWS
// pattern is refused at load, naming the flag.
func TestCraftedIDsRefusedAtLoad(t *testing.T) {
	for _, tt := range []struct {
		flag, value string
	}{
		{"--security-groups", "sg-1;touch pwned;#"},
		{"--security-groups", "sg-1'$(touch pwned)'"},
		{"--security-groups", "sg-0abc,sg-1 x"},
		{"--subnets", "subnet-1;touch pwned"},
		{"--subnets", "subnet-$(id)"},
	} {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			other := map[string]string{"--subnets": "--security-groups", "--security-groups": "--subnets"}[tt.flag]
			otherValue := map[string]string{"--subnets": "sg-0abc", "--security-groups": "subnet-0abc"}[other]
			_, err := Load("audit", []string{"--task-definition", "./td.json", tt.flag, tt.value, other, otherValue}, env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.flag) || !strings.Contains(err.Error(), "is not an ID") {
				t.Errorf("got %v; want an error naming %s", err, tt.flag)
			}
		})
	}
	if _, err := Load("audit", []string{"--task-definition", "./td.json", "--subnets", "subnet-0abc,subnet-12", "--security-groups", "sg-0abc"}, env(nil)); err != nil {
		t.Errorf("got %v; want valid ids accepted", err)
	}
}
