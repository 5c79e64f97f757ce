# ds-reindex worker and HTTP API image.
#   docker build -t ds-reindex .
#   docker run ds-reindex                         # the worker (default)
#   docker run ds-reindex node dist/http-api/main.js   # the HTTP API
# Configuration comes only from environment variables (see README, Configuration).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The sandbox is an npm workspace the lock file names; only its manifest comes in, so its code (a test
# double) never reaches the image, and `npm prune --omit=dev` drops the link to it.
COPY packages/es-sandbox/package.json ./packages/es-sandbox/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
# Compile, then bundle the workflows once so the worker never runs webpack at start.
RUN npx tsc -p tsconfig.build.json \
 && npx tsx scripts/bundle-workflows.ts dist/workflow-bundle.js \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 9300
CMD ["node", "dist/worker/main.js"]
