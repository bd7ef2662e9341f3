module github.com/preflight-dev/preflight

go 1.26.8

require (
	github.com/miekg/dns v1.1.73
	go.uber.org/zap v1.28.0
	golang.org/x/sys v0.48.0
)

require (
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/net v0.59.0 // indirect
)
