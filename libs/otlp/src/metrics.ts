import {
  ExportMetricsServiceRequest,
  type Int64,
  type RawBuckets,
  type RawExponentialHistogramDataPoint,
  type RawHistogramDataPoint,
  type RawMetric,
  type RawMetricsRequest,
  type RawNumberDataPoint,
  type RawSummaryDataPoint,
} from './proto';
import type {
  DecodedMetrics,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  OtlpEncoding,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from './types';
import { attributes, int64ToBigInt, resource, scope, uint64ToBigInt } from './values';
import { decodeJson, decodeProtobuf, eachObject, Rejections } from './wire';

const TYPE_NAME = 'ExportMetricsServiceRequest';

/**
 * Decodes an ExportMetricsServiceRequest; `rejected` counts data points. Invalid items are dropped and counted with a reason naming their path;
 * a payload that cannot be read at all throws OtlpDecodeError. gRPC requests are protobuf bytes:
 * pass them with encoding 'protobuf'.
 */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): DecodedMetrics {
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportMetricsServiceRequest, TYPE_NAME, dropJsonExemplars)
      : decodeProtobuf(body, ExportMetricsServiceRequest, TYPE_NAME);
  return normalizeMetrics(raw);
}

const DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram'] as const;

/** Exemplars are not stored; dropping them before fromObject also spares decoding their hex ids. */
function dropJsonExemplars(request: Record<string, unknown>): void {
  eachObject(request, 'resourceMetrics', (rm) =>
    eachObject(rm, 'scopeMetrics', (sm) =>
      eachObject(sm, 'metrics', (metric) => {
        for (const field of DATA_FIELDS) eachObject(metric[field], 'dataPoints', (dp) => delete dp.exemplars);
      }),
    ),
  );
}

function normalizeMetrics(raw: RawMetricsRequest): DecodedMetrics {
  const rejections = new Rejections();
  const rawResourceMetrics = raw.resourceMetrics;
  const resourceMetrics: ResourceMetrics[] = new Array(rawResourceMetrics.length);
  for (let ri = 0; ri < rawResourceMetrics.length; ri++) {
    const rrm = rawResourceMetrics[ri];
    const rawScopeMetrics = rrm.scopeMetrics;
    const scopeMetrics: ScopeMetrics[] = new Array(rawScopeMetrics.length);
    for (let si = 0; si < rawScopeMetrics.length; si++) {
      const rsm = rawScopeMetrics[si];
      const metrics: Metric[] = [];
      for (let mi = 0; mi < rsm.metrics.length; mi++) {
        const metric = normalizeMetric(rsm.metrics[mi], `resourceMetrics[${ri}].scopeMetrics[${si}].metrics[${mi}]`, rejections);
        if (metric !== null) metrics.push(metric);
      }
      scopeMetrics[si] = { scope: scope(rsm.scope), schemaUrl: rsm.schemaUrl ?? '', metrics };
    }
    resourceMetrics[ri] = { resource: resource(rrm.resource), schemaUrl: rrm.schemaUrl ?? '', scopeMetrics };
  }
  return { resourceMetrics, rejected: rejections.count, rejectReasons: rejections.reasons };
}

/** One point → the normalized point, or "<field>: <problem>" relative to the point. */
type PointNormalizer<R, P> = (raw: R) => P | string;

function points<R extends { timeUnixNano: unknown }, P>(
  rawPoints: readonly R[],
  normalize: PointNormalizer<R, P>,
  path: string,
  rejections: Rejections,
): P[] {
  const out: P[] = [];
  for (let i = 0; i < rawPoints.length; i++) {
    const p = normalize(rawPoints[i]);
    if (typeof p === 'string') rejections.add(1, `${path}.dataPoints[${i}].${p}`);
    else out.push(p);
  }
  return out;
}

