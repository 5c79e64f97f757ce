# ds-reindex worker and HTTP API image.
#   docker build -t ds-reindex .
#   docker run ds-reindex                         # the worker (default)
#   docker run ds-reindex node dist/client/http-api/main.js   # the HTTP API
# Configuration comes only from environment variables (see README, Configuration). The worker serves
# /livez, /readyz and /metrics on 9464; the API serves /livez and /readyz beside its endpoints on 9300.
# Both stop gracefully on SIGTERM (docker stop), within WORKER_SHUTDOWN_FORCE_MS / HTTP_API_SHUTDOWN_DRAIN_MS.

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
# NODE_OPTIONS caps Node's heap, and with it the SDK's workflow cache, so a worker stays well under 1 GiB
# whatever the host's memory (docs/OPERATING.md, "A worker's memory"); set it again to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=512 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    WORKER_HTTP_HOST=0.0.0.0 \
    WORKER_HTTP_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 9300 9464
# Whichever of the two runs in the container must be ready: connected to Temporal (and polling, or
# reaching Elasticsearch for the API).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/observability/healthcheck.js"]
# docker stop sends SIGTERM, then SIGKILL after its timeout (10 s by default): give the worker longer,
# e.g. `docker stop -t 40`, or `stop_grace_period` in compose, so a copy is handed over cleanly.
STOPSIGNAL SIGTERM
CMD ["node", "dist/worker/main.js"]
