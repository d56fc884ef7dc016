FROM node:20-bookworm-slim
RUN npm install -g typescript
