FROM alpine:3.20
LABEL Version=1.0 com.docker.thing=x
