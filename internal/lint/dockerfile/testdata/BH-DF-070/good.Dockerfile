FROM debian:12
RUN chmod 0755 /usr/local/bin/helper
