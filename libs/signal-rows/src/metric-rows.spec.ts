import type { MetricPointRow } from '@meridian/domain';
import { decodeMetrics } from '@meridian/otlp';
import { buildMetricRows } from './index';

const CTX = { tenantId: 't_acme', retentionDays: 30 };
const T0 = '1700000000000000000';
const T1 = '1700000060123456789';

const request = {
  resourceMetrics: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'checkout' } },
          { key: 'host.name', value: { stringValue: 'web-01' } },
        ],
      },
      scopeMetrics: [
        {
          scope: { name: 'meter-a' },
          metrics: [
            {
              name: 'queue.depth',
              unit: '{item}',
              gauge: { dataPoints: [{ timeUnixNano: T1, asInt: '17', attributes: [{ key: 'queue', value: { stringValue: 'orders' } }] }] },
            },
            {
              name: 'requests',
              description: 'served',
              sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: T0, timeUnixNano: T1, asDouble: 5.5 }] },
            },
            {
              name: 'latency',
              unit: 'ms',
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    startTimeUnixNano: T0,
                    timeUnixNano: T1,
                    count: '5',
                    sum: 5562,
                    min: 5,
                    max: 5000,
                    bucketCounts: ['2', '1', '1', '1'],
                    explicitBounds: [10, 100, 1000],
                  },
                ],
              },
            },
            {
              name: 'payload.size',
              exponentialHistogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    timeUnixNano: T1,
                    count: '5',
                    sum: 1031,
                    scale: 3,
                    zeroCount: '1',
                    positive: { offset: -2, bucketCounts: ['1', '0', '3'] },
                    negative: { offset: 1, bucketCounts: ['18446744073709551615'] },
                  },
                ],
              },
            },
            {
              name: 'rpc.duration',
              summary: {
                dataPoints: [
                  {
                    timeUnixNano: T1,
                    count: '10',
                    sum: 2.5,
                    quantileValues: [
                      { quantile: 0.5, value: 0.2 },
                      { quantile: 1, value: 0.9 },
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

describe('buildMetricRows', () => {
  const rows = buildMetricRows(decodeMetrics(Buffer.from(JSON.stringify(request)), 'json'), CTX);
  const row = (name: string) => rows.find((r) => r.metric_name === name)!;
  const neutral: Partial<MetricPointRow> = {
    value: 0,
    count: '0',
    sum: 0,
    min: null,
    max: null,
    bucket_counts: [],
    explicit_bounds: [],
    exp_scale: 0,
    exp_zero_count: '0',
    exp_positive_offset: 0,
    exp_positive_counts: [],
    exp_negative_offset: 0,
    exp_negative_counts: [],
    quantiles: [],
    quantile_values: [],
  };

  it('writes one row per data point with the shared columns', () => {
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r).toMatchObject({
        tenant_id: 't_acme',
        retention_days: 30,
        service: 'checkout',
        host_name: 'web-01',
        scope_name: 'meter-a',
        ts: '1700000060.123456789',
        flags: 0,
      });
      expect(r.resource_attributes).toEqual({ 'service.name': 'checkout', 'host.name': 'web-01' });
    }
  });

  it('gauge: value (int converted), no start time', () => {
    expect(row('queue.depth')).toEqual(
      expect.objectContaining({
        ...neutral,
        metric_type: 'GAUGE',
        unit: '{item}',
        temporality: 'UNSPECIFIED',
        is_monotonic: 0,
        start_ts: '0.000000000',
        value: 17,
        attributes: { queue: 'orders' },
      }),
    );
  });

  it('sum: value, temporality and monotonicity', () => {
    expect(row('requests')).toEqual(
      expect.objectContaining({
        ...neutral,
        metric_type: 'SUM',
        description: 'served',
        temporality: 'CUMULATIVE',
        is_monotonic: 1,
        start_ts: '1700000000.000000000',
        value: 5.5,
      }),
    );
  });

  it('histogram: count, sum, min/max, buckets and bounds', () => {
    expect(row('latency')).toEqual(
      expect.objectContaining({
        ...neutral,
        metric_type: 'HISTOGRAM',
        temporality: 'DELTA',
        count: '5',
        sum: 5562,
        min: 5,
        max: 5000,
        bucket_counts: ['2', '1', '1', '1'],
        explicit_bounds: [10, 100, 1000],
      }),
    );
  });

  it('exponential histogram: scale, zero count, offsets and counts (uint64 exact)', () => {
    expect(row('payload.size')).toEqual(
      expect.objectContaining({
        ...neutral,
        metric_type: 'EXP_HISTOGRAM',
        temporality: 'CUMULATIVE',
        count: '5',
        sum: 1031,
        exp_scale: 3,
        exp_zero_count: '1',
        exp_positive_offset: -2,
        exp_positive_counts: ['1', '0', '3'],
        exp_negative_offset: 1,
        exp_negative_counts: ['18446744073709551615'],
      }),
    );
  });

  it('summary: count, sum, quantiles', () => {
    expect(row('rpc.duration')).toEqual(
      expect.objectContaining({
        ...neutral,
        metric_type: 'SUMMARY',
        temporality: 'UNSPECIFIED',
        count: '10',
        sum: 2.5,
        quantiles: [0.5, 1],
        quantile_values: [0.2, 0.9],
      }),
    );
  });
});
