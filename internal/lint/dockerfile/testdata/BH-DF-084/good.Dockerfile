FROM debian:12
LABEL the-label="1.2.3-rc.1+build.5"
ARG VALUE
LABEL the-label="${VALUE}"
