import { z } from 'zod';
import { MAX_SPAN_DURATION_MS } from '@meridian/domain';
import { isoTime } from './common';

/** `from`/`to` (ISO 8601 or epoch ms) or `last` (15m, 1h, 7d); default: the route's window ending now. */
export const windowQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  last: z
    .string()
    .regex(/^\d+[smhd]$/, 'expected a duration like 15m, 1h or 7d')
    .optional(),
});
const filters = { service: z.string().max(500).optional(), endpoint: z.string().max(2000).optional() };
const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();

/** `since` (ISO 8601 or epoch ms): only columns from its 5 s column on, e.g. a live poll's newest ones. */
export const hitmapQuery = windowQuery.extend({ ...filters, since: z.string().optional() });
/**
 * Columnar cells: `columns[i]` (column start, ms since the epoch, ascending) holds the next
 * `cellsPerColumn[i]` entries of `y` (row 0..119, 0 = fastest), `hits` and `errors`. Every
 * column in [from, to) that is absent is empty.
 */
export const hitmapResponse = z.object({
  columnSeconds: z.literal(5),
  rows: z.literal(120),
  from: z.number(),
  to: z.number(),
  columns: z.array(z.number()),
  cellsPerColumn: z.array(z.number().int()),
  y: z.array(z.number().int()),
  hits: z.array(z.number().int()),
  errors: z.array(z.number().int()),
});

/** A hitmap selection: time × duration rectangle. */
export const selectionQuery = windowQuery.extend({
  ...filters,
  // A span lasts at most MAX_SPAN_DURATION_MS (its end fits DateTime64(9)); beyond, the duration column would overflow.
  minMs: z.coerce.number().min(0).max(MAX_SPAN_DURATION_MS).optional(),
  maxMs: z.coerce.number().min(0).max(MAX_SPAN_DURATION_MS).optional(),
});
export const selectionGroupSchema = z.object({ service: z.string(), endpoint: z.string(), count: z.number().int(), errors: z.number().int() });
export const selectionResponse = z.object({ groups: z.array(selectionGroupSchema) });

export const spanSchema = z.object({
  tenantId: z.string(),
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string(),
  traceState: z.string(),
  startTime: isoTime,
  startUnixNanos: z.string(),
  endTime: isoTime,
  endUnixNanos: z.string(),
  durationNs: z.string(),
  durationMs: z.number(),
  service: z.string(),
  spanName: z.string(),
  endpoint: z.string(),
  kind: z.enum(['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']),
  isEntry: z.boolean(),
  txnService: z.string(),
  txnEndpoint: z.string(),
  statusCode: z.enum(['UNSET', 'OK', 'ERROR']),
  statusMessage: z.string(),
  isError: z.boolean(),
  httpMethod: z.string(),
  httpStatus: z.number(),
  httpRoute: z.string(),
  urlPath: z.string(),
  dbSystem: z.string(),
  dbName: z.string(),
  dbInstance: z.string(),
  dbOperation: z.string(),
  dbStatement: z.string(),
  dbFingerprint: z.string(),
  peerService: z.string(),
  hostName: z.string(),
  scopeName: z.string(),
  scopeVersion: z.string(),
  resourceAttributes: z.record(z.string(), z.string()),
  attributes: z.record(z.string(), z.string()),
  events: z.array(z.object({ time: isoTime, unixNanos: z.string(), name: z.string(), attributes: z.record(z.string(), z.string()) })),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string() })),
  retentionDays: z.number(),
});
export const traceParams = z.object({ tenant: z.string(), traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits') });
export const traceResponse = z.object({ traceId: z.string(), spans: z.array(spanSchema) });

export const transactionsQuery = selectionQuery.extend({ limit: limit(1000) });
/** A transaction as a drag-select lists it; its spans are at the trace route. */
export const transactionSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  service: z.string(),
  endpoint: z.string(),
  endTime: isoTime,
  endUnixNanos: z.string(),
  durationNs: z.string(),
  durationMs: z.number(),
  isError: z.boolean(),
  httpStatus: z.number().int(),
});
export const transactionsResponse = z.object({ transactions: z.array(transactionSchema) });

export const serviceRedSchema = z.object({
  service: z.string(),
  endpoint: z.string(),
  count: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  avgMs: z.number(),
  maxMs: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  apdex: z.number(),
  throughputPerMin: z.number(),
});
/** A service over all its endpoints: percentiles merged from their digests; throughput over the time it has data. */
export const serviceTotalSchema = serviceRedSchema.omit({ endpoint: true });
export const servicesResponse = z.object({ from: isoTime, to: isoTime, services: z.array(serviceRedSchema), serviceTotals: z.array(serviceTotalSchema) });

/** Sparkline points of one service/endpoint; buckets without transactions are absent. */
export const serviceSeriesSchema = z.object({
  service: z.string(),
  endpoint: z.string(),
  points: z.array(z.object({ t: z.number(), count: z.number().int(), errors: z.number().int(), p95Ms: z.number() })),
});
export const serviceSeriesResponse = z.object({ from: isoTime, to: isoTime, stepSeconds: z.number().int(), series: z.array(serviceSeriesSchema) });

export const metricsQuery = windowQuery.extend({ name: z.string().max(500).optional(), service: filters.service, limit: limit(10_000) });
export const metricPointSchema = z.object({
  time: isoTime,
  unixNanos: z.string(),
  metricName: z.string(),
  metricType: z.string(),
  unit: z.string(),
  temporality: z.string(),
  isMonotonic: z.boolean(),
  service: z.string(),
  attributes: z.record(z.string(), z.string()),
  resourceAttributes: z.record(z.string(), z.string()),
  value: z.number(),
  /** 64-bit, as a string. */
  count: z.string(),
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  bucketCounts: z.array(z.string()),
  explicitBounds: z.array(z.number()),
  quantiles: z.array(z.number()),
  quantileValues: z.array(z.number()),
});
export const metricsResponse = z.object({ points: z.array(metricPointSchema) });

export const usageResponse = z.object({ region: z.string(), spans: z.number(), metricPoints: z.number(), logs: z.number() });
