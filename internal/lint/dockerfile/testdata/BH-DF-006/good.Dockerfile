FROM alpine:3.20
COPY app.conf /etc/app.conf
ADD rootfs.tar.gz /
