FROM debian:12 AS tools
RUN apt-get update && apt-get install -y openssh-client

FROM debian:12
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
