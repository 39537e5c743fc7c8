import { decodeLogs, decodeTraces } from './index';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest, type RawAnyValue, type RawKeyValue, type RawTracesRequest } from './proto';
import { logPayloads, metricPayloads, tracePayloads } from './sdk-payloads.fixture';
import { checkRequestLimits, checkRequestPrefix, DEFAULT_REQUEST_LIMITS, MAX_ANY_VALUE_DEPTH, RequestLimitError, type RequestLimits } from './wire-limits';
import { OtlpDecodeError } from './errors';

const copy = (b: Uint8Array) => Buffer.from(b); // the pass may rewrite bytes in place

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * A message nested as `layers` (outermost first), each one `before` bytes then a
 * length-delimited field `tag` holding the next; `payload` innermost. Every layer only
 * prefixes, so 100 000 levels are one pass over the lengths and one concat.
 */
function nested(layers: Array<{ before?: Buffer; tag: number }>, payload: Buffer): Buffer {
  const heads: Buffer[] = new Array(layers.length);
  let length = payload.length;
  for (let i = layers.length - 1; i >= 0; i--) {
    const before = layers[i].before ?? Buffer.alloc(0);
    heads[i] = Buffer.concat([before, Buffer.from([layers[i].tag, ...varint(length)])]);
    length += heads[i].length;
  }
  return Buffer.concat([...heads, payload]);
}

/** Span fields before its attributes: ids and times that make it valid. */
function spanHead(): Buffer {
  const start = Buffer.alloc(8);
  start.writeBigUInt64LE(1_700_000_000_000_000_000n);
  const end = Buffer.alloc(8);
  end.writeBigUInt64LE(1_700_000_000_100_000_000n);
  return Buffer.concat([
    Buffer.from([0x0a, 16]),
    Buffer.alloc(16, 7),
    Buffer.from([0x12, 8]),
    Buffer.alloc(8, 7),
    Buffer.from([0x39]),
    start,
    Buffer.from([0x41]),
    end,
  ]);
}

/** One span with attribute `deep` = an array value nested `levels` deep around the string "leaf". */
function deepValueTraces(levels: number): Buffer {
  const layers: Array<{ before?: Buffer; tag: number }> = [
    { tag: 0x0a }, // resourceSpans
    { tag: 0x12 }, // scopeSpans
    { tag: 0x12 }, // spans
    { before: spanHead(), tag: 0x4a }, // attributes (KeyValue)
    { before: Buffer.from([0x0a, 4, ...Buffer.from('deep')]), tag: 0x12 }, // value (AnyValue)
  ];
  for (let i = 0; i < levels; i++) layers.push({ tag: 0x2a }, { tag: 0x0a }); // arrayValue → values[0]
  return nested(layers, Buffer.from([0x0a, 4, ...Buffer.from('leaf')]));
}

