FROM registry.example.com/golang:1.22 AS build
FROM eu.mirror.example.net/library/debian:12 AS base
FROM base
COPY --from=build /go/bin/app /app
FROM scratch
