FROM debian:12
RUN nginx -t
