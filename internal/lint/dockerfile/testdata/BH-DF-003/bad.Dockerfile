FROM node:latest
CMD ["node"]
