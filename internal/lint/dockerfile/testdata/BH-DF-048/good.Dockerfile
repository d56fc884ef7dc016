FROM golang:1.22 AS build
RUN true
FROM alpine:3.20
COPY --from=build /out /out
COPY --from=0 /etc/passwd /etc/passwd
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/
