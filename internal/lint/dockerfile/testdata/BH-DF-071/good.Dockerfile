FROM debian:12
WORKDIR /app
COPY --chown=app:app src/ .
RUN chown app /var/log/app
