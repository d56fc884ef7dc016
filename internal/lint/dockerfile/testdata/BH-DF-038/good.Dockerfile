FROM alpine:3.20
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
ENV DB_PASSWORD_FILE=/run/secrets/db_password GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
