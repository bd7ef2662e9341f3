package probe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/preflight-dev/preflight/report"
)

func loadTask(t *testing.T, name string) *Task {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var task Task
	if err := json.Unmarshal(b, &task); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &task
}

func TestTaskFixtures(t *testing.T) {
	tests := []struct {
		file                         string
		wantARN                      TaskARN
		wantMode, wantSubnet, wantGW string // wantGW: the raw text, CIDR form accepted
		wantLaunch                   string
		wantDNS                      []string
	}{
		{file: "fargate-task.json", wantARN: TaskARN{"aws", "us-east-1", "111122223333"}, wantMode: "awsvpc", wantSubnet: "10.0.2.0/24", wantGW: "10.0.2.1/24", wantLaunch: "FARGATE", wantDNS: []string{"10.0.0.2"}},
		{file: "ec2-awsvpc-task.json", wantARN: TaskARN{"aws", "eu-central-1", "111122223333"}, wantMode: "awsvpc", wantSubnet: "172.31.32.0/20", wantGW: "172.31.32.1", wantLaunch: "EC2", wantDNS: []string{"172.31.0.2"}},
		{file: "ec2-bridge-task.json", wantARN: TaskARN{"aws-cn", "cn-north-1", "111122223333"}, wantMode: "bridge", wantLaunch: "EC2"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			task := loadTask(t, tt.file)
			arn, err := ParseTaskARN(task.TaskARN)
			if err != nil || arn != tt.wantARN {
				t.Errorf("ParseTaskARN = %+v, %v; want %+v", arn, err, tt.wantARN)
			}
			if task.LaunchType != tt.wantLaunch {
				t.Errorf("LaunchType = %q; want %q", task.LaunchType, tt.wantLaunch)
			}
			n, ok := task.TaskNetwork()
			if !ok || n.NetworkMode != tt.wantMode {
				t.Fatalf("TaskNetwork = %+v, %v; want mode %s", n, ok, tt.wantMode)
			}
			if n.MACAddress == "" && tt.wantMode == "awsvpc" {
				t.Error("awsvpc network taken from the pause container (no MAC); want the NORMAL container's")
			}
			subnet, _ := n.SubnetCIDR()
			if got := strings.TrimPrefix(subnet.String(), "invalid Prefix"); got != tt.wantSubnet {
				t.Errorf("SubnetCIDR = %q; want %q", got, tt.wantSubnet)
			}
			if n.SubnetGatewayIpv4Address != tt.wantGW {
				t.Errorf("SubnetGatewayIpv4Address = %q; want %q", n.SubnetGatewayIpv4Address, tt.wantGW)
			}
			if !reflect.DeepEqual(n.DomainNameServers, tt.wantDNS) {
				t.Errorf("DomainNameServers = %v; want %v", n.DomainNameServers, tt.wantDNS)
			}
		})
	}
}

func TestParseTaskARN(t *testing.T) {
	for _, bad := range []string{"", "arn:aws:ecs:us-east-1:1:cluster/x", "arn:aws:s3:::bucket", "task/abc", "arn:aws:ecs::111122223333:task/x"} {
		if _, err := ParseTaskARN(bad); err == nil {
			t.Errorf("ParseTaskARN(%q) succeeded; want an error", bad)
		}
	}
	arn, err := ParseTaskARN("arn:aws-us-gov:ecs:us-gov-west-1:111122223333:task/abc")
	if err != nil || arn.Partition != "aws-us-gov" || arn.Region != "us-gov-west-1" {
		t.Errorf("got %+v, %v", arn, err)
	}
}

func TestMetadataClient(t *testing.T) {
	task, err := os.ReadFile("testdata/fargate-task.json")
	if err != nil {
		t.Fatal(err)
	}
	container, err := os.ReadFile("testdata/fargate-container.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{name: "good", handler: func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/task") {
				w.Write(task)
				return
			}
			w.Write(container)
		}},
		{name: "500", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "agent busy", http.StatusInternalServerError)
		}, wantErr: "HTTP 500"},
		{name: "404", handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, wantErr: "HTTP 404"},
		{name: "garbage", handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>captive portal</html>")) }, wantErr: "invalid JSON"},
		{name: "wrong types", handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"TaskARN": 7}`)) }, wantErr: "invalid JSON"},
		{name: "no TaskARN", handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"Family": "x"}`)) }, wantErr: "no TaskARN"},
		{name: "huge", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"TaskARN":"`))
			w.Write([]byte(strings.Repeat("a", 2<<20)))
		}, wantErr: "larger than 1 MiB"},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, wantErr: "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := NewMetadataClient(srv.URL + "/v4/abc")
			// The deadline is generous except where the deadline is the cause under
			// test: a loaded machine (-race, packages built beside the tests) must
			// not turn "larger than 1 MiB" into "deadline exceeded".
			deadline := 30 * time.Second
			if tt.name == "slow" {
				deadline = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			got, err := c.Task(ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v; want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Family != "orders" || len(got.Containers) != 4 {
				t.Errorf("got %+v", got)
			}
			self, err := c.Container(ctx)
			if err != nil || self.Name != "preflight" {
				t.Errorf("Container = %+v, %v", self, err)
			}
		})
	}
}

