LABEL x=y
FROM alpine:3.20
