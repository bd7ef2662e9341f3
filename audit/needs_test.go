package audit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
)

// needSummary renders needs as "service@region" (plus "!" for internet,
// "=expect" when set) so a table can state them compactly.
func needSummary(needs []Need) string {
	var parts []string
	for _, n := range needs {
		s := n.Service + "@" + n.Region
		if n.Host != "" {
			s = fmt.Sprintf("%s(%s:%d)", n.Service, n.Host, n.Port)
		}
		if n.Internet {
			s += "!"
		}
		if n.Expect != "" {
			s += "=" + string(n.Expect)
		}
		if n.FileSystemID != "" {
			s += "/" + n.FileSystemID
		}
		if n.ViaInstance {
			s += "(instance)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestNeeds(t *testing.T) {
	const region = "ap-northeast-1"
	td := func(cs ...Container) *TaskDefinition {
		return &TaskDefinition{Family: "orders", Revision: 3, Containers: cs}
	}
	tests := []struct {
		name  string
		w     Workload
		extra string
		want  string
	}{
		{
			name: "ECR image in the task's region",
			w:    Workload{LaunchType: LaunchFargate, TaskDefinition: td(Container{Name: "app", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1.4.2"})},
			want: "ecr.api@ap-northeast-1 ecr.dkr@ap-northeast-1 ecr.layers@ap-northeast-1",
		},
		{
			name: "FIPS ECR image",
			w:    Workload{TaskDefinition: td(Container{Name: "app", Image: "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/orders@sha256:abc"})},
			want: "ecr.api@us-east-1 ecr.dkr@us-east-1 ecr.layers@us-east-1",
		},
		{
			name: "China ECR image",
			w:    Workload{TaskDefinition: td(Container{Name: "app", Image: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/orders:1"})},
			want: "ecr.api@cn-north-1 ecr.dkr@cn-north-1 ecr.layers@cn-north-1",
		},
		{
			name: "China suffix on a commercial region is not ECR",
			w:    Workload{TaskDefinition: td(Container{Name: "app", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn/orders:1"})},
			want: "internet@ap-northeast-1!",
		},
		{
			name: "ECR image in another region",
			w:    Workload{TaskDefinition: td(Container{Name: "app", Image: "123456789012.dkr.ecr.us-west-2.amazonaws.com/orders:1"})},
			want: "ecr.api@us-west-2 ecr.dkr@us-west-2 ecr.layers@us-west-2",
		},
		{
			name: "Docker Hub, public ECR, GHCR, dual-stack ECR",
			w: Workload{TaskDefinition: td(
				Container{Name: "a", Image: "nginx:1.27"},
				Container{Name: "b", Image: "public.ecr.aws/nginx/nginx:1"},
				Container{Name: "c", Image: "ghcr.io/org/app:1"},
				Container{Name: "d", Image: "123456789012.dkr-ecr.ap-northeast-1.on.aws/orders:1"},
			)},
			want: "internet@ap-northeast-1! internet@ap-northeast-1! internet@ap-northeast-1! internet@ap-northeast-1!",
		},
		{
			name: "repositoryCredentials as ARN in another region",
			w:    Workload{TaskDefinition: td(Container{Name: "a", RepositoryCredentials: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hub-AbCdEf"})},
			want: "secretsmanager@eu-west-1",
		},
		{
			name: "awslogs in the task's region and in another",
			w: Workload{TaskDefinition: td(
				Container{Name: "a", LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-region": "ap-northeast-1"}},
				Container{Name: "b", LogDriver: "awslogs", LogOptions: map[string]string{"awslogs-region": "us-east-1"}},
				Container{Name: "c", LogDriver: "awslogs"},
			)},
			want: "logs@ap-northeast-1 logs@us-east-1",
		},
		{
			name: "secrets: Secrets Manager ARN, SSM ARN, SSM name",
			w: Workload{TaskDefinition: td(Container{Name: "a", Secrets: []string{
				"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-AbCdEf",
				"arn:aws:ssm:us-east-2:123456789012:parameter/app/key",
				"/app/plain-name",
			}})},
			want: "secretsmanager@ap-northeast-1 ssm@ap-northeast-1 ssm@us-east-2",
		},
		{
			name: "ECS Exec",
			w:    Workload{EnableExecuteCommand: true},
			want: "ssmmessages@ap-northeast-1",
		},
		{
			name: "Service Connect",
			w:    Workload{ServiceConnect: true},
			want: "ecs-agent@ap-northeast-1",
		},
		{
			name: "EC2 launch type",
			w:    Workload{LaunchType: LaunchEC2, ServiceConnect: true},
			want: "ecs@ap-northeast-1(instance) ecs-agent@ap-northeast-1 ecs-agent@ap-northeast-1(instance) ecs-telemetry@ap-northeast-1(instance)",
		},
		{
			// The agent and Docker pull, fetch secrets and ship awslogs
			// through the instance; a FireLens router, EFS (mounted in
			// the task's namespace) and the task's own checks use the task
			// network.
			name: "EC2 launch type: what the host does apart from what the task does",
			w: Workload{LaunchType: LaunchEC2, TaskDefinition: &TaskDefinition{
				EFSVolumes: []EFSVolume{{Name: "data", FileSystemID: "fs-1"}},
				Containers: []Container{
					{Name: "app", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1", LogDriver: "awslogs",
						Secrets: []string{"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db"}},
					{Name: "sidecar", Image: "ghcr.io/org/side:1", RepositoryCredentials: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:gh",
						Secrets: []string{"/app/token"}},
					{Name: "preflight", Image: "preflight:1", Command: []string{"check"},
						Environment: map[string]string{"PREFLIGHT_CHECKS": "logs,dynamodb"}},
				}}},
			want: "dynamodb@ap-northeast-1 ecr.api@ap-northeast-1(instance) ecr.dkr@ap-northeast-1(instance) ecr.layers@ap-northeast-1(instance) " +
				"ecs@ap-northeast-1(instance) ecs-agent@ap-northeast-1(instance) ecs-telemetry@ap-northeast-1(instance) efs@ap-northeast-1/fs-1 " +
				"internet@ap-northeast-1!(instance) internet@ap-northeast-1!(instance) logs@ap-northeast-1 logs@ap-northeast-1(instance) " +
				"secretsmanager@ap-northeast-1(instance) ssm@ap-northeast-1(instance)",
		},
		{
			name: "EFS volume",
			w:    Workload{TaskDefinition: &TaskDefinition{EFSVolumes: []EFSVolume{{Name: "data", FileSystemID: "fs-1"}}}},
			want: "efs@ap-northeast-1/fs-1",
		},
		{
			name:  "--checks entries: service =any, bundle, host, IP, target name",
			w:     Workload{},
			extra: "kms=any,ecr,example.com,10.0.0.5:5432=blocked,logs@us-west-2",
			want:  "ecr.api@ap-northeast-1 ecr.dkr@ap-northeast-1 ecr.layers@ap-northeast-1 host(10.0.0.5:5432)=blocked host(example.com:443)=any kms@ap-northeast-1=any logs@us-west-2",
		},
		{
			name:  "an =any entry wins over a derived need",
			w:     Workload{TaskDefinition: td(Container{Name: "a", LogDriver: "awslogs"})},
			extra: "logs=any",
			want:  "logs@ap-northeast-1=any",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := mustEntries(t, tt.extra)
			got := needSummary(Needs(&tt.w, region, "123456789012", extra))
			if got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
		})
	}
}

func TestNeedsReasonsMerge(t *testing.T) {
	w := Workload{TaskDefinition: &TaskDefinition{Containers: []Container{
		{Name: "a", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1.4.2"},
		{Name: "b", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/sidecar:2"},
		{Name: "c", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1.4.2"},
	}}}
	needs := Needs(&w, "ap-northeast-1", "", nil)
	if len(needs) != 3 {
		t.Fatalf("got %d needs; want 3", len(needs))
	}
	want := "image 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1.4.2; image 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/sidecar:2"
	if needs[0].Reason != want {
		t.Errorf("got reason %q; want %q", needs[0].Reason, want)
	}
	if needs[0].Port != 443 {
		t.Errorf("got port %d; want 443", needs[0].Port)
	}
}

func TestEndpointServiceNameLocal(t *testing.T) {
	tests := []struct{ svc, region, want string }{
		{"ecr.dkr", "us-east-1", "com.amazonaws.us-east-1.ecr.dkr"},
		{"ecr.dkr", "cn-north-1", "cn.com.amazonaws.cn-north-1.ecr.dkr"},
		{"ecr.layers", "cn-north-1", "com.amazonaws.cn-north-1.s3"},
		{"ecs-agent", "eu-west-1", "com.amazonaws.eu-west-1.ecs-agent"},
		{"ecs-telemetry", "eu-west-1", "com.amazonaws.eu-west-1.ecs-telemetry"},
		{"nope", "eu-west-1", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.svc, "@", tt.region), func(t *testing.T) {
			if got := endpointServiceName(tt.svc, tt.region); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestNeedsEntryWins: an entry's expectation wins over the need the task
// definition derived, whether it comes from --checks or from the
// PREFLIGHT_CHECKS of a preflight container, and the need names the entry.
func TestNeedsEntryWins(t *testing.T) {
	const region = "ap-northeast-1"
	app := Container{Name: "app", Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders:1"}
	pf := func(checks string) Container {
		return Container{Name: "preflight", Image: "preflight:1", Command: []string{"check"},
			Environment: map[string]string{"PREFLIGHT_CHECKS": checks}}
	}
	tests := []struct {
		name       string
		containers []Container
		extra      string
		wantExpect config.Expect
		wantBy     string
	}{
		{name: "derived alone", containers: []Container{app}},
		{name: "--checks ecr.api=any", containers: []Container{app}, extra: "ecr.api=any",
			wantExpect: config.ExpectAny, wantBy: "--checks ecr.api=any"},
		{name: "PREFLIGHT_CHECKS ecr.api=any", containers: []Container{app, pf("ecr.api=any")},
			wantExpect: config.ExpectAny, wantBy: `PREFLIGHT_CHECKS of container "preflight": ecr.api=any`},
		{name: "of two entries the stricter wins", containers: []Container{app, pf("ecr.api=any")}, extra: "ecr.api=private",
			wantExpect: config.ExpectPrivate, wantBy: "--checks ecr.api=private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := mustEntries(t, tt.extra)
			w := Workload{TaskDefinition: &TaskDefinition{Containers: tt.containers}}
			var got *Need
			for _, n := range Needs(&w, region, "123456789012", extra) {
				if n.Service == "ecr.api" {
					got = &n
				}
			}
			if got == nil {
				t.Fatal("got no ecr.api need; want one")
			}
			if got.Expect != tt.wantExpect || got.ExpectBy != tt.wantBy {
				t.Errorf("got expect %q by %q; want %q by %q", got.Expect, got.ExpectBy, tt.wantExpect, tt.wantBy)
			}
		})
	}
}

// mustEntries parses --checks entries; "" is none.
func mustEntries(t *testing.T, s string) []config.Entry {
	t.Helper()
	if s == "" {
		return nil
	}
	extra, err := config.ParseEntries(s)
	if err != nil {
		t.Fatalf("ParseEntries(%q): %v", s, err)
	}
	return extra
}
