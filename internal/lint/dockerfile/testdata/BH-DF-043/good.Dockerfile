FROM alpine:3.20
RUN chmod -R 755 /app && chmod 1777 /scratch && chmod u+x /app/run
