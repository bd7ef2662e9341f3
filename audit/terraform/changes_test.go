package terraform

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit/overlay"
)

// beforeIDs reads the fixture with encoding/json, independently of the
// reader: each change's address → its before.id.
func beforeIDs(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Before map[string]any `json:"before"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, rc := range doc.ResourceChanges {
		if id, ok := rc.Change.Before["id"].(string); ok {
			ids[rc.Address] = id
		}
	}
	return ids
}

// TestReadPlanChanges: the plans Terraform made against an applied
// account say what each change does to which of the account's ids; a
// part (an association) names its parent's id.
func TestReadPlanChanges(t *testing.T) {
	tests := []struct {
		plan string
		want []struct {
			addr   string
			kind   overlay.Kind
			action overlay.Action
			parent string // a part's parent address
		}
	}{
		{plan: "plan-drop-ecr-dkr.json", want: []struct {
			addr   string
			kind   overlay.Kind
			action overlay.Action
			parent string
		}{
			{"aws_vpc_endpoint.ecr_dkr", overlay.KindEndpoint, overlay.Delete, ""},
			{"aws_vpc_endpoint.ecr_api", overlay.KindEndpoint, overlay.NoOp, ""},
		}},
		{plan: "plan-drop-s3-route.json", want: []struct {
			addr   string
			kind   overlay.Kind
			action overlay.Action
			parent string
		}{
			{"aws_vpc_endpoint.s3", overlay.KindEndpoint, overlay.Update, ""},
			{"aws_vpc_endpoint.ecr_dkr", overlay.KindEndpoint, overlay.NoOp, ""},
			{"aws_route_table_association.private[0]", overlay.KindRouteTable, overlay.NoOp, "aws_route_table.private"},
			{`aws_ecs_service.app["orders"]`, overlay.KindWorkload, overlay.Update, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.plan, func(t *testing.T) {
			path := filepath.Join("testdata", "overlay", tt.plan)
			ids := beforeIDs(t, path)
			p, err := ReadPlanFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			facts, err := ReadFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Facts, facts) {
				t.Errorf("ReadPlanFile's facts differ from ReadFile's")
			}
			for _, w := range tt.want {
				id := ids[w.addr]
				if w.parent != "" {
					id = ids[w.parent]
				}
				if id == "" {
					t.Fatalf("the fixture has no before.id for %s: the test would prove nothing", w.addr)
				}
				want := overlay.Change{Address: w.addr, Kind: w.kind, Action: w.action, ID: id, Part: w.parent != ""}
				found := false
				for _, c := range p.Changes {
					found = found || c == want
				}
				if !found {
					t.Errorf("no change %+v among %+v", want, p.Changes)
				}
			}
		})
	}
}

// TestAction: Terraform's action lists as what they do in the account.
func TestAction(t *testing.T) {
	for _, tt := range []struct {
		actions []string
		want    overlay.Action
	}{
		{[]string{"no-op"}, overlay.NoOp},
		{[]string{"read"}, overlay.NoOp},
		{[]string{"forget"}, overlay.NoOp},
		{[]string{"create"}, overlay.Create},
		{[]string{"update"}, overlay.Update},
		{[]string{"delete"}, overlay.Delete},
		{[]string{"delete", "create"}, overlay.Replace},
		{[]string{"create", "delete"}, overlay.Replace},
	} {
		t.Run(strings.Join(tt.actions, "+"), func(t *testing.T) {
			if got := action(tt.actions); got != tt.want {
				t.Errorf("got %d; want %d", got, tt.want)
			}
		})
	}
}
