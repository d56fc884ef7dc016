FROM debian:12
LABEL maintainer="team@example.com"