func TestMetadataClientRetriesTransientErrors(t *testing.T) {
	task, _ := os.ReadFile("testdata/fargate-task.json")
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write(task)
	}))
	defer srv.Close()
	c := NewMetadataClient(srv.URL)
	c.RetryDelay = 5 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := c.Task(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("got %d calls; want 3", got)
	}
}

func TestResolverPosture(t *testing.T) {
	fargate := loadTask(t, "fargate-task.json")
	bridge := loadTask(t, "ec2-bridge-task.json")
	tests := []struct {
		name  string
		inUse []string
		task  *Task
		inECS bool
		want  report.Status
	}{
		{"vpc base+2", []string{"10.0.0.2:53"}, fargate, true, report.StatusPass},
		{"link-local resolver", []string{"169.254.169.253:53"}, fargate, true, report.StatusPass},
		{"ipv6 resolver", []string{"[fd00:ec2::253]:53"}, fargate, true, report.StatusPass},
		{"subnet base+2 is not the VPC's", []string{"10.0.1.2:53"}, fargate, true, report.StatusWarn},
		{"custom resolver", []string{"10.0.9.53:53"}, fargate, true, report.StatusWarn},
		{"one custom among good", []string{"10.0.0.2:53", "8.8.8.8:53"}, fargate, true, report.StatusWarn},
		{"non-standard port", []string{"10.0.0.2:5353"}, fargate, true, report.StatusWarn},
		{"bridge mode x.y.0.2", []string{"172.31.0.2:53"}, bridge, true, report.StatusPass},
		{"docker embedded dns", []string{"127.0.0.11:53"}, bridge, true, report.StatusWarn},
		{"metadata failed", []string{"10.0.0.2:53"}, nil, true, report.StatusPass},
		{"not in ECS", []string{"192.168.1.1:53"}, nil, false, report.StatusSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolverPosture(tt.inUse, tt.task, tt.inECS)
			if got.Status != tt.want {
				t.Errorf("status = %s (%s); want %s", got.Status, got.Error, tt.want)
			}
			if got.Status == report.StatusWarn && (got.Hint == "" || got.Class != report.ClassResolver) {
				t.Errorf("warning without hint or class: %+v", got)
			}
		})
	}
}

func TestParseResolvConf(t *testing.T) {
	got, err := ParseResolvConf(strings.NewReader("# generated\nsearch ec2.internal\nnameserver 10.0.0.2\nnameserver fd00:ec2::253\nnameserver bogus\noptions timeout:2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.2:53", "[fd00:ec2::253]:53"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

func TestMetadataClientRefusesRedirects(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"TaskARN":"arn:aws:ecs:us-east-1:111122223333:task/c/abc"}`))
	}))
	defer elsewhere.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{name: "loop", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}, wantErr: "redirect loop"},
		{name: "off host", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/task", http.StatusFound)
		}, wantErr: "redirected off the metadata host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := NewMetadataClient(srv.URL + "/v4/abc")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.Task(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v; want error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "deadline") {
				t.Errorf("got %v; want the redirect named, not the deadline", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("got an answer after %v; want it at once, without retries", d)
			}
		})
	}
}

func TestMetadataClientKeepsSecretsOut(t *testing.T) {
	const password, token = "S3CRETPW", "T0KENVALUE"
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{name: "404", status: http.StatusNotFound, body: "no", wantErr: "HTTP 404"},
		{name: "garbage", status: http.StatusOK, body: "<html>", wantErr: "invalid JSON"},
		{name: "no TaskARN", status: http.StatusOK, body: `{}`, wantErr: "no TaskARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotPath, gotQuery string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			uri := strings.Replace(srv.URL, "http://", "http://admin:"+password+"@", 1) + "/v4?token=" + token
			c := NewMetadataClient(uri)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := c.Task(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v; want error containing %q", err, tt.wantErr)
			}
			if gotPath != "/v4/task" || gotQuery != "token="+token {
				t.Errorf("got request %s?%s; want /v4/task?token=%s", gotPath, gotQuery, token)
			}
			for _, text := range []string{err.Error(), MetadataHint(uri)} {
				if strings.Contains(text, password) || strings.Contains(text, token) {
					t.Errorf("got %q; want no password or token", text)
				}
			}
		})
	}
}

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://169.254.170.2/v4/abc", "http://169.254.170.2/v4/abc"},
		{"http://admin:PW@host/v4?token=T", "http://admin:xxxxx@host/v4"},
		{"http://admin:PW@host:80/v4/?token=T&x=1", "http://admin:xxxxx@host:80/v4/"},
		{"http://admin:P%zzW@host/v4?token=T", "http://xxxxx@host/v4"},
	}
	for _, tt := range tests {
		if got := RedactURI(tt.in); got != tt.want {
			t.Errorf("RedactURI(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}
