FROM debian:12
LABEL the-label="example.com/app"
