ARG UBUNTU=20.04
FROM ubuntu:${UBUNTU}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt update && apt upgrade -y && apt install -y python3-pip git
RUN pip3 install ansible==9.4.0 awscli
RUN ln -sf /bin/bash /bin/sh
RUN useradd -m -u 1000000 builder
SHELL ["/bin/bash", "-c"]
RUN wget -O- https://example.com/tools.tgz | tar -xz -C /usr/local
USER builder
WORKDIR /home/builder
ENTRYPOINT ["bash"]
