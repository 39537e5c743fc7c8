/**
 * Bounded decode work: one pass over the request bytes, before protobufjs or JSON.parse build
 * any object, that counts what decoding would build and refuses a request over the limits.
 * protobufjs turns a 2-byte empty message into a JS object, so 32 MiB of empty
 * `ResourceSpans` (a few KiB of gzip) would otherwise be 16 M objects and gigabytes of heap.
 *
 * The pass allocates nothing and stops at the first limit passed. It also cuts AnyValue
 * nesting deeper than `maxValueDepth` in place, so the decoders never recurse deeper than
 * that (protobufjs and `fromObject` recurse once per level and overflow the stack on a
 * 100 000-level value, which used to turn into a 400 for the whole request):
 * - protobuf: the tag of a too-deep `arrayValue` / `kvlistValue` field is rewritten to an
 *   unknown field number with the same wire type, which protobufjs skips without descending;
 *   the AnyValue is then empty and normalizes to null, as values.ts does at that depth.
 * - JSON: the inside of an object or array nested deeper than any OTLP value may legitimately
 *   sit is overwritten with blanks, leaving `{}` or `[]`.
 * The body buffer is modified: callers pass bytes they own (the decompressed request).
 */
import { OtlpDecodeError } from './errors';
import type { OtlpEncoding, OtlpSignal } from './types';

/**
 * AnyValue nesting (arrays and kvlists within arrays and kvlists) deeper than this is null.
 * The ceiling of the `maxValueDepth` limit; values.ts cuts here too.
 */
export const MAX_ANY_VALUE_DEPTH = 32;

export interface RequestLimits {
  /** Spans, metric data points or log records in one request. */
  maxItems: number;
  /** ResourceSpans/Metrics/Logs plus ScopeSpans/Metrics/Logs in one request. */
  maxContainers: number;
  /** Key-value pairs (attributes, kvlist entries) plus array elements of values, anywhere in the request. */
  maxKeyValues: number;
  /** Every message (protobuf) or object/array (JSON) the decoder would build, of any kind. */
  maxObjects: number;
  /** AnyValue nesting kept; deeper values are cut to null. At most MAX_ANY_VALUE_DEPTH. */
  maxValueDepth: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxItems: 100_000,
  maxContainers: 10_000,
  maxKeyValues: 2_000_000,
  maxObjects: 4_000_000,
  maxValueDepth: MAX_ANY_VALUE_DEPTH,
};

/** What the pass found (all counts, also when no limit was passed). */
export interface WireCounts {
  items: number;
  containers: number;
  keyValues: number;
  objects: number;
  /** Values cut because they were nested deeper than maxValueDepth. */
  cutValues: number;
}

export type RequestLimitReason = 'too_many_items' | 'too_many_containers' | 'too_many_key_values' | 'too_many_objects' | 'nesting';

/** A request over a per-request limit (→ HTTP 413 / gRPC RESOURCE_EXHAUSTED). The message names the limit and the fix. */
export class RequestLimitError extends Error {
  constructor(
    readonly reason: RequestLimitReason,
    message: string,
  ) {
    super(message);
    this.name = 'RequestLimitError';
  }
}

const ITEM_NAMES: Record<OtlpSignal, string> = { traces: 'spans', metrics: 'metric data points', logs: 'log records' };
const TYPE_NAMES: Record<OtlpSignal, string> = {
  traces: 'ExportTraceServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
  logs: 'ExportLogsServiceRequest',
};

/**
 * Counts what decoding `body` would build and cuts too-deep values (see the file comment).
 * Throws RequestLimitError over a limit, OtlpDecodeError for protobuf that cannot be walked.
 */
export function checkRequestLimits(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): WireCounts {
  return scan(signal, encoding, body, limits, false);
}

/**
 * The same pass over the first bytes of a body still being read: counts what the prefix
 * already holds (a lower bound) and throws RequestLimitError when that alone is over a limit,
 * so a bomb is refused after its first KiB instead of after inflating all of it. A prefix
 * that ends inside a message is not an error. The prefix is not modified: values are cut (and
 * counted) when the complete body is checked at the end.
 */
