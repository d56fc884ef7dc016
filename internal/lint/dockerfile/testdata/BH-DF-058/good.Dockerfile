FROM alpine:3.20
ENV APP_HOME=/app
ENV APP_BIN=$APP_HOME/bin PATH=$PATH:/usr/local/bin
