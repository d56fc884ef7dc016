FROM debian:12-slim
RUN useradd -r app
USER app
COPY app /app
USER root
CMD ["/app/run"]
