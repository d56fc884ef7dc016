FROM node:20-bookworm-slim
COPY package.json /app/
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
