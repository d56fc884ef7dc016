FROM python:3.12-slim
RUN useradd --uid 10001 app
COPY --chown=app:app app /app
USER 10001
