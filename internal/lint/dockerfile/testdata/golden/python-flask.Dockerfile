FROM python:3.11-slim-bullseye AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
RUN apt-get update && apt-get install -y build-essential libpq-dev
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim-bullseye
LABEL org.opencontainers.image.source="https://github.com/example/flask-app"
ENV FLASK_ENV=production \
    SECRET_KEY=dev-secret-change-me
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /wheels /wheels
RUN pip install /wheels/* && pip install gunicorn
WORKDIR /app
COPY . .
RUN useradd --create-home appuser && chown -R appuser /app
USER appuser
EXPOSE 5000
CMD gunicorn -b 0.0.0.0:5000 app:app
