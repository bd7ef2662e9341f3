package audit

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
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
	return f
}

func TestEgressRules(t *testing.T) {
	got := EgressRules(egressFacts())
	want := []EgressRule{
		{GroupID: "sg-task", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0", Description: "preflight: internet"},
		{GroupID: "sg-task", Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListID: "pl-s3", Description: "preflight: ecr.layers"},
		{GroupID: "sg-task", Protocol: "tcp", FromPort: 443, ToPort: 443, DestinationGroupID: "sg-vpce", Description: "preflight: ecr.api, ecr.dkr, logs"},
		{GroupID: "sg-task", Protocol: "tcp", FromPort: 2049, ToPort: 2049, DestinationGroupID: "sg-efs", Description: "preflight: efs"},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("got %s; want %s", g, w)
	}
}

func TestEgressRulesSkipsMissingEndpoints(t *testing.T) {
	f := privateFacts()
	removeEndpoint(f, "vpce-logs")
	for _, r := range EgressRules(f) {
		if r.Description == "preflight: ecr.api, ecr.dkr, logs" {
			t.Errorf("got a rule naming logs (%+v); want logs left out while it has no endpoint", r)
		}
	}
}

func TestWriteEgressRulesGolden(t *testing.T) {
	rules := EgressRules(egressFacts())
	for _, format := range []string{EgressCLI, EgressTerraform, EgressCloudFormation, EgressJSON} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteEgressRules(&buf, format, rules); err != nil {
				t.Fatalf("WriteEgressRules: %v", err)
			}
			path := filepath.Join("testdata", "egress."+format+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test ./audit -update to create it): %v", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("got:\n%s\nwant:\n%s", buf.Bytes(), want)
			}
		})
	}
}

func TestWriteEgressRulesStructured(t *testing.T) {
	rules := EgressRules(egressFacts())
	var buf bytes.Buffer
	if err := WriteEgressRules(&buf, EgressJSON, rules); err != nil {
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
	if err := WriteEgressRules(&buf, EgressCloudFormation, rules); err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &tpl); err != nil {
		t.Fatalf("cloudformation output does not parse: %v", err)
	}
	if len(tpl.Resources) != len(rules) {
		t.Errorf("got %d resources; want %d", len(tpl.Resources), len(rules))
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::EC2::SecurityGroupEgress" {
			t.Errorf("%s: got type %s; want AWS::EC2::SecurityGroupEgress", id, r.Type)
		}
	}
}

func TestWriteEgressRulesUnknownFormat(t *testing.T) {
	err := WriteEgressRules(&bytes.Buffer{}, "yaml", nil)
	if err == nil {
		t.Fatal("got nil error; want one for format yaml")
	}
}

// TestEgressTerraformFmt runs terraform fmt -check on the rendering; it
// needs only the terraform binary (no providers, no network).
func TestEgressTerraformFmt(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no terraform binary on PATH")
	}
	var buf bytes.Buffer
	if err := WriteEgressRules(&buf, EgressTerraform, EgressRules(egressFacts())); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "egress.tf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "fmt", "-check", "-diff", path)
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("terraform fmt -check: got %v; want clean\n%s", err, out)
	}
}
