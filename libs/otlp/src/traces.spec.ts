import { type HrTime } from '@opentelemetry/api';
import { decodeTraces, OtlpDecodeError, type Span, SpanKind, StatusCode } from './index';
import { ExportTraceServiceRequest } from './proto';
import { hrNanos, tracePayloads } from './sdk-payloads.fixture';

const nanos = (t: HrTime) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const json = (o: unknown) => utf8(JSON.stringify(o));
const allSpans = (d: ReturnType<typeof decodeTraces>): Span[] => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

/** A minimal valid OTLP/JSON span; override fields per test. */
function jsonSpan(overrides: Record<string, unknown> = {}) {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'work',
    kind: 1,
    startTimeUnixNano: '1700000000000000001',
    endTimeUnixNano: '1700000000000000002',
    ...overrides,
  };
}
const jsonTraces = (spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] });

describe('decodeTraces with SDK payloads', () => {
  const payloads = tracePayloads();

  it('decodes protobuf and JSON to identical normalized objects', () => {
    const fromProtobuf = decodeTraces(payloads.protobuf, 'protobuf');
    const fromJson = decodeTraces(payloads.json, 'json');
    expect(fromProtobuf.rejected).toBe(0);
    expect(allSpans(fromProtobuf)).toHaveLength(payloads.source.length);
    expect(fromJson).toStrictEqual(fromProtobuf);
  });

  it.each(['protobuf', 'json'] as const)('keeps ids, nanosecond times, attributes, events, links and status exactly (%s)', (encoding) => {
    const decoded = decodeTraces(payloads[encoding], encoding);
    const spans = allSpans(decoded);
    for (const src of payloads.source) {
      const ctx = src.spanContext();
      const span = spans.find((s) => s.spanId === ctx.spanId)!;
      expect(span.traceId).toBe(ctx.traceId);
      expect(span.parentSpanId).toBe(src.parentSpanContext?.spanId ?? '');
      expect(span.name).toBe(src.name);
      expect(span.kind).toBe(src.kind + 1); // API SpanKind starts at INTERNAL = 0, OTLP at UNSPECIFIED = 0
      expect(span.startTimeUnixNano).toBe(nanos(src.startTime));
      expect(span.endTimeUnixNano).toBe(nanos(src.endTime));
      expect(span.status).toEqual({ code: src.status.code, message: src.status.message ?? '' });
      expect(span.events.map((e) => [e.name, e.timeUnixNano])).toEqual(src.events.map((e) => [e.name, nanos(e.time)]));
    }

    const root = spans.find((s) => s.name === 'GET /orders/:id')!;
    expect(root.startTimeUnixNano).toBe(hrNanos(0)); // 1700000000123456789: every digit kept
    expect(root.endTimeUnixNano).toBe(hrNanos(5_000_001));
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.status).toEqual({ code: StatusCode.ERROR, message: 'upstream failed' });
    expect(root.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'http.response.status_code': 503n,
      'url.path': '/orders/42',
      ratio: 0.25,
      retried: true,
      tags: ['a', 'b'],
      big: 9007199254740991n,
    });
    expect(root.events).toEqual([
      { timeUnixNano: hrNanos(1_000), name: 'cache.miss', attributes: { key: 'order:42', size: 3n }, droppedAttributesCount: 0 },
      { timeUnixNano: hrNanos(2_001), name: 'retry', attributes: {}, droppedAttributesCount: 0 },
    ]);
    expect(root.links).toEqual([
      expect.objectContaining({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: { 'link.kind': 'follows' } }),
    ]);

    const [checkout, payments] = decoded.resourceSpans;
    expect(checkout.resource.attributes).toMatchObject({ 'service.name': 'checkout', 'host.name': 'web-01', 'process.pid': 4242n });
    expect(payments.resource.attributes['service.name']).toBe('payments');
    expect(checkout.scopeSpans[0].scope).toMatchObject({ name: 'meridian-test', version: '1.2.3' });
    // the payments SERVER span is a child of the checkout CLIENT span (cross-service link kept)
    const dbSpan = spans.find((s) => s.name === 'SELECT orders')!;
    expect(payments.scopeSpans[0].spans[0].parentSpanId).toBe(dbSpan.spanId);
  });
});