export function checkRequestPrefix(signal: OtlpSignal, encoding: OtlpEncoding, prefix: Uint8Array, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): WireCounts {
  return scan(signal, encoding, prefix, limits, true);
}

function scan(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, limits: RequestLimits, partial: boolean): WireCounts {
  const counts: WireCounts = { items: 0, containers: 0, keyValues: 0, objects: 0, cutValues: 0 };
  const valueDepth = Math.min(Math.max(0, Math.floor(limits.maxValueDepth)), MAX_ANY_VALUE_DEPTH);
  if (encoding === 'json') {
    scanJson(signal, body, limits, valueDepth, counts, partial);
  } else {
    try {
      scanProtobuf(signal, body, limits, valueDepth, counts, partial);
    } catch (e) {
      if (!(partial && e instanceof OtlpDecodeError)) throw e; // a prefix ends somewhere inside a message
    }
  }
  return counts;
}

function overLimit(signal: OtlpSignal, c: WireCounts, limits: RequestLimits): RequestLimitError | undefined {
  const what = TYPE_NAMES[signal];
  const fix = 'send smaller batches (e.g. a lower max export batch size in the SDK or collector)';
  if (c.items > limits.maxItems) {
    return new RequestLimitError('too_many_items', `${what} holds more than ${limits.maxItems} ${ITEM_NAMES[signal]} (intake.maxItemsPerRequest); ${fix}`);
  }
  if (c.containers > limits.maxContainers) {
    return new RequestLimitError(
      'too_many_containers',
      `${what} holds more than ${limits.maxContainers} resource and scope containers (intake.maxContainersPerRequest); ${fix}, and group items under one resource and scope`,
    );
  }
  if (c.keyValues > limits.maxKeyValues) {
    return new RequestLimitError(
      'too_many_key_values',
      `${what} holds more than ${limits.maxKeyValues} attributes and values (intake.maxKeyValuesPerRequest); ${fix}`,
    );
  }
  if (c.objects > limits.maxObjects) {
    return new RequestLimitError('too_many_objects', `${what} holds more than ${limits.maxObjects} messages (intake.maxObjectsPerRequest); ${fix}`);
  }
  return undefined;
}

// ------------------------------------------------------------------ protobuf

/** Message types of the OTLP tree, as indexes into FIELDS / KIND. */
const enum T {
  None = 0,
  TracesRequest,
  MetricsRequest,
  LogsRequest,
  ResourceSpans,
  ScopeSpans,
  Span,
  Event,
  Link,
  ResourceMetrics,
  ScopeMetrics,
  Metric,
  Gauge,
  Sum,
  Histogram,
  ExpHistogram,
  Summary,
  NumberPoint,
  HistogramPoint,
  ExpHistogramPoint,
  SummaryPoint,
  Exemplar,
  Buckets,
  ResourceLogs,
  ScopeLogs,
  LogRecord,
  Resource,
  Scope,
  KeyValue,
  AnyValue,
  ArrayValue,
  KeyValueList,
  /** A message without message fields of interest (Status, ValueAtQuantile, EntityRef, …): counted, then skipped. */
  Leaf,
  Count,
}

const enum Kind {
  Other = 0,
  Container,
  Item,
  KeyValue,
}

/** FIELDS[type][field number] = the message type of that length-delimited field (absent: bytes, strings, packed scalars). */
const FIELDS: Array<Partial<Record<number, T>>> = new Array(T.Count).fill(undefined).map(() => ({}));
const KIND = new Uint8Array(T.Count);

FIELDS[T.TracesRequest] = { 1: T.ResourceSpans };
FIELDS[T.ResourceSpans] = { 1: T.Resource, 2: T.ScopeSpans };
FIELDS[T.ScopeSpans] = { 1: T.Scope, 2: T.Span };
FIELDS[T.Span] = { 9: T.KeyValue, 11: T.Event, 13: T.Link, 15: T.Leaf };
FIELDS[T.Event] = { 3: T.KeyValue };
FIELDS[T.Link] = { 4: T.KeyValue };

