FROM debian:12
WORKDIR /app
COPY src/ .
RUN chown -R app:app /app
