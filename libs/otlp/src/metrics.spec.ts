import { type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, decodeMetrics, type Metric } from './index';
import { ExportMetricsServiceRequest } from './proto';
import { metricPayloads } from './sdk-payloads.fixture';

const nanos = (t: HrTime) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const json = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8');
const allMetrics = (d: ReturnType<typeof decodeMetrics>): Metric[] => d.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
const byName = (d: ReturnType<typeof decodeMetrics>, name: string) => allMetrics(d).find((m) => m.name === name)!;

/** A summary metric (the JS SDK has none), as an OTLP/JSON object. */
const summaryRequest = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy' } }] },
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'rpc.latency',
              unit: 's',
              summary: {
                dataPoints: [
                  {
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000060000000001',
                    count: '18446744073709551615', // max uint64
                    sum: 12.5,
                    quantileValues: [
                      { quantile: 0.5, value: 0.1 },
                      { quantile: 0.99, value: 2.25 },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

describe('decodeMetrics with SDK payloads', () => {
  let payloads: Awaited<ReturnType<typeof metricPayloads>>;
  beforeAll(async () => {
    payloads = await metricPayloads();
  });

  it('decodes protobuf and JSON to identical normalized objects', () => {
    const fromProtobuf = decodeMetrics(payloads.protobuf, 'protobuf');
    expect(fromProtobuf.rejected).toBe(0);
    expect(allMetrics(fromProtobuf)).toHaveLength(6);
    expect(decodeMetrics(payloads.json, 'json')).toStrictEqual(fromProtobuf);
  });

  it.each(['protobuf', 'json'] as const)('decodes gauges, sums, histograms and exponential histograms (%s)', (encoding) => {
    const d = decodeMetrics(payloads[encoding], encoding);
    expect(d.resourceMetrics[0].resource.attributes['service.name']).toBe('checkout');
    expect(d.resourceMetrics[0].scopeMetrics[0].scope).toMatchObject({ name: 'meridian-test', version: '1.2.3' });

    const depth = byName(d, 'queue.depth');
    expect(depth).toMatchObject({ type: 'gauge', unit: '{item}', description: 'items waiting' });
    expect(depth.dataPoints).toEqual([expect.objectContaining({ value: 17n, attributes: { queue: 'orders' } })]);
    expect(byName(d, 'cpu.utilization').dataPoints[0]).toMatchObject({ value: 0.625 });

    expect(byName(d, 'requests')).toMatchObject({
      type: 'sum',
      isMonotonic: true,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPoints: [expect.objectContaining({ value: 5n, attributes: { route: '/orders/:id' } })],
    });
    expect(byName(d, 'connections')).toMatchObject({
      type: 'sum',
      isMonotonic: false,
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPoints: [expect.objectContaining({ value: -3n })],
    });

    const latency = byName(d, 'latency');
    expect(latency).toMatchObject({ type: 'histogram', aggregationTemporality: AggregationTemporality.CUMULATIVE, unit: 'ms' });
    expect(latency.dataPoints[0]).toMatchObject({
      count: 5n,
      sum: 5562,
      min: 5,
      max: 5000,
      explicitBounds: [10, 100, 1000],
      bucketCounts: [2n, 1n, 1n, 1n],
    });

    const size = byName(d, 'payload.size');
    expect(size.type).toBe('exponentialHistogram');
    const exp = size.dataPoints[0] as Extract<Metric, { type: 'exponentialHistogram' }>['dataPoints'][number];
    expect(exp).toMatchObject({ count: 5n, sum: 1031, min: 0, max: 1024, zeroCount: 1n });
    expect(exp.positive.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(4n);
    expect(exp.negative.bucketCounts).toEqual([]);
  });

  it('keeps the SDK data point times to the nanosecond', () => {
    const d = decodeMetrics(payloads.protobuf, 'protobuf');
    const src = payloads.source.scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'latency')!.dataPoints[0];
    expect(byName(d, 'latency').dataPoints[0]).toMatchObject({ startTimeUnixNano: nanos(src.startTime), timeUnixNano: nanos(src.endTime) });
  });
});

describe('decodeMetrics summaries', () => {
  it('decodes a summary the same from JSON and from protobuf made by the generated encoder', () => {
    const protobuf = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(summaryRequest)).finish();
    const fromProtobuf = decodeMetrics(protobuf, 'protobuf');
    expect(decodeMetrics(json(summaryRequest), 'json')).toStrictEqual(fromProtobuf);
    expect(allMetrics(fromProtobuf)).toEqual([
      {
        type: 'summary',
        name: 'rpc.latency',
        description: '',
        unit: 's',
        metadata: {},
        dataPoints: [
          {
            attributes: {},
            startTimeUnixNano: 1700000000000000000n,
            timeUnixNano: 1700000060000000001n,
            flags: 0,
            count: 18446744073709551615n,
            sum: 12.5,
            quantileValues: [
              { quantile: 0.5, value: 0.1 },
              { quantile: 0.99, value: 2.25 },
            ],
          },
        ],
      },
    ]);
  });
});

describe('decodeMetrics per-item validation', () => {
  it('drops bad data points and counts them, keeping the rest', () => {
    const point = (extra: Record<string, unknown>) => ({ timeUnixNano: '1700000000000000000', asDouble: 1, ...extra });
    const body = json({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'g', gauge: { dataPoints: [point({}), point({ timeUnixNano: '0' }), point({ asDouble: undefined, asInt: '7' })] } },
                { name: '', sum: { dataPoints: [point({}), point({})] } },
                { name: 'novalue', gauge: { dataPoints: [{ timeUnixNano: '5' }] } },
                {
                  name: 'h',
                  histogram: {
                    aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    dataPoints: [
                      { timeUnixNano: '5', count: '3', bucketCounts: ['1', '2'], explicitBounds: [1, 2] },
                      { timeUnixNano: '5', count: 3, bucketCounts: [1, 2], explicitBounds: [1] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const d = decodeMetrics(body, 'json');
    expect(d.rejected).toBe(5);
    expect(d.rejectReasons).toEqual([
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1].timeUnixNano: missing',
      'resourceMetrics[0].scopeMetrics[0].metrics[1].name: missing',
      'resourceMetrics[0].scopeMetrics[0].metrics[2].gauge.dataPoints[0].value: missing (asDouble or asInt)',
      'resourceMetrics[0].scopeMetrics[0].metrics[3].histogram.dataPoints[0].bucketCounts: expected explicitBounds.length + 1 = 3 entries, got 2',
    ]);
    expect(allMetrics(d).map((m) => [m.name, m.dataPoints.length])).toEqual([
      ['g', 2],
      ['novalue', 0],
      ['h', 1],
    ]);
    expect(byName(d, 'g').dataPoints[1]).toMatchObject({ value: 7n });
    expect(byName(d, 'h')).toMatchObject({ aggregationTemporality: AggregationTemporality.DELTA, dataPoints: [{ count: 3n, bucketCounts: [1n, 2n] }] });
  });
});
