FROM node:20.11-bookworm-slim
CMD ["node"]
