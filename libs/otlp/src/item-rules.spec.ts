import { decodeLogs, decodeMetrics, decodeTraces, DEFAULT_ITEM_LIMITS, type LogRecord, type Metric, MAX_TIME_NANOS, type Span } from './index';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from './proto';
import { mayHoldLoneSurrogates } from './values';

/** Per-item rules: every kept value fits its ClickHouse column; per-item limits cut and count. */

const NOW_MS = 1_800_000_000_000; // 2027-01-15
const NOW = BigInt(NOW_MS) * 1_000_000n;
const HOUR = 3_600_000_000_000n;
const DAY = 24n * HOUR;
const opts = { nowMs: NOW_MS };

const json = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8');
/** JSON text with escapes written as is (JSON.stringify would turn "\ud800" back into an escape anyway, but be explicit). */
const rawJson = (text: string) => Buffer.from(text, 'utf8');
const spansOf = (d: ReturnType<typeof decodeTraces>): Span[] => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const recordsOf = (d: ReturnType<typeof decodeLogs>): LogRecord[] => d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
const metricsOf = (d: ReturnType<typeof decodeMetrics>): Metric[] => d.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));

function span(overrides: Record<string, unknown> = {}) {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'work',
    startTimeUnixNano: String(NOW - HOUR),
    endTimeUnixNano: String(NOW - HOUR + 1000n),
    ...overrides,
  };
}
const traces = (spans: unknown[], resourceAttributes: unknown[] = []) => ({
  resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 's' }, spans }] }],
});
const PATH = 'resourceSpans[0].scopeSpans[0].spans';