FIELDS[T.MetricsRequest] = { 1: T.ResourceMetrics };
FIELDS[T.ResourceMetrics] = { 1: T.Resource, 2: T.ScopeMetrics };
FIELDS[T.ScopeMetrics] = { 1: T.Scope, 2: T.Metric };
FIELDS[T.Metric] = { 5: T.Gauge, 7: T.Sum, 9: T.Histogram, 10: T.ExpHistogram, 11: T.Summary, 12: T.KeyValue };
FIELDS[T.Gauge] = { 1: T.NumberPoint };
FIELDS[T.Sum] = { 1: T.NumberPoint };
FIELDS[T.Histogram] = { 1: T.HistogramPoint };
FIELDS[T.ExpHistogram] = { 1: T.ExpHistogramPoint };
FIELDS[T.Summary] = { 1: T.SummaryPoint };
FIELDS[T.NumberPoint] = { 5: T.Exemplar, 7: T.KeyValue };
FIELDS[T.HistogramPoint] = { 8: T.Exemplar, 9: T.KeyValue };
FIELDS[T.ExpHistogramPoint] = { 1: T.KeyValue, 8: T.Buckets, 9: T.Buckets, 11: T.Exemplar };
FIELDS[T.SummaryPoint] = { 6: T.Leaf, 7: T.KeyValue };
FIELDS[T.Exemplar] = { 7: T.KeyValue };

FIELDS[T.LogsRequest] = { 1: T.ResourceLogs };
FIELDS[T.ResourceLogs] = { 1: T.Resource, 2: T.ScopeLogs };
FIELDS[T.ScopeLogs] = { 1: T.Scope, 2: T.LogRecord };
FIELDS[T.LogRecord] = { 5: T.AnyValue, 6: T.KeyValue };

FIELDS[T.Resource] = { 1: T.KeyValue, 3: T.Leaf };
FIELDS[T.Scope] = { 3: T.KeyValue };
FIELDS[T.KeyValue] = { 2: T.AnyValue };
FIELDS[T.AnyValue] = { 5: T.ArrayValue, 6: T.KeyValueList };
FIELDS[T.ArrayValue] = { 1: T.AnyValue };
FIELDS[T.KeyValueList] = { 1: T.KeyValue };

for (const t of [T.ResourceSpans, T.ScopeSpans, T.ResourceMetrics, T.ScopeMetrics, T.ResourceLogs, T.ScopeLogs]) KIND[t] = Kind.Container;
for (const t of [T.Span, T.NumberPoint, T.HistogramPoint, T.ExpHistogramPoint, T.SummaryPoint, T.LogRecord]) KIND[t] = Kind.Item;
KIND[T.KeyValue] = Kind.KeyValue;

/** Flattened FIELDS for the hot loop: CHILD[type * 32 + field]; fields ≥ 32 have no message children. */
const CHILD = new Uint8Array(T.Count * 32);
FIELDS.forEach((fields, type) => {
  for (const [field, child] of Object.entries(fields)) CHILD[type * 32 + Number(field)] = child as T;
});

const ROOT: Record<OtlpSignal, T> = { traces: T.TracesRequest, metrics: T.MetricsRequest, logs: T.LogsRequest };

/** Unknown groups nested deeper than this are refused (protobufjs skips groups recursively). */
const MAX_GROUP_DEPTH = 32;
/** Schema depth (8 messages down to an exemplar's attribute value) plus up to three per value level (kvlist, key-value, value). */
const STACK_SIZE = 16 + 3 * (MAX_ANY_VALUE_DEPTH + 2);
// Decoding is synchronous, so one stack serves every request.
const stackType = new Uint8Array(STACK_SIZE);
const stackEnd = new Float64Array(STACK_SIZE);
const stackDepth = new Uint8Array(STACK_SIZE);

