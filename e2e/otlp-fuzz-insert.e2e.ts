/**
 * Property test: whatever OTLP a tenant sends — random, or adversarial (times beyond 2262 or
 * negative, lone UTF-16 surrogates, huge/negative/fractional integers, NaN/Infinity, -1
 * statuses, deep kvlists, huge strings, unicode and "__proto__" keys, empty names) — decode →
 * rows → Native (intake's encodeRequest) → insert into real (embedded) ClickHouse never fails, and the table
 * then holds exactly the accepted items. A failing insert would hold up every tenant of the
 * region, so this is the guarantee intake's per-item validation gives.
 *
 * The corpus (e2e/fixtures/otlp-fuzz-corpus/*.json) is replayed first: the poison cases of
 * issue 12 and every counterexample found since (a failing run writes its counterexample
 * there as `found-<hash>.json`; commit it with the fix). In corpus files "$now-3600000" /
 * "$now+60000" (ms from the receive time) stand for times relative to the run.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RowTable } from '@meridian/domain';
import { encodeRequest, type EncodedRequest } from '@meridian/intake';
import {
  checkRequestLimits,
  DEFAULT_ITEM_LIMITS,
  type ItemLimits,
  OtlpDecodeError,
  type OtlpEncoding,
  type OtlpSignal,
  RequestLimitError,
} from '@meridian/otlp';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, type MessageCodec } from '@meridian/otlp/testing';
import { RowWriter } from '@meridian/storage-clickhouse';
import { openTestClickHouse, type TestClickHouse } from '@meridian/storage-clickhouse/testing';

const CORPUS_DIR = join(__dirname, 'fixtures', 'otlp-fuzz-corpus');
const REGION = 'fuzz';
const RUNS_PER_SIGNAL = Number(process.env.MERIDIAN_FUZZ_RUNS ?? 200);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One fuzz case, as stored in the corpus. */
interface FuzzCase {
  signal: OtlpSignal;
  encoding: OtlpEncoding;
  /** What the case is about (corpus files). */
  why?: string;
  /** The request as OTLP/JSON objects (ids as hex); encoded as JSON text or, for protobuf, with the generated codecs. */
  request?: Json;
  /** JSON only: the body text as is (for tokens JSON.stringify cannot write, e.g. 1e300 or 20-digit integers). */
  text?: string;
  retentionDays?: number;
  limits?: Partial<ItemLimits>;
}

// ------------------------------------------------------------------ encode a case

const CODECS: Record<OtlpSignal, MessageCodec<object>> = {
  traces: ExportTraceServiceRequest,
  metrics: ExportMetricsServiceRequest,
  logs: ExportLogsServiceRequest,
};
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** "$now±ms" → nanoseconds since the epoch (as decimal text), anywhere in the request. */
function resolveNow(v: Json, nowMs: number): Json {
  if (typeof v === 'string') return /^\$now[+-]\d+$/.test(v) ? String((BigInt(nowMs) + BigInt(v.slice(4))) * 1_000_000n) : v;
  if (Array.isArray(v)) return v.map((x) => resolveNow(x, nowMs));
  if (v !== null && typeof v === 'object') {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: resolveNow(v[k], nowMs), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** OTLP/JSON objects → what the generated fromObject wants for protobuf: hex ids as bytes. */
function forProtobuf(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && ID_KEYS.has(key)) return Buffer.from(v, 'hex');
  if (Array.isArray(v)) return v.map((x) => forProtobuf(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forProtobuf(x, k)]));
  return v;
}

function bodyOf(c: FuzzCase, nowMs: number): Buffer {
  if (c.text !== undefined)
    return Buffer.from(
      c.text.replace(/\$now([+-]\d+)/g, (_, ms: string) => String((BigInt(nowMs) + BigInt(ms)) * 1_000_000n)),
      'utf8',
    );
  const request = resolveNow(c.request ?? {}, nowMs);
  if (c.encoding === 'json') return Buffer.from(JSON.stringify(request), 'utf8');
  const codec = CODECS[c.signal];
  return Buffer.from(codec.encode(codec.fromObject(forProtobuf(request) as Record<string, unknown>)).finish());
}