describe('times: inside DateTime64(9) and inside the accepted window, per item', () => {
  it('rejects a span starting after 2262-04-11 (protobuf fixed64) or at a negative time (JSON), naming the field', () => {
    const beyond = MAX_TIME_NANOS + 1n;
    const pb = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: new Uint8Array(16).fill(1),
                    spanId: new Uint8Array(8).fill(1),
                    startTimeUnixNano: beyond.toString(),
                    endTimeUnixNano: beyond.toString(),
                  },
                  {
                    traceId: new Uint8Array(16).fill(2),
                    spanId: new Uint8Array(8).fill(2),
                    startTimeUnixNano: String(NOW - HOUR),
                    endTimeUnixNano: String(NOW - HOUR),
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    const d = decodeTraces(pb, 'protobuf', opts);
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons[0]).toMatch(
      /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.startTimeUnixNano: out of range \(9223372036854775808 as uint64, .*2262-04-11/,
    );
    expect(spansOf(d)).toHaveLength(1);

    const j = decodeTraces(json(traces([span({ startTimeUnixNano: '-5' }), span({ endTimeUnixNano: '-1' }), span()])), 'json', opts);
    expect(j.rejected).toBe(2);
    expect(j.rejectReasons).toEqual([
      expect.stringMatching(new RegExp(`^${escape(PATH)}\\[0\\]\\.startTimeUnixNano: out of range \\(18446744073709551611 as uint64, -5 as int64\\)`)),
      expect.stringMatching(new RegExp(`^${escape(PATH)}\\[1\\]\\.endTimeUnixNano: out of range .*-1 as int64`)),
    ]);
  });

  it('accepts the last storable nanosecond when the window allows it', () => {
    const far = { nowMs: NOW_MS, limits: { ...DEFAULT_ITEM_LIMITS, maxFutureSkewMs: Number.MAX_SAFE_INTEGER } };
    const d = decodeTraces(json(traces([span({ startTimeUnixNano: MAX_TIME_NANOS.toString(), endTimeUnixNano: MAX_TIME_NANOS.toString() })])), 'json', far);
    expect(d.rejected).toBe(0);
    expect(spansOf(d)[0].endTimeUnixNano).toBe(MAX_TIME_NANOS);
  });

  it('rejects spans ending more than intake.maxFutureSkewMs ahead of the receive time', () => {
    const d = decodeTraces(
      json(
        traces([
          span({ endTimeUnixNano: String(NOW + DAY + 1_000_000n) }),
          span({ startTimeUnixNano: String(NOW + 2n * HOUR), endTimeUnixNano: String(NOW + 2n * HOUR) }),
        ]),
      ),
      'json',
      opts,
    );
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons[0]).toBe(
      `${PATH}[0].endTimeUnixNano: 2027-01-16T08:00:00.001Z is more than 86400000 ms after the receive time 2027-01-15T08:00:00.000Z (intake.maxFutureSkewMs); check the sender's clock`,
    );
    const strict = decodeTraces(json(traces([span({ startTimeUnixNano: String(NOW + 2n * HOUR), endTimeUnixNano: String(NOW + 2n * HOUR) })])), 'json', {
      nowMs: NOW_MS,
      limits: { ...DEFAULT_ITEM_LIMITS, maxFutureSkewMs: 60_000 },
    });
    expect(strict.rejected).toBe(1);
    expect(strict.rejectReasons[0]).toMatch(/startTimeUnixNano: .* more than 60000 ms after/);
  });

  it("rejects spans older than the tenant's retention; without a retention only 1970 bounds them", () => {
    const old = span({ startTimeUnixNano: String(NOW - 8n * DAY), endTimeUnixNano: String(NOW - 8n * DAY + 5n) });
    const d = decodeTraces(json(traces([old, span()])), 'json', { ...opts, retentionDays: 7 });
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons[0]).toBe(
      `${PATH}[0].startTimeUnixNano: 2027-01-07T08:00:00.000Z is older than the tenant's retention of 7 days before the receive time 2027-01-15T08:00:00.000Z`,
    );
    expect(decodeTraces(json(traces([old])), 'json', opts).rejected).toBe(0);
  });

  it('bounds the retention window at 3650 days, the longest the tables keep (and what one insert may span)', () => {
    const ancient = span({ startTimeUnixNano: String(NOW - 3651n * DAY), endTimeUnixNano: String(NOW - 3651n * DAY) });
    const d = decodeTraces(json(traces([ancient])), 'json', { ...opts, retentionDays: 36_500 });
    expect(d.rejectReasons[0]).toMatch(/older than the tenant's retention of 3650 days/);
  });

  it('rejects the whole span for an event time that cannot be stored; event time 0 is kept', () => {
    const d = decodeTraces(
      json(
        traces([
          span({
            events: [
              { timeUnixNano: '1', name: 'ok' },
              { timeUnixNano: '-1', name: 'bad' },
            ],
          }),
          span({ events: [{ timeUnixNano: '0', name: 'zero' }] }),
        ]),
      ),
      'json',
      opts,
    );
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons[0]).toMatch(
      /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.events\[1\]\.timeUnixNano: out of range .* \(the whole span is rejected\)$/,
    );
    expect(spansOf(d)[0].events[0].timeUnixNano).toBe(0n);
  });

  it('metric points: time in the window, start time 0 allowed, start time beyond 2262 rejected', () => {
    const point = (extra: Record<string, unknown>) => ({ timeUnixNano: String(NOW - HOUR), asDouble: 1, ...extra });
    const d = decodeMetrics(
      json({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'g',
                    gauge: {
                      dataPoints: [
                        point({ startTimeUnixNano: '0' }),
                        point({ startTimeUnixNano: '-3' }),
                        point({ timeUnixNano: String(NOW + 2n * DAY) }),
                        point({ startTimeUnixNano: String(NOW - 400n * DAY) }), // a cumulative start may be older than retention
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
      'json',
      { ...opts, retentionDays: 30 },
    );
    expect(d.rejected).toBe(2);
    expect(d.rejectReasons).toEqual([
      expect.stringMatching(/^resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[1\]\.startTimeUnixNano: out of range/),
      expect.stringMatching(/^resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[2\]\.timeUnixNano: .* \(intake\.maxFutureSkewMs\)/),
    ]);
    expect(metricsOf(d)[0].dataPoints.map((p) => p.startTimeUnixNano)).toEqual([0n, NOW - 400n * DAY]);
  });

  it('log records: no observed time → the time stands; no time → the observed time; neither → the receive time', () => {
    const t = String(NOW - HOUR);
    const d = decodeLogs(
      json({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { timeUnixNano: t },
                  { observedTimeUnixNano: t },
                  {},
                  { timeUnixNano: t, observedTimeUnixNano: '-2' },
                  { observedTimeUnixNano: String(NOW + 3n * DAY) },
                ],
              },
            ],
          },
        ],
      }),
      'json',
      opts,
    );
    expect(recordsOf(d).map((r) => [r.timeUnixNano, r.observedTimeUnixNano])).toEqual([
      [NOW - HOUR, 0n],
      [0n, NOW - HOUR],
      [0n, NOW],
    ]);
    expect(d.rejected).toBe(2);
    expect(d.rejectReasons).toEqual([
      expect.stringMatching(/^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[3\]\.observedTimeUnixNano: out of range/),
      expect.stringMatching(
        /^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[4\]\.observedTimeUnixNano \(the record has no timeUnixNano\): .* \(intake\.maxFutureSkewMs\)/,
      ),
    ]);
  });
});

