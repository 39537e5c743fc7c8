#!/usr/bin/env node
// Makes the test Kafka broker available: installs Debian's librdkafka-dev if its mock-cluster
// header is missing, then builds kafka-mock.c with gcc into node_modules/.cache/meridian/,
// cached by a hash of the source (and of the librdkafka headers). Prints the binary's path.
// Used by libs/testing (startKafkaBroker) so `npm test` works on a fresh machine.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const source = path.join(__dirname, 'kafka-mock.c');
const header = '/usr/include/librdkafka/rdkafka_mock.h';
const cacheDir = path.join(root, 'node_modules', '.cache', 'meridian');

function log(msg) {
  process.stderr.write(`[kafka-mock] ${msg}\n`);
}

/** Runs a command with its output on stderr: stdout carries only the binary's path. */
function run(cmd, args, env) {
  execFileSync(cmd, args, { stdio: ['ignore', 2, 'inherit'], env: { ...process.env, ...env } });
}

function hasCommand(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** apt-get as root (or through passwordless sudo), serialized across parallel test workers. */
function aptGet(args) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!asRoot && !hasCommand('sudo')) throw new Error(`librdkafka-dev is missing and this user cannot install it: run "apt-get ${args.join(' ')}" as root`);
  const apt = ['apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
  const argv = asRoot ? apt : ['sudo', '-n', ...apt];
  run('flock', ['/tmp/meridian-apt.lock', ...argv], { DEBIAN_FRONTEND: 'noninteractive' });
}

function ensureLibrdkafka() {
  if (fs.existsSync(header)) return;
  log('installing librdkafka-dev (Debian) for the mock Kafka cluster…');
  try {
    aptGet(['install', '-y', '-q', 'librdkafka-dev']);
  } catch {
    aptGet(['update', '-q']);
    aptGet(['install', '-y', '-q', 'librdkafka-dev']);
  }
  if (!fs.existsSync(header)) throw new Error(`apt-get install librdkafka-dev did not provide ${header}`);
}

/** Returns the path of the built launcher, building it when its source changed. */
function ensureKafkaMock() {
  ensureLibrdkafka();
  if (!hasCommand('gcc')) aptGet(['install', '-y', '-q', 'gcc', 'libc6-dev']);
  const h = createHash('sha256');
  h.update(fs.readFileSync(source));
  h.update(fs.readFileSync(header));
  h.update(fs.readFileSync('/usr/include/librdkafka/rdkafka.h'));
  const bin = path.join(cacheDir, `kafka-mock-${h.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  log(`building ${path.relative(root, bin)}`);
  // -rdynamic exports the interposed bind() so librdkafka's listeners use it.
  run('gcc', ['-O2', '-Wall', '-rdynamic', '-o', tmp, source, '-lrdkafka', '-ldl']);
  fs.renameSync(tmp, bin); // atomic: parallel builders race harmlessly
  return bin;
}

module.exports = { ensureKafkaMock };

if (require.main === module) {
  try {
    process.stdout.write(ensureKafkaMock() + '\n');
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