/** Items the request holds, when it is given as objects (spans, data points of metrics with data, log records). */
function itemCount(c: FuzzCase): number | null {
  if (c.request === undefined || c.request === null || typeof c.request !== 'object' || Array.isArray(c.request)) return null;
  const r = c.request as Record<string, Json>;
  const list = (v: Json | undefined): Record<string, Json>[] => (Array.isArray(v) ? (v as Record<string, Json>[]) : []);
  let n = 0;
  if (c.signal === 'traces') for (const rs of list(r.resourceSpans)) for (const ss of list(rs.scopeSpans)) n += list(ss.spans).length;
  if (c.signal === 'logs') for (const rl of list(r.resourceLogs)) for (const sl of list(rl.scopeLogs)) n += list(sl.logRecords).length;
  if (c.signal === 'metrics') {
    for (const rm of list(r.resourceMetrics))
      for (const sm of list(rm.scopeMetrics))
        for (const m of list(sm.metrics)) {
          const data = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary) as Record<string, Json> | undefined;
          n += data ? list(data.dataPoints).length : 0;
        }
  }
  return n;
}

// ------------------------------------------------------------------ the pipeline under test

const TABLES: Record<OtlpSignal, RowTable> = { traces: 'spans', metrics: 'metric_points', logs: 'logs' };
let ch: TestClickHouse;
let writer: RowWriter;
let tenantSeq = 0;

interface Outcome {
  refused?: string;
  accepted: number;
  rejected: number;
  stored: number;
}

/** Intake's path (wire limits, decode, rows, encode) and the ingester's insert, for one case under a fresh tenant id. */
async function runCase(c: FuzzCase): Promise<Outcome> {
  const nowMs = Date.now();
  const body = bodyOf(c, nowMs);
  const tenantId = `fuzz-${process.pid}-${++tenantSeq}`;
  const retentionDays = c.retentionDays ?? 30;
  const options = { nowMs, retentionDays, limits: { ...DEFAULT_ITEM_LIMITS, ...c.limits } };
  let encoded: EncodedRequest;
  try {
    checkRequestLimits(c.signal, c.encoding, body);
    encoded = encodeRequest({ signal: c.signal, encoding: c.encoding, body, ctx: { tenantId, retentionDays }, opts: options });
  } catch (e) {
    // The whole request refused (400 / 413): nothing reaches ClickHouse.
    if (e instanceof OtlpDecodeError || e instanceof RequestLimitError) return { refused: e.message, accepted: 0, rejected: 0, stored: 0 };
    throw e;
  }
  const table = TABLES[c.signal];
  const { rows, rejected } = encoded;
  // As the ingester does: the request's Native messages concatenated into one insert.
  if (rows > 0) await writer.insert(REGION, table, Buffer.concat(encoded.messages.map((m) => m.body)), `fuzz-${tenantId}`, 'Native');
  const store = ch.stores[REGION];
  const rs = await store.client.query({
    query: `SELECT count() AS c FROM ${store.table(table)} WHERE tenant_id = {t:String}`,
    query_params: { t: tenantId },
    format: 'JSONEachRow',
  });
  const [{ c: stored }] = await rs.json<{ c: string | number }>();
  return { accepted: rows, rejected, stored: Number(stored) };
}

async function check(c: FuzzCase): Promise<Outcome> {
  const out = await runCase(c);
  expect(out.stored).toBe(out.accepted);
  const items = itemCount(c);
  if (out.refused === undefined && items !== null) expect(out.accepted + out.rejected).toBe(items);
  return out;
}

// ------------------------------------------------------------------ generators

