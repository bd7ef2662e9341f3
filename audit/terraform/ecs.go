package terraform

import (
	"encoding/json"
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// workloads reads aws_ecs_service with the task definition and cluster it
// names. A service's name in the rows is its address.
func (b *builder) workloads() {
	for _, in := range b.byType["aws_ecs_service"] {
		w := &audit.Workload{Name: in.addr, Service: in.str("name"), ServiceARN: in.addr, Status: "ACTIVE",
			AssignPublicIP: audit.PublicIPDisabled}
		w.Cluster = b.clusterName(in)
		if !safeID(w.Service) {
			w.Service = ""
		}
		w.LaunchType = launchType(in)
		w.EnableExecuteCommand, _ = in.boolean("enable_execute_command")
		if sc := in.blocks("service_connect_configuration"); sc > 0 {
			w.ServiceConnect, _ = in.boolean("service_connect_configuration", 0, "enabled")
		}
		net := path{"network_configuration", 0}
		if in.blocks("network_configuration") > 0 {
			if in.unknownAt(append(net, "assign_public_ip")) {
				w.AssignPublicIP = ""
			} else if on, _ := in.boolean("network_configuration", 0, "assign_public_ip"); on {
				w.AssignPublicIP = audit.PublicIPEnabled
			}
			subnets, ok := b.ids(in, append(append(path{}, net...), "subnets"), false, audit.ActionDescribeServices, in.addr)
			groups, ok2 := b.ids(in, append(append(path{}, net...), "security_groups"), false, audit.ActionDescribeServices, in.addr)
			if ok && ok2 {
				w.Subnets, w.SecurityGroups = subnets, groups
			}
		} else {
			w.AssignPublicIP = ""
		}
		w.TaskDefinition = b.taskDefinition(in)
		b.f.Workloads = append(b.f.Workloads, w)
	}
	// A service given no security group gets its VPC's default group (see
	// defaultGroup); the VPC is its first subnet's.
	for _, w := range b.f.Workloads {
		if len(w.Subnets) == 0 || len(w.SecurityGroups) > 0 {
			continue
		}
		if s := b.f.Subnets[w.Subnets[0]]; s != nil {
			if def := b.defaultGroupID(s.VPCID); def != "" {
				w.SecurityGroups = []string{def}
			}
		}
	}
}

// launchType is the service's launch type: its launch_type, else FARGATE
// for a capacity provider strategy of Fargate providers (as the live
// reader counts it), else "" (the cluster's default strategy decides).
func launchType(in *instance) string {
	if lt := in.str("launch_type"); lt != "" && !in.unknownAt(path{"launch_type"}) {
		return lt
	}
	for i := 0; i < in.blocks("capacity_provider_strategy"); i++ {
		if strings.HasPrefix(in.str("capacity_provider_strategy", i, "capacity_provider"), "FARGATE") {
			return audit.LaunchFargate
		}
	}
	return ""
}

// clusterName is the name of the service's cluster: an aws_ecs_cluster's
// name, or the last part of a literal ARN or name.
func (b *builder) clusterName(in *instance) string {
	vs, err := b.r.values(in, path{"cluster"}, true)
	if err != nil || len(vs) != 1 {
		return ""
	}
	name := vs[0].s
	if vs[0].of != nil {
		name = vs[0].of.str("name")
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if !safeID(name) {
		return ""
	}
	return name
}

// taskDefinition reads the aws_ecs_task_definition the service names.
// It returns nil, with an undecided for ActionDescribeTaskDefinition,
// when the plan leaves it open.
func (b *builder) taskDefinition(svc *instance) *audit.TaskDefinition {
	vs, err := b.r.values(svc, path{"task_definition"}, true)
	if err != nil {
		b.undecided(audit.ActionDescribeTaskDefinition, svc.addr, svc, path{"task_definition"}, err)
		return nil
	}
	if len(vs) != 1 || vs[0].of == nil || vs[0].of.typ != "aws_ecs_task_definition" {
		b.noteOutside(audit.Undecided{Action: audit.ActionDescribeTaskDefinition, Resource: svc.addr, Code: audit.CodeUnknownInSource,
			Err: "task_definition names a task definition the plan does not create: it is in the account"})
		return nil
	}
	in := vs[0].of
	if in.unknownAt(path{"container_definitions"}) {
		why := &unresolved{why: "is computed at apply"}
		if e := in.expr(path{"container_definitions"}); e != nil {
			if refs := targets(e["references"]); len(refs) > 0 {
				why = &unresolved{why: "comes from " + strings.Join(refs, ", ")}
			}
		}
		b.undecided(audit.ActionDescribeTaskDefinition, svc.addr, in, path{"container_definitions"}, why)
		return nil
	}
	var containers []any
	if err := json.Unmarshal([]byte(in.str("container_definitions")), &containers); err != nil {
		b.undecided(audit.ActionDescribeTaskDefinition, svc.addr, in, path{"container_definitions"}, &unresolved{why: "is not a JSON array"})
		return nil
	}
	doc := map[string]any{
		"family":               in.str("family"),
		"containerDefinitions": containers,
	}
	if nm := in.str("network_mode"); nm != "" {
		doc["networkMode"] = nm
	}
	if os := in.str("runtime_platform", 0, "operating_system_family"); os != "" {
		doc["runtimePlatform"] = map[string]any{"operatingSystemFamily": os}
	}
	var volumes []any
	for i := 0; i < in.blocks("volume"); i++ {
		if in.blocks("volume", i, "efs_volume_configuration") == 0 {
			continue
		}
		volumes = append(volumes, map[string]any{
			"name": in.str("volume", i, "name"),
			"efsVolumeConfiguration": map[string]any{
				"fileSystemId":      in.str("volume", i, "efs_volume_configuration", 0, "file_system_id"),
				"transitEncryption": in.str("volume", i, "efs_volume_configuration", 0, "transit_encryption"),
			},
		})
	}
	if volumes != nil {
		doc["volumes"] = volumes
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		b.undecided(audit.ActionDescribeTaskDefinition, svc.addr, in, path{"container_definitions"}, &unresolved{why: "cannot be read"})
		return nil
	}
	td, _, err := audit.ParseTaskDefinitionJSON(raw)
	if err != nil {
		// The parser's problems name JSON paths and ECS's rules, not
		// values: "containerDefinitions[0].image: missing".
		b.undecided(audit.ActionDescribeTaskDefinition, svc.addr, in, path{"container_definitions"}, &unresolved{why: "is not a task definition ECS accepts: " + firstLine(err.Error())})
		return nil
	}
	td.ARN = in.addr
	if !safeID(td.Family) {
		// The family reaches the report's workload line: a crafted one
		// is named by its address instead.
		td.Family = in.addr
	}
	return td
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// outsidePlan says, for every id a workload or subnet names that the plan
// does not show, that its facts are in the account: undecided, never a
// missing resource.
func (b *builder) outsidePlan() {
	const outside = "not created or kept by the plan: its facts are in the account, which the plan does not carry"
	// why says it of id, naming the data source that read it.
	why := func(id string) string {
		if a := b.readAs[id]; a != "" {
			return "is read by " + a + ", " + outside
		}
		return "is " + outside
	}
	for _, w := range b.f.Workloads {
		for _, s := range w.Subnets {
			if b.f.Subnets[s] == nil && !b.has(audit.ActionDescribeSubnets, s) {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeSubnets, Resource: s, Code: audit.CodeUnknownInSource, Err: why(s)})
			}
		}
		for _, g := range w.SecurityGroups {
			if b.f.SecurityGroups[g] == nil && !b.has(audit.ActionDescribeSecurityGroups, g) {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeSecurityGroups, Resource: g, Code: audit.CodeUnknownInSource, Err: why(g)})
			}
		}
	}
	for _, ep := range b.f.Endpoints {
		for _, g := range ep.SecurityGroupIDs {
			if b.f.SecurityGroups[g] == nil && !b.has(audit.ActionDescribeSecurityGroups, g) {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeSecurityGroups, Resource: g, Code: audit.CodeUnknownInSource, Err: why(g)})
			}
		}
	}
	for _, s := range b.f.Subnets {
		vpc := b.f.VPCs[s.VPCID]
		if vpc == nil {
			for _, action := range []string{audit.ActionDescribeVpcs, audit.ActionDescribeVpcEndpoints, audit.ActionDescribeRouteTables, audit.ActionDescribeNetworkAcls} {
				b.noteOutside(audit.Undecided{Action: action, Resource: s.VPCID, Code: audit.CodeUnknownInSource, Err: why(s.VPCID)})
			}
			continue
		}
		in := b.byID[vpc.ID]
		if in != nil && !in.create {
			// A VPC the plan keeps: its main table and default ACL are in
			// the account unless the plan manages them.
			if !b.hasMain(vpc.ID) {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeRouteTables, Resource: vpc.ID, Code: audit.CodeUnknownInSource,
					Err: "main route table " + why("")})
			}
			if !b.hasDefaultACL(vpc.ID) {
				b.noteOutside(audit.Undecided{Action: audit.ActionDescribeNetworkAcls, Resource: vpc.ID, Code: audit.CodeUnknownInSource,
					Err: "default network ACL " + why("")})
			}
		}
	}
}

func (b *builder) hasMain(vpc string) bool {
	for _, rt := range b.f.RouteTables {
		if rt.VPCID == vpc && rt.Main {
			return true
		}
	}
	return false
}

func (b *builder) hasDefaultACL(vpc string) bool {
	for _, acl := range b.f.NetworkACLs {
		if acl.VPCID == vpc && acl.Default {
			return true
		}
	}
	return false
}

// has says whether an undecided for action on resource is recorded.
func (b *builder) has(action, resource string) bool {
	for _, u := range b.f.Undecided {
		if u.Action == action && u.Resource == resource {
			return true
		}
	}
	return false
}

// noteOutside notes u, an id whose facts are in the account, and keeps
// it apart: a plan laid over the account drops it where the account has
// the fact.
func (b *builder) noteOutside(u audit.Undecided) {
	if b.seen[u] {
		return
	}
	b.note(u)
	b.outside = append(b.outside, u)
}
