FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN true
FROM alpine:3.20
RUN true
