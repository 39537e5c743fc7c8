# syntax=docker/dockerfile:1
# Meridian web UI as its own image, for operators who serve the UI from a separate tier/CDN.
# apps/web is a Next.js *static export* (next.config.ts: output 'export'), not a Node server
# (no `output: 'standalone'`): the image is nginx serving apps/web/out and proxying /api/ to
# the api role, so the session cookie and CSRF header stay same-origin. The server image
# already serves the same UI from its api role; this image is optional.
#   docker build -f infra/docker/web.Dockerfile -t meridian/web:0.1.0 .
#   docker run -p 8080:8080 -e MERIDIAN_API_UPSTREAM=http://meridian-api:8080 meridian/web:0.1.0
ARG NODE_IMAGE=node:20.19-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
# See server.Dockerfile for why `npm install` rather than `npm ci`.
RUN npm install --no-audit --no-fund && node scripts/build-web.js

FROM ${NGINX_IMAGE} AS runtime
# nginx-unprivileged runs as uid 101 and listens on 8080; templates are rendered with envsubst
# at start (only variables named in the template are replaced).
ENV MERIDIAN_API_UPSTREAM=http://meridian-api:8080
COPY --chown=root:root infra/docker/web-nginx.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build --chown=root:root /app/apps/web/out /usr/share/nginx/html
USER 101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
