FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://example.com/f.tgz | tar xz -C /opt
RUN set -eux; set -o pipefail; wget -qO- https://example.com/g.tgz | tar xz -C /opt
