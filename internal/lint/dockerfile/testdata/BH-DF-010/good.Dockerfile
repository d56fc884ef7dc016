FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold curl=7.88.1-10+deb12u5 ./local.deb && rm -rf /var/lib/apt/lists/*
