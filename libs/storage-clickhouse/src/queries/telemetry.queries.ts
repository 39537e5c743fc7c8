import { HITMAP_COLUMN_SECONDS, HITMAP_ROWS, MAX_SPAN_DURATION_MS, ROLLUP_TIME_RANGE_MS, type RowTable } from '@meridian/domain';
import type { ClickHouseClients } from '../clients';
import { QueryValidationError } from '../errors';
import {
  checkLimit,
  checkTenant,
  checkWindow,
  isoFromClickHouse,
  MAX_LIMIT,
  MAX_NAME_LENGTH,
  MINUTES_IN_WINDOW,
  msInWindow,
  nameFilters,
  optionalEquals,
  rollupWindow,
  select,
  selectColumns,
  selectCompact,
  type Params,
  type TimeWindow,
} from './sql';
import { nanosToIso, STORED_SPAN_COLUMNS, toStoredSpan, type StoredSpan, type StoredSpanRecord } from './stored-span';

/** Bounds on read queries; a query outside them is refused with a QueryValidationError. */
export const QUERY_LIMITS = {
  hitmapMaxWindowMs: 6 * 3600_000,
  servicesMaxWindowMs: 31 * 86400_000,
  transactionsMaxWindowMs: 24 * 3600_000,
  transactionsDefaultLimit: 500,
  transactionsMaxLimit: MAX_LIMIT,
  maxNameLength: MAX_NAME_LENGTH,
  signalsMaxWindowMs: 24 * 3600_000,
  signalsDefaultLimit: 1_000,
} as const;

export interface MetricPointsQuery extends TimeWindow {
  name?: string;
  service?: string;
  limit?: number;
}

/** A stored metric data point as the API returns it (camelCase; 64-bit counts as strings). */
export interface StoredMetricPoint {
  time: string;
  unixNanos: string;
  metricName: string;
  metricType: string;
  unit: string;
  temporality: string;
  isMonotonic: boolean;
  service: string;
  attributes: Record<string, string>;
  resourceAttributes: Record<string, string>;
  value: number;
  count: string;
  sum: number;
  min: number | null;
  max: number | null;
  bucketCounts: string[];
  explicitBounds: number[];
  quantiles: number[];
  quantileValues: number[];
}

export interface HitmapQuery extends TimeWindow {
  service?: string;
  endpoint?: string;
  /** Only columns starting at or after this time (its 5 s column included): a live poll's newest columns. */
  since?: Date;
}

/**
 * Hitmap cells, columnar: `columns[i]` (ms since the epoch, ascending) holds the next
 * `cellsPerColumn[i]` entries of `y` / `hits` / `errors`, by ascending row. Every column in
 * [from, to) that is absent is empty, so a client replaces exactly that range.
 */
export interface HitmapResult {
  columnSeconds: typeof HITMAP_COLUMN_SECONDS;
  rows: typeof HITMAP_ROWS;
  /** Start of the first column the answer covers (ms): the window's, or `since`'s column. */
  from: number;
  /** End of the window (ms, exclusive). */
  to: number;
  columns: number[];
  cellsPerColumn: number[];
  /** Row 0..119 (0 = fastest), see hitmap-layout in @meridian/domain. */
  y: number[];
  hits: number[];
  errors: number[];
}

/** One hitmap cell as an object (tests, small consumers): t = column start in ms. */
export interface HitmapCell {
  t: number;
  y: number;
  hits: number;
  errors: number;
}

/** The cells of a columnar hitmap answer, one object each, in (t, y) order. */
export function hitmapCells(r: Pick<HitmapResult, 'columns' | 'cellsPerColumn' | 'y' | 'hits' | 'errors'>): HitmapCell[] {
  const out: HitmapCell[] = [];
  let i = 0;
  r.columns.forEach((t, c) => {
    for (let k = 0; k < r.cellsPerColumn[c]; k++, i++) out.push({ t, y: r.y[i], hits: r.hits[i], errors: r.errors[i] });
  });
  return out;
}

export interface ServiceRed {
  service: string;
  endpoint: string;
  count: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** (satisfied + tolerating / 2) / count with T = APDEX_T_MS; errors count as frustrated. */
  apdex: number;
  /** Over the time the service has data in the window (a service that started 10 min into a day is not averaged over the day). */
  throughputPerMin: number;
}

