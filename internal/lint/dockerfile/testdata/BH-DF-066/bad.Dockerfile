FROM debian:12 AS build
RUN true
FROM scratch
COPY --from=build / /
