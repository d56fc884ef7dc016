FROM alpine:3.20 AS build
CMD echo only-for-debugging-the-build-stage

FROM alpine:3.20
ENTRYPOINT ["/app/server"]
CMD ["--port", "8080"]