function truncated(signal: OtlpSignal, pos: number): OtlpDecodeError {
  return new OtlpDecodeError(`invalid protobuf ${TYPE_NAMES[signal]}: truncated or malformed field at byte ${pos}`);
}

/** Where the last readVarint call stopped (module state keeps the walk free of allocations). */
let varintEnd = 0;

/** A tag or length varint (at most 5 bytes) at `pos`; -1 when it runs past `end`. Sets varintEnd. */
function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= end || shift > 28) return -1;
    b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b >= 0x80);
  varintEnd = pos;
  return value;
}

function scanProtobuf(signal: OtlpSignal, buf: Uint8Array, limits: RequestLimits, maxDepth: number, c: WireCounts, partial: boolean): void {
  const len = buf.length;
  let type: T = ROOT[signal];
  let end = len;
  let depth = 0; // AnyValue nesting of the current message
  let sp = 0;
  let pos = 0;
  for (;;) {
    if (pos >= end) {
      if (pos > end) throw truncated(signal, end);
      if (sp === 0) return;
      sp--;
      type = stackType[sp];
      end = stackEnd[sp];
      depth = stackDepth[sp];
      continue;
    }
    // tag (varint, ≤ 5 bytes for 32 bits)
    const tagPos = pos;
    const tag = readVarint(buf, pos, end);
    if (tag < 0) throw truncated(signal, tagPos);
    pos = varintEnd;
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0) throw truncated(signal, tagPos);
    switch (wireType) {
      case 0: {
        const start = pos;
        while (pos < end && buf[pos] >= 0x80) pos++;
        if (pos >= end || pos - start >= 10) throw truncated(signal, start);
        pos++;
        if (type === T.Buckets && field === 2 && ++c.objects > limits.maxObjects) throw overLimit(signal, c, limits)!; // one bucket count, unpacked
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = readVarint(buf, pos, end);
        if (length < 0) throw truncated(signal, tagPos);
        pos = varintEnd;
        let childEnd = pos + length;
        const child: T = field < 32 ? CHILD[type * 32 + field] : T.None;
        if (childEnd > end) {
          // In a prefix, a message cut off by the prefix's end is walked as far as it goes.
          if (!partial || end !== len || child === T.None) throw truncated(signal, tagPos);
          childEnd = len;
        }
        if (child === T.None) {
          // Packed bucket counts of an exponential histogram: protobufjs makes a Long per varint.
          if (type === T.Buckets && field === 2) {
            for (let i = pos; i < childEnd; i++) if (buf[i] < 0x80) c.objects++;
            if (c.objects > limits.maxObjects) throw overLimit(signal, c, limits)!;
          }
          pos = childEnd;
          break;
        }
        let childDepth = depth;
        if (type === T.AnyValue) {
          if (depth >= maxDepth) {
            // Too deep: make this field unknown to AnyValue (low field bits → 15, same wire type), so it is skipped.
            // (Not in a prefix: the complete body is checked again, and that check counts the cut.)
            if (!partial) buf[tagPos] = (buf[tagPos] & 0x80) | (15 << 3) | 2;
            c.cutValues++;
            pos = childEnd;
            break;
          }
          childDepth = depth + 1;
        }
        c.objects++;
        const kind = KIND[child];
        if (kind === Kind.Container) c.containers++;
        else if (kind === Kind.Item) c.items++;
        else if (kind === Kind.KeyValue || type === T.ArrayValue) c.keyValues++;
        if (c.objects > limits.maxObjects || c.items > limits.maxItems || c.containers > limits.maxContainers || c.keyValues > limits.maxKeyValues) {
          throw overLimit(signal, c, limits)!;
        }
        if (child === T.Leaf) {
          pos = childEnd;
          break;
        }
        stackType[sp] = type;
        stackEnd[sp] = end;
        stackDepth[sp] = depth;
        sp++;
        type = child;
        end = childEnd;
        depth = childDepth;
        break;
      }
      case 3:
        pos = skipGroup(signal, buf, pos, end);
        break;
      default:
        throw new OtlpDecodeError(`invalid protobuf ${TYPE_NAMES[signal]}: invalid wire type ${wireType} at byte ${tagPos}`);
    }
  }
}