describe('decodeTraces per-item validation', () => {
  it('drops only the span with a bad traceId and names its path', () => {
    const body = json({
      resourceSpans: [
        { scopeSpans: [{ spans: [jsonSpan({ spanId: '0000000000000001' })] }] },
        {
          scopeSpans: [
            { spans: [jsonSpan({ spanId: '0000000000000002' })] },
            { spans: [jsonSpan({ spanId: '0000000000000003' }), jsonSpan({ traceId: 'not-hex-at-all', spanId: '0000000000000004' })] },
          ],
        },
      ],
    });
    const d = decodeTraces(body, 'json');
    expect(allSpans(d).map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons).toEqual(['resourceSpans[1].scopeSpans[1].spans[1].traceId: expected 32 hex characters']);
  });

  it('rejects each kind of invalid span with a reason, keeps at most 5 reasons, keeps empty names', () => {
    const d = decodeTraces(
      json(
        jsonTraces([
          jsonSpan({ name: '' }), // fine: OTLP allows an empty name
          jsonSpan({ traceId: '00000000000000000000000000000000' }),
          jsonSpan({ spanId: 'eee19b7ec3c1b1' }),
          jsonSpan({ spanId: '0000000000000000' }),
          jsonSpan({ parentSpanId: 'abc' }),
          jsonSpan({ startTimeUnixNano: '0' }),
          jsonSpan({ endTimeUnixNano: '1700000000000000000' }),
          jsonSpan({ links: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'xyz' }] }),
        ]),
      ),
      'json',
    );
    expect(allSpans(d)).toHaveLength(1);
    expect(allSpans(d)[0].name).toBe('');
    expect(d.rejected).toBe(7);
    expect(d.rejectReasons).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].traceId: must not be all zeros',
      'resourceSpans[0].scopeSpans[0].spans[2].spanId: expected 16 hex characters',
      'resourceSpans[0].scopeSpans[0].spans[3].spanId: must not be all zeros',
      'resourceSpans[0].scopeSpans[0].spans[4].parentSpanId: expected 16 hex characters or none',
      'resourceSpans[0].scopeSpans[0].spans[5].startTimeUnixNano: missing',
    ]);
  });

  it('names byte lengths for protobuf ids (payload built with the generated encoder)', () => {
    const message = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: new Uint8Array(15).fill(1), spanId: new Uint8Array(8).fill(2), startTimeUnixNano: 5, endTimeUnixNano: 6 },
                { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(3), startTimeUnixNano: 5, endTimeUnixNano: 6 },
              ],
            },
          ],
        },
      ],
    });
    const d = decodeTraces(ExportTraceServiceRequest.encode(message).finish(), 'protobuf');
    expect(allSpans(d).map((s) => s.spanId)).toEqual(['0303030303030303']);
    expect(d.rejectReasons).toEqual(['resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 15']);
  });

  it('treats an all-zero parent span id as a root span', () => {
    const d = decodeTraces(json(jsonTraces([jsonSpan({ parentSpanId: '0000000000000000' })])), 'json');
    expect(allSpans(d)[0].parentSpanId).toBe('');
  });
});

