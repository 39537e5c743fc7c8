import * as protobuf from 'protobufjs';
import { encodeNativeRows } from '@meridian/domain';
import { decodeTraces, type DecodeOptions, DEFAULT_ITEM_LIMITS, OtlpDecodeError, streamTraces, type SpanSink } from '@meridian/otlp';
import { ExportTraceServiceRequest, tracePayloads } from '@meridian/otlp/testing';
import { buildSpanRows, SpanColumns } from '@meridian/signal-rows';
import { sqlFingerprintReady } from '@meridian/sql-fingerprint';
import { encodeRequest, MESSAGE_MAX_ROWS } from './request-rows';

const CTX = { tenantId: 't_stream', retentionDays: 30 };
const NOW = Date.UTC(2023, 10, 14, 22, 20);
const OPTS: DecodeOptions = { nowMs: NOW };
const T0 = 1_700_000_000_123_456_789n;

/**
 * What intake must store for a protobuf request, computed the way it was before the one pass:
 * decodeTraces → row objects → Native blocks of MESSAGE_MAX_ROWS rows.
 */
function reference(body: Uint8Array, opts: DecodeOptions = OPTS) {
  const d = decodeTraces(body, 'protobuf', opts);
  const rows = buildSpanRows(d, CTX);
  const bodies: Buffer[] = [];
  for (let at = 0; at < rows.length; at += MESSAGE_MAX_ROWS) bodies.push(encodeNativeRows('spans', rows.slice(at, at + MESSAGE_MAX_ROWS)));
  return { bodies, rejected: d.rejected, reasons: d.rejectReasons, truncated: d.truncated };
}

function intake(body: Uint8Array, opts: DecodeOptions = OPTS) {
  const r = encodeRequest({ signal: 'traces', encoding: 'protobuf', body, ctx: CTX, opts });
  return { bodies: r.messages.map((m) => m.body), rejected: r.rejected, reasons: r.reasons, truncated: r.truncated };
}

/** The result, or the error's type and message. */
function outcome<T>(run: () => T): T | { error: string } {
  try {
    return run();
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

function takesOnePass(body: Uint8Array, opts: DecodeOptions = OPTS): boolean {
  return streamTraces(body, opts, new SpanColumns(CTX));
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
type Attr = Record<string, unknown>;
const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): Attr => ({ key, value: { intValue: v } });

/** A span as OTLP/JSON-shaped object for the generated encoder (ids as bytes). */
function span(i: number, o: { parent?: number; kind?: number; attributes?: Attr[]; trace?: number; name?: string } = {}) {
  return {
    traceId: Buffer.from(hex(o.trace ?? 1 + Math.floor(i / 5), 32), 'hex'),
    spanId: Buffer.from(hex(i + 1, 16), 'hex'),
    parentSpanId: o.parent === undefined ? undefined : Buffer.from(hex(o.parent + 1, 16), 'hex'),
    name: o.name ?? `op ${i % 7}`,
    kind: o.kind ?? 3,
    startTimeUnixNano: String(T0 + BigInt(i) * 1000n),
    endTimeUnixNano: String(T0 + BigInt(i) * 1000n + 250_000n),
    attributes: o.attributes ?? [],
    status: i % 11 === 0 ? { code: 2, message: 'boom' } : undefined,
  };
}

function request(resourceSpans: unknown[]): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans })).finish();
}

function service(name: string, spans: unknown[], extra: Attr[] = []) {
  return {
    resource: { attributes: [str('service.name', name), str('host.name', `${name}-1`), ...extra] },
    scopeSpans: [{ scope: { name: 'lib', version: '1.0' }, spans }],
  };
}

/** Transactions of 5 spans (a SERVER entry with HTTP attributes, DB and internal children) over two services. */
function transactions(count: number) {
  const spans = Array.from({ length: count * 5 }, (_, i) => {
    const first = i - (i % 5);
    if (i % 5 === 0)
      return span(i, {
        kind: 2,
        attributes: [str('http.request.method', 'GET'), str('http.route', `/r/${(i / 5) % 3}`), int('http.response.status_code', i % 4 === 0 ? 503 : 200)],
      });
    if (i % 5 === 4) return span(i, { parent: first, kind: 1 });
    return span(i, {
      parent: first,
      attributes: [
        str('db.system.name', 'postgresql'),
        str('db.query.text', `SELECT * FROM t${i % 3} WHERE id = ${i}`),
        str('server.address', 'pg-1'),
        int('server.port', 5432),
        { key: 'ratio', value: { doubleValue: i / 7 } },
        { key: 'flag', value: { boolValue: i % 2 === 0 } },
      ],
    });
  });
  const half = Math.ceil(spans.length / 2);
  return request([
    service('shop', spans.slice(0, half), [
      { key: 'process.command_args', value: { arrayValue: { values: [{ stringValue: 'node' }, { stringValue: 'app.js' }] } } },
    ]),
    service('pay', spans.slice(half)),
  ]);
}

