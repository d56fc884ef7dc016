FROM debian:12
RUN wget https://example.com/f.tgz
