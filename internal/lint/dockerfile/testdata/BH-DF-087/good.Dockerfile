FROM python:3.12-slim AS build
COPY --chown=10001 src /src
FROM python:3.12-slim
RUN useradd --uid 10001 app && install -d -o app /data
COPY --chown=root:root app /app
COPY --from=build /src /src
USER 10001
