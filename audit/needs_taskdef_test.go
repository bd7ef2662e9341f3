package audit

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/report"
)

func TestContainerChecks(t *testing.T) {
	const img = "111122223333.dkr.ecr.us-east-1.amazonaws.com/preflight:1.0.0"
	env := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		ct   Container
		// want is "SOURCE ENTRIES REGION" or "" for no checks; wantErr a
		// substring of Err.
		want, wantErr string
	}{
		{name: "preflight image, command check", ct: Container{Image: img, Command: []string{"check"}, Environment: env("PREFLIGHT_CHECKS", "auto,secretsmanager")},
			want: "PREFLIGHT_CHECKS auto,secretsmanager "},
		{name: "preflight image, no command runs the image's CMD check", ct: Container{Image: img, Environment: env("PREFLIGHT_CHECKS", "kms")},
			want: "PREFLIGHT_CHECKS kms "},
		{name: "preflight image, serve", ct: Container{Image: "ghcr.io/acme/preflight-sidecar@sha256:abc", Command: []string{"serve", "--interval", "1m"}, Environment: env("PREFLIGHT_CHECKS", "sts")},
			want: "PREFLIGHT_CHECKS sts "},
		{name: "preflight image, healthcheck does not probe", ct: Container{Image: img, Command: []string{"healthcheck"}, Environment: env("PREFLIGHT_CHECKS", "sts")}},
		{name: "preflight image, audit does not probe", ct: Container{Image: img, Command: []string{"audit"}, Environment: env("PREFLIGHT_CHECKS", "sts")}},
		{name: "preflight image under another entryPoint", ct: Container{Image: img, EntryPoint: []string{"/bin/app"}, Environment: env("PREFLIGHT_CHECKS", "sts")}},
		{name: "registry host named preflight is not the image", ct: Container{Image: "preflight.example.com/app:1", Environment: env("PREFLIGHT_CHECKS", "sts")}},
		{name: "tag named preflight is not the image", ct: Container{Image: "acme/app:preflight", Environment: env("PREFLIGHT_CHECKS", "sts")}},
		{name: "other image, entryPoint /preflight check", ct: Container{Image: "acme/tools:3", EntryPoint: []string{"/usr/local/bin/preflight"}, Command: []string{"check"}, Environment: env("PREFLIGHT_CHECKS", "ssm")},
			want: "PREFLIGHT_CHECKS ssm "},
		{name: "other image, shell string", ct: Container{Image: "acme/tools:3", Command: []string{"sh", "-c", "preflight check --checks logs,10.0.5.10:5432 && exec app"}, Environment: env("PREFLIGHT_CHECKS", "ssm")},
			want: "--checks logs,10.0.5.10:5432 "},
		{name: "--checks= on the command line wins over the environment", ct: Container{Image: img, Command: []string{"check", "--checks=sts", "--region", "eu-west-1"}, Environment: env("PREFLIGHT_CHECKS", "kms")},
			want: "--checks sts eu-west-1"},
		{name: "PREFLIGHT_REGION", ct: Container{Image: img, Environment: env("PREFLIGHT_CHECKS", "kms", "PREFLIGHT_REGION", "us-west-2")},
			want: "PREFLIGHT_CHECKS kms us-west-2"},
		{name: "no PREFLIGHT_CHECKS: auto, nothing to add", ct: Container{Image: img, Command: []string{"check"}}},
		{name: "not preflight at all", ct: Container{Image: "acme/app:1", Command: []string{"check"}, Environment: env("PREFLIGHT_CHECKS", "kms")}},
		{name: "bad entries", ct: Container{Image: img, Environment: env("PREFLIGHT_CHECKS", "kms,nope")},
			want: "PREFLIGHT_CHECKS kms ", wantErr: `entry "nope": unknown service`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ct.Name = "preflight"
			got := containerChecks(&TaskDefinition{Containers: []Container{tt.ct}})
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("got %+v; want no checks", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d container checks; want 1", len(got))
			}
			var names []string
			for _, e := range got[0].Entries {
				names = append(names, e.String())
			}
			if s := got[0].Source + " " + strings.Join(names, ",") + " " + got[0].Region; s != tt.want {
				t.Errorf("got %q; want %q", s, tt.want)
			}
			if tt.wantErr == "" && got[0].Err != nil || tt.wantErr != "" && (got[0].Err == nil || !strings.Contains(got[0].Err.Error(), tt.wantErr)) {
				t.Errorf("got error %v; want %q", got[0].Err, tt.wantErr)
			}
		})
	}
}

