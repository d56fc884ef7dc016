FROM debian:12
EXPOSE 80 22/tcp
