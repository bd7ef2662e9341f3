package config

import (
	"strings"
	"testing"
)

// TestPlanFlag: --plan and PREFLIGHT_PLAN name the plan file, the flag
// wins, and only audit takes it.
func TestPlanFlag(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"flag", "audit", []string{"--plan", "plan.json"}, nil, "plan.json", ""},
		{"env", "audit", nil, map[string]string{"PREFLIGHT_PLAN": "ci/plan.json"}, "ci/plan.json", ""},
		{"flag over env", "audit", []string{"--plan", "a.json"}, map[string]string{"PREFLIGHT_PLAN": "b.json"}, "a.json", ""},
		{"unset", "audit", nil, nil, "", ""},
		{"not check's", "check", []string{"--plan", "plan.json"}, nil, "", "plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.command, tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v; want an error naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Plan != tt.want {
				t.Fatalf("got %v, %v; want Plan %q", c, err, tt.want)
			}
		})
	}
}
