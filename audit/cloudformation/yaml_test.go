package cloudformation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestYAMLAsJSON: each YAML form reads as the JSON CloudFormation's own
// long form would, short-form tags included.
func TestYAMLAsJSON(t *testing.T) {
	tests := []struct {
		name, yaml, json string
	}{
		{"block mapping and scalars", "a: 1\nb: true\nc: text here # comment\nd: 'it''s'\ne: \"tab\\tnewline\\n\"\nf: ~\ng: 10.0.0.0/16\n",
			`{"a":1,"b":true,"c":"text here","d":"it's","e":"tab\tnewline\n","f":null,"g":"10.0.0.0/16"}`},
		{"nested blocks and sequences", "a:\n  b:\n    - x\n    - y: 1\n      z: 2\n  c:\n  - 1\n  - 2\n",
			`{"a":{"b":["x",{"y":1,"z":2}],"c":[1,2]}}`},
		{"flow collections", "a: [1, 'two', {k: v, l: [x, y]}]\nb: {}\nc: []\n",
			`{"a":[1,"two",{"k":"v","l":["x","y"]}],"b":{},"c":[]}`},
		{"short-form tags", "a: !Ref Vpc\nb: !GetAtt Vpc.CidrBlock\nc: !Sub 'x-${AWS::Region}'\nd: !Join ['', [a, !Ref B]]\ne: !Select [0, !GetAZs '']\n",
			`{"a":{"Ref":"Vpc"},"b":{"Fn::GetAtt":["Vpc","CidrBlock"]},"c":{"Fn::Sub":"x-${AWS::Region}"},"d":{"Fn::Join":["",["a",{"Ref":"B"}]]},"e":{"Fn::Select":[0,{"Fn::GetAZs":""}]}}`},
		{"tag on a block", "a: !If\n  - Cond\n  - yes\n  - !Ref AWS::NoValue\nb: !Not [!Condition C]\n",
			`{"a":{"Fn::If":["Cond","yes",{"Ref":"AWS::NoValue"}]},"b":{"Fn::Not":[{"Condition":"C"}]}}`},
		{"literal and folded block scalars", "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: x\n",
			`{"a":"line 1\nline 2\n","b":"folded text","c":"x"}`},
		{"document marker and comments", "# head\n---\n# inside\na: 1 # one\n...\n", `{"a":1}`},
		{"plain scalars over several lines", "Description: A long\n  description # c\n  in three lines\n\n  and a paragraph\nList:\n  - one\n    more\n  - two\nNext: x\n",
			`{"Description":"A long description in three lines\nand a paragraph","List":["one more","two"],"Next":"x"}`},
		{"quoted keys and colons in values", "\"a b\": 'x: y'\nurl: http://example.com/x\n", `{"a b":"x: y","url":"http://example.com/x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseYAML([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("parseYAML: %v", err)
			}
			var want any
			dec := json.NewDecoder(strings.NewReader(tt.json))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gj, _ := json.Marshal(got)
				t.Errorf("got %s; want %s", gj, tt.json)
			}
		})
	}
}

// TestYAMLRefused: what the reader refuses, with the line and why. A
// YAML bomb ("billion laughs") is refused at its first anchor, before
// anything is expanded.
func TestYAMLRefused(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"bomb", bomb, "line 1: YAML anchors and aliases are not allowed"},
		{"alias", "a: 1\nb: *a\n", "line 2: YAML anchors and aliases are not allowed"},
		{"anchor on a mapping", "a: &x\n  b: 1\n", "line 1: YAML anchors and aliases are not allowed"},
		{"unknown tag", "Resources:\n  X: !Bogus y\n", "line 2: unknown tag !Bogus"},
		{"two documents", "a: 1\n---\nb: 2\n", "more than one YAML document"},
		{"deep nesting", "a: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n", "nested deeper than 64 levels"},
		{"unclosed flow", "a: [1, 2\n", "unclosed ["},
		{"bad indentation", "a:\n    b: 1\n  c: 2\n", "bad indentation"},
		{"duplicate key", "a: 1\na: 2\n", "duplicate key \"a\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseYAML([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want %q", err, tt.want)
			}
		})
	}
}

// FuzzParseYAML: any input ends, without a panic, in a value or an error
// (the seeds run in every go test; go test -fuzz FuzzParseYAML explores).
func FuzzParseYAML(f *testing.F) {
	for _, seed := range []string{
		"a: 1\n", "a:\n  - b: !Ref X\n    c: [1, {d: e}]\n", "k: |\n  x\n\n  y\nz: >-\n  f\n", "- a\n  b\n\n  c\n",
		"a: !Sub\n  - '${X}'\n  - X: !GetAtt R.Arn\n", "\"q\": 'it''s'\n", "a: [\n  1,\n  2\n]\n", "--- \n...\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = parseYAML(b)
		}()
		<-done
	})
}

// FuzzTemplate: any template text is read into facts or refused with an
// error, never a panic (intrinsics of every shape, missing properties).
func FuzzTemplate(f *testing.F) {
	for _, name := range []string{"network.yaml", "separate.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "yaml", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Resources": {"S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Fn::Select": [5, {"Fn::Split": [",", "a,b"]}]}}}}}`))
	f.Add([]byte("Conditions:\n  C: !Not [!Condition C]\nResources:\n  V: {Type: AWS::EC2::VPC, Condition: C}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, keys, err := parseTemplate(b)
		if err != nil {
			return
		}
		_, _ = build([]*stack{{Path: "fuzz.yaml", Doc: doc, Keys: keys}}, Options{Region: "eu-west-1"})
	})
}
