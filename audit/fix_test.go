package audit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// fixIDs maps the readable ids of privateFacts to ids of the length AWS
// gives (17 hex digits), which the fix plan insists on and cfn-lint checks:
// sg-task becomes sg-00000000000000a5c.
var fixIDs = func() map[string]string {
	m := map[string]string{}
	for id, n := range map[string]int{
		"vpc-1": 0xa1, "subnet-a": 0xa, "subnet-b": 0xb, "subnet-ea": 0xea, "subnet-eb": 0xeb, "subnet-pub": 0xf,
		"rtb-main": 0xa, "rtb-task": 0xb, "rtb-pub": 0xc, "vpce-api": 0xa, "vpce-dkr": 0xd, "vpce-logs": 0xc, "vpce-s3": 0x53,
		"sg-task": 0xa5c, "sg-vpce": 0xe0, "sg-efs": 0xef5, "sg-worker": 0xb00, "sg-search": 0x5ea, "acl-1": 0xa1, "pl-s3": 0xc3, "pl-corp": 0xc0,
	} {
		m[id] = fmt.Sprintf("%s-%017x", id[:strings.IndexByte(id, '-')], n)
	}
	return m
}()

// fixFacts is privateFacts with fixIDs.
func fixFacts() *Facts {
	f := privateFacts()
	renameIDs(reflect.ValueOf(f).Elem())
	return f
}

// renameIDs replaces, everywhere in v (map keys included), every string
// that fixIDs maps.
func renameIDs(v reflect.Value) { renameValue(v, fixIDs) }

// renameWith replaces in f every string that m maps.
func renameWith(f *Facts, m map[string]string) { renameValue(reflect.ValueOf(f).Elem(), m) }

func renameValue(v reflect.Value, ids map[string]string) {
	switch v.Kind() {
	case reflect.String:
		if n, ok := ids[v.String()]; ok && v.CanSet() {
			v.SetString(n)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			renameValue(v.Elem(), ids)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				renameValue(v.Field(i), ids)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			renameValue(v.Index(i), ids)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			val := v.MapIndex(k)
			e := reflect.New(val.Type()).Elem()
			e.Set(val)
			renameValue(e, ids)
			nk := k
			if k.Kind() == reflect.String {
				if n, ok := ids[k.String()]; ok {
					nk = reflect.ValueOf(n).Convert(k.Type())
				}
			}
			m.SetMapIndex(nk, e)
		}
		v.Set(m)
	}
}

func fixID(s string) string { return fixIDs[s] }

// planOf plans f and fails the test on an error.
func planOf(t *testing.T, f *Facts) *Plan {
	t.Helper()
	p, err := PlanFixes(f, Options{})
	if err != nil {
		t.Fatalf("PlanFixes: %v", err)
	}
	return p
}

// assertPlanFixes lays p on a copy of f and wants no failing row left:
// the one-round property, on the facts.
func assertPlanFixes(t *testing.T, f *Facts, p *Plan) {
	t.Helper()
	sim := cloneFacts(f)
	for _, c := range p.Changes {
		applyChange(sim, c)
	}
	for _, r := range Evaluate(sim, Options{}) {
		if r.Status == report.StatusFail {
			t.Errorf("after the plan: got %s; want no failing row", rowString(r))
		}
	}
	if len(p.Unfixed) > 0 {
		t.Errorf("got unfixed %q; want none", p.Unfixed)
	}
}

func kindsOf(p *Plan) []ChangeKind {
	out := make([]ChangeKind, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = c.Kind
	}
	return out
}

func countKind(p *Plan, k ChangeKind) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

func renderPlan(t *testing.T, format string, p *Plan) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePlan(&buf, format, p); err != nil {
		t.Fatalf("WritePlan %s: %v", format, err)
	}
	return buf.String()
}

// joinContinuations undoes wrapShell's line breaks, so that a test can
// look for a command's words as bash reads them.
func joinContinuations(s string) string { return strings.ReplaceAll(s, " \\\n"+shellIndent, " ") }

