# syntax=docker/dockerfile:1
# Meridian server image: one binary, every role (`--roles=intake|ingester|api|alerter|all`).
# Build from the repository root (the build context is the repo; this file's
# server.Dockerfile.dockerignore keeps node_modules, data and build output out of it):
#   docker build -f infra/docker/server.Dockerfile -t meridian/server:0.1.0 .
# glibc Debian base, not Alpine: chdb, @node-rs/argon2 and @swc/core ship prebuilt
# linux-x64-gnu binaries only.
ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
# `npm install`, not `npm ci`: npm 11 lockfiles leave other platforms' optional packages out
# and `npm ci` then refuses them as out of sync (see scripts/ensure-deps.js). Install scripts
# run (npm 10 in this image runs them): protobufjs and friends need theirs.
RUN npm install --no-audit --no-fund \
 && node scripts/build-web.js \
 # The server runs TypeScript through @swc-node/register, which loads `typescript` at run
 # time although it is a devDependency: keep it across the prune.
 && cp -a node_modules/typescript /tmp/typescript \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/typescript && mv /tmp/typescript node_modules/typescript \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MERIDIAN_DATA_DIR=/var/lib/meridian \
    MERIDIAN_HOST=0.0.0.0 \
    MERIDIAN_DEMO=0
WORKDIR /app
# Fixed numeric ids so Kubernetes `runAsNonRoot` can verify them; files stay root-owned
# (read-only for the process), only the data directory belongs to the user.
RUN groupadd --system --gid 10001 meridian \
 && useradd --system --uid 10001 --gid meridian --home-dir /nonexistent --shell /usr/sbin/nologin meridian \
 && mkdir -p /var/lib/meridian && chown meridian:meridian /var/lib/meridian
COPY --from=build /app/package.json /app/tsconfig.json /app/.swcrc ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/scripts/run-ts.js ./scripts/run-ts.js
COPY --from=build /app/libs ./libs
COPY --from=build /app/apps/server ./apps/server
# The api role serves the static web UI from apps/web/out on its own origin.
COPY --from=build /app/apps/web/out ./apps/web/out
COPY --from=build /app/scripts/render-config.js ./scripts/render-config.js
USER 10001:10001
VOLUME ["/var/lib/meridian"]
# 8080: API, web UI, /healthz, /readyz, /metrics (every role). 4318/4317: OTLP HTTP/gRPC (intake).
EXPOSE 8080 4318 4317
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MERIDIAN_API_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 on purpose: the server handles SIGTERM itself (drains in-flight work).
ENTRYPOINT ["node", "scripts/run-ts.js", "apps/server/src/main.ts"]
CMD ["start", "--roles=all"]
