FROM alpine:3.20
RUN curl -fsSL -o /tmp/x https://example.com/x
