# syntax=docker/dockerfile:1
# Meridian server image: one binary, every role (`--roles=intake|ingester|api|alerter|all`).
# Build from the repository root (the build context is the repo; this file's
# server.Dockerfile.dockerignore keeps node_modules, data and build output out of it):
#   docker build -f infra/docker/server.Dockerfile -t meridian/server:0.1.0 .
# glibc Debian base, not Alpine: chdb and @node-rs/argon2 ship prebuilt linux-x64-gnu binaries only.
ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
# Exactly the committed lock, dev dependencies included (they build: SWC, Next.js).
# scripts/build.js (`npm run build`) writes dist/server: the server as JavaScript, the web UI's static export and the
# manifests; there `npm ci --omit=dev` installs the production packages only (no TypeScript,
# SWC, Next.js or test-only packages). Install scripts run (npm 10 in this image runs them).
RUN npm ci --no-audit --no-fund \
 && node scripts/build.js dist/server \
 && cd dist/server && npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX: fewer glibc malloc arenas, ~100–200 MiB less resident memory at full ingest rate (README, "Memory").
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MERIDIAN_DATA_DIR=/var/lib/meridian \
    MERIDIAN_HOST=0.0.0.0 \
    MERIDIAN_DEMO=0
WORKDIR /app
# Fixed numeric ids so Kubernetes `runAsNonRoot` can verify them; files stay root-owned
# (read-only for the process), only the data directory belongs to the user.
RUN groupadd --system --gid 10001 meridian \
 && useradd --system --uid 10001 --gid meridian --home-dir /nonexistent --shell /usr/sbin/nologin meridian \
 && mkdir -p /var/lib/meridian && chown meridian:meridian /var/lib/meridian
# The built server (apps/server/src/main.js), the libs it requires, the web UI the api role
# serves (apps/web/out), scripts/render-config.js and the production node_modules.
COPY --from=build /app/dist/server ./
USER 10001:10001
VOLUME ["/var/lib/meridian"]
# 8080: API, web UI, /healthz, /readyz, /metrics (every role). 4318/4317: OTLP HTTP/gRPC (intake).
EXPOSE 8080 4318 4317
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MERIDIAN_API_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 on purpose: the server handles SIGTERM itself (drains in-flight work).
ENTRYPOINT ["node", "apps/server/src/main.js"]
CMD ["start", "--roles=all"]
