FROM debian:12
LABEL the-label="some text"
ARG VALUE
LABEL the-label="${VALUE}"
