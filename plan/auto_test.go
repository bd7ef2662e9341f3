package plan

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

func loadTask(t *testing.T, name string) *probe.Task {
	t.Helper()
	b, err := os.ReadFile("../probe/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var task probe.Task
	if err := json.Unmarshal(b, &task); err != nil {
		t.Fatal(err)
	}
	return &task
}

func TestDeriveEntries(t *testing.T) {
	task := loadTask(t, "fargate-task.json")
	entries, notes := deriveEntries(task, "us-east-1")
	var got []string
	for _, e := range entries {
		got = append(got, e.Name+"@"+e.Region+"/"+e.Account+"="+string(e.Expect))
	}
	want := []string{"ecr@eu-west-1/444455556666=any", "ecr@us-east-1/111122223333=", "logs@eu-west-1/=any", "logs@us-east-1/="}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %v; want %v", got, want)
	}
	if len(notes) != 2 {
		t.Fatalf("got %d notes; want 2 cross-region warnings: %+v", len(notes), notes)
	}
	for _, n := range notes {
		if n.Status != report.StatusWarn || !strings.Contains(n.Error, "eu-west-1") || !strings.Contains(n.Hint, "cross-region") {
			t.Errorf("note = %+v", n)
		}
	}
	targets, err := config.Expand(entries, "us-east-1", "111122223333")
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 8 {
		t.Errorf("got %d targets; want 8 (two ECR bundles of 3 and two logs)", len(targets))
	}

	// The pause container's image is not a registry the task pulls from.
	entries, _ = deriveEntries(loadTask(t, "ec2-awsvpc-task.json"), "eu-central-1")
	if len(entries) != 2 || entries[0].Name != "ecr" || entries[1].Name != "logs" || entries[1].Region != "eu-central-1" {
		t.Errorf("EC2 awsvpc entries = %+v", entries)
	}
	entries, _ = deriveEntries(loadTask(t, "ec2-bridge-task.json"), "cn-north-1")
	if len(entries) != 2 || entries[0].Region != "cn-north-1" {
		t.Errorf("China entries = %+v", entries)
	}
}
