FROM alpine:3.20
RUN wget -q https://example.com/a
RUN curl -fsSLO https://example.com/b
