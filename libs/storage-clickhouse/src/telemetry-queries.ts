import { HITMAP_COLUMN_SECONDS, HITMAP_ROWS, type RowTable } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from './clients';
import { QueryValidationError } from './errors';
import { STORED_SPAN_COLUMNS, toStoredSpan, type StoredSpan, type StoredSpanRecord } from './stored-span';

/** Bounds on read queries; a query outside them is refused with a QueryValidationError. */
export const QUERY_LIMITS = {
  hitmapMaxWindowMs: 6 * 3600_000,
  servicesMaxWindowMs: 31 * 86400_000,
  transactionsMaxWindowMs: 24 * 3600_000,
  transactionsDefaultLimit: 500,
  transactionsMaxLimit: 10_000,
  maxNameLength: 1024,
} as const;

export interface TimeWindow {
  from: Date;
  to: Date;
}

export interface HitmapQuery extends TimeWindow {
  service?: string;
  endpoint?: string;
}

export interface HitmapCell {
  /** Start of the 5 s column, ms since the epoch. */
  t: number;
  /** Row 0..119 (0 = fastest), see hitmap-layout in @meridian/domain. */
  y: number;
  hits: number;
  errors: number;
}

export interface HitmapResult {
  columnSeconds: typeof HITMAP_COLUMN_SECONDS;
  rows: typeof HITMAP_ROWS;
  cells: HitmapCell[];
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
  throughputPerMin: number;
}

export interface TransactionsQuery extends TimeWindow {
  /** Duration range [minMs, maxMs) — a hitmap selection's rows. */
  minMs?: number;
  maxMs?: number;
  service?: string;
  endpoint?: string;
  limit?: number;
}

export interface TraceResult {
  traceId: string;
  spans: StoredSpan[];
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const ROW_TABLES: readonly RowTable[] = ['spans', 'metric_points', 'logs'];

type Params = Record<string, unknown>;

/**
 * Read queries of the API role. Every query is scoped to one tenant (`tenant_id` is the first
 * condition and the leading sort key of every table), parameterized, and runs only against the
 * tenant's region.
 */
export class TelemetryQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /** All spans of a trace: trace_index bounds the time range, then the bloom index on trace_id finds the granules. */
  async traceById(regionId: string, tenantId: string, traceId: string): Promise<TraceResult | undefined> {
    const tenant = checkTenant(tenantId);
    if (typeof traceId !== 'string' || !TRACE_ID_RE.test(traceId.toLowerCase())) {
      throw new QueryValidationError('traceId', 'must be 32 hexadecimal characters');
    }
    const trace = traceId.toLowerCase();
    const store = this.clients.forRegion(regionId);
    const [bounds] = await select<{ n: string; start_ns: string; end_ns: string }>(
      store,
      `SELECT count() AS n,
        toString(toUnixTimestamp64Nano(min(start_ts))) AS start_ns,
        toString(toUnixTimestamp64Nano(max(end_ts))) AS end_ns
      FROM ${store.table('trace_index')}
      WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}`,
      { tenant, trace },
    );
    if (!bounds || Number(bounds.n) === 0) return undefined;
    const rows = await select<StoredSpanRecord>(
      store,
      `SELECT ${STORED_SPAN_COLUMNS}
      FROM ${store.table('spans')}
      WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}
        AND ts >= fromUnixTimestamp64Nano({start:Int64}) AND ts <= fromUnixTimestamp64Nano({end:Int64})
      ORDER BY ts, span_id`,
      { tenant, trace, start: bounds.start_ns, end: bounds.end_ns },
    );
    if (rows.length === 0) return undefined;
    return { traceId: trace, spans: rows.map(toStoredSpan) };
  }

