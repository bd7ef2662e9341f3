package live

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditLogRoutesAndRegistryPortAgainstMoto runs the built binary on a
// task-definition file whose app logs through FireLens to Kinesis, whose
// web container sets awslogs-endpoint, and whose sidecar comes from a
// registry on port 5000 (issue 24 items 2 and 3). Before, none of them had
// a row and the audit exited 0; now each is judged and the audit fails.
func TestAuditLogRoutesAndRegistryPortAgainstMoto(t *testing.T) {
	m := moto(t)
	w := m.scenario(t)
	env := m.envFor("test", "test")
	ecr := w.Account + ".dkr.ecr." + w.Region + ".amazonaws.com/orders:1"
	doc := `{"family":"orders","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"containerDefinitions":[
	{"name":"log_router","image":"` + ecr + `","essential":true,
	 "firelensConfiguration":{"type":"fluentbit"},
	 "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-region":"` + w.Region + `","awslogs-group":"/ecs/firelens"}}},
	{"name":"app","image":"` + ecr + `",
	 "logConfiguration":{"logDriver":"awsfirelens","options":{"Name":"kinesis_streams","region":"` + w.Region + `","stream":"app"}}},
	{"name":"web","image":"` + ecr + `",
	 "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-region":"` + w.Region + `","awslogs-group":"/ecs/web",
	   "awslogs-endpoint":"https://vpce-0a1b2c3d-e5f6.logs.` + w.Region + `.vpce.amazonaws.com"}}},
	{"name":"sidecar","image":"registry.example.com:5000/team/app:1"}]}`
	path := filepath.Join(t.TempDir(), "orders.json")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, env, "audit", "--task-definition", path, "--subnets", strings.Join(w.Subnets, ","),
		"--security-groups", w.TaskSG, "--output", "json")
	if res.code == report.ExitOK {
		t.Errorf("exit 0; want a failing audit\n%s", res.stdout)
	}
	var rep report.JSON
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s\n%s", err, res.stdout, res.stderr)
	}
	type row struct {
		check  report.Check
		target string
		port   int
		status report.Status
	}
	want := map[row]string{
		{audit.CheckEndpoint, "kinesis-streams", 443, report.StatusFail}:                                             "container app log driver awsfirelens output kinesis_streams",
		{audit.CheckEndpoint, "vpce-0a1b2c3d-e5f6.logs." + w.Region + ".vpce.amazonaws.com", 443, report.StatusSkip}: "container web awslogs-endpoint",
		{audit.CheckRoute, audit.NeedInternet, 5000, report.StatusFail}:                                              "image registry.example.com:5000/team/app:1",
	}
	for _, c := range rep.Checks {
		k := row{c.Check, c.Target, c.Port, c.Status}
		if why, ok := want[k]; ok && strings.Contains(c.Reason, why) {
			delete(want, k)
		}
	}
	for k, why := range want {
		t.Errorf("got no %s %s row for %s on %d (why: %s)\n%s", k.status, k.check, k.target, k.port, why, res.stdout)
	}
}
