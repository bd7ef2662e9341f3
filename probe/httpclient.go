package probe

import "net/http"

// LocalHTTPClient is the HTTP client for link-local and loopback endpoints
// (task metadata, instance metadata, serve's own /readyz): never through a
// proxy, since HTTP_PROXY in a task is meant for the internet and a proxy
// cannot reach 169.254.x.x anyway, and no kept-alive connections, since
// each endpoint is asked once or twice per run. Callers bound each request
// with its context.
func LocalHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
}
