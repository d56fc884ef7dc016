FROM golang:1.22
RUN go build -o /app .
FROM debian:12
COPY --from=0 /app /app
