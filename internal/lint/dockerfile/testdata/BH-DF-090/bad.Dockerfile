FROM debian:12
ARG SRC=app.tar.gz
ADD ${SRC} /opt/
