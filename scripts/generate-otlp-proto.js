#!/usr/bin/env node
// Generates libs/otlp/src/generated/otlp.js, static protobufjs code for the OTLP messages, from
// the vendored .proto files in libs/otlp/proto. It is what `pbjs -t static-module --null-defaults`
// makes (protobufjs-cli is not a dependency): the encoders, decoders and converters are
// protobufjs's own code generators' output, with each message type bound to a module-level name
// instead of looked up by reflection, so decoding costs what it did with the generated code of
// @opentelemetry/otlp-transformer.
//
//   node scripts/generate-otlp-proto.js [outDir]   (default: libs/otlp/src/generated)
//
// libs/otlp/src/generated.spec.ts regenerates into a temp dir and compares, so the checked-in
// file cannot drift from the .proto files or from the installed protobufjs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const PROTO_DIR = path.resolve(__dirname, '../libs/otlp/proto');
const SERVICES = ['trace', 'metrics', 'logs'].map((s) => `opentelemetry/proto/collector/${s}/v1/${s}_service.proto`);
const PREFIX = '.opentelemetry.proto.';

function loadRoot() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync(SERVICES);
  return root.resolveAll();
}

/** ".opentelemetry.proto.trace.v1.Span.Event" → "trace_v1_Span_Event" (unique, and short enough to read). */
const bindingName = (reflected) => reflected.fullName.slice(PREFIX.length).replace(/\./g, '_');

/** All message types and enums, parents before nested ones, in declaration order. */
function collect(ns, out = []) {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) out.push(nested);
    if (nested instanceof protobuf.Namespace) collect(nested, out);
  }
  return out;
}

/** A protobufjs code generator's function source, with its reflection lookups bound statically. */
function staticSource(type, gen) {
  const name = bindingName(type);
  const typeOf = (index) => bindingName(type.fieldsArray[Number(index)].resolvedType);
  return gen
    .toString()
    .replace(/\bthis\.ctor\b/g, name)
    .replace(/\btypes\[(\d+)\]\.values\b/g, (_, i) => typeOf(i)) // an enum binding is its values object
    .replace(/\btypes\[(\d+)\]/g, (_, i) => typeOf(i));
}

function emitEnum(en) {
  const name = bindingName(en);
  const lines = [`// ${en.fullName.slice(1)}`, `const ${name} = (() => {`, '  const valuesById = {}, values = Object.create(valuesById);'];
  for (const [key, id] of Object.entries(en.values)) lines.push(`  values[(valuesById[${id}] = ${JSON.stringify(key)})] = ${id};`);
  lines.push('  return values;', '})();');
  return lines.join('\n');
}

function emitType(type) {
  const name = bindingName(type);
  const lines = [`// ${type.fullName.slice(1)}`, `const ${name} = ${protobuf.Type.generateConstructor(type).toString()};`];
  // --null-defaults: an unset field reads as null (repeated ones as an empty array).
  for (const field of type.fieldsArray) lines.push(`${name}.prototype.${field.name} = ${field.repeated ? 'util.emptyArray' : field.map ? 'util.emptyObject' : 'null'};`);
  for (const oneof of type.oneofsArray) {
    const fields = JSON.stringify(oneof.oneof);
    lines.push(`Object.defineProperty(${name}.prototype, ${JSON.stringify(oneof.name)}, { get: util.oneOfGetter(${fields}), set: util.oneOfSetter(${fields}) });`);
  }
  lines.push(
    `${name}.create = function create(p) {\n  return new ${name}(p);\n};`,
    `${name}.encode = ${staticSource(type, protobuf.encoder(type))};`,
    `${name}.decode = ${staticSource(type, protobuf.decoder(type))};`,
    `${name}.fromObject = ${staticSource(type, protobuf.converter.fromObject(type))};`,
    `${name}.toObject = ${staticSource(type, protobuf.converter.toObject(type))};`,
    `${name}.prototype.toJSON = function toJSON() {\n  return this.constructor.toObject(this, util.toJSONOptions);\n};`,
  );
  return lines.join('\n');
}

/** The namespace tree as an object literal of bindings: opentelemetry.proto.trace.v1.Span etc. */
function exportTree(ns, indent) {
  const pad = '  '.repeat(indent);
  const entries = ns.nestedArray
    .filter((n) => n instanceof protobuf.Type || n instanceof protobuf.Enum || (n instanceof protobuf.Namespace && !(n instanceof protobuf.Service)))
    .map((n) => {
      if (n instanceof protobuf.Enum) return `${pad}  ${n.name}: ${bindingName(n)},`;
      const nested = n.nestedArray.some((c) => !(c instanceof protobuf.Service));
      if (n instanceof protobuf.Type) {
        return nested ? `${pad}  ${n.name}: Object.assign(${bindingName(n)}, ${exportTree(n, indent + 1)}),` : `${pad}  ${n.name}: ${bindingName(n)},`;
      }
      return `${pad}  ${n.name}: ${exportTree(n, indent + 1)},`;
    });
  return `{\n${entries.join('\n')}\n${pad}}`;
}

function generate() {
  const root = loadRoot();
  const version = require('protobufjs/package.json').version;
  const body = collect(root).map((r) => (r instanceof protobuf.Enum ? emitEnum(r) : emitType(r)));
  const js = [
    `// Generated by scripts/generate-otlp-proto.js from libs/otlp/proto with protobufjs ${version}. Do not edit.`,
    '/* eslint-disable */',
    "'use strict';",
    "const protobuf = require('protobufjs/minimal');",
    'const Reader = protobuf.Reader, Writer = protobuf.Writer, util = protobuf.util;',
    '',
    body.join('\n\n'),
    '',
    `exports.opentelemetry = ${exportTree(root.lookup('opentelemetry'), 0)};`,
    '',
  ].join('\n');
  const dts = [
    '// Generated by scripts/generate-otlp-proto.js. The message shapes are typed by hand in ../proto.ts.',
    'export declare const opentelemetry: unknown;',
    '',
  ].join('\n');
  return { 'otlp.js': js, 'otlp.d.ts': dts };
}

const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '../libs/otlp/src/generated'));
fs.mkdirSync(outDir, { recursive: true });
for (const [file, text] of Object.entries(generate())) fs.writeFileSync(path.join(outDir, file), text);
