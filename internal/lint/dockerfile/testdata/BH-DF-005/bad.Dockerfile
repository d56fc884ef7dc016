FROM golang:1.22-bookworm AS build
COPY . /src
RUN cd /src && go build -o /out/app .

FROM debian:buster-slim
COPY --from=build /out/app /app
CMD ["/app"]
