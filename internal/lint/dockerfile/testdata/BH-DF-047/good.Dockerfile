FROM golang:1.22 AS build
COPY . /src
FROM alpine:3.20
COPY --from=build /src /src
