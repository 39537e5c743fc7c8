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
import { type DecodeOptions, ItemRules } from './limits';
import { attributes, enumNumber, int64ToBigInt, resource, scope, uint64ToBigInt, withWellFormedStrings } from './values';
import { decodeJson, decodeProtobuf, Rejections } from './wire';

const TYPE_NAME = 'ExportMetricsServiceRequest';

const MAX_TEMPORALITY = 2;

/**
 * Decodes an ExportMetricsServiceRequest; `rejected` counts data points. The item is the data
 * point: one with a time that cannot be stored or lies outside the accepted window, a value
 * (value, sum, min, max, bound, quantile) that is not a finite number, or a count sent
 * negative (JSON; protobuf counts are unsigned) is dropped and counted with a reason naming
 * its path; a metric without a name drops all its points. Per-item limits (attributes, attribute value length)
 * cut a point but keep it; `truncated` counts the cuts. A payload that cannot be read at all
 * throws OtlpDecodeError. gRPC requests are protobuf bytes: pass them with encoding 'protobuf'.
 */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding, options?: DecodeOptions): DecodedMetrics {
  const negativeCounts: NegativeCounts = new Map();
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportMetricsServiceRequest, TYPE_NAME, withWellFormedStrings(body, prepareJson(negativeCounts)))
      : decodeProtobuf(body, ExportMetricsServiceRequest, TYPE_NAME);
  return normalizeMetrics(raw, new ItemRules(options), negativeCounts);
}

const DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
type JsonObject = Record<string, unknown>;

/**
 * JSON only: counts sent negative ("-5"). After fromObject a negative count cannot be told
 * from a large uint64 (both are a signed Long), so they are found in the parsed JSON. Key:
 * "<resource>/<scope>/<metric>/<data field>/<point>" → the reason.
 */
type NegativeCounts = Map<string, string>;

function eachIndexed(parent: unknown, key: string, fn: (item: JsonObject, index: number) => void): void {
  if (parent === null || typeof parent !== 'object') return;
  const arr = (parent as JsonObject)[key];
  if (!Array.isArray(arr)) return;
  for (let i = 0; i < arr.length; i++) {
    const item: unknown = arr[i];
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) fn(item as JsonObject, i);
  }
}

/** Exemplars are not stored: dropping them before fromObject also spares decoding their hex ids. Negative counts are noted. */
function prepareJson(negativeCounts: NegativeCounts): (request: JsonObject) => void {
  return (request) =>
    eachIndexed(request, 'resourceMetrics', (rm, ri) =>
      eachIndexed(rm, 'scopeMetrics', (sm, si) =>
        eachIndexed(sm, 'metrics', (metric, mi) => {
          for (const field of DATA_FIELDS) {
            eachIndexed(metric[field], 'dataPoints', (dp, pi) => {
              delete dp.exemplars;
              if (field === 'gauge' || field === 'sum') return;
              const problem = negativeCountIn(dp);
              if (problem !== null) negativeCounts.set(`${ri}/${si}/${mi}/${field}/${pi}`, problem);
            });
          }
        }),
      ),
    );
}

const isNegative = (v: unknown): boolean => (typeof v === 'number' ? v < 0 : typeof v === 'string' && v.trimStart().startsWith('-') && Number(v) !== 0);

function negativeIn(field: string, xs: unknown): string | null {
  if (!Array.isArray(xs)) return null;
  for (let i = 0; i < xs.length; i++) if (isNegative(xs[i])) return `${field}[${i}]: ${String(xs[i])} is negative; expected a count from 0`;
  return null;
}

function negativeCountIn(dp: JsonObject): string | null {
  if (isNegative(dp.count)) return `count: ${String(dp.count)} is negative; expected a count from 0`;
  if (isNegative(dp.zeroCount)) return `zeroCount: ${String(dp.zeroCount)} is negative; expected a count from 0`;
  const positive = dp.positive as JsonObject | undefined;
  const negative = dp.negative as JsonObject | undefined;
  return (
    negativeIn('bucketCounts', dp.bucketCounts) ??
    (positive && typeof positive === 'object' ? negativeIn('positive.bucketCounts', positive.bucketCounts) : null) ??
    (negative && typeof negative === 'object' ? negativeIn('negative.bucketCounts', negative.bucketCounts) : null)
  );
}

