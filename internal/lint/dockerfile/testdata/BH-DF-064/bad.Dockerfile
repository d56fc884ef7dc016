FROM debian:12
RUN wget -qO- https://example.com/f.tgz | tar xz -C /opt
