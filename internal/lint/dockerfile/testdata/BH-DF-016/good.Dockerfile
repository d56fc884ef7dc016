FROM alpine:3.20
RUN apk add --no-cache --virtual .build-deps curl=8.9.1-r1 bash~5.2
