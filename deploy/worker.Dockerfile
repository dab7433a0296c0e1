# syntax=docker/dockerfile:1.7
# facerec worker: consumes the ingest queue (one message per album photo) and indexes every face.
# Build from the repository root:  docker build -f deploy/worker.Dockerfile -t facerec-worker .
# Stages: deps (packages fetched from the lockfile only) → build (prod install + models converted
# to ONNX) → runtime (node:24-slim, non-root, prod dependencies and converted models only).

ARG NODE_IMAGE=node:24-slim
# Keep these equal to package.json's packageManager and the lockfile's tsx (infra/test checks them).
ARG PNPM_VERSION=10.34.8
ARG TSX_VERSION=4.23.15

FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION
ARG TSX_VERSION
# pnpm from npm (corepack fails on registry signatures here); tsx runs the TypeScript sources:
# the repo has no compile step and tsx is a root devDependency that a prod install leaves out.
RUN npm install --global --no-fund --no-audit pnpm@${PNPM_VERSION} tsx@${TSX_VERSION} \
 && npm cache clean --force
ENV PNPM_HOME=/pnpm CI=true
WORKDIR /app

FROM base AS deps
# Only the lockfile: this layer (every package tarball) is reused until a dependency changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --store-dir /pnpm/store

FROM deps AS build
ARG FACEREC_MODEL_SET=dlib-r34-v1
COPY . .
# .npmrc has onnxruntime-node-install=skip (its CPU binaries ship in the package; the script only
# downloads GPU libraries). --ignore-scripts also keeps the pinned `node` devDependency from
# downloading a second Node; sharp and esbuild ship prebuilt binaries as optional packages.
RUN pnpm install --offline --frozen-lockfile --prod --ignore-scripts --store-dir /pnpm/store \
      --config.package-import-method=copy --filter "@facerec/cli..."
# Convert the npm-shipped weights to ONNX now, so a container never converts at start.
ENV FACEREC_MODEL_CACHE=/app/models
RUN node --import tsx packages/cli/src/main.ts models convert --set "${FACEREC_MODEL_SET}" \
 && node --import tsx packages/cli/src/main.ts models list > /dev/null

FROM ${NODE_IMAGE} AS runtime
ARG TSX_VERSION
ARG FACEREC_MODEL_SET=dlib-r34-v1
RUN npm install --global --no-fund --no-audit tsx@${TSX_VERSION} && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx
WORKDIR /app
COPY --from=build /app/package.json /app/tsconfig.json /app/pnpm-workspace.yaml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
COPY --from=build /app/apps ./apps
COPY --from=build /app/migrations ./migrations
COPY --from=build --chown=node:node /app/models ./models
RUN install -d -o node -g node /app/data
ENV NODE_ENV=production \
    FACEREC_MODE=production \
    HOST=0.0.0.0 \
    PORT=8081 \
    FACEREC_QUEUE=sqs \
    FACEREC_BLOB_STORE=s3 \
    FACEREC_MODEL_CACHE=/app/models \
    FACEREC_MODEL_SET=${FACEREC_MODEL_SET} \
    FACEREC_DATA_DIR=/app/data
# The image's own `node` user (uid 1000); the code and dependencies stay root-owned, read-only to it.
USER node
# Contract with `facerec worker`: it serves /healthz and /metrics on PORT (8081 here), like the
# gateway does, so Docker, compose and Kubernetes can tell a stuck consumer from a busy one.
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and receives SIGTERM itself: the worker stops receiving, finishes or releases its batch.
ENTRYPOINT ["node", "--import", "/usr/local/lib/node_modules/tsx/dist/loader.mjs", "packages/cli/src/main.ts"]
CMD ["worker"]
