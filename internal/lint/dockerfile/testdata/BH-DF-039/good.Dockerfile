FROM alpine:3.20 AS a
CMD ["sh"]
FROM alpine:3.20
CMD ["ash"]