func TestNeedsFromPreflightContainer(t *testing.T) {
	w := &Workload{Name: "service/prod/orders", TaskDefinition: &TaskDefinition{Containers: []Container{{
		Name: "preflight", Image: "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/preflight:1.0.0",
		Environment: map[string]string{"PREFLIGHT_CHECKS": "auto,secretsmanager,example.com=blocked,logs@us-west-2"},
	}}}}
	want := map[string]string{
		"secretsmanager@ap-northeast-1": `PREFLIGHT_CHECKS of container "preflight": secretsmanager`,
		"host@ap-northeast-1":           `PREFLIGHT_CHECKS of container "preflight": example.com=blocked`,
		"logs@us-west-2":                `PREFLIGHT_CHECKS of container "preflight": logs@us-west-2`,
	}
	for _, n := range Needs(w, "ap-northeast-1", "123456789012", nil) {
		key := n.Service + "@" + n.Region
		if strings.HasPrefix(n.Service, "ecr.") {
			continue // the container's own image
		}
		r, ok := want[key]
		if !ok {
			t.Errorf("got need %s (%s); want none", key, n.Reason)
			continue
		}
		delete(want, key)
		if n.Reason != r {
			t.Errorf("got reason %q for %s; want %q", n.Reason, key, r)
		}
	}
	for key := range want {
		t.Errorf("got no need %s; want one", key)
	}
}

// moveRegion rewrites the fixture's region-bound names (endpoint services,
// prefix lists) to region.
func moveRegion(f *Facts, region string) {
	old := f.Region
	f.Region = region
	for _, ep := range f.Endpoints {
		ep.ServiceName = strings.Replace(ep.ServiceName, "."+old+".", "."+region+".", 1)
	}
	for _, pl := range f.PrefixLists {
		pl.Name = strings.Replace(pl.Name, "."+old+".", "."+region+".", 1)
	}
}

// TestTaskDefinitionExampleChecksItsOwnEntries: the README's example task
// definition runs preflight as an init container with
// PREFLIGHT_CHECKS=auto,secretsmanager,example.com=blocked. In a VPC without
// a secretsmanager endpoint that container fails the task at start, so the
// audit must fail the need too, and say where it came from.
func TestTaskDefinitionExampleChecksItsOwnEntries(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "task-def.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	td, _, err := ParseTaskDefinitionJSON(b)
	if err != nil {
		t.Fatalf("ParseTaskDefinitionJSON: %v", err)
	}
	const why = `PREFLIGHT_CHECKS of container "preflight": secretsmanager`
	for _, tt := range []struct {
		name       string
		endpoint   bool
		wantStatus report.Status
		wantExit   int
	}{
		{name: "no secretsmanager endpoint", wantStatus: report.StatusFail, wantExit: report.ExitDNSPosture},
		{name: "with a secretsmanager endpoint", endpoint: true, wantStatus: report.StatusPass, wantExit: report.ExitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			if tt.endpoint {
				ep := *endpointByID(f, "vpce-logs")
				ep.ID, ep.ServiceName = "vpce-sm", "com.amazonaws.ap-northeast-1.secretsmanager"
				f.Endpoints = append(f.Endpoints, &ep)
			}
			moveRegion(f, "us-east-1")
			firstWorkload(f).TaskDefinition = td
			rows := Evaluate(f, Options{})
			sm := findRows(rows, CheckEndpoint, "secretsmanager")
			if len(sm) == 0 {
				t.Fatalf("got no endpoint row for secretsmanager; rows:\n%s", dumpResults(rows))
			}
			if sm[0].Status != tt.wantStatus || !strings.HasSuffix(sm[0].Reason, why) {
				t.Errorf("got %s reason %q; want %s with reason ending %q", rowString(sm[0]), sm[0].Reason, tt.wantStatus, why)
			}
			blocked := findRows(rows, CheckEndpoint, "example.com")
			if len(blocked) != 1 || blocked[0].Status != report.StatusSkip || !strings.Contains(blocked[0].Detail, "no endpoint service for example.com") {
				t.Errorf("got %v; want one skip row for example.com=blocked saying why", blocked)
			}
			if got := report.ExitCode(rows); got != tt.wantExit {
				t.Errorf("got exit %d; want %d; rows:\n%s", got, tt.wantExit, dumpResults(rows))
			}
		})
	}
}