describe('lone UTF-16 surrogates in OTLP/JSON become U+FFFD', () => {
  const text = (spanJson: string) =>
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc\\udc00"}}]},"scopeSpans":[{"scope":{"name":"s\\ud800"},"spans":[${spanJson}]}]}]}`;

  it('in names, attribute keys and values (nested too), scope and resource', () => {
    const s = `{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"a\\ud800b","startTimeUnixNano":"${NOW - HOUR}","endTimeUnixNano":"${NOW - HOUR}",
      "attributes":[{"key":"k\\udfff","value":{"stringValue":"\\uD83D"}},{"key":"list","value":{"arrayValue":{"values":[{"stringValue":"x\\ud800"},{"kvlistValue":{"values":[{"key":"\\udc01","value":{"stringValue":"y"}}]}}]}}},
        {"key":"emoji","value":{"stringValue":"\\ud83d\\ude00"}}],
      "status":{"message":"m\\ud800"},"events":[{"timeUnixNano":"1","name":"\\udbff"}]}`;
    const d = decodeTraces(rawJson(text(s)), 'json', opts);
    expect(d.rejected).toBe(0);
    const [sp] = spansOf(d);
    expect(sp.name).toBe('a\ufffdb');
    expect(sp.attributes).toEqual({ 'k\ufffd': '\ufffd', list: ['x\ufffd', { '\ufffd': 'y' }], emoji: '😀' });
    expect(sp.status.message).toBe('m\ufffd');
    expect(sp.events[0].name).toBe('\ufffd');
    expect(d.resourceSpans[0].resource.attributes['service.name']).toBe('svc\ufffd');
    expect(d.resourceSpans[0].scopeSpans[0].scope.name).toBe('s\ufffd');
  });

  it('in log bodies and metric names', () => {
    const logs = decodeLogs(
      rawJson(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"${NOW}","body":{"stringValue":"\\ud800"},"severityText":"\\udc00"}]}]}]}`),
      'json',
      opts,
    );
    expect(recordsOf(logs)[0]).toMatchObject({ body: '\ufffd', severityText: '\ufffd' });
    const metrics = decodeMetrics(
      rawJson(
        `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m\\ud800","unit":"\\udc00","gauge":{"dataPoints":[{"timeUnixNano":"${NOW}","asInt":"1"}]}}]}]}]}`,
      ),
      'json',
      opts,
    );
    expect(metricsOf(metrics)[0]).toMatchObject({ name: 'm\ufffd', unit: '\ufffd' });
  });

  it('the cheap pre-check finds surrogate escapes only', () => {
    expect(mayHoldLoneSurrogates(rawJson('{"a":"\\u00e9\\u20ac"}'))).toBe(false);
    expect(mayHoldLoneSurrogates(rawJson('{"a":"\\uD800"}'))).toBe(true);
    expect(mayHoldLoneSurrogates(rawJson('{"a":"\\udfff"}'))).toBe(true);
    expect(mayHoldLoneSurrogates(rawJson('{"a":"d800"}'))).toBe(false);
  });
});

