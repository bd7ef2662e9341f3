package plan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/preflight-dev/preflight/report"
)

func TestFetchMetadataKeepsTaskWhenContainerFails(t *testing.T) {
	task, err := os.ReadFile("../probe/testdata/fargate-task.json")
	if err != nil {
		t.Fatal(err)
	}
	container, err := os.ReadFile("../probe/testdata/fargate-container.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		container  http.HandlerFunc
		wantStatus report.Status
		wantClass  report.Class
		wantError  string
	}{
		{name: "both good", container: func(w http.ResponseWriter, _ *http.Request) { w.Write(container) }, wantStatus: report.StatusPass},
		{name: "container 500", container: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no network settings", http.StatusInternalServerError)
		}, wantStatus: report.StatusWarn, wantClass: report.ClassMetadata, wantError: "container endpoint: GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/task") {
					w.Write(task)
					return
				}
				tt.container(w, r)
			}))
			defer srv.Close()
			p := &Plan{}
			res := fetchMetadata(context.Background(), p, srv.URL+"/v4/abc", 5*time.Second, zaptest.NewLogger(t))
			if res.Status != tt.wantStatus || res.Class != tt.wantClass {
				t.Fatalf("got %s:%s (%s); want %s:%s", res.Status, res.Class, res.Error, tt.wantStatus, tt.wantClass)
			}
			if !strings.Contains(res.Error, tt.wantError) {
				t.Errorf("got error %q; want it to contain %q", res.Error, tt.wantError)
			}
			if tt.wantError != "" && !strings.Contains(res.Error, "HTTP 500") {
				t.Errorf("got error %q; want the container endpoint's HTTP 500", res.Error)
			}
			if p.Task == nil || p.Task.TaskARN == "" {
				t.Errorf("got task %+v; want the /task document kept", p.Task)
			}
		})
	}
}