/** A request's bytes with one ResourceSpans built from raw field bytes (orders protobufjs' encoder never writes). */
function rawResourceSpans(fields: Uint8Array[]): Uint8Array {
  const inner = Buffer.concat(fields);
  return protobuf.Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(inner)
    .finish();
}
function field(no: number, message: Uint8Array): Uint8Array {
  return protobuf.Writer.create()
    .uint32((no << 3) | 2)
    .bytes(message)
    .finish();
}

beforeAll(() => sqlFingerprintReady());

describe('one-pass span intake (streamTraces into SpanColumns)', () => {
  it('takes SDK-made requests and stores exactly what decodeTraces + row objects gave (events, links, arrays, error status, two services)', () => {
    const body = tracePayloads().protobuf;
    expect(takesOnePass(body)).toBe(true);
    const got = intake(body);
    expect(got.bodies.length).toBe(1);
    expect(got).toEqual(reference(body));
  });

  it('splits a request of 2,500 spans into Native blocks of 1,000 rows, byte for byte as before, transactions linked across blocks', () => {
    const body = transactions(500);
    expect(takesOnePass(body)).toBe(true);
    const got = intake(body);
    expect(got.bodies.map((b) => b.length > 0)).toEqual([true, true, true]);
    expect(got).toEqual(reference(body));
  });

  it('reads kvlist, array and bytes values through the generated decoder, in the one pass, as decodeTraces does', () => {
    const body = request([
      service('shop', [
        span(0, {
          attributes: [
            { key: 'k', value: { kvlistValue: { values: [str('z', '1'), str('10', '2')] } } },
            { key: 'b', value: { bytesValue: Buffer.from('hi') } },
            { key: 'a', value: { arrayValue: { values: [{ intValue: '9007199254740993' }, { doubleValue: 0.5 }, {}] } } },
          ],
        }),
      ]),
    ]);
    expect(takesOnePass(body)).toBe(true);
    expect(intake(body)).toEqual(reference(body));
  });

  it('hands the sink every span attribute in wire order, then the span', () => {
    const calls: string[] = [];
    const sink: SpanSink = {
      resource: (a) => calls.push(`resource ${Object.keys(a).join(',')}`),
      scope: (name, version) => calls.push(`scope ${name} ${version}`),
      attribute: (key, value) => calls.push(`${key}=${String(value)}`),
      span: (s) => calls.push(`span ${s.name} ${s.kind} ${s.parentSpanId || '-'} ${s.endTimeUnixNano - s.startTimeUnixNano}`),
    };
    const body = request([service('shop', [span(0, { kind: 2, attributes: [str('b', 'x'), int('a', 7)] }), span(1, { parent: 0 })])]);
    expect(streamTraces(body, OPTS, sink)).toBe(true);
    expect(calls).toEqual(['resource service.name,host.name', 'scope lib 1.0', 'b=x', 'a=7', 'span op 0 2 - 250000', `span op 1 3 ${hex(1, 16)} 250000`]);
  });

  // Each of these must leave the one pass (return false) and come out of intake as decodeTraces has it.
  const irregular: [string, () => Uint8Array, DecodeOptions][] = [
    [
      'a half-bad batch (an all-zero trace id, an end before its start)',
      () => {
        const bad = { ...span(1), traceId: Buffer.alloc(16) };
        const backwards = { ...span(2), endTimeUnixNano: String(T0) };
        return request([service('shop', [span(0), bad, backwards, span(3)])]);
      },
      OPTS,
    ],
    [
      'a span older than the retention',
      () => request([service('shop', [span(0), { ...span(1), startTimeUnixNano: '1000', endTimeUnixNano: '2000' }])]),
      { ...OPTS, retentionDays: 30 },
    ],
    [
      "a duplicate attribute key (the last value wins, in the first one's place)",
      () => request([service('shop', [span(0, { attributes: [str('a', '1'), str('b', '2'), str('a', '3')] })])]),
      OPTS,
    ],
    [
      'integer-like attribute keys (an object puts them first, in numeric order)',
      () => request([service('shop', [span(0, { attributes: [str('x', '1'), str('10', '2'), str('2', '3')] })])]),
      OPTS,
    ],
    [
      'an attribute value over the length limit',
      () => request([service('shop', [span(0, { attributes: [str('long', 'é'.repeat(40))] })])]),
      { ...OPTS, limits: { ...DEFAULT_ITEM_LIMITS, maxAttributeValueBytes: 16 } },
    ],
    [
      'more attributes than the limit',
      () => request([service('shop', [span(0, { attributes: [str('a', '1'), str('b', '2'), str('c', '3')] })])]),
      { ...OPTS, limits: { ...DEFAULT_ITEM_LIMITS, maxAttributesPerItem: 2 } },
    ],
    [
      'more events than the limit',
      () => request([service('shop', [{ ...span(0), events: [1, 2, 3].map((n) => ({ timeUnixNano: String(T0 + BigInt(n)), name: `e${n}` })) }])]),
      { ...OPTS, limits: { ...DEFAULT_ITEM_LIMITS, maxEventsPerSpan: 2 } },
    ],
    [
      'the resource after the scope spans',
      () => {
        const scopeSpans = ExportTraceServiceRequest.encode(
          ExportTraceServiceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span(0)] }] }] }),
        ).finish();
        const resource = ExportTraceServiceRequest.encode(
          ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [str('service.name', 'late')] } }] }),
        ).finish();
        // Each request is one ResourceSpans field: their contents, concatenated, are one ResourceSpans with the fields in that order.
        const inner = (r: Uint8Array) => protobuf.Reader.create(r).skip(1).bytes();
        return rawResourceSpans([inner(scopeSpans), inner(resource)]);
      },
      OPTS,
    ],
    [
      'a known field with another wire type (the span name as a varint)',
      () => {
        const good = request([service('shop', [span(0)])]);
        const spanWithOddName = Buffer.concat([field(2, Buffer.from([(5 << 3) | 0, 1])), field(2, Buffer.alloc(0))]);
        return Buffer.concat([good, rawResourceSpans([field(2, spanWithOddName)])]);
      },
      OPTS,
    ],
  ];

  it.each(irregular)('leaves the one pass for %s; intake then answers as decodeTraces does', (_, make, opts) => {
    const body = make();
    expect(takesOnePass(body, opts)).toBe(false);
    const want = outcome(() => reference(body, opts));
    expect(outcome(() => intake(body, opts))).toEqual(want);
  });

  it('agrees with decodeTraces on 1,000 randomly damaged requests (flipped, dropped and inserted bytes), taken or not', () => {
    const bases = [tracePayloads().protobuf, transactions(4)];
    let seed = 20261207;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let taken = 0;
    for (let i = 0; i < 1000; i++) {
      const body = Buffer.from(bases[i % 2]);
      let damaged: Buffer = body;
      for (let k = 1 + next(3); k > 0; k--) {
        const at = next(damaged.length);
        const how = next(4);
        if (how < 2) damaged[at] ^= 1 << next(8);
        else if (how === 2) damaged = Buffer.concat([damaged.subarray(0, at), damaged.subarray(at + 1)]);
        else damaged = Buffer.concat([damaged.subarray(0, at), Buffer.from([next(256)]), damaged.subarray(at)]);
      }
      if (takesOnePass(damaged)) taken++;
      const want = outcome(() => reference(damaged));
      expect({ i, got: outcome(() => intake(damaged)) }).toEqual({ i, got: want });
    }
    // Much of the damage lands inside strings and values: the one pass must have been exercised, not only the fallback.
    expect(taken).toBeGreaterThan(100);
  });

  it('refuses a cut-off request the same way, naming it invalid protobuf', () => {
    const body = transactions(3);
    const cut = body.subarray(0, body.length - 7);
    expect(takesOnePass(cut)).toBe(false);
    expect(() => intake(cut)).toThrow(OtlpDecodeError);
    expect(() => intake(cut)).toThrow(/invalid protobuf ExportTraceServiceRequest/);
  });
});
