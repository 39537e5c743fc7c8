#!/usr/bin/env node
// Runs a TypeScript entry point without a build step: SWC transpiles on load (with
// decorator metadata for NestJS) and resolves the tsconfig path aliases of the libs.
'use strict';
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.resolve(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.js <entry.ts> [args…]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