const NOW = BigInt(Date.now()) * 1_000_000n;
const HOUR = 3_600_000_000_000n;
const DAY = 24n * HOUR;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 3 }), loneSurrogate, fc.string({ maxLength: 3 })).map(([a, s, b]) => a + s + b) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '__proto__',
      'constructor',
      'service.name',
      'http.route',
      '日本語キー',
      '\u0000',
      '"\\\'',
      '\n\t',
      '\ud83d\ude00',
      'a'.repeat(300),
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40_000 }).map((n) => 'é'.repeat(n)) },
);
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const badId = fc.constantFrom('', '00000000000000000000000000000000', '0000000000000000', 'zz', 'abc', '5b8efff798038103d269b633813fc6');
/** int64 fields as OTLP/JSON writes them (decimal strings or numbers), poison included. */
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.integer(),
  fc.constantFrom<Json>('-1', '1e300', 1e300, 1.5, -0.5, '18446744073709551615', '99999999999999999999', '9223372036854775808'),
);
const double = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('NaN', 'Infinity', '-Infinity', 1e308, -1e308, 5e-324, -0, 0) },
);
const timeText = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: NOW - 20n * HOUR, max: NOW - 1_000_000_000n }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: NOW - 7n * DAY, max: NOW + HOUR }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0',
      '1',
      '-1',
      '-5',
      String(2n ** 63n - 1n),
      String(2n ** 63n),
      String(2n ** 64n - 1n),
      String(NOW + 2n * DAY),
      String(NOW - 400n * DAY),
      String(NOW - 4000n * DAY),
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) },
);
/** A start and an end time: mostly ordered, sometimes anything. */
const interval = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(timeText, fc.bigInt({ min: 0n, max: 10n ** 11n })).map(([s, d]) => [s, String(BigInt(s) + d)] as const) },
  { weight: 1, arbitrary: fc.tuple(timeText, timeText) },
);
const enumNumber = (max: number) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 1, arbitrary: fc.constantFrom<Json>(-1, max + 1, 99, 300, 1e300, 2.5, 2 ** 31 - 1) },
  );
const uint32ish = fc.oneof(fc.nat(), fc.constantFrom<Json>(-1, 2 ** 32 - 1, 2 ** 32, 1e300, 0));

const { value: anyValue } = fc.letrec<{ value: Json; kv: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((s) => ({ stringValue: s })),
    int64.map((v) => ({ intValue: v })),
    double.map((d) => ({ doubleValue: d })),
    fc.boolean().map((b) => ({ boolValue: b })),
    fc.uint8Array({ maxLength: 40 }).map((b) => ({ bytesValue: Buffer.from(b).toString('base64') })),
    fc.array(tie('value'), { maxLength: 4 }).map((values) => ({ arrayValue: { values } })),
    fc.array(tie('kv'), { maxLength: 4 }).map((values) => ({ kvlistValue: { values } })),
    fc.constant({}),
  ),
  kv: fc.record({ key: text, value: tie('value') }),
}));
/** A kvlist nested `depth` deep (the wire pass cuts it at the depth limit). */
const deepValue = fc.integer({ min: 20, max: 300 }).map((depth) => {
  let v: Json = { stringValue: 'bottom' };
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { kvlistValue: { values: [{ key: `d${i}`, value: v }] } } : { arrayValue: { values: [v] } };
  return v;
});
const httpStatus = fc.record({
  key: fc.constantFrom('http.response.status_code', 'http.status_code'),
  value: fc.oneof(
    int64.map((v) => ({ intValue: v })),
    double.map((d) => ({ doubleValue: d })),
    fc.constantFrom('-1', '1e300', '503', '200.5', 'abc').map((s) => ({ stringValue: s })),
  ),
});
const attributes = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.record({ key: text, value: anyValue }) },
        { weight: 1, arbitrary: httpStatus },
        { weight: 1, arbitrary: fc.record({ key: text, value: deepValue }) },
      ),
      { maxLength: 5 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 129, max: 300 }).map((n) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { intValue: String(i) } }))),
  },
);
const resource = fc.record({
  attributes: fc.oneof(attributes, fc.constant([{ key: 'service.name', value: { stringValue: 'fuzz' } }])),
  droppedAttributesCount: uint32ish,
});
const scope = fc.record({ name: text, version: text, attributes });

