package audit

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// egressFacts is the private fixture plus a second service that shares the
// task group, an EFS volume and an image from Docker Hub.
func egressFacts() *Facts {
	f := privateFacts()
	f.MountTargets = []*MountTarget{{ID: "fsmt-a", FileSystemID: "fs-1", SubnetID: "subnet-ea", SecurityGroupIDs: []string{"sg-efs"}}}
	f.Workloads = append(f.Workloads, &Workload{
		Name: "service/prod/worker", Cluster: "prod", Service: "worker", LaunchType: LaunchFargate,
		Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-worker", "sg-task"}, AssignPublicIP: PublicIPDisabled,
		TaskDefinition: &TaskDefinition{Family: "worker", Revision: 2, Containers: []Container{
			{Name: "w", Image: testImage, LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-region": testRegion}},
			{Name: "proxy", Image: "nginx:1.27"},
		}, EFSVolumes: []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}},
	})
	// The writers refuse ids that do not match their AWS patterns.
	renameIDs(reflect.ValueOf(f).Elem())
	return f
}

// TestEgressRules: the rules the groups lack (the task group already has
// those to the endpoints and the S3 prefix list), on the first group.
func TestEgressRules(t *testing.T) {
	got := EgressRules(egressFacts(), Options{})
	want := []EgressRule{
		{GroupID: fixID("sg-task"), Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0", Description: "preflight: internet"},
		{GroupID: fixID("sg-task"), Protocol: "tcp", FromPort: 2049, ToPort: 2049, DestinationGroupID: fixID("sg-efs"), Description: "preflight: efs"},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("got %s; want %s", g, w)
	}
}

func TestEgressRulesSkipsMissingEndpoints(t *testing.T) {
	f := egressOpenFacts()
	removeEndpoint(f, fixID("vpce-logs"))
	for _, r := range EgressRules(f, Options{}) {
		if r.Description == "preflight: ecr.api, ecr.dkr, logs" {
			t.Errorf("got a rule naming logs (%+v); want logs left out while it has no endpoint", r)
		}
	}
}

// TestWriteEgressRulesGolden: with --checks entries of a host name (its
// rule goes to 0.0.0.0/0 with a comment saying why) and an IP address
// (its /32).
func TestWriteEgressRulesGolden(t *testing.T) {
	extra, err := config.ParseEntries("api.example.com:8443,10.0.12.50:5432")
	if err != nil {
		t.Fatal(err)
	}
	rules := EgressRules(egressFacts(), Options{Extra: extra})
	for _, format := range []string{EgressCLI, EgressTerraform, EgressCloudFormation, EgressJSON} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteEgressRules(&buf, format, egressFacts(), rules); err != nil {
				t.Fatalf("WriteEgressRules: %v", err)
			}
			goldenFile(t, "egress."+format+".golden", buf.Bytes())
		})
	}
}

func TestWriteEgressRulesStructured(t *testing.T) {
	rules := EgressRules(egressFacts(), Options{})
	var buf bytes.Buffer
	if err := WriteEgressRules(&buf, EgressJSON, egressFacts(), rules); err != nil {
		t.Fatal(err)
	}
	var back []EgressRule
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if !reflect.DeepEqual(back, rules) {
		t.Errorf("got %+v; want %+v", back, rules)
	}
	buf.Reset()
	if err := WriteEgressRules(&buf, EgressCloudFormation, egressFacts(), rules); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "Type: AWS::EC2::SecurityGroupEgress"); got != len(rules) {
		t.Errorf("got %d AWS::EC2::SecurityGroupEgress resources; want %d\n%s", got, len(rules), buf.String())
	}
}

func TestWriteEgressRulesUnknownFormat(t *testing.T) {
	err := WriteEgressRules(&bytes.Buffer{}, "yaml", &Facts{Region: testRegion}, nil)
	if err == nil {
		t.Fatal("got nil error; want one for format yaml")
	}
}

// goldenFile compares got with testdata/name, rewriting it under -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./audit -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
