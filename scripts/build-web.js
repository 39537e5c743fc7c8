#!/usr/bin/env node
// Builds the web UI (apps/web → apps/web/out, a Next.js static export served by the api role)
// when its sources, the API contract or the dependencies changed since the last build. Run by
// `npm start` and by the browser tests; concurrent runs wait for each other (flock).
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const web = path.join(root, 'apps/web');
const out = path.join(web, 'out');
const stamp = path.join(out, '.meridian-build');
const SKIP = new Set(['node_modules', '.next', 'out', 'next-env.d.ts']);

if (!process.env.MERIDIAN_WEB_BUILD_LOCKED) {
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  try {
    execFileSync('flock', [path.join(root, 'tmp/build-web.lock'), process.execPath, path.join(__dirname, 'build-web.js')], {
      stdio: 'inherit',
      env: { ...process.env, MERIDIAN_WEB_BUILD_LOCKED: '1' },
    });
  } catch (e) {
    process.exit(e.status ?? 1);
  }
  process.exit(0);
}

function addTree(hash, dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(entry.name) || entry.name.endsWith('.spec.ts') || entry.name.endsWith('.spec.tsx')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) addTree(hash, full);
    else if (entry.isFile()) hash.update(path.relative(root, full)).update('\0').update(fs.readFileSync(full)).update('\0');
  }
}

function fingerprint() {
  const hash = createHash('sha256').update(process.version);
  addTree(hash, web);
  addTree(hash, path.join(root, 'libs/api-contract/src'));
  addTree(hash, path.join(root, 'libs/domain/src'));
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')));
  return hash.digest('hex');
}

const want = fingerprint();
const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
if (want !== have) {
  console.error('[build-web] building the web UI (next build) …');
  const started = Date.now();
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
      cwd: web,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    });
  } catch (e) {
    console.error('[build-web] next build failed (its errors are above)');
    process.exit(e.status ?? 1);
  }
  fs.writeFileSync(stamp, want + '\n');
  console.error(`[build-web] done in ${((Date.now() - started) / 1000).toFixed(1)} s → apps/web/out`);
}
