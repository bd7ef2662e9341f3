# syntax=docker/dockerfile:1
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t preflight .
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
# Modules in their own layer: source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
ARG COMMIT=unknown
# -gcflags: no inlining inside the AWS SDK and smithy-go. Their code is
# request encoding and response decoding around network calls, where
# inlining buys nothing measurable, and it is a quarter of the binary:
# without it the image is 265 KB smaller gzipped, which every task start
# pulls. Nor inside the protobuf runtime, which only encodes a metrics
# scrape in Prometheus's protobuf format: 82 KB smaller gzipped
# (cmd/preflight/size_test.go holds the budget and these flags).
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -gcflags="github.com/aws/...=-l" -gcflags="google.golang.org/protobuf/...=-l" -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT" \
    -o /out/preflight ./cmd/preflight

# Static binary on distroless: no shell, CA certificates included, runs as
# nonroot, needs no writable root file system.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/preflight /preflight
USER 65532:65532
ENTRYPOINT ["/preflight"]
CMD ["check"]
