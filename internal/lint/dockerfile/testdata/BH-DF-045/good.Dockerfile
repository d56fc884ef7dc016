FROM alpine:3.20
ENTRYPOINT ["/app/server"]
CMD ["--port", "8080"]
