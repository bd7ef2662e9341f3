package cloudformation

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestSeparateResources: rule, entry, route and association resources
// are merged into their parents, as the API would show them after deploy.
func TestSeparateResources(t *testing.T) {
	f, err := Read(filepath.Join("testdata", "yaml", "separate.yaml"), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	var routes *audit.RouteTable
	for _, rt := range f.RouteTables {
		if rt.ID == "Routes" {
			routes = rt
		}
	}
	var acl *audit.NetworkACL
	var https audit.NACLEntry
	for _, a := range f.NetworkACLs {
		if a.ID == "Acl" {
			acl = a
			for _, e := range a.Entries {
				if e.RuleNumber == 100 {
					https = e
				}
			}
		}
	}
	if routes == nil || acl == nil {
		t.Fatalf("got tables %v, ACLs %v; want Routes and Acl", f.RouteTables, f.NetworkACLs)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"VPCCidrBlock", fmt.Sprint(f.VPCs["Vpc"].CIDRs), "[10.30.0.0/16 100.64.0.0/16]"},
		{"DHCP options", f.VPCs["Vpc"].DHCPOptionsID + " " + strings.Join(f.VPCs["Vpc"].DomainNameServers, ","), "Dns 10.30.0.10,10.30.1.10"},
		{"local routes of every block", len(routes.Routes), 3},
		{"NAT route", fmt.Sprint(routes.Routes[2].Target, " ", routes.Routes[2].TargetID, " ", routes.Routes[2].Destination), "nat Nat 0.0.0.0/0"},
		{"route association", fmt.Sprint(routes.SubnetIDs), "[Subnet]"},
		{"NACL entries and the * entries", len(acl.Entries), 4},
		{"NACL entry", fmt.Sprintf("%d %t %s %d %d %t", https.RuleNumber, https.Egress, https.Protocol, https.PortFrom, https.PortTo, https.Allow), "100 true 6 443 443 true"},
		{"NACL association", fmt.Sprint(acl.SubnetIDs), "[Subnet]"},
		{"separate egress after inline egress", len(f.SecurityGroups["TaskSg"].Egress), 2},
		{"separate ingress, group named by GetAtt", fmt.Sprint(f.SecurityGroups["EndpointSg"].Ingress[0].GroupIDs), "[TaskSg]"},
		{"endpoint group keeps allow-all egress", len(f.SecurityGroups["EndpointSg"].Egress), 1},
		{"launch type default", f.Workloads[0].LaunchType, audit.LaunchEC2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v; want %v", tt.got, tt.want)
			}
		})
	}
	// The task definition is an ARN outside the template and the cluster's
	// instances register at run time: both are undecided, never passed.
	want := map[string]string{
		audit.ActionDescribeTaskDefinition: "Service TaskDefinition names a task definition outside the input",
		audit.ActionListContainerInstances: "the cluster's container instances are registered at run time",
	}
	for _, u := range f.Undecided {
		if w, ok := want[u.Action]; ok && strings.Contains(u.Err, w) && u.Code == audit.CodeUnknownInSource {
			delete(want, u.Action)
		}
	}
	if len(want) > 0 {
		t.Errorf("got undecided %+v; missing %v", f.Undecided, want)
	}
	rows := audit.Evaluate(f, audit.Options{})
	for _, r := range rows {
		if r.Status == report.StatusPass && r.Check == "endpoint" {
			t.Errorf("got pass %s %s; want nothing passed without the instances", r.Check, r.Target)
		}
	}
}

// TestNACLBlocks: a NACL entry resource that denies the return traffic
// fails the path and names the ACL.
func TestNACLBlocks(t *testing.T) {
	f, err := Read(filepath.Join("testdata", "yaml", "separate.yaml"), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	w := f.Workloads[0]
	w.LaunchType = audit.LaunchFargate
	w.TaskDefinition = &audit.TaskDefinition{Family: "app", NetworkMode: "awsvpc"}
	f.Undecided = nil
	extra, err := parseEntries("logs,203.0.113.10:443")
	if err != nil {
		t.Fatal(err)
	}
	rows := audit.Evaluate(f, audit.Options{Extra: extra, PublicPath: "warn"})
	assertRows(t, rows, []wantRow{{"dhcp", "Vpc", report.StatusWarn, []string{"Vpc", "Dns"}}})
	found := false
	for _, r := range rows {
		if r.Status == report.StatusFail && strings.Contains(strings.Join(r.Resources, " "), "Acl") {
			found = true
		}
	}
	if !found {
		t.Errorf("no failing row naming Acl; rows:%s", dumpRows(rows))
	}
}

// TestLaunchType: a service's launch type is its LaunchType, else its
// capacity provider strategy, else its cluster's default strategy, else
// EC2.
func TestLaunchType(t *testing.T) {
	text := `Resources:
  Fargate:
    Type: AWS::ECS::Cluster
  FargateDefault:
    Type: AWS::ECS::ClusterCapacityProviderAssociations
    Properties:
      Cluster: !Ref Fargate
      CapacityProviders: [FARGATE, FARGATE_SPOT]
      DefaultCapacityProviderStrategy: [{CapacityProvider: FARGATE_SPOT, Weight: 1}]
  Mixed:
    Type: AWS::ECS::Cluster
    Properties:
      DefaultCapacityProviderStrategy: [{CapacityProvider: FARGATE, Weight: 1}, {CapacityProvider: Asg, Weight: 1}]
  Plain:
    Type: AWS::ECS::Cluster
  OnFargateDefault: {Type: AWS::ECS::Service, Properties: {Cluster: !Ref Fargate}}
  OnMixedDefault: {Type: AWS::ECS::Service, Properties: {Cluster: !Ref Mixed}}
  OnPlain: {Type: AWS::ECS::Service, Properties: {Cluster: !Ref Plain}}
  Strategy: {Type: AWS::ECS::Service, Properties: {Cluster: !Ref Plain, CapacityProviderStrategy: [{CapacityProvider: FARGATE}]}}
  Explicit: {Type: AWS::ECS::Service, Properties: {Cluster: !Ref Fargate, LaunchType: EXTERNAL}}
`
	f, err := readString(t, text, Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, w := range f.Workloads {
		got[w.Service] = w.LaunchType
	}
	want := map[string]string{"OnFargateDefault": audit.LaunchFargate, "OnMixedDefault": audit.LaunchEC2, "OnPlain": audit.LaunchEC2,
		"Strategy": audit.LaunchFargate, "Explicit": audit.LaunchExternal}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v; want %v", got, want)
	}
}
