#!/usr/bin/env node
// `npm run build [-- <out dir>]`: the server as JavaScript that runs with production
// dependencies only, in dist/server (or <out dir>). The output mirrors the repository's layout,
// so what the server finds from __dirname (the web UI export, worker and child-process entries)
// sits where it does in the sources:
//   apps/server/src/**.js, libs/*/src/**.js  SWC output with decorator metadata for NestJS; the
//                                            tsconfig path aliases become relative requires
//   apps/web/out                             the web UI's static export (scripts/build-web.js)
//   package.json, package-lock.json and each workspace's package.json, so `npm ci --omit=dev`
//                                            there installs exactly the locked production packages
//   scripts/render-config.js                 the pods' init step
// Then: cd dist/server && npm ci --omit=dev && node apps/server/src/main.js start --roles=all
// Compiled: the server projects (Nx tag scope:server or scope:shared, not type:testing), without
// test-only files (specs, shared contract suites, fixtures, `testing` entries).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist/server'));
const TEST_ONLY = /\.(spec|contract|fixture|script)\.ts$|\.d\.ts$|(^|\/)testing(\.ts$|\/)/;

function filesUnder(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Source roots of the projects the server runs, found through the workspaces (new libs need no entry here). */
function serverSourceRoots() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return workspaceDirs(pkg)
    .filter((dir) => fs.existsSync(path.join(root, dir, 'project.json')))
    .map((dir) => JSON.parse(fs.readFileSync(path.join(root, dir, 'project.json'), 'utf8')))
    .filter(({ tags = [] }) => tags.some((t) => t === 'scope:server' || t === 'scope:shared') && !tags.includes('type:testing'))
    .map((p) => p.sourceRoot);
}

/** apps/*, libs/* → the directories holding a package.json (what npm links as workspaces). */
function workspaceDirs(pkg) {
  return pkg.workspaces.flatMap((pattern) => {
    const parent = pattern.replace(/\/\*$/, '');
    return fs
      .readdirSync(path.join(root, parent))
      .map((name) => `${parent}/${name}`)
      .filter((dir) => fs.existsSync(path.join(root, dir, 'package.json')));
  });
}

function swcOptions() {
  const { config, error } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
  delete swcrc.$schema;
  return { ...swcrc, swcrc: false, sourceMaps: false, jsc: { ...swcrc.jsc, baseUrl: root, paths: config.compilerOptions.paths } };
}

async function compileServer() {
  const options = swcOptions();
  const files = serverSourceRoots()
    .flatMap(filesUnder)
    .filter((f) => !TEST_ONLY.test(f));
  await Promise.all(
    files.map(async (file) => {
      const target = path.join(out, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (!file.endsWith('.ts')) return fs.copyFileSync(path.join(root, file), target); // assets (.sql, .json …)
      const { code } = await swc.transformFile(path.join(root, file), { ...options, filename: path.join(root, file) });
      fs.writeFileSync(target.replace(/\.ts$/, '.js'), code);
    }),
  );
  return files.length;
}

/** The manifests `npm ci` needs; a workspace's `main` names its built index. */
function writeManifests() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, file), path.join(out, file));
  for (const dir of workspaceDirs(pkg)) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    if (manifest.main) manifest.main = manifest.main.replace(/\.ts$/, '.js');
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    fs.writeFileSync(path.join(out, dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  fs.mkdirSync(path.join(out, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(root, 'scripts/render-config.js'), path.join(out, 'scripts/render-config.js'));
}

async function main() {
  const started = Date.now();
  execFileSync(process.execPath, [path.join(__dirname, 'build-web.js')], { stdio: 'inherit' });
  fs.rmSync(out, { recursive: true, force: true });
  const count = await compileServer();
  writeManifests();
  fs.cpSync(path.join(root, 'apps/web/out'), path.join(out, 'apps/web/out'), { recursive: true });
  console.error(`[build] ${count} files → ${path.relative(root, out) || out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`[build] ${e.stack ?? e}`);
  process.exit(1);
});