/** Skips a (deprecated, never used by OTLP) group iteratively; returns the position after its end tag. */
function skipGroup(signal: OtlpSignal, buf: Uint8Array, pos: number, end: number): number {
  let nesting = 1;
  while (nesting > 0) {
    const tagPos = pos;
    const tag = readVarint(buf, pos, end);
    if (tag < 0) throw truncated(signal, tagPos);
    pos = varintEnd;
    switch (tag & 7) {
      case 0:
        while (pos < end && buf[pos] >= 0x80) pos++;
        pos++;
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = readVarint(buf, pos, end);
        if (length < 0) throw truncated(signal, tagPos);
        pos = varintEnd;
        pos += length;
        break;
      }
      case 3:
        if (++nesting > MAX_GROUP_DEPTH) {
          throw new RequestLimitError(
            'nesting',
            `${TYPE_NAMES[signal]} has unknown fields (groups) nested more than ${MAX_GROUP_DEPTH} deep; OTLP uses none: remove them`,
          );
        }
        break;
      case 4:
        nesting--;
        break;
      default:
        throw new OtlpDecodeError(`invalid protobuf ${TYPE_NAMES[signal]}: invalid wire type ${tag & 7} at byte ${tagPos}`);
    }
    if (pos > end) throw truncated(signal, tagPos);
  }
  return pos;
}

// ------------------------------------------------------------------ JSON

const enum Role {
  None = 0,
  Container,
  Item,
  KeyValue,
}

/**
 * Deepest JSON nesting at which a kept OTLP value part can sit: an exemplar's attribute value is
 * at depth 15 (request → resourceMetrics → … → exemplars → filteredAttributes → value), and each
 * AnyValue level adds at most 4 (kvlistValue, values, the key-value, value). Anything deeper
 * is inside a value that values.ts cuts anyway, so emptying it changes nothing kept.
 */
function jsonCutDepth(maxValueDepth: number): number {
  return 16 + 4 * maxValueDepth;
}

/** Object keys whose array elements are counted (lowerCamelCase; the proto snake_case twin is derived). Plain keys only: escaped keys are counted as objects. */
const ROLE_KEYS: Record<OtlpSignal, Array<[string, Role]>> = {
  traces: [
    ['resourceSpans', Role.Container],
    ['scopeSpans', Role.Container],
    ['spans', Role.Item],
  ],
  metrics: [
    ['resourceMetrics', Role.Container],
    ['scopeMetrics', Role.Container],
    ['dataPoints', Role.Item],
  ],
  logs: [
    ['resourceLogs', Role.Container],
    ['scopeLogs', Role.Container],
    ['logRecords', Role.Item],
  ],
};
const KEY_VALUE_KEYS: Array<[string, Role]> = [
  ['attributes', Role.KeyValue],
  ['values', Role.KeyValue],
  ['metadata', Role.KeyValue],
  ['filteredAttributes', Role.KeyValue],
];

/** Each key as bytes, with its snake_case spelling where that differs. */
function keyBytes(keys: Array<[string, Role]>): Array<[Buffer, Role]> {
  const out = new Map<string, Role>();
  for (const [key, role] of keys) {
    out.set(key, role);
    out.set(
      key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()),
      role,
    );
  }
  return [...out].map(([k, r]) => [Buffer.from(k), r]);
}
const ROLE_KEY_BYTES: Record<OtlpSignal, Array<[Buffer, Role]>> = {
  traces: keyBytes([...ROLE_KEYS.traces, ...KEY_VALUE_KEYS]),
  metrics: keyBytes([...ROLE_KEYS.metrics, ...KEY_VALUE_KEYS]),
  logs: keyBytes([...ROLE_KEYS.logs, ...KEY_VALUE_KEYS]),
};

