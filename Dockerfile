# syntax=docker/dockerfile:1
#
# One build, one image per service:
#   docker build --target ingest          -t pushmail/ingest .
#   docker build --target mailbox         -t pushmail/mailbox .
#   docker build --target device-registry -t pushmail/device-registry .
#   docker build --target push-delivery   -t pushmail/push-delivery .
#   docker build --target operations      -t pushmail/operations .
#   docker build --target activesync      -t pushmail/activesync .
#   docker build --target outbound        -t pushmail/outbound .
# Every target shares the build and the production node_modules layers, so building all seven costs
# one compilation.

ARG NODE_IMAGE=node:24-slim

# ---------------------------------------------------------------------------------------------------
# The package manifests alone, at their paths in the workspace: what `npm ci` needs, so the dependency
# layers are rebuilt only when these change.
FROM scratch AS manifests
COPY package.json package-lock.json /
COPY libs/contracts/package.json /libs/contracts/package.json
COPY libs/platform/package.json /libs/platform/package.json
COPY libs/jmap/package.json /libs/jmap/package.json
COPY libs/activesync/package.json /libs/activesync/package.json
COPY libs/edge/package.json /libs/edge/package.json
COPY libs/testing/package.json /libs/testing/package.json

# ---------------------------------------------------------------------------------------------------
# Compiles every project (SWC) into dist/apps/<service> and libs/<lib>/dist.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# No daemon, no cloud, no install-time analytics (a dev dependency pulls in @scarf/scarf).
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_TUI=false \
    CI=true \
    SCARF_ANALYTICS=false
# The manifests alone first: the dependency layer is rebuilt only when they change.
COPY --from=manifests / ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --output-style=static

# ---------------------------------------------------------------------------------------------------
# Production dependencies only. The Node.js runtime that package.json pulls in for developers'
# machines is dropped: the base image has its own.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY --from=manifests / ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/node-linux-* node_modules/.bin/node

# ---------------------------------------------------------------------------------------------------
# What every service image has: tini as PID 1 (signals reach node, zombies are reaped), the
# production node_modules, and the shared libraries' build output behind their workspace links.
# Everything is owned by root and read-only to the unprivileged user the service runs as.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=production-dependencies /app/package.json ./package.json
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /src/libs/contracts/package.json ./libs/contracts/package.json
COPY --from=build /src/libs/contracts/dist ./libs/contracts/dist
COPY --from=build /src/libs/platform/package.json ./libs/platform/package.json
COPY --from=build /src/libs/platform/dist ./libs/platform/dist
COPY --from=build /src/libs/jmap/package.json ./libs/jmap/package.json
COPY --from=build /src/libs/jmap/dist ./libs/jmap/dist
COPY --from=build /src/libs/activesync/package.json ./libs/activesync/package.json
COPY --from=build /src/libs/activesync/dist ./libs/activesync/dist
COPY --from=build /src/libs/edge/package.json ./libs/edge/package.json
COPY --from=build /src/libs/edge/dist ./libs/edge/dist
COPY tools/deploy/healthcheck.mjs ./healthcheck.mjs
# The image's own `node` user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--"]

# ---------------------------------------------------------------------------------------------------
FROM runtime AS ingest
COPY --from=build /src/dist/apps/ingest ./dist/apps/ingest
# SMTP, then health and metrics.
EXPOSE 2525 8083
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "INGEST_HTTP_PORT", "8083"]
CMD ["node", "dist/apps/ingest/main.js"]

FROM runtime AS mailbox
COPY --from=build /src/dist/apps/mailbox ./dist/apps/mailbox
# Internal JMAP endpoint, health and metrics.
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "MAILBOX_HTTP_PORT", "8082"]
CMD ["node", "dist/apps/mailbox/main.js"]

FROM runtime AS device-registry
COPY --from=build /src/dist/apps/device-registry ./dist/apps/device-registry
# Admin and device registration API, health and metrics.
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "REGISTRY_HTTP_PORT", "8081"]
CMD ["node", "dist/apps/device-registry/main.js"]

FROM runtime AS push-delivery
COPY --from=build /src/dist/apps/push-delivery ./dist/apps/push-delivery
# JMAP session, JMAP over HTTP and WebSocket, health and metrics.
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "PUSH_HTTP_PORT", "8080"]
CMD ["node", "dist/apps/push-delivery/main.js"]

FROM runtime AS operations
COPY --from=build /src/dist/apps/operations ./dist/apps/operations
# The operations console's static files, served under /console/.
COPY --from=build /src/dist/apps/console ./dist/apps/console
# Diagnostics and self-test API, the console, the admin calls it forwards, health and metrics.
EXPOSE 8085
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "OPERATIONS_HTTP_PORT", "8085"]
CMD ["node", "dist/apps/operations/main.js"]

FROM runtime AS activesync
COPY --from=build /src/dist/apps/activesync ./dist/apps/activesync
# Exchange ActiveSync for phones' mail apps (/Microsoft-Server-ActiveSync, Autodiscover), health and metrics.
EXPOSE 8084
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "ACTIVESYNC_HTTP_PORT", "8084"]
CMD ["node", "dist/apps/activesync/main.js"]

FROM runtime AS outbound
COPY --from=build /src/dist/apps/outbound ./dist/apps/outbound
# Health and metrics only: it takes no mail from anyone.
EXPOSE 8086
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "healthcheck.mjs", "OUTBOUND_HTTP_PORT", "8086"]
CMD ["node", "dist/apps/outbound/main.js"]
