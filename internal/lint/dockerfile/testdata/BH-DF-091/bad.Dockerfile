FROM debian:12 AS build
USER 10001
RUN make
FROM debian:12
COPY --from=build /out /app
