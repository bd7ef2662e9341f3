package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestLoadTemplateParameters: --template and --parameter are audit's,
// --parameter adds up over repeated flags (a flag's value may hold
// commas, for a list parameter), the env vars work, and a bad KEY=VALUE
// is a usage error naming the flag.
func TestLoadTemplateParameters(t *testing.T) {
	for _, tt := range []struct {
		name         string
		args         []string
		env          map[string]string
		wantTemplate string
		wantParams   map[string]string
		wantErr      string
	}{
		{"none", nil, nil, "", nil, ""},
		{"template and parameters", []string{"--template", "cdk.out", "--parameter", "Env=prod", "--parameter=Subnets=subnet-1,subnet-2"}, nil,
			"cdk.out", map[string]string{"Env": "prod", "Subnets": "subnet-1,subnet-2"}, ""},
		{"env", nil, map[string]string{"PREFLIGHT_TEMPLATE": "t.yaml", "PREFLIGHT_PARAMETER": "A=1, B=x=y"},
			"t.yaml", map[string]string{"A": "1", "B": "x=y"}, ""},
		{"empty value", []string{"--parameter", "A="}, nil, "", map[string]string{"A": ""}, ""},
		{"no equals", []string{"--parameter", "Env"}, nil, "", nil, `flag --parameter "Env": want KEY=VALUE`},
		{"bad key", []string{"--parameter", "my-env=x"}, nil, "", nil, `flag --parameter "my-env=x": want KEY=VALUE, KEY a parameter's logical id`},
		{"twice", []string{"--parameter", "A=1", "--parameter", "A=2"}, nil, "", nil, "parameter A given twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("audit", tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want none", err)
			}
			if c.Template != tt.wantTemplate || !reflect.DeepEqual(c.Parameters, tt.wantParams) {
				t.Errorf("got %q %v; want %q %v", c.Template, c.Parameters, tt.wantTemplate, tt.wantParams)
			}
		})
	}
	if _, err := Load("check", []string{"--template", "t.yaml"}, env(nil)); err == nil {
		t.Errorf("check --template: got no error; want the flag refused outside audit")
	}
}