function deepValueJson(levels: number): Buffer {
  const open = '{"arrayValue":{"values":['.repeat(levels);
  const close = ']}}'.repeat(levels);
  const span = `{"traceId":"${'07'.repeat(16)}","spanId":"${'07'.repeat(8)}","name":"deep","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000100000000","attributes":[{"key":"deep","value":${open}{"stringValue":"leaf"}${close}}]}`;
  return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`);
}

/** Depth of array nesting of a normalized value, and what sits at the bottom. */
function bottom(v: unknown): { depth: number; leaf: unknown } {
  let depth = 0;
  while (Array.isArray(v)) {
    depth++;
    v = v[0];
  }
  return { depth, leaf: v };
}

/** An independent count over the decoded protobufjs message: items, containers, key-values. */
function countDecoded(raw: RawTracesRequest) {
  let keyValues = 0;
  const value = (v: RawAnyValue | null) => {
    if (!v) return;
    if (v.arrayValue) {
      for (const e of v.arrayValue.values) {
        keyValues++;
        value(e);
      }
    }
    if (v.kvlistValue) kvs(v.kvlistValue.values);
  };
  const kvs = (list: RawKeyValue[]) => {
    for (const kv of list) {
      keyValues++;
      value(kv.value);
    }
  };
  let items = 0;
  let containers = 0;
  for (const rs of raw.resourceSpans) {
    containers++;
    kvs(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans) {
      containers++;
      kvs(ss.scope?.attributes ?? []);
      for (const span of ss.spans) {
        items++;
        kvs(span.attributes);
        for (const e of span.events) kvs(e.attributes);
        for (const l of span.links) kvs(l.attributes);
      }
    }
  }
  return { items, containers, keyValues };
}

const limits = (over: Partial<RequestLimits>): RequestLimits => ({ ...DEFAULT_REQUEST_LIMITS, ...over });

function refusal(fn: () => unknown): RequestLimitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RequestLimitError) return e;
    throw e;
  }
  throw new Error('expected a RequestLimitError');
}

describe('checkRequestLimits on SDK payloads', () => {
  it('counts spans, containers and key-values exactly, the same in protobuf and JSON', () => {
    const t = tracePayloads();
    const expected = countDecoded(ExportTraceServiceRequest.decode(t.protobuf));
    expect(expected).toEqual({ items: 4, containers: 4, keyValues: 28 });
    expect(checkRequestLimits('traces', 'protobuf', copy(t.protobuf))).toMatchObject({ ...expected, cutValues: 0 });
    expect(checkRequestLimits('traces', 'json', copy(t.json))).toMatchObject({ ...expected, cutValues: 0 });
  });

  it('counts data points (every metric kind) and log records, including nested values in log bodies', async () => {
    const m = await metricPayloads();
    // gauge ×2, counter, up-down counter, histogram, exponential histogram: one point each
    expect(checkRequestLimits('metrics', 'protobuf', copy(m.protobuf))).toMatchObject({ items: 6, containers: 2, keyValues: 5 });
    expect(checkRequestLimits('metrics', 'json', copy(m.json))).toMatchObject({ items: 6, containers: 2, keyValues: 5 });
    const l = logPayloads();
    // resource 2 + first record 2 + body kvlist {user, ids: [3 values], raw, nested: {ok}} 8
    expect(checkRequestLimits('logs', 'protobuf', copy(l.protobuf))).toMatchObject({ items: 2, containers: 2, keyValues: 12 });
    expect(checkRequestLimits('logs', 'json', copy(l.json))).toMatchObject({ items: 2, containers: 2, keyValues: 12 });
  });

  it('leaves valid payloads byte for byte as they were', () => {
    const t = tracePayloads();
    const body = copy(t.protobuf);
    checkRequestLimits('traces', 'protobuf', body);
    expect(body.equals(Buffer.from(t.protobuf))).toBe(true);
    const json = copy(t.json);
    checkRequestLimits('traces', 'json', json);
    expect(json.equals(Buffer.from(t.json))).toBe(true);
  });
});

describe('checkRequestLimits refuses before anything is decoded', () => {
  it('32 MiB of empty ResourceSpans (protobuf): too many containers, naming the limit and the fix', () => {
    const body = Buffer.alloc(32 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 2) body[i] = 0x0a; // field 1, length 0
    const heapBefore = process.memoryUsage().heapUsed;
    const e = refusal(() => checkRequestLimits('traces', 'protobuf', body));
    expect(e.reason).toBe('too_many_containers');
    expect(e.message).toMatch(/more than 10000 resource and scope containers \(intake\.maxContainersPerRequest\); send smaller batches/);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });

  it('the same in JSON, also with snake_case names', () => {
    const json = Buffer.from(`{"resourceSpans":[${'{},'.repeat(20_000)}{}]}`);
    expect(refusal(() => checkRequestLimits('traces', 'json', json)).reason).toBe('too_many_containers');
    const snake = Buffer.from(`{"resource_logs":[{"scope_logs":[${'{},'.repeat(20_000)}{}]}]}`);
    expect(refusal(() => checkRequestLimits('logs', 'json', snake)).reason).toBe('too_many_containers');
  });

  it('too many items, key-values and objects, per signal', () => {
    const t = tracePayloads();
    expect(refusal(() => checkRequestLimits('traces', 'protobuf', copy(t.protobuf), limits({ maxItems: 3 }))).message).toMatch(
      /more than 3 spans \(intake\.maxItemsPerRequest\)/,
    );
    expect(refusal(() => checkRequestLimits('traces', 'json', copy(t.json), limits({ maxItems: 3 }))).reason).toBe('too_many_items');
    expect(refusal(() => checkRequestLimits('traces', 'protobuf', copy(t.protobuf), limits({ maxKeyValues: 27 }))).reason).toBe('too_many_key_values');
    expect(refusal(() => checkRequestLimits('traces', 'json', copy(t.json), limits({ maxKeyValues: 27 }))).reason).toBe('too_many_key_values');
    expect(refusal(() => checkRequestLimits('traces', 'protobuf', copy(t.protobuf), limits({ maxObjects: 50 }))).reason).toBe('too_many_objects');
    const l = logPayloads();
    expect(refusal(() => checkRequestLimits('logs', 'protobuf', copy(l.protobuf), limits({ maxItems: 1 }))).message).toMatch(/more than 1 log records/);
    // exactly at the limit passes
    expect(checkRequestLimits('traces', 'protobuf', copy(t.protobuf), limits({ maxItems: 4, maxKeyValues: 28, maxContainers: 4 })).items).toBe(4);
  });

  it('empty events of one span and unknown JSON objects count as objects', () => {
    const events = Buffer.alloc(2 * 100_000);
    for (let i = 0; i < events.length; i += 2) events[i] = 0x5a; // Span.events, length 0
    const body = nested([{ tag: 0x0a }, { tag: 0x12 }, { tag: 0x12 }], Buffer.concat([spanHead(), events]));
    expect(refusal(() => checkRequestLimits('traces', 'protobuf', body, limits({ maxObjects: 50_000 }))).reason).toBe('too_many_objects');
    const json = Buffer.from(`{"resourceSpans":[],"junk":[${'{},'.repeat(60_000)}{}]}`);
    expect(refusal(() => checkRequestLimits('traces', 'json', json, limits({ maxObjects: 50_000 }))).reason).toBe('too_many_objects');
  });

  it('packed bucket counts of an exponential histogram count as objects (one Long each)', () => {
    const counts = Buffer.alloc(100_000, 1); // 100 000 one-byte varints
    // request → resourceMetrics → scopeMetrics → metric → exponentialHistogram → dataPoint → positive → bucket_counts
    const body = nested([{ tag: 0x0a }, { tag: 0x12 }, { tag: 0x12 }, { tag: 0x52 }, { tag: 0x0a }, { tag: 0x42 }, { tag: 0x12 }], counts);
    expect(ExportMetricsServiceRequest.decode(body).resourceMetrics.length).toBe(1); // the test builds a valid message
    expect(refusal(() => checkRequestLimits('metrics', 'protobuf', body, limits({ maxObjects: 50_000 }))).reason).toBe('too_many_objects');
  });

  it('deeply nested unknown groups: refused as nesting; truncated protobuf: OtlpDecodeError', () => {
    const groups = Buffer.concat([Buffer.alloc(1000, 0x7b), Buffer.alloc(1000, 0x7c)]); // field 15 start-group ×1000, end-group ×1000
    expect(refusal(() => checkRequestLimits('traces', 'protobuf', groups)).reason).toBe('nesting');
    expect(() => checkRequestLimits('traces', 'protobuf', Buffer.from([0x0a, 0xc8, 0x01, 0x0a, 0x02, 0x08]))).toThrow(OtlpDecodeError);
    expect(() => checkRequestLimits('traces', 'protobuf', Buffer.from([0x0f]))).toThrow(/invalid wire type 7/);
  });
});

describe('checkRequestLimits cuts values nested too deep', () => {
  it('protobuf: 100 000 levels decode (no stack overflow) with the value cut at MAX_ANY_VALUE_DEPTH', () => {
    const body = deepValueTraces(100_000);
    expect(() => decodeTraces(copy(body), 'protobuf')).toThrow(OtlpDecodeError); // unchecked: protobufjs overflows the stack
    const counts = checkRequestLimits('traces', 'protobuf', body);
    expect(counts).toMatchObject({ items: 1, cutValues: 1 });
    const span = decodeTraces(body, 'protobuf').resourceSpans[0].scopeSpans[0].spans[0];
    expect(bottom(span.attributes.deep)).toEqual({ depth: MAX_ANY_VALUE_DEPTH, leaf: null });
  });

  it('JSON: 100 000 levels decode with the value cut at the same depth', () => {
    const body = deepValueJson(100_000);
    expect(() => decodeTraces(copy(body), 'json')).toThrow(); // unchecked: fromObject overflows the stack
    expect(checkRequestLimits('traces', 'json', body).cutValues).toBe(1);
    const span = decodeTraces(body, 'json').resourceSpans[0].scopeSpans[0].spans[0];
    expect(bottom(span.attributes.deep)).toEqual({ depth: MAX_ANY_VALUE_DEPTH, leaf: null });
  });

  it('a value within the depth is kept whole, in both encodings', () => {
    const proto = deepValueTraces(MAX_ANY_VALUE_DEPTH);
    expect(checkRequestLimits('traces', 'protobuf', proto).cutValues).toBe(0);
    expect(bottom(decodeTraces(proto, 'protobuf').resourceSpans[0].scopeSpans[0].spans[0].attributes.deep)).toEqual({
      depth: MAX_ANY_VALUE_DEPTH,
      leaf: 'leaf',
    });
    const json = deepValueJson(MAX_ANY_VALUE_DEPTH);
    expect(checkRequestLimits('traces', 'json', json).cutValues).toBe(0);
    expect(bottom(decodeTraces(json, 'json').resourceSpans[0].scopeSpans[0].spans[0].attributes.deep)).toEqual({ depth: MAX_ANY_VALUE_DEPTH, leaf: 'leaf' });
  });

  it('a lower maxValueDepth cuts there (protobuf) and a log body is cut like an attribute', () => {
    const proto = deepValueTraces(10);
    expect(checkRequestLimits('traces', 'protobuf', proto, limits({ maxValueDepth: 4 })).cutValues).toBe(1);
    expect(bottom(decodeTraces(proto, 'protobuf').resourceSpans[0].scopeSpans[0].spans[0].attributes.deep)).toEqual({ depth: 4, leaf: null });
    const open = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(50_000);
    const close = '}]}}'.repeat(50_000);
    const logs = Buffer.from(
      `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","body":${open}{"stringValue":"x"}${close}}]}]}]}`,
    );
    expect(checkRequestLimits('logs', 'json', logs).cutValues).toBe(1);
    let body: unknown = decodeLogs(logs, 'json').resourceLogs[0].scopeLogs[0].logRecords[0].body;
    let depth = 0;
    while (body !== null && typeof body === 'object') {
      body = (body as Record<string, unknown>).k;
      depth++;
    }
    expect({ depth, body }).toEqual({ depth: MAX_ANY_VALUE_DEPTH, body: null });
  });
});

