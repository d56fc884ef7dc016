FROM golang:1.20-buster AS build
COPY . /src
WORKDIR /src
RUN go build -o /out/app .

FROM debian:bookworm-slim
COPY --from=build /out/app /app
CMD ["/app"]
