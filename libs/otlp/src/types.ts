import type { Truncations } from './limits';

/**
 * Decoded OTLP, normalized: the same plain objects whatever the wire encoding (protobuf or
 * JSON). Ids are lowercase hex ('' when absent), times are bigint nanoseconds since the epoch
 * (0n when absent), 64-bit integers are bigint, enums are their OTLP numbers, absent strings
 * are ''. The OTLP hierarchy (resource → scope → items) is kept so that resource and scope
 * are decoded once, not once per item.
 */

/** An OTLP AnyValue: string, double (number), int64 (bigint), bool, bytes, array, kvlist; null when empty. */
export type AnyValue = string | number | boolean | bigint | Uint8Array | AnyValue[] | AnyValueMap | null;

/** A kvlist value, and the shape of every attribute set. Keys are unique (the last duplicate wins). */
export interface AnyValueMap {
  [key: string]: AnyValue;
}

export type Attributes = AnyValueMap;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP Span.SpanKind numbers. */
export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
/** OTLP Status.StatusCode numbers. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
/** OTLP AggregationTemporality numbers. */
export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

// ---------------------------------------------------------------- traces

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface SpanStatus {
  /** StatusCode number (0 unset, 1 ok, 2 error; anything else sent becomes 0). */
  code: number;
  message: string;
}

export interface Span {
  traceId: string; // 32 hex, never all zeros
  spanId: string; // 16 hex, never all zeros
  parentSpanId: string; // '' for a root span (an all-zero parent id also counts as root)
  traceState: string;
  flags: number;
  name: string; // may be '' (OTLP allows it)
  /** SpanKind number (0..5; anything else sent becomes 0). */
  kind: number;
  startTimeUnixNano: bigint; // > 0, ≤ MAX_TIME_NANOS, inside the accepted window
  endTimeUnixNano: bigint; // >= start, likewise
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus;
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  schemaUrl: string;
  spans: Span[];
}

export interface ResourceSpans {
  resource: Resource;
  schemaUrl: string;
  scopeSpans: ScopeSpans[];
}

/**
 * What a decoder returns besides the items: how many items were dropped, and why (at most 5
 * reasons), and what the per-item limits cut from the items that were kept.
 */
export interface Rejection {
  rejected: number;
  rejectReasons: string[];
  truncated: Truncations;
}

export interface DecodedTraces extends Rejection {
  resourceSpans: ResourceSpans[];
}

// ---------------------------------------------------------------- metrics

interface DataPointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint; // 0n when absent, ≤ MAX_TIME_NANOS
  timeUnixNano: bigint; // > 0, ≤ MAX_TIME_NANOS, inside the accepted window
  flags: number;
}

export interface NumberDataPoint extends DataPointBase {
  /** asDouble → number, asInt → bigint. */
  value: number | bigint;
}

export interface HistogramDataPoint extends DataPointBase {
  count: bigint;
  sum: number | null;
  /** explicitBounds.length + 1 entries (or none). */
  bucketCounts: bigint[];
  explicitBounds: number[];
  min: number | null;
  max: number | null;
}

export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: bigint[];
}

export interface ExponentialHistogramDataPoint extends DataPointBase {
  count: bigint;
  sum: number | null;
  scale: number;
  zeroCount: bigint;
  zeroThreshold: number;
  positive: ExponentialHistogramBuckets;
  negative: ExponentialHistogramBuckets;
  min: number | null;
  max: number | null;
}

export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

export interface SummaryDataPoint extends DataPointBase {
  count: bigint;
  sum: number;
  quantileValues: ValueAtQuantile[];
}

interface MetricBase {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
}

export interface GaugeMetric extends MetricBase {
  type: 'gauge';
  dataPoints: NumberDataPoint[];
}

export interface SumMetric extends MetricBase {
  type: 'sum';
  /** AggregationTemporality number. */
  aggregationTemporality: number;
  isMonotonic: boolean;
  dataPoints: NumberDataPoint[];
}

export interface HistogramMetric extends MetricBase {
  type: 'histogram';
  aggregationTemporality: number;
  dataPoints: HistogramDataPoint[];
}

export interface ExponentialHistogramMetric extends MetricBase {
  type: 'exponentialHistogram';
  aggregationTemporality: number;
  dataPoints: ExponentialHistogramDataPoint[];
}

export interface SummaryMetric extends MetricBase {
  type: 'summary';
  dataPoints: SummaryDataPoint[];
}

export type Metric = GaugeMetric | SumMetric | HistogramMetric | ExponentialHistogramMetric | SummaryMetric;
export type MetricType = Metric['type'];

export interface ScopeMetrics {
  scope: InstrumentationScope;
  schemaUrl: string;
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource: Resource;
  schemaUrl: string;
  scopeMetrics: ScopeMetrics[];
}

/** `rejected` counts data points. */
export interface DecodedMetrics extends Rejection {
  resourceMetrics: ResourceMetrics[];
}

// ---------------------------------------------------------------- logs

export interface LogRecord {
  timeUnixNano: bigint; // 0n when unknown (then observedTimeUnixNano > 0)
  /** > 0: when the record had neither time, the receive time. */
  observedTimeUnixNano: bigint;
  /** SeverityNumber (0 unspecified, 1..24; anything else sent becomes 0). */
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string; // '' when absent
  spanId: string; // '' when absent
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  schemaUrl: string;
  logRecords: LogRecord[];
}

export interface ResourceLogs {
  resource: Resource;
  schemaUrl: string;
  scopeLogs: ScopeLogs[];
}

export interface DecodedLogs extends Rejection {
  resourceLogs: ResourceLogs[];
}

// ---------------------------------------------------------------- request

export type OtlpSignal = 'traces' | 'metrics' | 'logs';
export type OtlpEncoding = 'protobuf' | 'json';
