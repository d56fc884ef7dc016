FROM debian:12
LABEL the-label="Team <team@example.com>"
ARG VALUE
LABEL the-label="${VALUE}"
