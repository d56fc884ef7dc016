FROM debian:12
RUN curl -fsSL https://get.example.com/install.sh | bash
