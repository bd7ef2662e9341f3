package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/internal/mototest"
)

// TestTaskDefinitionExampleRegisters proves task-def.example.json is a valid
// RegisterTaskDefinition input: the AWS CLI validates its parameters, and
// moto_server accepts it.
func TestTaskDefinitionExampleRegisters(t *testing.T) {
	testTaskDefinitionRegisters(t, "../task-def.example.json", "orders", "SUCCESS", nil)
}

// TestSidecarTaskDefinitionExampleRegisters does the same for the sidecar
// example, whose health check must be exec-form (no shell in the image).
func TestSidecarTaskDefinitionExampleRegisters(t *testing.T) {
	testTaskDefinitionRegisters(t, "../task-def.sidecar.example.json", "orders-with-preflight-sidecar", "START",
		[]string{"CMD", "/preflight", "healthcheck"})
}

func testTaskDefinitionRegisters(t *testing.T, path, family, condition string, healthCheck []string) {
	requireTools(t, "aws")
	endpoint := mototest.Start(t)
	register := func(path string) (string, error) {
		cmd := exec.Command("aws", "ecs", "register-task-definition", "--cli-input-json", "file://"+path, "--endpoint-url", endpoint, "--output", "json")
		cmd.Env = awsEnv(endpoint)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := register(path)
	if err != nil {
		t.Fatalf("register-task-definition: %v\n%s", err, out)
	}
	var resp struct {
		TaskDefinition struct {
			TaskDefinitionArn    string `json:"taskDefinitionArn"`
			ContainerDefinitions []struct {
				Name        string `json:"name"`
				Essential   bool   `json:"essential"`
				HealthCheck struct {
					Command []string `json:"command"`
				} `json:"healthCheck"`
				DependsOn []struct {
					ContainerName, Condition string
				} `json:"dependsOn"`
				RestartPolicy *struct {
					Enabled              bool `json:"enabled"`
					RestartAttemptPeriod int  `json:"restartAttemptPeriod"`
				} `json:"restartPolicy"`
			} `json:"containerDefinitions"`
		} `json:"taskDefinition"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("response: %v\n%s", err, out)
	}
	if !strings.Contains(resp.TaskDefinition.TaskDefinitionArn, ":task-definition/"+family+":") {
		t.Errorf("taskDefinitionArn %q", resp.TaskDefinition.TaskDefinitionArn)
	}
	for _, c := range resp.TaskDefinition.ContainerDefinitions {
		switch c.Name {
		case "preflight":
			if c.Essential {
				t.Error("preflight must be essential: false (a dependency for SUCCESS, or a sidecar that fails open)")
			}
			if healthCheck != nil && strings.Join(c.HealthCheck.Command, " ") != strings.Join(healthCheck, " ") {
				t.Errorf("preflight healthCheck %v; want %v", c.HealthCheck.Command, healthCheck)
			}
			// The sidecar (the one with a health check) restarts in place:
			// being non-essential, nothing else would bring it back. Neither
			// the CLI nor moto checks the period's 60-1800 s range, so this
			// does.
			if healthCheck != nil {
				if rp := c.RestartPolicy; rp == nil || !rp.Enabled || rp.RestartAttemptPeriod < 60 || rp.RestartAttemptPeriod > 1800 {
					t.Errorf("preflight restartPolicy %+v; want enabled, restartAttemptPeriod 60-1800", rp)
				}
			}
		case "app":
			if len(c.DependsOn) != 1 || c.DependsOn[0].ContainerName != "preflight" || c.DependsOn[0].Condition != condition {
				t.Errorf("app dependsOn %+v; want preflight %s", c.DependsOn, condition)
			}
		}
	}

	// The same check rejects a broken definition, so it can fail.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(strings.Replace(string(b), `"essential": false`, `"essentail": false`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := register(broken); err == nil || !strings.Contains(out, "essentail") {
		t.Errorf("a misspelt parameter was accepted: %v\n%s", err, out)
	}
}
