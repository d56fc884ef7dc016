FROM debian:12
RUN wget --progress=dot:giga https://example.com/f.tgz && wget -nv https://example.com/g.tgz