function normalizeMetrics(raw: RawMetricsRequest, rules: ItemRules, negativeCounts: NegativeCounts): DecodedMetrics {
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
        const at: MetricAt = {
          path: `resourceMetrics[${ri}].scopeMetrics[${si}].metrics[${mi}]`,
          key: `${ri}/${si}/${mi}`,
          rejections,
          rules,
          negativeCounts: negativeCounts.size > 0 ? negativeCounts : null,
        };
        const metric = normalizeMetric(rsm.metrics[mi], at);
        if (metric !== null) metrics.push(metric);
      }
      scopeMetrics[si] = { scope: scope(rsm.scope, rules), schemaUrl: rsm.schemaUrl ?? '', metrics };
    }
    resourceMetrics[ri] = { resource: resource(rrm.resource, rules), schemaUrl: rrm.schemaUrl ?? '', scopeMetrics };
  }
  return { resourceMetrics, rejected: rejections.count, rejectReasons: rejections.reasons, truncated: rules.truncated };
}

/** Where a metric is and what its points are checked with. */
interface MetricAt {
  path: string;
  key: string;
  rejections: Rejections;
  rules: ItemRules;
  negativeCounts: NegativeCounts | null;
}

/** One point → the normalized point, or "<field>: <problem>" relative to the point. */
type PointNormalizer<R, P> = (raw: R, rules: ItemRules) => P | string;

function points<R extends { timeUnixNano: unknown }, P>(rawPoints: readonly R[], normalize: PointNormalizer<R, P>, field: string, at: MetricAt): P[] {
  const out: P[] = [];
  for (let i = 0; i < rawPoints.length; i++) {
    const p = at.negativeCounts?.get(`${at.key}/${field}/${i}`) ?? normalize(rawPoints[i], at.rules);
    if (typeof p === 'string') at.rejections.add(1, `${at.path}.${field}.dataPoints[${i}].${p}`);
    else out.push(p);
  }
  return out;
}

/** The metric's path is built once per metric; point paths only when a point is rejected. */
function normalizeMetric(m: RawMetric, at: MetricAt): Metric | null {
  const name = m.name ?? '';
  if (name === '') {
    const count = pointCount(m);
    if (count > 0) at.rejections.add(count, `${at.path}.name: missing`);
    return null;
  }
  const base = { name, description: m.description ?? '', unit: m.unit ?? '', metadata: attributes(m.metadata, at.rules) };
  if (m.gauge != null) {
    return { ...base, type: 'gauge', dataPoints: points(m.gauge.dataPoints, numberPoint, 'gauge', at) };
  }
  if (m.sum != null) {
    return {
      ...base,
      type: 'sum',
      aggregationTemporality: enumNumber(m.sum.aggregationTemporality, MAX_TEMPORALITY),
      isMonotonic: m.sum.isMonotonic === true,
      dataPoints: points(m.sum.dataPoints, numberPoint, 'sum', at),
    };
  }
  if (m.histogram != null) {
    return {
      ...base,
      type: 'histogram',
      aggregationTemporality: enumNumber(m.histogram.aggregationTemporality, MAX_TEMPORALITY),
      dataPoints: points(m.histogram.dataPoints, histogramPoint, 'histogram', at),
    };
  }
  if (m.exponentialHistogram != null) {
    return {
      ...base,
      type: 'exponentialHistogram',
      aggregationTemporality: enumNumber(m.exponentialHistogram.aggregationTemporality, MAX_TEMPORALITY),
      dataPoints: points(m.exponentialHistogram.dataPoints, exponentialPoint, 'exponentialHistogram', at),
    };
  }
  if (m.summary != null) {
    return { ...base, type: 'summary', dataPoints: points(m.summary.dataPoints, summaryPoint, 'summary', at) };
  }
  return null; // no data: nothing to store, nothing to count
}

function pointCount(m: RawMetric): number {
  const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return data ? data.dataPoints.length : 0;
}

/** What every point shares: its times (time in the accepted window, start time 0 or storable). */
function pointTimes(p: { timeUnixNano: Int64; startTimeUnixNano: Int64 }, rules: ItemRules): { time: bigint; start: bigint } | string {
  const time = uint64ToBigInt(p.timeUnixNano);
  if (time === 0n) return 'timeUnixNano: missing';
  const start = uint64ToBigInt(p.startTimeUnixNano);
  return rules.windowProblem('timeUnixNano', time) ?? rules.rangeProblem('startTimeUnixNano', start) ?? { time, start };
}