/** A service's figures over all its endpoints (percentiles merged from their digests, not averaged). */
export type ServiceTotalRed = Omit<ServiceRed, 'endpoint'>;

/** Buckets of one service/endpoint for sparklines; empty buckets are absent. */
export interface ServiceSeries {
  service: string;
  endpoint: string;
  points: Array<{ t: number; count: number; errors: number; p95Ms: number }>;
}

/** About this many buckets per sparkline, whatever the window (whole minutes, at least one). */
const SERVICE_SERIES_BUCKETS = 60;

/** A hitmap selection: entry spans ending in [from, to) with a duration in [minMs, maxMs). */
export interface SelectionQuery extends TimeWindow {
  minMs?: number;
  maxMs?: number;
  service?: string;
  endpoint?: string;
}

export interface SelectionGroup {
  service: string;
  endpoint: string;
  count: number;
  errors: number;
}

export interface TransactionsQuery extends SelectionQuery {
  limit?: number;
}

/** A transaction as a drag-select lists it (its spans: traceById). */
export interface Transaction {
  traceId: string;
  spanId: string;
  service: string;
  endpoint: string;
  endTime: string;
  endUnixNanos: string;
  durationNs: string;
  durationMs: number;
  isError: boolean;
  httpStatus: number;
}

export interface TraceResult {
  traceId: string;
  spans: StoredSpan[];
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const ROW_TABLES: readonly RowTable[] = ['spans', 'metric_points', 'logs'];

/**
 * Read queries of the API role. Every query is scoped to one tenant (`tenant_id` is the first
 * condition and the leading sort key of every table), parameterized, and runs only against the
 * tenant's region.
 */
export class TelemetryQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /**
   * All spans of a trace, in one query: trace_summaries gives its exact time range and its
   * services (a scalar subquery, which ClickHouse evaluates before it picks granules), so
   * spans is read only in those (service, …, ts) key ranges, where the bloom index on trace_id
   * finds the granules; a second round trip would cost about as much as the read. When fewer
   * spans come back than trace_summaries counted (spans indexed before it kept services), the
   * trace is read again without the service bound.
   */
  async traceById(regionId: string, tenantId: string, traceId: string): Promise<TraceResult | undefined> {
    const tenant = checkTenant(tenantId);
    if (typeof traceId !== 'string' || !TRACE_ID_RE.test(traceId.toLowerCase())) {
      throw new QueryValidationError('traceId', 'must be 32 hexadecimal characters');
    }
    const trace = traceId.toLowerCase();
    const store = this.clients.forRegion(regionId);
    // One scalar subquery: (start, end, span count, services) of the trace.
    const read = (byService: boolean) =>
      select<StoredSpanRecord & { expected: string }>(
        store,
        `WITH (SELECT (min(start_ts), max(end_ts), sum(span_count), groupUniqArrayArray(services))
          FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}) AS summary
        SELECT ${STORED_SPAN_COLUMNS}, summary.3 AS expected
        FROM ${store.table('spans')}
        WHERE tenant_id = {tenant:String}${byService ? ' AND service IN summary.4' : ''} AND trace_id = {trace:String}
          AND ts >= summary.1 AND ts <= summary.2
        ORDER BY ts, span_id`,
        { tenant, trace },
      );
    let rows = await read(true);
    if (rows.length === 0 || rows.length < Number(rows[0].expected)) rows = await read(false);
    if (rows.length === 0) return undefined;
    return { traceId: trace, spans: rows.map(toStoredSpan) };
  }