// missingEndpointsFacts has none of the four endpoints.
func missingEndpointsFacts() *Facts {
	f := fixFacts()
	for _, id := range []string{"vpce-api", "vpce-dkr", "vpce-logs", "vpce-s3"} {
		removeEndpoint(f, fixID(id))
	}
	rt := routeTable(f, fixID("rtb-task"))
	rt.Routes = rt.Routes[:1] // the S3 route came with the endpoint
	return f
}

// TestPlanMissingEndpoints: one endpoint group with one ingress rule, the
// three interface endpoints that use it, the S3 gateway endpoint on the
// task route table, and the task egress to the new group, in that order.
func TestPlanMissingEndpoints(t *testing.T) {
	f := missingEndpointsFacts()
	p := planOf(t, f)
	want := []ChangeKind{ChangeCreateSecurityGroup, ChangeAuthorizeIngress, ChangeCreateInterfaceEndpoint,
		ChangeCreateInterfaceEndpoint, ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint, ChangeAuthorizeEgress}
	if got := kindsOf(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got kinds %v; want %v\n%s", got, want, renderPlan(t, FixCLI, p))
	}
	sg := refID("endpoint_sg")
	if c := p.Changes[1]; c.Group != sg || c.PeerGroup != fixID("sg-task") || c.FromPort != 443 {
		t.Errorf("ingress: got %+v; want TCP 443 into %s from %s", c, sg, fixID("sg-task"))
	}
	for _, c := range p.Changes[2:5] {
		if !reflect.DeepEqual(c.Groups, []string{sg}) || !reflect.DeepEqual(c.Subnets, []string{fixID("subnet-a"), fixID("subnet-b")}) {
			t.Errorf("endpoint %s: got groups %v subnets %v; want [%s] in both task subnets", c.Service, c.Groups, c.Subnets, sg)
		}
	}
	if c := p.Changes[5]; !reflect.DeepEqual(c.RouteTables, []string{fixID("rtb-task")}) {
		t.Errorf("gateway: got route tables %v; want [%s]", c.RouteTables, fixID("rtb-task"))
	}
	if c := p.Changes[6]; c.Group != fixID("sg-task") || c.PeerGroup != sg {
		t.Errorf("egress: got %+v; want %s to %s", c, fixID("sg-task"), sg)
	}
	assertPlanFixes(t, f, p)

	cli := joinContinuations(renderPlan(t, FixCLI, p))
	for _, want := range []string{
		"ENDPOINT_SG=$(aws ec2 create-security-group --region ap-northeast-1 --vpc-id " + fixID("vpc-1"),
		`--security-group-ids "$ENDPOINT_SG" --private-dns-enabled`,
		`"GroupId":"'"$ENDPOINT_SG"'"`,
		"--vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-1.s3 --route-table-ids " + fixID("rtb-task"),
	} {
		if !strings.Contains(cli, want) {
			t.Errorf("cli plan does not contain %q:\n%s", want, cli)
		}
	}
	if strings.Contains(cli, "<") || strings.Contains(cli, "plan:") {
		t.Errorf("cli plan holds a placeholder or a raw reference:\n%s", cli)
	}
}

// TestPlanDedupe: three endpoints whose shared group lacks the same
// ingress rule ask for it three times; the plan holds it once.
func TestPlanDedupe(t *testing.T) {
	f := fixFacts()
	f.SecurityGroups[fixID("sg-vpce")].Ingress = nil
	rows := Evaluate(f, Options{})
	asking := 0
	for _, r := range rows {
		if r.Check == CheckSecurityGroup && r.Status == report.StatusFail && strings.Contains(r.Hint, "authorize-security-group-ingress") {
			asking++
		}
	}
	if asking != 3 {
		t.Fatalf("got %d rows asking for the ingress rule; want 3\n%s", asking, dumpResults(rows))
	}
	p := planOf(t, f)
	if got := kindsOf(p); !reflect.DeepEqual(got, []ChangeKind{ChangeAuthorizeIngress}) {
		t.Fatalf("got kinds %v; want one authorize-security-group-ingress\n%s", got, renderPlan(t, FixCLI, p))
	}
	assertPlanFixes(t, f, p)
}

