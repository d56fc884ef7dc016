FROM debian:12
LABEL the-label="2024-05-01 12:00"
