# bulkhead's own image practises what bulkhead checks: a multi-stage build,
# a pinned toolchain, a static binary, a final stage FROM scratch (no shell,
# no package manager), a non-root user and a health check.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/bulkhead-sec/bulkhead/internal/cli.Version=${VERSION}" -o /out/bulkhead ./cmd/bulkhead \
 && mkdir -p /out/tmp /out/home/bulkhead/.cache \
 && chmod 1777 /out/tmp \
 && chown -R 65532:65532 /out/home/bulkhead

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build /out/home /home
COPY --from=build /out/bulkhead /usr/local/bin/bulkhead
ENV HOME=/home/bulkhead
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/bulkhead", "version"]
ENTRYPOINT ["/usr/local/bin/bulkhead"]
CMD ["--help"]
