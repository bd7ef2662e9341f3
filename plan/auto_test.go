package plan

import (
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/probe"
	"github.com/preflight-dev/preflight/report"
)

func loadTask(t *testing.T, name string) *probe.Task {
	t.Helper()
	b, err := os.ReadFile("../probe/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var task probe.Task
	if err := json.Unmarshal(b, &task); err != nil {
		t.Fatal(err)
	}
	return &task
}

func TestDeriveEntries(t *testing.T) {
	task := loadTask(t, "fargate-task.json")
	entries, notes := deriveEntries(task, "us-east-1")
	var got []string
	for _, e := range entries {
		got = append(got, e.Name+"@"+e.Region+"/"+e.Account+"="+string(e.Expect))
	}
	want := []string{"ecr@eu-west-1/444455556666=any", "ecr@us-east-1/111122223333=", "logs@eu-west-1/=any", "logs@us-east-1/=", "public.ecr.aws@/=any"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %v; want %v", got, want)
	}
	if len(notes) != 2 {
		t.Fatalf("got %d notes; want 2 cross-region warnings: %+v", len(notes), notes)
	}
	for _, n := range notes {
		if n.Status != report.StatusWarn || !strings.Contains(n.Error, "eu-west-1") || !strings.Contains(n.Hint, "cross-region") {
			t.Errorf("note = %+v", n)
		}
	}
	targets, err := config.Expand(entries, "us-east-1", "111122223333")
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 9 {
		t.Errorf("got %d targets; want 9 (two ECR bundles of 3, two logs, the public registry)", len(targets))
	}

	// The pause container's image is not a registry the task pulls from.
	entries, _ = deriveEntries(loadTask(t, "ec2-awsvpc-task.json"), "eu-central-1")
	if len(entries) != 2 || entries[0].Name != "ecr" || entries[1].Name != "logs" || entries[1].Region != "eu-central-1" {
		t.Errorf("EC2 awsvpc entries = %+v", entries)
	}
	entries, _ = deriveEntries(loadTask(t, "ec2-bridge-task.json"), "cn-north-1")
	if len(entries) != 2 || entries[0].Region != "cn-north-1" {
		t.Errorf("China entries = %+v", entries)
	}
}

// TestDeriveEntriesFromEveryImageAndLogForm: registries in every partition
// and form, public registries, and log destinations beyond plain awslogs.
func TestDeriveEntriesFromEveryImageAndLogForm(t *testing.T) {
	tests := []struct {
		name       string
		region     string
		c          probe.Container
		want       []string // Name@Region/Account=Expect
		wantReason string
	}{
		{name: "ECR", region: "us-east-1", c: probe.Container{Image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2"},
			want: []string{"ecr@us-east-1/111122223333="}, wantReason: "image 111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2"},
		{name: "ECR in China", region: "cn-north-1", c: probe.Container{Image: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/orders:1"},
			want: []string{"ecr@cn-north-1/111122223333="}},
		{name: "ECR in aws-iso-e", region: "eu-isoe-west-1", c: probe.Container{Image: "111122223333.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/orders:1"},
			want: []string{"ecr@eu-isoe-west-1/111122223333="}},
		{name: "ECR in aws-eusc", region: "eusc-de-east-1", c: probe.Container{Image: "111122223333.dkr.ecr.eusc-de-east-1.amazonaws.eu/orders:1"},
			want: []string{"ecr@eusc-de-east-1/111122223333="}},
		{name: "ECR FIPS", region: "us-east-1", c: probe.Container{Image: "111122223333.dkr.ecr-fips.us-east-1.amazonaws.com/orders:1"},
			want: []string{"111122223333.dkr.ecr-fips.us-east-1.amazonaws.com@/=any", "ecr-fips.us-east-1.amazonaws.com@/=any"}},
		{name: "ECR dual-stack", region: "us-east-1", c: probe.Container{Image: "111122223333.dkr-ecr.us-east-1.on.aws/orders:1"},
			want: []string{"111122223333.dkr-ecr.us-east-1.on.aws@/=any", "ecr.us-east-1.api.aws@/=any"}},
		{name: "Docker Hub", region: "us-east-1", c: probe.Container{Image: "nginx:1.27"}, want: []string{"registry-1.docker.io@/=any"},
			wantReason: "public registry"},
		{name: "ghcr.io", region: "us-east-1", c: probe.Container{Image: "ghcr.io/org/app:1"}, want: []string{"ghcr.io@/=any"}},
		{name: "quay.io", region: "us-east-1", c: probe.Container{Image: "quay.io/org/app@sha256:0123456789012345678901234567890123456789012345678901234567890123"}, want: []string{"quay.io@/=any"}},
		{name: "awslogs-endpoint", region: "us-east-1", c: probe.Container{LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-endpoint": "https://vpce-0a1b-c2d3.logs.us-east-1.vpce.amazonaws.com"}},
			want: []string{"vpce-0a1b-c2d3.logs.us-east-1.vpce.amazonaws.com@/=any"}, wantReason: "awslogs-endpoint"},
		{name: "FireLens to CloudWatch", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "cloudwatch_logs", "region": "us-east-1"}},
			want: []string{"logs@us-east-1/="}, wantReason: "awsfirelens output cloudwatch_logs"},
		{name: "FireLens to Firehose in another region", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis_firehose", "region": "us-west-2"}},
			want: []string{"firehose@us-west-2/=any"}},
		{name: "FireLens to Kinesis", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis_streams"}},
			want: []string{"kinesis-streams@us-east-1/="}},
		{name: "FireLens to S3", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "s3", "region": "us-east-1"}},
			want: []string{"s3@us-east-1/="}},
		{name: "FireLens to a third party", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "datadog"}}},
		{name: "FireLens Go plugin cloudwatch", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "cloudwatch", "region": "us-east-1"}},
			want: []string{"logs@us-east-1/="}, wantReason: "awsfirelens output cloudwatch"},
		{name: "FireLens output endpoint", region: "us-east-1", c: probe.Container{LogDriver: "awsfirelens", LogOptions: map[string]string{"Name": "kinesis", "endpoint": "https://kinesis.proxy.example:9443"}},
			want: []string{"kinesis.proxy.example:9443@/=any"}, wantReason: "awsfirelens output kinesis endpoint"},
		{name: "awslogs-endpoint on its own port", region: "us-east-1", c: probe.Container{LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-endpoint": "https://logs.proxy.example:8443"}},
			want: []string{"logs.proxy.example:8443@/=any"}, wantReason: "awslogs-endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Name = "app"
			entries, _ := deriveEntries(&probe.Task{Containers: []probe.Container{tt.c}}, tt.region)
			var got []string
			for _, e := range entries {
				name := e.Name
				if e.Port != 0 {
					name += ":" + strconv.Itoa(e.Port)
				}
				got = append(got, name+"@"+e.Region+"/"+e.Account+"="+string(e.Expect))
				if tt.wantReason != "" && !strings.Contains(e.Derived, tt.wantReason) {
					t.Errorf("reason %q; want it to contain %q", e.Derived, tt.wantReason)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries = %v; want %v", got, tt.want)
			}
			if _, err := config.Expand(entries, tt.region, "111122223333"); err != nil {
				t.Errorf("Expand: %v", err)
			}
		})
	}
}

// TestAutoOutsideECSExampleUsesTheGivenRegion: the example in the error
// can be pasted as it is.
func TestAutoOutsideECSExampleUsesTheGivenRegion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{args: nil, want: []string{"--region us-east-1", "PREFLIGHT_REGION=eu-west-1"}},
		{args: []string{"--region", "ap-southeast-2"}, want: []string{"--region ap-southeast-2", "PREFLIGHT_REGION=ap-southeast-2"}},
	}
	for _, tt := range tests {
		cfg, err := config.Load("check", tt.args, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = resolveAuto(cfg, &Plan{})
		if err == nil {
			t.Fatalf("args %q: got no error; want one outside ECS", tt.args)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("args %q: got %q; want it to contain %q", tt.args, err, w)
			}
		}
	}
}
