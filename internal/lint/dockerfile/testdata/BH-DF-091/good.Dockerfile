FROM debian:12
RUN useradd --uid 10001 app
USER 10001
FROM gcr.io/distroless/static:nonroot
COPY app /app
