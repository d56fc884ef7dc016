FROM debian:12
LABEL the-label="https://example.com/app"
ARG VALUE
LABEL the-label="${VALUE}"
