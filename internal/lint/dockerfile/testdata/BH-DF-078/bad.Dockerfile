FROM debian:12
LABEL maintainer="team@example.com" mantainer="team@example.com"
