FROM debian:12
LABEL the-label="Apache License"
