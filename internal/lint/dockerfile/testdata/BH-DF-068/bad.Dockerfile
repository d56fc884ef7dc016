FROM node:20-bookworm-slim
COPY .npmrc package.json /app/
