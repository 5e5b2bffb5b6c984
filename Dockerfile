FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && npm prune --omit=dev
ENV PORT=8080
EXPOSE 8080 50051
CMD ["node", "dist/server/main.js"]
