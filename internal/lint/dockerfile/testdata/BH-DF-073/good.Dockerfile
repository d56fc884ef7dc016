FROM debian:12
ADD tool-1.2.tar.gz /opt/
COPY site.zip /srv/
RUN tar -czf /backup.tgz /opt
