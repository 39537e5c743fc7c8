#!/usr/bin/env node
// Init step of the Helm chart's pods: copies the MERIDIAN_CONFIG_FILE from its ConfigMap and
// adds each region's ClickHouse credentials from the environment (filled from Kubernetes
// Secrets), so credentials never sit in a ConfigMap. For region "ap-northeast-1" it reads
// CLICKHOUSE_USERNAME__AP_NORTHEAST_1 and CLICKHOUSE_PASSWORD__AP_NORTHEAST_1.
// usage: render-config.js <template.json> <out.json>
'use strict';
const fs = require('node:fs');

const [template, out] = process.argv.slice(2);
if (!template || !out) {
  console.error('usage: render-config.js <template.json> <out.json>');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(template, 'utf8'));
for (const region of config.regions ?? []) {
  const suffix = String(region.id).toUpperCase().replace(/-/g, '_');
  const username = process.env[`CLICKHOUSE_USERNAME__${suffix}`];
  const password = process.env[`CLICKHOUSE_PASSWORD__${suffix}`];
  if (username !== undefined) region.clickhouse.username = username;
  if (password !== undefined) region.clickhouse.password = password;
}
fs.writeFileSync(out, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
console.log(`render-config: wrote ${out} (${(config.regions ?? []).length} region(s))`);
