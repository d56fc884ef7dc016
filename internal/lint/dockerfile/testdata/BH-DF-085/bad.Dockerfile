FROM debian:12
LABEL the-label="team at example"