describe('checkRequestPrefix (a body still being read)', () => {
  it('refuses 256 KiB of a 32 MiB bomb whose containers sit inside one ResourceSpans that the prefix cuts off', () => {
    const scopes = Buffer.alloc(32 * 1024 * 1024);
    for (let i = 0; i < scopes.length; i += 2) scopes[i] = 0x12; // ScopeSpans, length 0
    const body = nested([{ tag: 0x0a }], scopes);
    expect(refusal(() => checkRequestPrefix('traces', 'protobuf', body.subarray(0, 256 * 1024))).reason).toBe('too_many_containers');
    const json = Buffer.from(`{"resourceSpans":[{"scopeSpans":[${'{},'.repeat(100_000)}{}]}]}`);
    expect(refusal(() => checkRequestPrefix('traces', 'json', json.subarray(0, 64 * 1024))).reason).toBe('too_many_containers');
  });

  it('never fails on a prefix of a valid payload, cut anywhere, and counts no more than the whole', async () => {
    const m = await metricPayloads();
    const t = tracePayloads();
    for (const [signal, encoding, body] of [
      ['traces', 'protobuf', t.protobuf],
      ['traces', 'json', t.json],
      ['metrics', 'protobuf', m.protobuf],
      ['metrics', 'json', m.json],
    ] as const) {
      const whole = checkRequestLimits(signal, encoding, copy(body));
      for (let cut = 0; cut <= body.length; cut++) {
        const part = checkRequestPrefix(signal, encoding, copy(body).subarray(0, cut));
        expect(part.items).toBeLessThanOrEqual(whole.items);
        expect(part.keyValues).toBeLessThanOrEqual(whole.keyValues);
        expect(part.objects).toBeLessThanOrEqual(whole.objects);
      }
      expect(checkRequestPrefix(signal, encoding, copy(body))).toEqual(whole);
    }
  });

  it('leaves a too-deep value in the prefix for the complete check to cut and count', () => {
    for (const [encoding, body] of [
      ['protobuf', deepValueTraces(1_000)],
      ['json', deepValueJson(1_000)],
    ] as const) {
      const before = copy(body);
      expect(checkRequestPrefix('traces', encoding, body).cutValues).toBe(1);
      expect(body.equals(before)).toBe(true);
      expect(checkRequestLimits('traces', encoding, body).cutValues).toBe(1);
    }
  });
});
