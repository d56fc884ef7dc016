FROM golang:1.22 AS build
RUN true
FROM alpine:3.20
COPY --from=biuld /out /out