function request<T>(itemsKey: string, resourceKey: string, scopeKey: string, item: fc.Arbitrary<T>) {
  return fc.record({
    [resourceKey]: fc.array(
      fc.record({ resource, schemaUrl: text, [scopeKey]: fc.array(fc.record({ scope, [itemsKey]: fc.array(item, { maxLength: 5 }) }), { maxLength: 2 }) }),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
  }) as unknown as fc.Arbitrary<Json>;
}

const event = fc.record({ timeUnixNano: timeText, name: text, attributes, droppedAttributesCount: uint32ish });
const link = fc.record({ traceId: fc.oneof(hex(16), badId), spanId: fc.oneof(hex(8), badId), traceState: text, attributes, flags: uint32ish });
const span = fc
  .record({
    traceId: fc.oneof({ weight: 9, arbitrary: hex(16) }, { weight: 1, arbitrary: badId }),
    spanId: fc.oneof({ weight: 9, arbitrary: hex(8) }, { weight: 1, arbitrary: badId }),
    parentSpanId: fc.oneof(fc.constant(''), hex(8), fc.constant('0000000000000000')),
    traceState: text,
    name: text,
    kind: enumNumber(5),
    interval,
    attributes,
    events: fc.oneof(
      { weight: 5, arbitrary: fc.array(event, { maxLength: 3 }) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 129, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => ({ timeUnixNano: String(NOW), name: `e${i}` }))),
      },
    ),
    links: fc.array(link, { maxLength: 3 }),
    status: fc.record({ code: enumNumber(2), message: text }),
    flags: uint32ish,
    droppedAttributesCount: uint32ish,
  })
  .map(({ interval: [start, end], ...s }) => ({ ...s, startTimeUnixNano: start, endTimeUnixNano: end }) as Json);

const count = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('-5', -1, '0', 7, 1.5) },
);
const pointBase = { attributes, startTimeUnixNano: fc.oneof(fc.constant('0'), timeText), timeUnixNano: timeText, flags: uint32ish };
const numberPoint = fc.oneof(fc.record({ ...pointBase, asDouble: double }), fc.record({ ...pointBase, asInt: int64 }));
const histogramPoint = fc.integer({ min: 0, max: 5 }).chain((n) =>
  fc.record({
    ...pointBase,
    count,
    sum: double,
    min: double,
    max: double,
    explicitBounds: fc.array(double, { minLength: n, maxLength: n }),
    bucketCounts: fc.array(count, { minLength: n + 1, maxLength: n + 1 }),
  }),
);
const buckets = fc.record({
  offset: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom<Json>(-(2 ** 31), 2 ** 31 - 1, 1e300)),
  bucketCounts: fc.array(count, { maxLength: 5 }),
});
const expPoint = fc.record({
  ...pointBase,
  count,
  sum: double,
  min: double,
  max: double,
  scale: fc.oneof(fc.integer({ min: -10, max: 20 }), fc.constantFrom<Json>(-(2 ** 31), 2 ** 31 - 1, 1e300)),
  zeroCount: count,
  zeroThreshold: double,
  positive: buckets,
  negative: buckets,
});
const summaryPoint = fc.record({
  ...pointBase,
  count,
  sum: double,
  quantileValues: fc.array(fc.record({ quantile: double, value: double }), { maxLength: 4 }),
});
const temporality = enumNumber(2);
const metric = fc
  .record({
    name: fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constant('') }),
    description: text,
    unit: text,
    data: fc.oneof(
      fc.record({ gauge: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 4 }) }) }),
      fc.record({ sum: fc.record({ aggregationTemporality: temporality, isMonotonic: fc.boolean(), dataPoints: fc.array(numberPoint, { maxLength: 4 }) }) }),
      fc.record({ histogram: fc.record({ aggregationTemporality: temporality, dataPoints: fc.array(histogramPoint, { maxLength: 3 }) }) }),
      fc.record({ exponentialHistogram: fc.record({ aggregationTemporality: temporality, dataPoints: fc.array(expPoint, { maxLength: 3 }) }) }),
      fc.record({ summary: fc.record({ dataPoints: fc.array(summaryPoint, { maxLength: 3 }) }) }),
    ),
  })
  .map(({ data, ...m }) => ({ ...m, ...data }) as Json);