describe('decodeTraces OTLP/JSON rules', () => {
  it('reads int64 as decimal strings and as JSON numbers beyond 2^53, exactly', () => {
    const text =
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",' +
      '"startTimeUnixNano":1700000000123456789,"endTimeUnixNano":"1700000000987654321",' +
      '"attributes":[{"key":"n","value":{"intValue":"-9223372036854775808"}},{"key":"m","value":{"intValue":9223372036854775807}},' +
      '{"key":"s","value":{"stringValue":"1234567890123456789012"}}]}]}]}]}';
    const [span] = allSpans(decodeTraces(utf8(text), 'json'));
    expect(span.startTimeUnixNano).toBe(1700000000123456789n);
    expect(span.endTimeUnixNano).toBe(1700000000987654321n);
    expect(span.attributes).toEqual({ n: -9223372036854775808n, m: 9223372036854775807n, s: '1234567890123456789012' });
  });

  it('accepts enum names, snake_case field names, upper-case hex; ignores unknown fields', () => {
    const body = json({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: '5B8EFFF798038103D269B633813FC60C',
                  span_id: 'eee19b7ec3c1b174',
                  parent_span_id: 'aaaaaaaaaaaaaaaa',
                  name: 'x',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: '10',
                  end_time_unix_nano: '20',
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                  somethingFromTheFuture: { a: 1 },
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = allSpans(decodeTraces(body, 'json'));
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      kind: SpanKind.CONSUMER,
      startTimeUnixNano: 10n,
      endTimeUnixNano: 20n,
      status: { code: StatusCode.ERROR, message: 'bad' },
    });
  });

  it('decodes bytes AnyValues from base64 and nested kvlists/arrays', () => {
    const body = json(
      jsonTraces([
        jsonSpan({
          attributes: [
            { key: 'b', value: { bytesValue: Buffer.from([0, 1, 254, 255]).toString('base64') } },
            {
              key: 'kv',
              value: { kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [{ boolValue: false }, { doubleValue: 1.5 }, {}] } } }] } },
            },
            { key: '__proto__', value: { stringValue: 'not a prototype' } },
          ],
        }),
      ]),
    );
    const [span] = allSpans(decodeTraces(body, 'json'));
    expect(span.attributes.b).toEqual(new Uint8Array([0, 1, 254, 255]));
    expect(span.attributes.kv).toEqual({ x: [false, 1.5, null] });
    expect(Object.getOwnPropertyDescriptor(span.attributes, '__proto__')?.value).toBe('not a prototype');
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
  });
});

describe('decodeTraces unusable payloads', () => {
  const { protobuf } = tracePayloads();

  it.each([
    ['truncated protobuf', protobuf.subarray(0, protobuf.length - 7)],
    ['cut in the middle', protobuf.subarray(0, Math.floor(protobuf.length / 2))],
    ['garbage', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x07])],
  ])('throws OtlpDecodeError for %s', (_, body) => {
    expect(() => decodeTraces(body, 'protobuf')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(body, 'protobuf')).toThrow(/^invalid protobuf ExportTraceServiceRequest: /);
  });

  it.each([
    ['invalid JSON', '{"resourceSpans": [', /^invalid JSON ExportTraceServiceRequest: /],
    ['a JSON array', '[]', /expected a JSON object/],
    ['a JSON string', '"hello"', /expected a JSON object/],
    ['null', 'null', /expected a JSON object/],
    ['resourceSpans not an array', '{"resourceSpans": {"a": 1}}', /: ExportTraceServiceRequest\.resourceSpans: array expected$/],
    ['spans not an array', '{"resourceSpans": [{"scopeSpans": [{"spans": 3}]}]}', /: ScopeSpans\.spans: array expected$/],
    ['a null span', '{"resourceSpans": [{"scopeSpans": [{"spans": [null]}]}]}', /null where a message \(object\) is expected/],
    ['bad base64 bytes', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":{"bytesValue":"!!"}}]}]}]}]}', /invalid base64/],
  ])('throws OtlpDecodeError for %s', (_, text, message) => {
    expect(() => decodeTraces(utf8(text), 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(utf8(text), 'json')).toThrow(message);
  });

  it('decodes an empty request to nothing', () => {
    const nothing = { resourceSpans: [], rejected: 0, rejectReasons: [], truncated: { attributes: 0, attributeValues: 0, events: 0, links: 0 } };
    expect(decodeTraces(new Uint8Array(0), 'protobuf')).toEqual(nothing);
    expect(decodeTraces(utf8('{}'), 'json')).toEqual(nothing);
  });
});
