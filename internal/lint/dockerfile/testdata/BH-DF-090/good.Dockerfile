FROM debian:12
ARG VERSION=1.2.3
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/app-${VERSION}.tar.gz /opt/
COPY app.tar.gz /opt/
FROM debian:12
ARG V=1
ADD --keep-git-dir=true "https://github.com/org/repo.git#v$V" /src
ADD https://example.com/app-$V.tar.gz /opt/
