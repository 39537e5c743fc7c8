#!/usr/bin/env node
// Installs what the project needs before `npm start`, `npm test` and `npm run bench`,
// so a fresh clone works with one command. Uses only Node built-ins: it runs before
// node_modules exists. Re-installs when package-lock.json changed since the last install.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.meridian-deps');

function fingerprint() {
  const h = createHash('sha256');
  h.update(process.version);
  h.update(fs.readFileSync(fs.existsSync(lock) ? lock : path.join(root, 'package.json')));
  return h.digest('hex');
}

function run(cmd, args) {
  console.error(`[ensure-deps] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

const want = fingerprint();
const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
if (want !== have) {
  // `npm install`, not `npm ci`: npm 11 leaves other platforms' optional packages (@swc/core-*,
  // @chdb/lib-*) out of the lock file and then `npm ci` refuses it as out of sync.
  run('npm', ['install', '--no-audit', '--no-fund']);
  fs.writeFileSync(stamp, fingerprint() + '\n');
}
