FROM debian:12-slim
RUN useradd -r app
COPY app /app
USER 10001:10001
CMD ["/app/run"]