// TestPlanReusedTaskGroup: endpoints guarded by the task group itself get
// a group of their own in its place (opening the task group to itself
// would open every task to every other).
func TestPlanReusedTaskGroup(t *testing.T) {
	f := reusedGroupFacts()
	task := fixID("sg-task")
	p := planOf(t, f)
	want := []ChangeKind{ChangeCreateSecurityGroup, ChangeAuthorizeIngress, ChangeEndpointGroups, ChangeEndpointGroups, ChangeEndpointGroups}
	if got := kindsOf(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got kinds %v; want %v\n%s", got, want, renderPlan(t, FixCLI, p))
	}
	for _, c := range p.Changes[2:] {
		if !reflect.DeepEqual(c.Groups, []string{refID("endpoint_sg")}) || !reflect.DeepEqual(c.RemoveGroups, []string{task}) {
			t.Errorf("%s: got add %v remove %v; want add the endpoint group, remove %s", c.Endpoint, c.Groups, c.RemoveGroups, task)
		}
	}
	assertPlanFixes(t, f, p)
	cli := joinContinuations(renderPlan(t, FixCLI, p))
	if !strings.Contains(cli, `--add-security-group-ids "$ENDPOINT_SG" --remove-security-group-ids `+task) {
		t.Errorf("cli plan does not swap the groups:\n%s", cli)
	}
}