/** Non-finite floats would be written as JSON null (0 in ClickHouse, or an insert error inside arrays). */
function notFinite(field: string, v: number): string {
  return `${field}: ${v} is not a finite number`;
}

/** The first non-finite entry of `xs` ("<field>[i]: …"), or null. */
function nonFiniteEntry(field: string, xs: ArrayLike<number>): string | null {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return notFinite(`${field}[${i}]`, xs[i]);
  return null;
}

/** Optional sum/min/max: null when absent; a problem when present and not finite. */
function optionalFinite(field: string, v: number | null | undefined): string | null {
  return v != null && !Number.isFinite(v) ? notFinite(field, v) : null;
}

function numberPoint(p: RawNumberDataPoint, rules: ItemRules): NumberDataPoint | string {
  const times = pointTimes(p, rules);
  if (typeof times === 'string') return times;
  let value: number | bigint;
  if (p.asDouble != null) {
    if (!Number.isFinite(p.asDouble)) return notFinite('asDouble', p.asDouble);
    value = p.asDouble;
  } else if (p.asInt != null) value = int64ToBigInt(p.asInt);
  else return 'value: missing (asDouble or asInt)';
  return {
    attributes: attributes(p.attributes, rules),
    startTimeUnixNano: times.start,
    timeUnixNano: times.time,
    flags: p.flags || 0,
    value,
  };
}

function counts(raw: readonly Int64[]): bigint[] {
  const out: bigint[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = uint64ToBigInt(raw[i]);
  return out;
}

function histogramPoint(p: RawHistogramDataPoint, rules: ItemRules): HistogramDataPoint | string {
  const times = pointTimes(p, rules);
  if (typeof times === 'string') return times;
  const bounds = p.explicitBounds;
  const buckets = p.bucketCounts;
  if (buckets.length !== 0 && buckets.length !== bounds.length + 1) {
    return `bucketCounts: expected explicitBounds.length + 1 = ${bounds.length + 1} entries, got ${buckets.length}`;
  }
  const problem = optionalFinite('sum', p.sum) ?? optionalFinite('min', p.min) ?? optionalFinite('max', p.max) ?? nonFiniteEntry('explicitBounds', bounds);
  if (problem !== null) return problem;
  return {
    attributes: attributes(p.attributes, rules),
    startTimeUnixNano: times.start,
    timeUnixNano: times.time,
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

function exponentialPoint(p: RawExponentialHistogramDataPoint, rules: ItemRules): ExponentialHistogramDataPoint | string {
  const times = pointTimes(p, rules);
  if (typeof times === 'string') return times;
  const problem = optionalFinite('sum', p.sum) ?? optionalFinite('min', p.min) ?? optionalFinite('max', p.max);
  if (problem !== null) return problem;
  return {
    attributes: attributes(p.attributes, rules),
    startTimeUnixNano: times.start,
    timeUnixNano: times.time,
    flags: p.flags || 0,
    count: uint64ToBigInt(p.count),
    sum: p.sum ?? null,
    scale: p.scale || 0,
    zeroCount: uint64ToBigInt(p.zeroCount),
    // Not stored; kept finite so the normalized point is plain data.
    zeroThreshold: Number.isFinite(p.zeroThreshold) ? (p.zeroThreshold as number) : 0,
    positive: expBuckets(p.positive),
    negative: expBuckets(p.negative),
    min: p.min ?? null,
    max: p.max ?? null,
  };
}

function summaryPoint(p: RawSummaryDataPoint, rules: ItemRules): SummaryDataPoint | string {
  const times = pointTimes(p, rules);
  if (typeof times === 'string') return times;
  const sumProblem = optionalFinite('sum', p.sum);
  if (sumProblem !== null) return sumProblem;
  const q = p.quantileValues;
  const quantileValues = new Array<{ quantile: number; value: number }>(q.length);
  for (let i = 0; i < q.length; i++) {
    const quantile = q[i].quantile ?? 0;
    const value = q[i].value ?? 0;
    if (!Number.isFinite(quantile)) return notFinite(`quantileValues[${i}].quantile`, quantile);
    if (!Number.isFinite(value)) return notFinite(`quantileValues[${i}].value`, value);
    quantileValues[i] = { quantile, value };
  }
  return {
    attributes: attributes(p.attributes, rules),
    startTimeUnixNano: times.start,
    timeUnixNano: times.time,
    flags: p.flags || 0,
    count: uint64ToBigInt(p.count),
    sum: p.sum ?? 0,
    quantileValues,
  };
}
