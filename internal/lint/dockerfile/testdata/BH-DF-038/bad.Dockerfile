FROM alpine:3.20
ENV DB_HOST=db DB_PASSWORD=s3cr3t-Passw0rd
ARG GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789
