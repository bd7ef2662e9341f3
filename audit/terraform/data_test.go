package terraform

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/overlay"
)

// priorData is what the datasources fixture's prior_state holds, read
// with encoding/json apart from the reader: data source address →
// attribute → value.
func priorData(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	ps, _ := doc["prior_state"].(map[string]any)
	vals, _ := ps["values"].(map[string]any)
	root, _ := vals["root_module"].(map[string]any)
	res, _ := root["resources"].([]any)
	for _, r := range res {
		m := r.(map[string]any)
		if m["mode"] == "data" {
			out[m["address"].(string)] = m["values"].(map[string]any)
		}
	}
	return out
}

// dataPlan reads testdata/datasources/plan.json, after edit changes its
// document (nil: as Terraform wrote it).
func dataPlan(t *testing.T, edit func(doc map[string]any)) (*Plan, map[string]map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "datasources", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	prior := priorData(t, doc)
	if edit != nil {
		edit(doc)
		if raw, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ReadPlan(bytes.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, prior
}

// dropPrior removes the data source addr from the document's prior_state.
func dropPrior(addr string) func(map[string]any) {
	return func(doc map[string]any) {
		root := doc["prior_state"].(map[string]any)["values"].(map[string]any)["root_module"].(map[string]any)
		res := root["resources"].([]any)
		root["resources"] = slices.DeleteFunc(res, func(r any) bool { return r.(map[string]any)["address"] == addr })
	}
}

func workload(f *audit.Facts, name string) *audit.Workload {
	for _, w := range f.Workloads {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// undecidedOf lists the Undecided entries for action on resource.
func undecidedOf(f *audit.Facts, action, resource string) []audit.Undecided {
	var out []audit.Undecided
	for _, u := range f.Undecided {
		if u.Action == action && u.Resource == resource {
			out = append(out, u)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func toStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

// TestDataSources: the datasources case (testdata/datasources: a change
// planned against an account on moto) reads an existing VPC, its subnets
// and a group through data sources. Those Terraform read at plan time are
// resolved from prior_state to the account's ids; one Terraform reads at
// apply (it reads a group the plan creates), or one prior_state does not
// hold, stays undecided naming the data source and the attribute.
func TestDataSources(t *testing.T) {
	t.Run("read at plan time", func(t *testing.T) {
		p, prior := dataPlan(t, nil)
		w := workload(p.Facts, "aws_ecs_service.payments")
		if w == nil {
			t.Fatalf("no workload aws_ecs_service.payments in %v", p.Facts.Workloads)
		}
		subnets := toStrings(prior["data.aws_subnets.private"]["ids"])
		groups := toStrings(prior["data.aws_security_group.task"]["id"])
		if len(subnets) != 2 || len(groups) != 1 {
			t.Fatalf("fixture: prior_state subnets %v, groups %v; want 2 and 1", subnets, groups)
		}
		// The subnets are known in the plan (Terraform read them); the
		// groups only after apply (one is created): the data source's id
		// comes from prior_state, the new group's is its address.
		groups = append(groups, "aws_security_group.payments")
		if !sameSet(w.Subnets, subnets) || !slices.Equal(w.SecurityGroups, groups) {
			t.Errorf("got subnets %v, groups %v; want %v, %v (prior_state's)", w.Subnets, w.SecurityGroups, subnets, groups)
		}
		if w.Cluster != "prod" {
			t.Errorf("got cluster %q; want prod (data.aws_ecs_cluster.prod.arn)", w.Cluster)
		}
		if u := undecidedOf(p.Facts, audit.ActionDescribeServices, w.Name); len(u) > 0 {
			t.Errorf("got undecided %v; want none", u)
		}
		// The ids are the account's, outside the plan: undecided until
		// the account is read, naming the data source that read them.
		for _, s := range subnets {
			u := undecidedOf(p.Facts, audit.ActionDescribeSubnets, s)
			if len(u) != 1 || !strings.Contains(u[0].Err, "is read by data.aws_subnets.private, not created or kept by the plan") || !slices.Contains(p.Outside, u[0]) {
				t.Errorf("got undecided %v on %s; want one outside the plan, read by data.aws_subnets.private", u, s)
			}
		}
	})
	t.Run("read at apply", func(t *testing.T) {
		p, _ := dataPlan(t, nil)
		u := undecidedOf(p.Facts, audit.ActionDescribeServices, "aws_ecs_service.pending[0]")
		want := "network_configuration.security_groups is known only after apply and comes from data.aws_security_group.pending[0].id, a data source read at apply"
		// Its subnets come from a data source read at plan time: only the
		// group stays open.
		if len(u) != 1 || u[0].Err != want {
			t.Errorf("got %v; want one undecided: %q", u, want)
		}
	})
	t.Run("read at apply though prior_state holds it", func(t *testing.T) {
		// A state from an earlier apply may hold a data source Terraform
		// now reads at apply: its old values are not the plan's.
		p, _ := dataPlan(t, func(doc map[string]any) {
			root := doc["prior_state"].(map[string]any)["values"].(map[string]any)["root_module"].(map[string]any)
			res := root["resources"].([]any)
			for _, r := range res {
				m := r.(map[string]any)
				if m["address"] == "data.aws_security_group.task" {
					stale := map[string]any{}
					for k, v := range m {
						stale[k] = v
					}
					stale["address"], stale["name"], stale["index"] = "data.aws_security_group.pending[0]", "pending", 0
					root["resources"] = append(res, stale)
					return
				}
			}
			t.Fatal("fixture: no data.aws_security_group.task in prior_state")
		})
		w := workload(p.Facts, "aws_ecs_service.pending[0]")
		if w == nil || len(w.SecurityGroups) != 0 || len(undecidedOf(p.Facts, audit.ActionDescribeServices, w.Name)) != 1 {
			t.Errorf("got %+v; want its groups undecided", w)
		}
	})
	t.Run("not in prior_state", func(t *testing.T) {
		p, _ := dataPlan(t, dropPrior("data.aws_security_group.task"))
		w := workload(p.Facts, "aws_ecs_service.payments")
		u := undecidedOf(p.Facts, audit.ActionDescribeServices, "aws_ecs_service.payments")
		want := "network_configuration.security_groups is known only after apply and comes from data.aws_security_group.task.id, a data source read at apply (the plan's prior_state does not hold it)"
		if len(u) != 1 || u[0].Err != want {
			t.Errorf("got %v; want one undecided: %q", u, want)
		}
		if w == nil || len(w.SecurityGroups) != 0 {
			t.Errorf("got %+v; want a workload without groups", w)
		}
		if slices.ContainsFunc(p.Reads, func(c overlay.Change) bool { return c.Address == "data.aws_security_group.task" }) {
			t.Errorf("reads %v name data.aws_security_group.task, which prior_state does not hold", p.Reads)
		}
	})
	t.Run("references", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join("testdata", "datasources", "plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := read(bytes.NewReader(raw), Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, prior := dataPlan(t, nil)
		subnets := toStrings(prior["data.aws_subnets.private"]["ids"])
		for _, tt := range []struct {
			ref  string
			want []string
			err  string
		}{
			{ref: "data.aws_subnets.private.ids", want: subnets},
			{ref: "data.aws_subnets.private.ids[1]", want: subnets[1:2]},
			{ref: "data.aws_vpc.net.cidr_block", want: toStrings(prior["data.aws_vpc.net"]["cidr_block"])},
			{ref: "data.aws_vpc.net", want: toStrings(prior["data.aws_vpc.net"]["id"])},
			{ref: "data.aws_subnets.private.ids[7]", err: "it comes from data.aws_subnets.private.ids[7], an element the list Terraform read does not have"},
			{ref: "data.aws_vpc.net.tags", err: "it comes from data.aws_vpc.net.tags, which is not a string or a list of strings"},
			{ref: "data.aws_secretsmanager_secret_version.db.secret_string", err: "a data source whose values the reader does not read"},
			{ref: "data.aws_vpc.gone.id", err: "it comes from data.aws_vpc.gone.id, a data source read at apply (the plan's prior_state does not hold it)"},
		} {
			vs, err := b.r.reference("", tt.ref, nil, false)
			var got []string
			for _, v := range vs {
				got = append(got, v.s)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("%s: got %v, %v; want %q", tt.ref, got, err, tt.err)
				}
				continue
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, %v; want %v", tt.ref, got, err, tt.want)
			}
		}
	})
	t.Run("addresses of the ids read", func(t *testing.T) {
		p, prior := dataPlan(t, nil)
		var want []overlay.Change
		for _, c := range []struct {
			addr, attr string
			kind       overlay.Kind
		}{
			{"data.aws_security_group.task", "id", overlay.KindSecurityGroup},
			{"data.aws_subnets.private", "ids", overlay.KindSubnet},
			{"data.aws_vpc.net", "id", overlay.KindVPC},
		} {
			ids := toStrings(prior[c.addr][c.attr])
			slices.Sort(ids)
			for _, id := range ids {
				want = append(want, overlay.Change{Address: c.addr, Kind: c.kind, Action: overlay.NoOp, ID: id, Read: true})
			}
		}
		if !slices.Equal(p.Reads, want) {
			t.Errorf("got reads %v; want %v", p.Reads, want)
		}
	})
}

// TestPriorStateBounded: prior_state's managed resources are skipped,
// not kept, whatever their size; data sources of types the reader does
// not read (a secret's value) are never kept; nor values past
// maxDataBytes; data sources in child modules are read.
func TestPriorStateBounded(t *testing.T) {
	big := strings.Repeat("x", maxDataBytes+1)
	doc := `{"format_version": "1.2", "resource_changes": [], "prior_state": {"format_version": "1.0", "values": {"root_module": {
	  "resources": [
	    {"address": "aws_vpc.big", "mode": "managed", "type": "aws_vpc", "name": "big", "values": {"id": "vpc-0aaa", "tags": {"k": "` + big + `"}}},
	    {"address": "data.aws_secretsmanager_secret_version.db", "mode": "data", "type": "aws_secretsmanager_secret_version", "name": "db", "values": {"secret_string": "hunter2"}},
	    {"address": "data.aws_vpc.huge", "mode": "data", "type": "aws_vpc", "name": "huge", "values": {"id": "vpc-0bbb", "tags": {"k": "` + big + `"}}},
	    {"address": "data.aws_subnet.a[0]", "mode": "data", "type": "aws_subnet", "name": "a", "index": 0, "values": {"id": "subnet-0ccc"}}
	  ],
	  "child_modules": [{"address": "module.net", "resources": [
	    {"address": "module.net.data.aws_vpc.main", "mode": "data", "type": "aws_vpc", "name": "main", "values": {"id": "vpc-0ddd", "cidr_block": "10.0.0.0/16"}}
	  ], "child_modules": null}]
	}}}}`
	p, err := decodePlan(strings.NewReader(doc), DefaultMaxBytes, handled)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for res, insts := range p.Data {
		for _, d := range insts {
			got = append(got, res+"="+d.addr)
		}
	}
	slices.Sort(got)
	want := []string{"data.aws_subnet.a=data.aws_subnet.a[0]", "module.net.data.aws_vpc.main=module.net.data.aws_vpc.main"}
	if !slices.Equal(got, want) {
		t.Errorf("got data sources %v; want %v", got, want)
	}
	if p.dataBytes > 1<<10 {
		t.Errorf("kept %d bytes of data source values; want the small ones only", p.dataBytes)
	}
}
