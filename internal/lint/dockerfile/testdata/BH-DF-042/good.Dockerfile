FROM alpine:3.20
WORKDIR /tmp
RUN wget -q https://example.com/x
