# Grafana with the plugin built from this checkout, so `docker compose up` needs no local Node.
FROM node:20.20-bookworm-slim AS plugin
WORKDIR /app
COPY package.json package-lock.json ./
COPY backend/package.json backend/
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM grafana/grafana:12.3.0
COPY --from=plugin /app/dist /var/lib/grafana/plugins/reliability-studio-app