/** The metric's path is built once per metric; point paths only when a point is rejected. */
function normalizeMetric(m: RawMetric, path: string, rejections: Rejections): Metric | null {
  const name = m.name ?? '';
  const base = { name, description: m.description ?? '', unit: m.unit ?? '', metadata: attributes(m.metadata) };
  if (name === '') {
    const count = pointCount(m);
    if (count > 0) rejections.add(count, `${path}.name: missing`);
    return null;
  }
  if (m.gauge != null) {
    return { ...base, type: 'gauge', dataPoints: points(m.gauge.dataPoints, numberPoint, `${path}.gauge`, rejections) };
  }
  if (m.sum != null) {
    return {
      ...base,
      type: 'sum',
      aggregationTemporality: m.sum.aggregationTemporality || 0,
      isMonotonic: m.sum.isMonotonic === true,
      dataPoints: points(m.sum.dataPoints, numberPoint, `${path}.sum`, rejections),
    };
  }
  if (m.histogram != null) {
    return {
      ...base,
      type: 'histogram',
      aggregationTemporality: m.histogram.aggregationTemporality || 0,
      dataPoints: points(m.histogram.dataPoints, histogramPoint, `${path}.histogram`, rejections),
    };
  }
  if (m.exponentialHistogram != null) {
    return {
      ...base,
      type: 'exponentialHistogram',
      aggregationTemporality: m.exponentialHistogram.aggregationTemporality || 0,
      dataPoints: points(m.exponentialHistogram.dataPoints, exponentialPoint, `${path}.exponentialHistogram`, rejections),
    };
  }
  if (m.summary != null) {
    return { ...base, type: 'summary', dataPoints: points(m.summary.dataPoints, summaryPoint, `${path}.summary`, rejections) };
  }
  return null; // no data: nothing to store, nothing to count
}

function pointCount(m: RawMetric): number {
  const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return data ? data.dataPoints.length : 0;
}

function numberPoint(p: RawNumberDataPoint): NumberDataPoint | string {
  const time = uint64ToBigInt(p.timeUnixNano);
  if (time === 0n) return 'timeUnixNano: missing';
  let value: number | bigint;
  if (p.asDouble != null) value = p.asDouble;
  else if (p.asInt != null) value = int64ToBigInt(p.asInt);
  else return 'value: missing (asDouble or asInt)';
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: uint64ToBigInt(p.startTimeUnixNano),
    timeUnixNano: time,
    flags: p.flags || 0,
    value,
  };
}

function counts(raw: readonly Int64[]): bigint[] {
  const out: bigint[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = uint64ToBigInt(raw[i]);
  return out;
}

function histogramPoint(p: RawHistogramDataPoint): HistogramDataPoint | string {
  const time = uint64ToBigInt(p.timeUnixNano);
  if (time === 0n) return 'timeUnixNano: missing';
  const bounds = p.explicitBounds;
  const buckets = p.bucketCounts;
  if (buckets.length !== 0 && buckets.length !== bounds.length + 1) {
    return `bucketCounts: expected explicitBounds.length + 1 = ${bounds.length + 1} entries, got ${buckets.length}`;
  }
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: uint64ToBigInt(p.startTimeUnixNano),
    timeUnixNano: time,
    flags: p.flags || 0,
    count: uint64ToBigInt(p.count),
    sum: p.sum ?? null,
    bucketCounts: counts(buckets),
    explicitBounds: Array.from(bounds),
    min: p.min ?? null,
    max: p.max ?? null,
  };
}

function expBuckets(b: RawBuckets | null): ExponentialHistogramBuckets {
  return b ? { offset: b.offset || 0, bucketCounts: counts(b.bucketCounts) } : { offset: 0, bucketCounts: [] };
}

function exponentialPoint(p: RawExponentialHistogramDataPoint): ExponentialHistogramDataPoint | string {
  const time = uint64ToBigInt(p.timeUnixNano);
  if (time === 0n) return 'timeUnixNano: missing';
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: uint64ToBigInt(p.startTimeUnixNano),
    timeUnixNano: time,
    flags: p.flags || 0,
    count: uint64ToBigInt(p.count),
    sum: p.sum ?? null,
    scale: p.scale || 0,
    zeroCount: uint64ToBigInt(p.zeroCount),
    zeroThreshold: p.zeroThreshold ?? 0,
    positive: expBuckets(p.positive),
    negative: expBuckets(p.negative),
    min: p.min ?? null,
    max: p.max ?? null,
  };
}

function summaryPoint(p: RawSummaryDataPoint): SummaryDataPoint | string {
  const time = uint64ToBigInt(p.timeUnixNano);
  if (time === 0n) return 'timeUnixNano: missing';
  const q = p.quantileValues;
  const quantileValues = new Array<{ quantile: number; value: number }>(q.length);
  for (let i = 0; i < q.length; i++) quantileValues[i] = { quantile: q[i].quantile ?? 0, value: q[i].value ?? 0 };
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: uint64ToBigInt(p.startTimeUnixNano),
    timeUnixNano: time,
    flags: p.flags || 0,
    count: uint64ToBigInt(p.count),
    sum: p.sum ?? 0,
    quantileValues,
  };
}