  /**
   * Hitmap cells (end time in 5 s columns × 120 duration rows) of entry spans in the window,
   * columnar (see HitmapResult). Without a service/endpoint filter it reads the whole-tenant
   * rollup. ClickHouse answers column arrays (JSONColumns), so no object is built per cell.
   */
  async hitmap(regionId: string, tenantId: string, q: HitmapQuery): Promise<HitmapResult> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.hitmapMaxWindowMs, ROLLUP_TIME_RANGE_MS);
    const filters = nameFilters(q);
    const step = HITMAP_COLUMN_SECONDS;
    let firstS = Math.floor(fromMs / 1000 / step) * step;
    if (q.since !== undefined) {
      const sinceMs = q.since instanceof Date ? q.since.getTime() : NaN;
      if (!Number.isFinite(sinceMs) || sinceMs > toMs) throw new QueryValidationError('since', 'must be a valid time not after to');
      firstS = Math.max(firstS, Math.floor(sinceMs / 1000 / step) * step);
    }
    const store = this.clients.forRegion(regionId);
    const table = filters.sql ? 'hitmap_5s' : 'hitmap_tenant_5s';
    // No rows → `{}`.
    const {
      t: ts = [],
      y = [],
      hits = [],
      errors = [],
    } = await selectColumns<Record<'t' | 'y' | 'hits' | 'errors', number[]>>(
      store,
      `SELECT toUInt32(bucket) AS t, y, toUInt32(sum(hits)) AS hits, toUInt32(sum(errors)) AS errors
      FROM ${store.table(table)}
      WHERE tenant_id = {tenant:String}${filters.sql}
        AND bucket >= toDateTime({from_s:UInt32}) AND bucket < toDateTime({to_s:UInt32})
      GROUP BY bucket, y
      ORDER BY bucket, y`,
      { tenant, ...filters.params, from_s: firstS, to_s: Math.ceil(toMs / 1000) },
    );
    const columns: number[] = [];
    const cellsPerColumn: number[] = [];
    for (const t of ts) {
      if (columns.length > 0 && columns[columns.length - 1] === t * 1000) cellsPerColumn[cellsPerColumn.length - 1]++;
      else {
        columns.push(t * 1000);
        cellsPerColumn.push(1);
      }
    }
    return { columnSeconds: HITMAP_COLUMN_SECONDS, rows: HITMAP_ROWS, from: firstS * 1000, to: toMs, columns, cellsPerColumn, y, hits, errors };
  }

  /** RED per service/endpoint from the 1-minute rollup (minute buckets starting in [from, to)). */
  async services(regionId: string, tenantId: string, q: TimeWindow): Promise<{ endpoints: ServiceRed[]; services: ServiceTotalRed[] }> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs, fromS, toS } = rollupWindow(q, QUERY_LIMITS.servicesMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    type Row = { service: string; count: string; errors: string; sum_ns: string; max_ns: string; q: number[]; satisfied: string; tolerating: string };
    const red = (by: string) =>
      `SELECT ${by}, sum(count) AS count, sum(errors) AS errors,
        sum(duration_sum_ns) AS sum_ns, max(duration_max_ns) AS max_ns,
        quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_q) AS q,
        sum(apdex_satisfied) AS satisfied, sum(apdex_tolerating) AS tolerating, toUInt32(min(minute)) AS first_s
      FROM ${store.table('service_red_1m')}
      WHERE tenant_id = {tenant:String}
        AND ${MINUTES_IN_WINDOW}
      GROUP BY ${by}
      ORDER BY count DESC, ${by}`;
    const params = { tenant, from_s: fromS, to_s: toS };
    const [endpointRows, serviceRows] = await Promise.all([
      select<Row & { endpoint: string }>(store, red('service, endpoint'), params),
      select<Row & { first_s: number }>(store, red('service'), params),
    ]);
    // Throughput counts the minutes since the service's first data in the window, not the whole window.
    const minutesOf = new Map(serviceRows.map((r) => [r.service, Math.max(1, (toMs - Math.max(fromMs, Number(r.first_s) * 1000)) / 60_000)]));
    const figures = (r: Row): ServiceTotalRed => {
      const count = Number(r.count);
      const errors = Number(r.errors);
      const [p50, p95, p99] = r.q.map((v) => Number(v) / 1e6);
      return {
        service: r.service,
        count,
        errors,
        errorRate: count ? errors / count : 0,
        avgMs: count ? Number(r.sum_ns) / count / 1e6 : 0,
        maxMs: Number(r.max_ns) / 1e6,
        p50Ms: p50,
        p95Ms: p95,
        p99Ms: p99,
        apdex: count ? (Number(r.satisfied) + Number(r.tolerating) / 2) / count : 1,
        throughputPerMin: count / (minutesOf.get(r.service) ?? (toMs - fromMs) / 60_000),
      };
    };
    return { endpoints: endpointRows.map((r) => ({ ...figures(r), endpoint: r.endpoint })), services: serviceRows.map(figures) };
  }

  /**
   * Throughput, errors and p95 per service/endpoint in ~SERVICE_SERIES_BUCKETS buckets of whole
   * minutes over the window, from the 1-minute rollup (cost follows the window, not traffic).
   */
  async serviceSeries(regionId: string, tenantId: string, q: TimeWindow): Promise<{ stepSeconds: number; series: ServiceSeries[] }> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = rollupWindow(q, QUERY_LIMITS.servicesMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const step = Math.max(1, Math.ceil((toS - fromS) / 60 / SERVICE_SERIES_BUCKETS)) * 60;
    const rows = await selectCompact<[string, string, number, number, number, number]>(
      store,
      `SELECT service, endpoint, toUInt32(toStartOfInterval(minute, toIntervalSecond({step:UInt32}), 'UTC')) AS t,
        toUInt32(sum(count)) AS count, toUInt32(sum(errors)) AS errors, quantileTDigestMerge(0.95)(duration_q) AS p95
      FROM ${store.table('service_red_1m')}
      WHERE tenant_id = {tenant:String}
        AND ${MINUTES_IN_WINDOW}
      GROUP BY service, endpoint, t
      ORDER BY service, endpoint, t`,
      { tenant, step, from_s: fromS, to_s: toS },
    );
    const series: ServiceSeries[] = [];
    for (const [service, endpoint, t, count, errors, p95] of rows) {
      let last = series[series.length - 1];
      if (!last || last.service !== service || last.endpoint !== endpoint) series.push((last = { service, endpoint, points: [] }));
      last.points.push({ t: t * 1000, count, errors, p95Ms: Number(p95) / 1e6 });
    }
    return { stepSeconds: step, series };
  }

  /**
   * Transactions (entry spans) ending in the window with a duration in [minMs, maxMs), newest
   * first, from transactions_by_end (keyed by end minute and duration): what a list shows; the
   * full spans are one traceById away.
   */
  async transactions(regionId: string, tenantId: string, q: TransactionsQuery): Promise<Transaction[]> {
    const store = this.clients.forRegion(regionId);
    const where = rectangleWhere(tenantId, q);
    const limit = checkLimit(q.limit, QUERY_LIMITS.transactionsDefaultLimit);
    const rows = await select<{
      trace_id: string;
      span_id: string;
      service: string;
      endpoint: string;
      end_ns: string;
      duration_text: string;
      is_error: number;
      http_status: number;
    }>(
      store,
      `SELECT trace_id, span_id, service, endpoint, toString(toUnixTimestamp64Nano(end_ts)) AS end_ns, toString(duration_ns) AS duration_text, is_error, http_status
      FROM ${store.table('transactions_by_end')}
      WHERE ${where.sql}
      ORDER BY end_ts DESC, span_id
      LIMIT {limit:UInt32}`,
      { ...where.params, limit },
    );
    return rows.map((r) => {
      const end = BigInt(r.end_ns);
      return {
        traceId: r.trace_id,
        spanId: r.span_id,
        service: r.service,
        endpoint: r.endpoint,
        endTime: nanosToIso(end),
        endUnixNanos: r.end_ns,
        durationNs: r.duration_text,
        durationMs: Number(r.duration_text) / 1e6,
        isError: Number(r.is_error) === 1,
        httpStatus: Number(r.http_status),
      };
    });
  }

  /** What a hitmap selection holds: transactions and errors per service/endpoint, most first. */
  async selectionSummary(regionId: string, tenantId: string, q: SelectionQuery): Promise<SelectionGroup[]> {
    const store = this.clients.forRegion(regionId);
    const where = rectangleWhere(tenantId, q);
    const rows = await select<{ service: string; endpoint: string; count: string; errors: string }>(
      store,
      `SELECT service, endpoint, count() AS count, countIf(is_error = 1) AS errors
      FROM ${store.table('transactions_by_end')}
      WHERE ${where.sql}
      GROUP BY service, endpoint
      ORDER BY count DESC, service, endpoint
      LIMIT 500`,
      where.params,
    );
    return rows.map((r) => ({ service: r.service, endpoint: r.endpoint, count: Number(r.count), errors: Number(r.errors) }));
  }

  /** Metric data points, newest first, optionally of one metric and/or service. */
  async metricPoints(regionId: string, tenantId: string, q: MetricPointsQuery): Promise<StoredMetricPoint[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.signalsMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const { sql, params } = optionalEquals({ metric_name: ['name', q.name], service: ['service', q.service] });
    const rows = await select<Record<string, unknown>>(
      store,
      `SELECT toString(ts) AS time, toString(toUnixTimestamp64Nano(ts)) AS unix_nanos, metric_name, metric_type, unit, temporality, is_monotonic,
        service, attributes, resource_attributes, value, toString(count) AS count_text, sum, min, max,
        arrayMap(x -> toString(x), bucket_counts) AS bucket_counts_text, explicit_bounds, quantiles, quantile_values
      FROM ${store.table('metric_points')}
      WHERE tenant_id = {tenant:String}${sql}
        AND ${msInWindow('ts')}
      ORDER BY ts DESC
      LIMIT {limit:UInt32}`,
      { tenant, ...params, from_ms: fromMs, to_ms: toMs, limit: checkLimit(q.limit, QUERY_LIMITS.signalsDefaultLimit) },
    );
    return rows.map((r) => ({
      time: isoFromClickHouse(r.time as string),
      unixNanos: String(r.unix_nanos),
      metricName: String(r.metric_name),
      metricType: String(r.metric_type),
      unit: String(r.unit),
      temporality: String(r.temporality),
      isMonotonic: Number(r.is_monotonic) === 1,
      service: String(r.service),
      attributes: r.attributes as Record<string, string>,
      resourceAttributes: r.resource_attributes as Record<string, string>,
      value: Number(r.value),
      count: String(r.count_text),
      sum: Number(r.sum),
      min: r.min === null ? null : Number(r.min),
      max: r.max === null ? null : Number(r.max),
      bucketCounts: r.bucket_counts_text as string[],
      explicitBounds: (r.explicit_bounds as unknown[]).map(Number),
      quantiles: (r.quantiles as unknown[]).map(Number),
      quantileValues: (r.quantile_values as unknown[]).map(Number),
    }));
  }

  /** Rows of a tenant in one of the ingested tables (tests, bench). */
  async countRows(regionId: string, tenantId: string, table: RowTable): Promise<number> {
    const tenant = checkTenant(tenantId);
    if (!ROW_TABLES.includes(table)) throw new QueryValidationError('table', `must be one of ${ROW_TABLES.join(', ')}`);
    const store = this.clients.forRegion(regionId);
    const [row] = await select<{ n: string }>(store, `SELECT count() AS n FROM ${store.table(table)} WHERE tenant_id = {tenant:String}`, { tenant });
    return Number(row?.n ?? 0);
  }
}

