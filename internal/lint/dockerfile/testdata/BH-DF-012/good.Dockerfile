FROM debian:12
RUN apt-get update && apt-get install -y --only-upgrade --no-install-recommends openssl=3.0.11-1~deb12u2