function roleOfKey(keys: Array<[Buffer, Role]>, buf: Uint8Array, start: number, end: number): Role {
  const n = end - start;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k][0];
    if (key.length !== n) continue;
    let i = 0;
    while (i < n && key[i] === buf[start + i]) i++;
    if (i === n) return keys[k][1];
  }
  return Role.None;
}

const MAX_JSON_STACK = jsonCutDepth(MAX_ANY_VALUE_DEPTH) + 2;
/** Per open container: the role of its elements (arrays) or None (objects). */
const jsonElementRole = new Uint8Array(MAX_JSON_STACK);
const jsonIsArray = new Uint8Array(MAX_JSON_STACK);

/** Position after the closing quote of the string whose opening quote is at `pos - 1`; sets `lastStringEscaped`. */
let lastStringEscaped = false;
function skipString(buf: Uint8Array, pos: number): number {
  const n = buf.length;
  lastStringEscaped = false;
  while (pos < n) {
    const c = buf[pos];
    if (c === 0x22) return pos + 1;
    if (c === 0x5c) {
      lastStringEscaped = true;
      pos += 2;
    } else pos++;
  }
  return n;
}

function scanJson(signal: OtlpSignal, buf: Uint8Array, limits: RequestLimits, maxValueDepth: number, c: WireCounts, partial: boolean): void {
  const keys = ROLE_KEY_BYTES[signal];
  const cutDepth = jsonCutDepth(maxValueDepth);
  const n = buf.length;
  let depth = 0;
  let pendingRole: Role = Role.None;
  let pos = 0;
  while (pos < n) {
    const ch = buf[pos];
    if (ch === 0x22 /* " */) {
      const start = pos + 1;
      pos = skipString(buf, start);
      const escaped = lastStringEscaped;
      let next = pos;
      while (next < n && (buf[next] === 0x20 || buf[next] === 0x0a || buf[next] === 0x0d || buf[next] === 0x09)) next++;
      if (next < n && buf[next] === 0x3a /* : */) {
        pendingRole = escaped ? Role.None : roleOfKey(keys, buf, start, pos - 1);
        pos = next + 1;
      }
      continue;
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      const isArray = ch === 0x5b;
      if (depth >= cutDepth) {
        pos = blankContainer(buf, pos, !partial);
        c.cutValues++;
        c.objects++;
        pendingRole = Role.None;
        continue;
      }
      c.objects++;
      if (!isArray && depth > 0 && jsonIsArray[depth - 1] === 1) {
        const role = jsonElementRole[depth - 1];
        if (role === Role.Container) c.containers++;
        else if (role === Role.Item) c.items++;
        else if (role === Role.KeyValue) c.keyValues++;
      }
      if (c.objects > limits.maxObjects || c.items > limits.maxItems || c.containers > limits.maxContainers || c.keyValues > limits.maxKeyValues) {
        throw overLimit(signal, c, limits)!;
      }
      jsonIsArray[depth] = isArray ? 1 : 0;
      jsonElementRole[depth] = isArray ? pendingRole : Role.None;
      depth++;
      pendingRole = Role.None;
      pos++;
      continue;
    }
    if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      if (depth > 0) depth--;
      pendingRole = Role.None;
    } else if (ch === 0x2c /* , */) {
      pendingRole = Role.None;
    }
    pos++;
  }
}

/**
 * Blanks the inside of the object or array opening at `open` (strings included) if `blank`,
 * leaving its brackets, so JSON.parse sees an empty container; returns the position after it. An
 * unterminated container is left as it is for JSON.parse to report.
 */
function blankContainer(buf: Uint8Array, open: number, blank: boolean): number {
  const n = buf.length;
  let nesting = 0;
  let pos = open;
  while (pos < n) {
    const ch = buf[pos];
    if (ch === 0x22) {
      pos = skipString(buf, pos + 1);
      continue;
    }
    if (ch === 0x7b || ch === 0x5b) nesting++;
    else if (ch === 0x7d || ch === 0x5d) {
      nesting--;
      if (nesting === 0) {
        if (blank) buf.fill(0x20, open + 1, pos);
        return pos + 1;
      }
    }
    pos++;
  }
  return n;
}