func TestContainerChecksRows(t *testing.T) {
	f := privateFacts()
	firstWorkload(f).TaskDefinition.Containers = append(firstWorkload(f).TaskDefinition.Containers, Container{
		Name: "preflight", Image: "acme/preflight:1", Environment: map[string]string{"PREFLIGHT_CHECKS": "kms,nope"},
	})
	rows := Evaluate(f, Options{})
	assertRow(t, rows, expectRow{check: report.CheckPlan, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassPlan,
		errText: `PREFLIGHT_CHECKS of container "preflight": entry "nope": unknown service`})
	// The entry that parses is still audited.
	assertRow(t, rows, expectRow{check: CheckEndpoint, target: "kms", status: report.StatusFail, class: report.ClassDNSPosture})
}

// TestTaskDefinitionKeepsPreflightEnvironment: a task-definition file
// keeps entryPoint, command and the PREFLIGHT_* variables, and nothing
// else of the environment (audit/live's test of the same name checks the
// API's task definition).
func TestTaskDefinitionKeepsPreflightEnvironment(t *testing.T) {
	want := Container{Name: "preflight", Image: "acme/preflight:1", EntryPoint: []string{"/preflight"}, Command: []string{"check"},
		Environment: map[string]string{"PREFLIGHT_CHECKS": "kms", "PREFLIGHT_REGION": "us-west-2"}}
	file, _, err := ParseTaskDefinitionJSON([]byte(`{"family":"f","containerDefinitions":[{"name":"preflight","image":"acme/preflight:1",
		"entryPoint":["/preflight"],"command":["check"],"environment":[{"name":"PREFLIGHT_CHECKS","value":"kms"},
		{"name":"DB_PASSWORD","value":"hunter2"},{"name":"PREFLIGHT_REGION","value":"us-west-2"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := file.Containers[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("file: got %+v; want %+v", got, want)
	}
}

// TestTaskDefinitionOSFamily: a task-definition file keeps runtimePlatform's
// operatingSystemFamily, which decides the tasks' ephemeral ports
// (audit/live's test of the same name checks the API's task definition).
func TestTaskDefinitionOSFamily(t *testing.T) {
	file, _, err := ParseTaskDefinitionJSON([]byte(`{"family":"f","runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"WINDOWS_SERVER_2022_CORE"},
		"containerDefinitions":[{"name":"a","image":"i"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if file.OSFamily != "WINDOWS_SERVER_2022_CORE" {
		t.Errorf("file: got OSFamily %q; want %q", file.OSFamily, "WINDOWS_SERVER_2022_CORE")
	}
	for _, tt := range []struct {
		os     string
		lo, hi int
	}{{"", 32768, 60999}, {"LINUX", 32768, 60999}, {"WINDOWS_SERVER_2019_CORE", 49152, 65535}, {"WINDOWS_SERVER_2022_FULL", 49152, 65535}} {
		if got := ephemeralPorts(tt.os); got.lo != tt.lo || got.hi != tt.hi {
			t.Errorf("ephemeralPorts(%q): got %d-%d; want %d-%d", tt.os, got.lo, got.hi, tt.lo, tt.hi)
		}
	}
}
