import { decodeTraces, DEFAULT_ITEM_LIMITS } from './index';
import { ExportTraceServiceRequest } from './proto';
import { quoteUnsafeIntegers } from './wire';

describe('quoteUnsafeIntegers', () => {
  it('quotes only integer tokens beyond 2^53 outside strings', () => {
    expect(quoteUnsafeIntegers('{"a":1700000000123456789,"b":[9007199254740993, -9223372036854775808]}')).toBe(
      '{"a":"1700000000123456789","b":["9007199254740993", "-9223372036854775808"]}',
    );
    // safe integers, doubles, exponents and digits inside strings (even after escaped quotes) stay as they are
    const untouched = '{"a":9007199254740991,"b":1.7000000001234567e18,"c":"x\\":1700000000123456789","d":12345678901234567.5}';
    expect(quoteUnsafeIntegers(untouched)).toBe(untouched);
  });
});

describe('OtlpReader string cache', () => {
  it('returns exactly the encoded strings for many distinct, colliding, long and non-ASCII keys', () => {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 5_000; i++) attributes[`k${i}.${'x'.repeat(i % 70)}`] = i % 3 === 0 ? `värde-${i}` : `v${i}`;
    attributes[''] = 'empty key';
    attributes['日本語キー'] = '한국어 값';
    const request = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [1, 2].map((n) => ({
                traceId: new Uint8Array(16).fill(n),
                spanId: new Uint8Array(8).fill(n),
                startTimeUnixNano: 1,
                endTimeUnixNano: 2,
                attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
              })),
            },
          ],
        },
      ],
    });
    const body = ExportTraceServiceRequest.encode(request).finish();
    const spans = decodeTraces(body, 'protobuf', { limits: { ...DEFAULT_ITEM_LIMITS, maxAttributesPerItem: 10_000 } }).resourceSpans[0].scopeSpans[0].spans;
    // the second span is decoded with a warm cache
    for (const span of spans) expect(span.attributes).toEqual(attributes);
  });
});