// reusedGroupFacts: the interface endpoints are guarded by the task
// group, which allows all egress.
func reusedGroupFacts() *Facts {
	f := fixFacts()
	task := fixID("sg-task")
	for _, ep := range f.Endpoints {
		if ep.Type == EndpointInterface {
			ep.SecurityGroupIDs = []string{task}
		}
	}
	f.SecurityGroups[task].Egress = []Rule{{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")}}
	return f
}

// TestPlanNACL: a deny that one delete removes is deleted; a deny whose
// removal would not let the traffic through (nothing allows it after)
// stays, and allow entries go in at free numbers right below it, one per
// blocked block and port range, the S3 prefix list's blocks included.
func TestPlanNACL(t *testing.T) {
	acl := fixID("acl-1")
	tests := []struct {
		name    string
		entries []NACLEntry
		want    []Change
	}{
		{
			name: "one deny of 443 before allow-all: delete it",
			entries: []NACLEntry{
				{RuleNumber: 90, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0")},
				{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
			},
			want: []Change{{Kind: ChangeNACLDelete, ACL: acl, Egress: true, RuleNumber: 90}},
		},
		{
			name: "deny all with nothing after it: insert below it",
			entries: []NACLEntry{
				{RuleNumber: 99, Egress: true, Protocol: "6", PortFrom: 22, PortTo: 22, CIDR: pfx("10.0.0.0/8"), Allow: true},
				{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
				{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
			},
			want: []Change{
				{Kind: ChangeNACLInsert, ACL: acl, Egress: true, RuleNumber: 98, Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "10.0.11.0/24"},
				{Kind: ChangeNACLInsert, ACL: acl, Egress: true, RuleNumber: 97, Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "10.0.12.0/24"},
				{Kind: ChangeNACLInsert, ACL: acl, Egress: true, RuleNumber: 96, Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "52.219.0.0/16"},
				{Kind: ChangeNACLInsert, ACL: acl, Egress: true, RuleNumber: 95, Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "3.5.152.0/21"},
			},
		},
		{
			name: "only the * entry denies the return traffic: insert after the last entry",
			entries: []NACLEntry{
				{RuleNumber: 100, Egress: true, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 105, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
			},
			want: []Change{
				{Kind: ChangeNACLInsert, ACL: acl, RuleNumber: 110, Protocol: "tcp", FromPort: 32768, ToPort: 60999, CIDR: "10.0.11.0/24"},
				{Kind: ChangeNACLInsert, ACL: acl, RuleNumber: 120, Protocol: "tcp", FromPort: 32768, ToPort: 60999, CIDR: "10.0.12.0/24"},
				{Kind: ChangeNACLInsert, ACL: acl, RuleNumber: 130, Protocol: "tcp", FromPort: 32768, ToPort: 60999, CIDR: "52.219.0.0/16"},
				{Kind: ChangeNACLInsert, ACL: acl, RuleNumber: 140, Protocol: "tcp", FromPort: 32768, ToPort: 60999, CIDR: "3.5.152.0/21"},
			},
		},
		{
			name: "one blocked leg: one insert rather than a delete",
			entries: []NACLEntry{
				{RuleNumber: 50, Protocol: "6", PortFrom: 1024, PortTo: 65535, CIDR: pfx("3.5.152.0/21")},
				{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
				{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
			},
			want: []Change{{Kind: ChangeNACLInsert, ACL: acl, RuleNumber: 49, Protocol: "tcp", FromPort: 32768, ToPort: 60999, CIDR: "3.5.152.0/21"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixFacts()
			// The task subnets get an ACL of their own; the endpoint
			// subnets keep the default allow-all one.
			def := f.NetworkACLs[0]
			def.SubnetIDs = []string{fixID("subnet-ea"), fixID("subnet-eb"), fixID("subnet-pub")}
			f.NetworkACLs = append(f.NetworkACLs, &NetworkACL{ID: acl, VPCID: def.VPCID,
				SubnetIDs: []string{fixID("subnet-a"), fixID("subnet-b")}, Entries: tt.entries})
			def.ID = "acl-0000000000000def0"
			p := planOf(t, f)
			if !reflect.DeepEqual(p.Changes, tt.want) {
				t.Errorf("got\n%s\nwant %+v", renderPlan(t, FixCLI, p), tt.want)
			}
			assertPlanFixes(t, f, p)
		})
	}
}

// TestPlanPublicIP: assignPublicIp=ENABLED is turned off last, keeping
// the service's subnets and groups.
func TestPlanPublicIP(t *testing.T) {
	f := fixFacts()
	f.Workloads[0].AssignPublicIP = PublicIPEnabled
	p := planOf(t, f)
	want := []Change{{Kind: ChangeDisablePublicIP, Cluster: "prod", ECSService: "orders", Workload: "service/prod/orders",
		ServiceARN: f.Workloads[0].ServiceARN, Subnets: []string{fixID("subnet-a"), fixID("subnet-b")}, Groups: []string{fixID("sg-task")}}}
	if !reflect.DeepEqual(p.Changes, want) {
		t.Fatalf("got %+v; want %+v", p.Changes, want)
	}
	assertPlanFixes(t, f, p)
	cli := joinContinuations(renderPlan(t, FixCLI, p))
	if want := "aws ecs update-service --region ap-northeast-1 --cluster prod --service orders --network-configuration 'awsvpcConfiguration={subnets=[" +
		fixID("subnet-a") + "," + fixID("subnet-b") + "],securityGroups=[" + fixID("sg-task") + "],assignPublicIp=DISABLED}'"; !strings.Contains(cli, want) {
		t.Errorf("cli plan does not contain %q:\n%s", want, cli)
	}
}

// TestPlanUnfixed: what no change can fix is said in a comment, never as
// a command with a placeholder.
func TestPlanUnfixed(t *testing.T) {
	f := fixFacts()
	f.Workloads[0].TaskDefinition.Containers[0].LogOptions["awslogs-region"] = "eu-west-1"
	p := planOf(t, f)
	if len(p.Changes) != 0 || len(p.Unfixed) != 1 || !strings.Contains(p.Unfixed[0], "cross_region logs") {
		t.Fatalf("got changes %+v unfixed %q; want no change and the cross-region logs row unfixed", p.Changes, p.Unfixed)
	}
	cli := joinContinuations(renderPlan(t, FixCLI, p))
	for _, line := range strings.Split(strings.TrimSpace(cli), "\n") {
		if !strings.HasPrefix(line, "#") {
			t.Errorf("got line %q; want only comments", line)
		}
	}
}

// TestPlanRefusesCraftedIDs: an id that does not match its AWS pattern is
// refused with an error naming the field, and nothing is printed.
func TestPlanRefusesCraftedIDs(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *Facts)
		field string
	}{
		{"security group", func(f *Facts) {
			f.SecurityGroups[fixID("sg-vpce")].Ingress = nil
			crafted := "sg-1;touch pwned;#"
			f.Workloads[0].SecurityGroups = []string{crafted}
			f.SecurityGroups[crafted] = &SecurityGroup{ID: crafted, VPCID: fixID("vpc-1")}
		}, `peer_group_id "sg-1;touch pwned;#"`},
		{"network ACL", func(f *Facts) {
			f.NetworkACLs[0].ID = "acl-1 --dry-run"
			f.NetworkACLs[0].Entries[2].Allow = false
		}, `network_acl_id "acl-1 --dry-run"`},
		{"cluster", func(f *Facts) {
			f.Workloads[0].Cluster = "prod$(id)"
			f.Workloads[0].AssignPublicIP = PublicIPEnabled
		}, `cluster "prod$(id)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixFacts()
			tt.setup(f)
			p, err := PlanFixes(f, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("got plan %+v, error %v; want an error naming %s", p, err, tt.field)
			}
		})
	}
	for _, region := range []string{"us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "us-isob-east-1"} {
		if err := (&Plan{Region: region}).Validate(); err != nil {
			t.Errorf("region %s: got %v; want valid", region, err)
		}
	}
	if err := (&Plan{Region: "us-east-1;id"}).Validate(); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("crafted region: got %v; want an error naming the region", err)
	}
	var buf bytes.Buffer
	p := &Plan{Region: testRegion, Changes: []Change{{Kind: ChangeAuthorizeEgress, Group: "sg-1;touch pwned;#", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0"}}}
	if err := WritePlan(&buf, FixCLI, p); err == nil || !strings.Contains(err.Error(), "group_id") {
		t.Errorf("WritePlan: got %v; want an error naming group_id", err)
	}
	if buf.Len() != 0 {
		t.Errorf("WritePlan printed %q; want nothing", buf.String())
	}
}

// TestShellWord: what reaches bash is one word whatever it holds, and a
// reference becomes a quoted variable.
func TestShellWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sg-0abc", "sg-0abc"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"{a,b}", "'{a,b}'"},
		{refID("endpoint_sg"), `"$ENDPOINT_SG"`},
		{`{"GroupId":"` + refID("endpoint_sg") + `"}`, `'{"GroupId":"'"$ENDPOINT_SG"'"}'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := shellWord(tt.in); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
			out, err := exec.Command("bash", "-c", `ENDPOINT_SG=sg-0new; printf '%s' `+shellWord(tt.in)).Output()
			if err != nil {
				t.Skipf("bash: %v", err)
			}
			want := strings.ReplaceAll(tt.in, refID("endpoint_sg"), "sg-0new")
			if string(out) != want {
				t.Errorf("bash read %q; want %q", out, want)
			}
		})
	}
}

// fullPlanFacts needs every kind a writer renders: missing endpoints, a
// NACL that blocks, DNS hostnames off and a public IP.
func fullPlanFacts() *Facts {
	f := missingEndpointsFacts()
	f.VPCs[fixID("vpc-1")].DNSHostnames = TriFalse
	f.Workloads[0].AssignPublicIP = PublicIPEnabled
	f.NetworkACLs[0].Entries = append(f.NetworkACLs[0].Entries,
		NACLEntry{RuleNumber: 90, Protocol: "6", PortFrom: 1024, PortTo: 65535, CIDR: pfx("52.219.0.0/16")})
	return f
}

func TestWritePlanGolden(t *testing.T) {
	for name, f := range map[string]*Facts{"fix": fullPlanFacts(), "fix-reused": reusedGroupFacts()} {
		p := planOf(t, f)
		for _, format := range []string{FixCLI, FixTerraform, FixCloudFormation} {
			t.Run(name+"/"+format, func(t *testing.T) {
				goldenFile(t, name+"."+format+".golden", []byte(renderPlan(t, format, p)))
			})
		}
	}
}

// TestFixPlanTools: the Terraform plan is terraform fmt clean and the
// CloudFormation plan passes cfn-lint, for a plan of every kind and for
// an --egress-rules plan.
func TestFixPlanTools(t *testing.T) {
	for _, tool := range []struct {
		format, bin, install, file string
		args                       []string
		env                        []string
	}{
		{FixTerraform, "terraform", "https://developer.hashicorp.com/terraform/install", "fix.tf",
			[]string{"fmt", "-check", "-diff"}, []string{"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}},
		{FixCloudFormation, "cfn-lint", "pip install cfn-lint", "fix.yaml", []string{"--regions", testRegion, "--"}, nil},
	} {
		t.Run(tool.bin, func(t *testing.T) {
			bin := schematest.RequireTool(t, tool.bin, tool.install)
			plans := map[string]*Plan{"full": planOf(t, fullPlanFacts()), "reused group": planOf(t, reusedGroupFacts()), "egress": egressPlan(t)}
			for name, p := range plans {
				t.Run(name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), tool.file)
					if err := os.WriteFile(path, []byte(renderPlan(t, tool.format, p)), 0o644); err != nil {
						t.Fatal(err)
					}
					cmd := exec.Command(bin, append(tool.args, path)...)
					cmd.Env = append(os.Environ(), tool.env...)
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("%s %v: got %v; want clean\n%s", tool.bin, tool.args, err, out)
					}
				})
			}
		})
	}
}

// egressPlan is the --egress-rules plan of an allow-all task group, with
// a host name entry (whose step carries a note) and an IP entry.
func egressPlan(t *testing.T) *Plan {
	t.Helper()
	f := egressOpenFacts()
	extra, err := config.ParseEntries("api.example.com:8443,10.0.12.50:5432")
	if err != nil {
		t.Fatal(err)
	}
	p := &Plan{Region: f.Region}
	for _, r := range EgressRules(f, Options{Extra: extra}) {
		p.Changes = append(p.Changes, r.change())
	}
	return p
}

// egressOpenFacts: the task group allows all egress and nothing else.
func egressOpenFacts() *Facts {
	f := fixFacts()
	f.SecurityGroups[fixID("sg-task")].Egress = []Rule{{Protocol: "-1", CIDRs: pfxs("0.0.0.0/0")}}
	return f
}

// TestEgressRulesReplaceAllowAll: the least set comes with the revoke of
// the allow-all; laid on the group, a second run has nothing to do.
func TestEgressRulesReplaceAllowAll(t *testing.T) {
	f := egressOpenFacts()
	rules := EgressRules(f, Options{})
	task := fixID("sg-task")
	want := []EgressRule{
		{GroupID: task, Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListID: fixID("pl-s3"), Description: "preflight: ecr.layers"},
		{GroupID: task, Protocol: "tcp", FromPort: 443, ToPort: 443, DestinationGroupID: fixID("sg-vpce"), Description: "preflight: ecr.api, ecr.dkr, logs"},
		{GroupID: task, Protocol: "-1", CIDR: "0.0.0.0/0", Revoke: true, Description: "preflight: the allow-all the rules above replace"},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("got %+v; want %+v", rules, want)
	}
	for _, r := range rules {
		applyChange(f, r.change())
	}
	if again := EgressRules(f, Options{}); len(again) != 0 {
		t.Errorf("second run: got %+v; want nothing", again)
	}
	var buf bytes.Buffer
	if err := WriteEgressRules(&buf, EgressCLI, f, EgressRules(f, Options{})); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "# Nothing to do") || strings.Contains(got, "\naws ") {
		t.Errorf("second run printed:\n%s\nwant a comment saying there is nothing to do", got)
	}
}

// TestEgressRulesCombinedPermission: AWS returns the peers of one
// protocol and port range as one permission; the rules it holds are not
// asked for again.
func TestEgressRulesCombinedPermission(t *testing.T) {
	f := fixFacts()
	f.SecurityGroups[fixID("sg-task")].Egress = []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443,
		GroupIDs: []string{fixID("sg-vpce")}, PrefixListIDs: []string{fixID("pl-s3")}}}
	if got := EgressRules(f, Options{}); len(got) != 0 {
		t.Errorf("got %+v; want nothing to do", got)
	}
}

// TestEgressRulesKeepAllowAllForUnservedNeeds: while a need has no
// endpoint to reference, the allow-all that carries it stays.
func TestEgressRulesKeepAllowAllForUnservedNeeds(t *testing.T) {
	f := egressOpenFacts()
	removeEndpoint(f, fixID("vpce-logs"))
	for _, r := range EgressRules(f, Options{}) {
		if r.Revoke {
			t.Errorf("got revoke %+v; want the allow-all kept while logs has no endpoint", r)
		}
	}
}

// TestPlanExtraChecks: --checks entries are planned like the task
// definition's needs.
func TestPlanExtraChecks(t *testing.T) {
	f := fixFacts()
	p, err := PlanFixes(f, Options{Extra: []config.Entry{{Name: "secretsmanager", Port: 443}}})
	if err != nil {
		t.Fatal(err)
	}
	if countKind(p, ChangeCreateInterfaceEndpoint) != 1 || !strings.HasSuffix(p.Changes[0].Service, ".secretsmanager") {
		t.Errorf("got %+v; want the secretsmanager endpoint created", p.Changes)
	}
}

func TestWrapShellFitsAndKeepsTheCommand(t *testing.T) {
	long := "'" + strings.Repeat("x", 120) + "'"
	tests := []struct {
		name  string
		words []string
	}{
		{"short", []string{"aws", "ec2", "describe-vpcs", "--region", "us-east-1"}},
		{"long", []string{"aws", "ec2", "create-vpc-endpoint", "--region", "ap-northeast-1", "--vpc-id", "vpc-000000000000000a1",
			"--vpc-endpoint-type", "Interface", "--service-name", "com.amazonaws.ap-northeast-1.ecr.api", "--subnet-ids",
			"subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c", "--private-dns-enabled"}},
		{"a word wider than the line", []string{"aws", "ecs", "update-service", "--network-configuration", long, "--output", "text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapShell(tt.words, planWidth)
			lines := strings.Split(got, "\n")
			for i, l := range lines {
				if n := len(l); n > planWidth && strings.TrimSuffix(strings.TrimSpace(l), " \\") != long {
					t.Errorf("line %d is %d columns; want at most %d: %q", i+1, n, planWidth, l)
				}
				if i < len(lines)-1 && !strings.HasSuffix(l, " \\") {
					t.Errorf("line %d %q does not continue the command", i+1, l)
				}
			}
			// bash reads the continuations as one command: the same words.
			out, err := exec.Command("bash", "-c", "printf '%s\\n' "+got[len("aws "):]).Output()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tt.words[1:] {
				want = append(want, strings.Trim(w, "'"))
			}
			if g := strings.TrimSpace(string(out)); g != strings.Join(want, "\n") {
				t.Errorf("bash read %q; want %q", g, strings.Join(want, "\n"))
			}
		})
	}
}

func TestCommentsWrapAtThePlanWidth(t *testing.T) {
	text := strings.Repeat("findings that a change can fix ", 12)
	lines := wrapComment("#", text, planWidth)
	if len(lines) < 3 {
		t.Fatalf("got %d lines; want the text wrapped", len(lines))
	}
	var words []string
	for _, l := range lines {
		if len(l) > planWidth || !strings.HasPrefix(l, "# ") {
			t.Errorf("line %q: want a comment of at most %d columns", l, planWidth)
		}
		words = append(words, strings.Fields(strings.TrimPrefix(l, "#"))...)
	}
	if got := strings.Join(words, " "); got != strings.TrimSpace(text) {
		t.Errorf("words lost: got %q", got)
	}
}