describe('integers for their column width', () => {
  it('span kind and status code outside their enums become 0 (unspecified/unset), not an error', () => {
    const d = decodeTraces(
      json(traces([span({ kind: -1, status: { code: 7 } }), span({ kind: 1e300, status: { code: 1.5 } }), span({ kind: 5, status: { code: 2 } })])),
      'json',
      opts,
    );
    expect(spansOf(d).map((s) => [s.kind, s.status.code])).toEqual([
      [0, 0],
      [0, 0],
      [5, 2],
    ]);
  });

  it('severity numbers outside 0..24 become 0', () => {
    const d = decodeLogs(
      json({
        resourceLogs: [{ scopeLogs: [{ logRecords: [-1, 25, 300, 2.5, 24].map((severityNumber) => ({ timeUnixNano: String(NOW), severityNumber })) }] }],
      }),
      'json',
      opts,
    );
    expect(recordsOf(d).map((r) => r.severityNumber)).toEqual([0, 0, 0, 0, 24]);
  });

  it('negative counts from JSON reject the data point; a uint64 count up to 2^64-1 from protobuf is kept', () => {
    const t = String(NOW);
    const req = (h: Record<string, unknown>, e: Record<string, unknown>, s: Record<string, unknown>) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'h',
                  histogram: {
                    dataPoints: [
                      { timeUnixNano: t, count: '3', bucketCounts: ['1', '2'], explicitBounds: [1] },
                      { timeUnixNano: t, ...h },
                    ],
                  },
                },
                { name: 'e', exponentialHistogram: { dataPoints: [{ timeUnixNano: t, ...e }] } },
                { name: 's', summary: { dataPoints: [{ timeUnixNano: t, ...s }] } },
              ],
            },
          ],
        },
      ],
    });
    const d = decodeMetrics(
      json(req({ count: '-5', bucketCounts: ['1'], explicitBounds: [] }, { count: '1', negative: { offset: 0, bucketCounts: ['1', -2] } }, { count: -1 })),
      'json',
      opts,
    );
    expect(d.rejected).toBe(3);
    expect(d.rejectReasons).toEqual([
      'resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[1].count: -5 is negative; expected a count from 0',
      'resourceMetrics[0].scopeMetrics[0].metrics[1].exponentialHistogram.dataPoints[0].negative.bucketCounts[1]: -2 is negative; expected a count from 0',
      'resourceMetrics[0].scopeMetrics[0].metrics[2].summary.dataPoints[0].count: -1 is negative; expected a count from 0',
    ]);
    const max = '18446744073709551615';
    const pb = ExportMetricsServiceRequest.encode(
      ExportMetricsServiceRequest.fromObject(req({ count: max }, { count: max, zeroCount: max }, { count: max })),
    ).finish();
    const p = decodeMetrics(pb, 'protobuf', opts);
    expect(p.rejected).toBe(0);
    expect(metricsOf(p).flatMap((m) => m.dataPoints.map((dp) => (dp as { count: bigint }).count))).toEqual([
      3n,
      2n ** 64n - 1n,
      2n ** 64n - 1n,
      2n ** 64n - 1n,
    ]);
  });
});