/** WHERE clause of transactions_by_end inside a time × duration rectangle of one tenant. */
function rectangleWhere(tenantId: string, q: SelectionQuery): { sql: string; params: Params } {
  const tenant = checkTenant(tenantId);
  const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.transactionsMaxWindowMs);
  const filters = nameFilters(q);
  const minMs = q.minMs ?? 0;
  // duration_ns is UInt64 and no span lasts longer than MAX_SPAN_DURATION_MS: a larger bound would overflow the parameter.
  if (!Number.isFinite(minMs) || minMs < 0 || minMs > MAX_SPAN_DURATION_MS)
    throw new QueryValidationError('minMs', `must be a number of milliseconds 0–${MAX_SPAN_DURATION_MS}`);
  if (q.maxMs !== undefined && (!Number.isFinite(q.maxMs) || q.maxMs <= minMs || q.maxMs > MAX_SPAN_DURATION_MS)) {
    throw new QueryValidationError('maxMs', `must be a number of milliseconds greater than minMs (${minMs}) and at most ${MAX_SPAN_DURATION_MS}`);
  }
  const params: Params = { tenant, ...filters.params, from_ms: fromMs, to_ms: toMs, min_ns: nanosParam(minMs) };
  let sql = `tenant_id = {tenant:String}${filters.sql}
        AND ${msInWindow('end_ts')}
        AND duration_ns >= {min_ns:UInt64}`;
  if (q.maxMs !== undefined) {
    sql += ' AND duration_ns < {max_ns:UInt64}';
    params.max_ns = nanosParam(q.maxMs);
  }
  return { sql, params };
}

/** ms → ns as a bigint: durations beyond 2^53 ns (~104 days) are not exact JS integers, and the client refuses them. */
function nanosParam(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}
