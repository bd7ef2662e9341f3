package mototest

import (
	"net/http"
	"testing"
)

// TestStart: the URL Start returns answers as moto does (its moto-api
// dashboard), and the server is gone once the test's cleanups ran.
func TestStart(t *testing.T) {
	var url string
	t.Run("running", func(t *testing.T) {
		url = Start(t)
		resp, err := http.Get(url + "/moto-api/")
		if err != nil {
			t.Fatalf("GET %s/moto-api/: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("got HTTP %d from %s/moto-api/; want 200", resp.StatusCode, url)
		}
	})
	if url == "" {
		return // skipped: no moto_server
	}
	if resp, err := http.Get(url + "/moto-api/"); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after the test ended; want moto_server stopped", url)
	}
}
