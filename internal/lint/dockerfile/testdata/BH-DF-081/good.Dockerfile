FROM debian:12
LABEL the-label="2024-05-01T12:00:00Z"
ARG VALUE
LABEL the-label="${VALUE}"
