package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTaskDefinitionExampleRegisters proves task-def.example.json is a valid
// RegisterTaskDefinition input: the AWS CLI validates its parameters, and
// moto_server accepts it.
func TestTaskDefinitionExampleRegisters(t *testing.T) {
	requireTools(t, "aws")
	endpoint := startMoto(t)
	register := func(path string) (string, error) {
		cmd := exec.Command("aws", "ecs", "register-task-definition", "--cli-input-json", "file://"+path, "--endpoint-url", endpoint, "--output", "json")
		cmd.Env = awsEnv(endpoint)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := register("../task-def.example.json")
	if err != nil {
		t.Fatalf("register-task-definition: %v\n%s", err, out)
	}
	var resp struct {
		TaskDefinition struct {
			TaskDefinitionArn    string `json:"taskDefinitionArn"`
			ContainerDefinitions []struct {
				Name      string `json:"name"`
				Essential bool   `json:"essential"`
				DependsOn []struct {
					ContainerName, Condition string
				} `json:"dependsOn"`
			} `json:"containerDefinitions"`
		} `json:"taskDefinition"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("response: %v\n%s", err, out)
	}
	if !strings.Contains(resp.TaskDefinition.TaskDefinitionArn, ":task-definition/orders:") {
		t.Errorf("taskDefinitionArn %q", resp.TaskDefinition.TaskDefinitionArn)
	}
	for _, c := range resp.TaskDefinition.ContainerDefinitions {
		switch c.Name {
		case "preflight":
			if c.Essential {
				t.Error("preflight must be essential: false for a SUCCESS dependency")
			}
		case "app":
			if len(c.DependsOn) != 1 || c.DependsOn[0].ContainerName != "preflight" || c.DependsOn[0].Condition != "SUCCESS" {
				t.Errorf("app dependsOn %+v; want preflight SUCCESS", c.DependsOn)
			}
		}
	}

	// The same check rejects a broken definition, so it can fail.
	b, err := os.ReadFile("../task-def.example.json")
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