  /** Hitmap cells (end time in 5 s columns × 120 duration rows) of entry spans in the window. */
  async hitmap(regionId: string, tenantId: string, q: HitmapQuery): Promise<HitmapResult> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.hitmapMaxWindowMs);
    const filters = nameFilters(q);
    const store = this.clients.forRegion(regionId);
    const step = HITMAP_COLUMN_SECONDS;
    const rows = await select<{ t: string; y: number; hits: string; errors: string }>(
      store,
      `SELECT toUInt64(toUnixTimestamp(bucket)) * 1000 AS t, y, sum(hits) AS hits, sum(errors) AS errors
      FROM ${store.table('hitmap_5s')}
      WHERE tenant_id = {tenant:String}${filters.sql}
        AND bucket >= toDateTime({from_s:UInt32}) AND bucket < toDateTime({to_s:UInt32})
      GROUP BY bucket, y
      ORDER BY bucket, y`,
      { tenant, ...filters.params, from_s: Math.floor(fromMs / 1000 / step) * step, to_s: Math.ceil(toMs / 1000) },
    );
    return {
      columnSeconds: HITMAP_COLUMN_SECONDS,
      rows: HITMAP_ROWS,
      cells: rows.map((r) => ({ t: Number(r.t), y: Number(r.y), hits: Number(r.hits), errors: Number(r.errors) })),
    };
  }

  /** RED per service/endpoint from the 1-minute rollup (minute buckets starting in [from, to)). */
  async services(regionId: string, tenantId: string, q: TimeWindow): Promise<ServiceRed[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.servicesMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const fromS = Math.floor(fromMs / 60_000) * 60;
    const toS = Math.ceil(toMs / 60_000) * 60;
    const rows = await select<{
      service: string;
      endpoint: string;
      count: string;
      errors: string;
      sum_ns: string;
      max_ns: string;
      q: number[];
      satisfied: string;
      tolerating: string;
    }>(
      store,
      `SELECT service, endpoint, sum(count) AS count, sum(errors) AS errors,
        sum(duration_sum_ns) AS sum_ns, max(duration_max_ns) AS max_ns,
        quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_q) AS q,
        sum(apdex_satisfied) AS satisfied, sum(apdex_tolerating) AS tolerating
      FROM ${store.table('service_red_1m')}
      WHERE tenant_id = {tenant:String}
        AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
      GROUP BY service, endpoint
      ORDER BY count DESC, service, endpoint`,
      { tenant, from_s: fromS, to_s: toS },
    );
    const minutes = (toS - fromS) / 60;
    return rows.map((r) => {
      const count = Number(r.count);
      const errors = Number(r.errors);
      const [p50, p95, p99] = r.q.map((v) => Number(v) / 1e6);
      return {
        service: r.service,
        endpoint: r.endpoint,
        count,
        errors,
        errorRate: count ? errors / count : 0,
        avgMs: count ? Number(r.sum_ns) / count / 1e6 : 0,
        maxMs: Number(r.max_ns) / 1e6,
        p50Ms: p50,
        p95Ms: p95,
        p99Ms: p99,
        apdex: count ? (Number(r.satisfied) + Number(r.tolerating) / 2) / count : 1,
        throughputPerMin: count / minutes,
      };
    });
  }

  /**
   * Entry spans (transactions) in a rectangle of the hitmap: end time in [from, to) and
   * duration in [minMs, maxMs). Newest first.
   */
  async transactions(regionId: string, tenantId: string, q: TransactionsQuery): Promise<StoredSpan[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, QUERY_LIMITS.transactionsMaxWindowMs);
    const filters = nameFilters(q);
    const minMs = q.minMs ?? 0;
    if (!Number.isFinite(minMs) || minMs < 0) throw new QueryValidationError('minMs', 'must be a number ≥ 0');
    if (q.maxMs !== undefined && (!Number.isFinite(q.maxMs) || q.maxMs <= minMs)) {
      throw new QueryValidationError('maxMs', `must be a number greater than minMs (${minMs})`);
    }
    const limit = q.limit ?? QUERY_LIMITS.transactionsDefaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > QUERY_LIMITS.transactionsMaxLimit) {
      throw new QueryValidationError('limit', `must be an integer from 1 to ${QUERY_LIMITS.transactionsMaxLimit}`);
    }
    const store = this.clients.forRegion(regionId);
    const params: Params = { tenant, ...filters.params, from_ms: fromMs, to_ms: toMs, min_ns: Math.round(minMs * 1e6), limit };
    let durationSql = 'duration_ns >= {min_ns:UInt64}';
    if (q.maxMs !== undefined) {
      // end = start + duration, so duration < max bounds the start time too (partition pruning).
      durationSql += ' AND duration_ns < {max_ns:UInt64} AND ts >= fromUnixTimestamp64Milli({start_from_ms:Int64})';
      params.max_ns = Math.round(q.maxMs * 1e6);
      params.start_from_ms = fromMs - Math.ceil(q.maxMs);
    }
    const rows = await select<StoredSpanRecord>(
      store,
      `SELECT ${STORED_SPAN_COLUMNS}
      FROM ${store.table('spans')}
      WHERE tenant_id = {tenant:String}${filters.sql}
        AND is_entry = 1
        AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
        AND end_ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND end_ts < fromUnixTimestamp64Milli({to_ms:Int64})
        AND ${durationSql}
      ORDER BY end_ts DESC, span_id
      LIMIT {limit:UInt32}`,
      params,
    );
    return rows.map(toStoredSpan);
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


async function select<T>(store: RegionStore, query: string, params: Params): Promise<T[]> {
  // In-query SETTINGS (not clickhouse_settings): same on HTTP and chdb, and never leaks into the chdb session.
  const rs = await store.client.query({
    query: `${query}\nSETTINGS output_format_json_quote_64bit_integers = 1`,
    format: 'JSONEachRow',
    query_params: params,
  });
  return rs.json<T>();
}

function checkTenant(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 256) {
    throw new QueryValidationError('tenantId', 'must be a non-empty string of at most 256 characters');
  }
  return tenantId;
}

function checkWindow(q: TimeWindow | undefined, maxMs: number): { fromMs: number; toMs: number } {
  const fromMs = q?.from instanceof Date ? q.from.getTime() : NaN;
  const toMs = q?.to instanceof Date ? q.to.getTime() : NaN;
  if (!Number.isFinite(fromMs)) throw new QueryValidationError('from', 'must be a valid Date');
  if (!Number.isFinite(toMs)) throw new QueryValidationError('to', 'must be a valid Date');
  if (toMs <= fromMs) throw new QueryValidationError('to', 'must be after from');
  if (toMs - fromMs > maxMs) throw new QueryValidationError('to', `window is longer than the maximum of ${formatDuration(maxMs)}; narrow from/to`);
  return { fromMs, toMs };
}

function nameFilters(q: { service?: string; endpoint?: string }): { sql: string; params: Params } {
  let sql = '';
  const params: Params = {};
  for (const field of ['service', 'endpoint'] as const) {
    const v = q[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > QUERY_LIMITS.maxNameLength) {
      throw new QueryValidationError(field, `must be a non-empty string of at most ${QUERY_LIMITS.maxNameLength} characters`);
    }
    sql += ` AND ${field} = {${field}:String}`;
    params[field] = v;
  }
  return { sql, params };
}

function formatDuration(ms: number): string {
  return ms % 86400_000 === 0 ? `${ms / 86400_000} days` : `${ms / 3600_000} hours`;
}