const logRecord = fc.record({
  timeUnixNano: fc.oneof(fc.constant('0'), timeText),
  observedTimeUnixNano: fc.oneof(fc.constant('0'), timeText),
  severityNumber: enumNumber(24),
  severityText: text,
  body: fc.oneof(anyValue, deepValue),
  attributes,
  droppedAttributesCount: uint32ish,
  flags: uint32ish,
  traceId: fc.oneof(fc.constant(''), hex(16), badId),
  spanId: fc.oneof(fc.constant(''), hex(8), badId),
  eventName: text,
});

const REQUESTS: Record<OtlpSignal, fc.Arbitrary<Json>> = {
  traces: request('spans', 'resourceSpans', 'scopeSpans', span),
  metrics: request('metrics', 'resourceMetrics', 'scopeMetrics', metric),
  logs: request('logRecords', 'resourceLogs', 'scopeLogs', logRecord),
};

const caseOf = (signal: OtlpSignal): fc.Arbitrary<FuzzCase> =>
  fc.record({
    signal: fc.constant(signal),
    encoding: fc.constantFrom<OtlpEncoding>('json', 'protobuf'),
    request: REQUESTS[signal],
    retentionDays: fc.constantFrom(1, 30, 3650, 36_500),
    limits: fc.record({
      maxAttributesPerItem: fc.constantFrom(1, 128),
      maxAttributeValueBytes: fc.constantFrom(7, 16_384),
      maxEventsPerSpan: fc.constantFrom(0, 2, 128),
      maxLinksPerSpan: fc.constantFrom(0, 128),
      maxFutureSkewMs: fc.constantFrom(0, 60_000, 86_400_000),
    }),
  });

// ------------------------------------------------------------------ the tests

beforeAll(async () => {
  ch = await openTestClickHouse([REGION]);
  writer = new RowWriter(ch.clients);
}, 120_000);
afterAll(async () => {
  await ch?.close();
});

const corpus = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(CORPUS_DIR, f), 'utf8')) as FuzzCase] as const);

describe('the corpus of poison cases and past failures', () => {
  it('holds the poison cases of issue 12', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  it.each(corpus)('%s: insert succeeds, stored rows = accepted items', async (_file, c) => {
    await check(c);
  });

  it('the poison cases are cut or rejected per item, not refused whole', async () => {
    const out = await runCase(corpus.find(([f]) => f === 'traces-json-after-2262.json')![1]);
    expect(out).toEqual({ accepted: 1, rejected: 1, stored: 1 });
  });
});

describe.each(['traces', 'metrics', 'logs'] as const)('random and adversarial OTLP %s', (signal) => {
  it(`${RUNS_PER_SIGNAL} runs: decode → rows → insert never fails and stores exactly the accepted items`, async () => {
    const seen = { accepted: 0, rejected: 0, refused: 0, inserts: 0 };
    const result = await fc.check(
      fc.asyncProperty(caseOf(signal), async (c) => {
        const out = await check(c);
        seen.accepted += out.accepted;
        seen.rejected += out.rejected;
        seen.refused += out.refused === undefined ? 0 : 1;
        seen.inserts += out.accepted > 0 ? 1 : 0;
      }),
      // A failure is shrunk (each step a real insert) for at most ~2 minutes, so the corpus gets a small case.
      { numRuns: RUNS_PER_SIGNAL, interruptAfterTimeLimit: 120_000 },
    );
    if (result.failed && result.counterexample) {
      const [c] = result.counterexample;
      const text = JSON.stringify({ ...c, why: `found by fuzzing (seed ${result.seed}): ${String(result.errorInstance).slice(0, 300)}` }, null, 1);
      const file = join(CORPUS_DIR, `found-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.json`);
      writeFileSync(file, text);
      throw new Error(`counterexample written to ${file}: ${String(result.errorInstance)}`);
    }
    expect(result.failed).toBe(false);
    // Not vacuous: most requests store something, and poison is rejected per item rather than refusing requests whole.
    expect(seen.inserts).toBeGreaterThan(RUNS_PER_SIGNAL / 4);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.refused).toBeLessThan(RUNS_PER_SIGNAL / 10);
    process.stdout.write(`otlp fuzz ${signal}: ${JSON.stringify(seen)}\n`);
  }, 240_000);
});
