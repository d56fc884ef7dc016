FROM quay.io/prometheus/busybox:1.36 AS tools
FROM registry.example.com/base/debian:12
COPY --from=tools /bin/busybox /bin/busybox
