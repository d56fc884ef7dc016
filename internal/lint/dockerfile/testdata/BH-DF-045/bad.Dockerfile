FROM alpine:3.20
CMD /app/server --port 8080
