FROM debian:12
LABEL the-label="1.2"
