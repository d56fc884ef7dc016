FROM golang:1.22 AS build
RUN go build -o /app .
FROM debian:12 AS base
LABEL maintainer="team@example.com" org.opencontainers.image.source="https://example.com/app"
FROM base
COPY --from=build /app /app
