#!/usr/bin/env node
// Installs what the project needs before `npm start`, `npm test`, `npm run build` and
// `npm run bench`, so a fresh clone works with one command. Uses only Node built-ins: it runs
// before node_modules exists. Re-installs when package.json or package-lock.json changed since the
// last install.
//
// `npm ci` installs exactly the committed lock and never writes it. When the lock does not
// match package.json (package.json edited by hand) `npm ci` refuses; then `npm install` brings
// the lock up to date and says to commit it. With --frozen-lockfile (`npm test`, so CI) that
// fails instead: a lock that leaves the README's commands with a dirty checkout never passes.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const manifest = path.join(root, 'package.json');
const stamp = path.join(root, 'node_modules', '.meridian-deps');

function fingerprint() {
  const h = createHash('sha256');
  h.update(process.version);
  h.update(read(manifest)).update(read(lock));
  return h.digest('hex');
}

function read(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/**
 * `npm ci`; false when it refused a lock out of sync with package.json (it then installed nothing).
 * npm ci empties node_modules: our downloads in node_modules/.cache/meridian* (Kafka jars, Helm,
 * the Kafka mock) wait in tmp/ meanwhile, so they are not fetched again.
 */
function cleanInstall() {
  const cache = path.join(root, 'node_modules', '.cache');
  const aside = path.join(root, 'tmp', 'ensure-deps-cache');
  const ours = fs.existsSync(cache) ? fs.readdirSync(cache).filter((name) => name.startsWith('meridian')) : [];
  fs.rmSync(aside, { recursive: true, force: true });
  fs.mkdirSync(aside, { recursive: true });
  for (const name of ours) fs.renameSync(path.join(cache, name), path.join(aside, name));
  console.error('[ensure-deps] npm ci --no-audit --no-fund');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8' });
  fs.mkdirSync(cache, { recursive: true });
  for (const name of ours) if (!fs.existsSync(path.join(cache, name))) fs.renameSync(path.join(aside, name), path.join(cache, name));
  if (r.status !== 0 && /can only install packages when your package\.json and package-lock\.json/.test(r.stderr)) {
    console.error(
      `[ensure-deps] package-lock.json is out of sync with package.json:\n${r.stderr
        .split('\n')
        .filter((l) => /Missing|Invalid/.test(l))
        .join('\n')}`,
    );
    return false;
  }
  process.stderr.write(r.stderr);
  if (r.status !== 0) process.exit(r.status ?? 1);
  return true;
}

const want = fingerprint();
const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
if (want !== have) {
  const before = read(manifest) + read(lock);
  if (!fs.existsSync(lock) || !cleanInstall()) {
    console.error('[ensure-deps] npm install --no-audit --no-fund');
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  }
  fs.writeFileSync(stamp, fingerprint() + '\n');
  if (read(manifest) + read(lock) !== before) {
    console.error('[ensure-deps] npm install rewrote package-lock.json: commit it (`npm ci` then installs exactly that lock).');
    if (process.argv.includes('--frozen-lockfile')) process.exit(1);
  }
}
