FROM alpine:3.20
RUN apk update && apk add curl=8.9.1-r1
