FROM debian:12
LABEL the-label="Apache-2.0 OR MIT"
ARG VALUE
LABEL the-label="${VALUE}"
