package cloudformation

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestDeclaredPositions: each logical id of a template is declared at the
// line and column of its key (columns in UTF-16 code units, counted after
// a byte order mark and leading blank lines), in YAML with short-form tags
// and comments as in JSON; a key named Resources deeper in the template
// declares nothing; each service's workload name and what EC2 creates
// with a VPC stand where the service and the VPC do; Resources written in
// YAML flow style are declared as in block style; in a cdk.out each
// stack's ids, qualified when the stacks share them, are in its own file.
func TestDeclaredPositions(t *testing.T) {
	const yamlTemplate = `# a comment
---
Metadata:
  Resources:
    NotAResource: x
Resources:
  # the network
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  "Subnet":
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 2, 8]]
      Tags:
        - Key: Resources
          Value: x
  Service:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: [!Ref Subnet]}
Outputs:
  Id: {Value: !Ref Vpc}
`
	const jsonTemplate = "\xef\xbb\xbf\n\n{\"Description\": \"é😀\", \"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"}},\n" +
		"\t\"Subnet\" : {\"Type\": \"AWS::EC2::Subnet\", \"Properties\": {\"VpcId\": {\"Ref\": \"Vpc\"}, \"CidrBlock\": \"10.0.0.0/24\", \"Resources\": 1}}},\n" +
		" \"Metadata\": {\"Resources\": {\"NotAResource\": 1}}}\n"
	// Resources in flow style, under a block top level and in a
	// document that is one flow mapping (after a comment, so not JSON): a
	// key named Resources deeper (a tag, Metadata, Outputs) declares
	// nothing here either.
	const flowTemplate = `# flow style
Resources: {Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}},
  "Subnet": {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, Tags: [{Key: Resources, Value: x}]}},
    Service: {Type: AWS::ECS::Service, Properties: {LaunchType: FARGATE,
      NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [!Ref Subnet]}}}}}
Metadata: {Resources: {NotAResource: x}}
`
	const flowDocument = `# one flow mapping
{Metadata: {Resources: {NotAResource: x}}, Resources: {Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}},
 'Subnet': {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}}},
 Outputs: {Resources: {Value: !Ref Vpc}}}
`
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yamlPath := write("net.yaml", yamlTemplate)
	jsonPath := write("net.json", jsonTemplate)
	flowPath := write("flow.yaml", flowTemplate)
	flowDocPath := write("flow-document.yaml", flowDocument)
	write("cdk.out/manifest.json", `{"artifacts": {
		"A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "A.template.json"}},
		"B": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "B.template.json"}}}}`)
	a := write("cdk.out/A.template.json", "{\"Resources\": {\n  \"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"}},\n  \"OnlyA\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.1.0.0/16\"}}}}\n")
	b := write("cdk.out/B.template.json", "{\n\"Resources\": {\n\n\n    \"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.2.0.0/16\"}}}}\n")

	at := func(path string, line, col int) string { return fmt.Sprintf("%s:%d:%d", path, line, col) }
	tests := []struct {
		name, input string
		want        map[string]string
	}{
		{"YAML with tags and comments", yamlPath, map[string]string{
			"Vpc": at(yamlPath, 8, 3), "Subnet": at(yamlPath, 11, 3), "Service": at(yamlPath, 19, 3),
			"service/default/Service":  at(yamlPath, 19, 3),
			"Vpc.DefaultSecurityGroup": at(yamlPath, 8, 3), "Vpc.DefaultNetworkAcl": at(yamlPath, 8, 3),
			"Vpc.MainRouteTable": at(yamlPath, 8, 3), "Vpc.DefaultDhcpOptions": at(yamlPath, 8, 3),
		}},
		// "é" is one UTF-16 code unit and "😀" two: Vpc's key starts at
		// column 38 of the third line, after the mark and two blank lines.
		{"JSON with a byte order mark and wide characters", jsonPath, map[string]string{
			"Vpc": at(jsonPath, 3, 38), "Subnet": at(jsonPath, 4, 2),
			"Vpc.DefaultSecurityGroup": at(jsonPath, 3, 38), "Vpc.DefaultNetworkAcl": at(jsonPath, 3, 38),
			"Vpc.MainRouteTable": at(jsonPath, 3, 38), "Vpc.DefaultDhcpOptions": at(jsonPath, 3, 38),
		}},
		{"YAML in flow style", flowPath, map[string]string{
			"Vpc": at(flowPath, 2, 13), "Subnet": at(flowPath, 3, 3), "Service": at(flowPath, 4, 5),
			"service/default/Service":  at(flowPath, 4, 5),
			"Vpc.DefaultSecurityGroup": at(flowPath, 2, 13), "Vpc.DefaultNetworkAcl": at(flowPath, 2, 13),
			"Vpc.MainRouteTable": at(flowPath, 2, 13), "Vpc.DefaultDhcpOptions": at(flowPath, 2, 13),
		}},
		{"YAML of one flow mapping", flowDocPath, map[string]string{
			"Vpc": at(flowDocPath, 2, 56), "Subnet": at(flowDocPath, 3, 2),
			"Vpc.DefaultSecurityGroup": at(flowDocPath, 2, 56), "Vpc.DefaultNetworkAcl": at(flowDocPath, 2, 56),
			"Vpc.MainRouteTable": at(flowDocPath, 2, 56), "Vpc.DefaultDhcpOptions": at(flowDocPath, 2, 56),
		}},
		{"cdk.out of two stacks", filepath.Join(dir, "cdk.out"), map[string]string{
			"A/Vpc": at(a, 2, 3), "OnlyA": at(a, 3, 3), "B/Vpc": at(b, 5, 5),
			"A/Vpc.DefaultSecurityGroup": at(a, 2, 3), "A/Vpc.DefaultNetworkAcl": at(a, 2, 3),
			"A/Vpc.MainRouteTable": at(a, 2, 3), "A/Vpc.DefaultDhcpOptions": at(a, 2, 3),
			"B/Vpc.DefaultSecurityGroup": at(b, 5, 5), "B/Vpc.DefaultNetworkAcl": at(b, 5, 5),
			"B/Vpc.MainRouteTable": at(b, 5, 5), "B/Vpc.DefaultDhcpOptions": at(b, 5, 5),
			"OnlyA.DefaultSecurityGroup": at(a, 3, 3), "OnlyA.DefaultNetworkAcl": at(a, 3, 3),
			"OnlyA.MainRouteTable": at(a, 3, 3), "OnlyA.DefaultDhcpOptions": at(a, 3, 3),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(tt.input, Options{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for id, loc := range f.Declared {
				got[id] = at(loc.Path, loc.Line, loc.Column)
			}
			for id, w := range tt.want {
				if got[id] != w {
					t.Errorf("%s: got %q; want %s", id, got[id], w)
				}
			}
			for id := range got {
				if _, ok := tt.want[id]; !ok {
					t.Errorf("%s: got %s; want it not declared", id, got[id])
				}
			}
		})
	}
}

// TestPositions: byte offsets become lines and columns in one pass,
// whatever order the keys come in.
func TestPositions(t *testing.T) {
	src := []byte("ab\ncd😀e\n\nf")
	got := positions(src, map[string]int{"f": 12, "a": 0, "e": 9, "c": 3, "end": 99})
	want := map[string]position{"a": {1, 1}, "c": {2, 1}, "e": {2, 5}, "f": {4, 1}, "end": {4, 2}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v; want %v", got, want)
	}
}