describe('floats that are not finite reject the data point', () => {
  it.each([
    ['gauge', { asDouble: 'NaN' }, 'gauge.dataPoints[0].asDouble: NaN is not a finite number'],
    ['sum', { asDouble: '-Infinity' }, 'sum.dataPoints[0].asDouble: -Infinity is not a finite number'],
    ['histogram', { count: '1', sum: 'Infinity' }, 'histogram.dataPoints[0].sum: Infinity is not a finite number'],
    ['histogram', { count: '1', min: 'NaN' }, 'histogram.dataPoints[0].min: NaN is not a finite number'],
    [
      'histogram',
      { count: '1', bucketCounts: ['0', '1'], explicitBounds: ['Infinity'] },
      'histogram.dataPoints[0].explicitBounds[0]: Infinity is not a finite number',
    ],
    ['exponentialHistogram', { count: '1', max: 'Infinity' }, 'exponentialHistogram.dataPoints[0].max: Infinity is not a finite number'],
    ['summary', { count: '1', sum: 'NaN' }, 'summary.dataPoints[0].sum: NaN is not a finite number'],
    [
      'summary',
      { count: '1', quantileValues: [{ quantile: 0.5, value: 'Infinity' }] },
      'summary.dataPoints[0].quantileValues[0].value: Infinity is not a finite number',
    ],
    [
      'summary',
      { count: '1', quantileValues: [{ quantile: 'NaN', value: 1 }] },
      'summary.dataPoints[0].quantileValues[0].quantile: NaN is not a finite number',
    ],
  ])('%s %j', (type, fields, reason) => {
    const good = { timeUnixNano: String(NOW), ...(type === 'gauge' || type === 'sum' ? { asDouble: 1 } : { count: '1' }) };
    const d = decodeMetrics(
      json({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', [type]: { dataPoints: [{ timeUnixNano: String(NOW), ...fields }, good] } }] }] }] }),
      'json',
      opts,
    );
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons).toEqual([`resourceMetrics[0].scopeMetrics[0].metrics[0].${reason}`]);
    expect(metricsOf(d)[0].dataPoints).toHaveLength(1);
  });
});

describe('per-item limits cut the item, keep it, and count the cut', () => {
  const limits = { ...DEFAULT_ITEM_LIMITS, maxAttributesPerItem: 3, maxAttributeValueBytes: 8, maxEventsPerSpan: 2, maxLinksPerSpan: 1 };
  const attrs = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
  const link = (n: number) => ({ traceId: String(n).repeat(32).slice(0, 32), spanId: String(n).repeat(16).slice(0, 16) });

  it('keeps the first N attributes of every attribute set and adds the rest to droppedAttributesCount', () => {
    const d = decodeTraces(
      json(
        traces(
          [
            span({
              attributes: attrs(5),
              droppedAttributesCount: 1,
              events: [{ timeUnixNano: '1', attributes: attrs(4) }],
              links: [{ ...link(1), attributes: attrs(3) }],
            }),
          ],
          attrs(10),
        ),
      ),
      'json',
      { ...opts, limits },
    );
    const [s] = spansOf(d);
    expect(d.rejected).toBe(0);
    expect(s.attributes).toEqual({ k0: 0n, k1: 1n, k2: 2n });
    expect(s.droppedAttributesCount).toBe(3);
    expect(s.events[0]).toMatchObject({ droppedAttributesCount: 1 });
    expect(Object.keys(s.links[0].attributes)).toHaveLength(3);
    expect(d.resourceSpans[0].resource).toEqual({ attributes: { k0: 0n, k1: 1n, k2: 2n }, droppedAttributesCount: 7 });
    expect(d.truncated).toEqual({ attributes: 2 + 1 + 7, attributeValues: 0, events: 0, links: 0 });
  });

  it('cuts long attribute values on a UTF-8 character boundary (strings anywhere in the value, bytes too), not log bodies', () => {
    const d = decodeTraces(
      json(
        traces([
          span({
            attributes: [
              { key: 'ascii', value: { stringValue: 'abcdefghij' } },
              { key: 'utf8', value: { stringValue: 'ab€€€' } }, // € is 3 bytes: 'ab€€' = 8 bytes
              { key: 'nested', value: { arrayValue: { values: [{ stringValue: 'ééééé' }, { bytesValue: Buffer.alloc(12, 7).toString('base64') }] } } },
            ],
          }),
        ]),
      ),
      'json',
      { ...opts, limits: { ...limits, maxAttributesPerItem: 128 } },
    );
    const a = spansOf(d)[0].attributes;
    expect(a.ascii).toBe('abcdefgh');
    expect(a.utf8).toBe('ab€€');
    expect(a.nested).toEqual(['éééé', new Uint8Array(8).fill(7)]);
    expect(d.truncated.attributeValues).toBe(4);

    const body = 'x'.repeat(100);
    const logs = decodeLogs(json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(NOW), body: { stringValue: body } }] }] }] }), 'json', {
      ...opts,
      limits,
    });
    expect(recordsOf(logs)[0].body).toBe(body);
  });

  it('keeps the first N events and links per span, adding the rest to the dropped counts', () => {
    const events = [1, 2, 3, 4].map((i) => ({ timeUnixNano: String(i), name: `e${i}` }));
    const d = decodeTraces(json(traces([span({ events, droppedEventsCount: 1, links: [link(1), link(2), link(3)] })])), 'json', { ...opts, limits });
    const [s] = spansOf(d);
    expect(s.events.map((e) => e.name)).toEqual(['e1', 'e2']);
    expect(s.droppedEventsCount).toBe(3);
    expect(s.links).toHaveLength(1);
    expect(s.droppedLinksCount).toBe(2);
    expect(d.truncated).toEqual({ attributes: 0, attributeValues: 0, events: 2, links: 2 });
  });

  it('counts nothing for a rejected span', () => {
    const events = [1, 2, 3].map((i) => ({ timeUnixNano: String(i), attributes: attrs(5) }));
    const d = decodeTraces(json(traces([span({ startTimeUnixNano: '-1', attributes: attrs(9), events })])), 'json', { ...opts, limits });
    expect(d.rejected).toBe(1);
    expect(d.truncated).toEqual({ attributes: 0, attributeValues: 0, events: 0, links: 0 });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
