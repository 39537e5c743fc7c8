/**
 * What every read query shares: running a parameterized SELECT, the tenant check, time windows
 * (validated bounds, whole minutes for the rollups, the SQL that bounds a time column) and the
 * optional `column = {param}` filters. Values only ever reach SQL as query parameters.
 */
import { RAW_TIME_RANGE_MS, ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { RegionStore } from '../clients';
import { QueryValidationError } from '../errors';

export type Params = Record<string, unknown>;

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** Longest service, endpoint, instance… name a filter accepts. */
export const MAX_NAME_LENGTH = 1024;
/** Most rows a caller may ask for (`limit`). */
export const MAX_LIMIT = 10_000;

/** Rollup rows whose `minute` is in [from_s, to_s) (see wholeMinutes). */
export const MINUTES_IN_WINDOW = 'minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})';

/** Rows whose DateTime64 `column` is in [from_ms, to_ms). */
export function msInWindow(column: string): string {
  return `${column} >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${column} < fromUnixTimestamp64Milli({to_ms:Int64})`;
}

export async function select<T>(store: RegionStore, query: string, params: Params): Promise<T[]> {
  // In-query SETTINGS (not clickhouse_settings): same on HTTP and chdb, and never leaks into the chdb session.
  const rs = await store.client.query({
    query: `${query}\nSETTINGS output_format_json_quote_64bit_integers = 1`,
    format: 'JSONEachRow',
    query_params: params,
  });
  return rs.json<T>();
}

export function checkTenant(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 256) {
    throw new QueryValidationError('tenantId', 'must be a non-empty string of at most 256 characters');
  }
  return tenantId;
}

/** A window's bounds in ms; `holds` is what the queried time columns hold (raw DateTime64(9) or a DateTime rollup). */
export function checkWindow(
  q: TimeWindow | undefined,
  maxMs: number,
  holds: { min: number; max: number } = RAW_TIME_RANGE_MS,
): { fromMs: number; toMs: number } {
  const fromMs = q?.from instanceof Date ? q.from.getTime() : NaN;
  const toMs = q?.to instanceof Date ? q.to.getTime() : NaN;
  if (!Number.isFinite(fromMs)) throw new QueryValidationError('from', 'must be a valid Date');
  if (!Number.isFinite(toMs)) throw new QueryValidationError('to', 'must be a valid Date');
  const range = `${new Date(holds.min).toISOString()} … ${new Date(holds.max).toISOString()}`;
  if (fromMs < holds.min || fromMs > holds.max) throw new QueryValidationError('from', `must be a time in ${range} (what this data holds)`);
  if (toMs < holds.min || toMs > holds.max) throw new QueryValidationError('to', `must be a time in ${range} (what this data holds)`);
  if (toMs <= fromMs) throw new QueryValidationError('to', 'must be after from');
  if (toMs - fromMs > maxMs) throw new QueryValidationError('to', `window is longer than the maximum of ${formatDuration(maxMs)}; narrow from/to`);
  return { fromMs, toMs };
}

/** Whole minutes covering [fromMs, toMs), in seconds: the rollups are per minute. */
export function wholeMinutes(fromMs: number, toMs: number): { fromS: number; toS: number } {
  return { fromS: Math.floor(fromMs / 60_000) * 60, toS: Math.ceil(toMs / 60_000) * 60 };
}

/** checkWindow for a read of the per-minute rollups, with the whole minutes that cover the window. */
export function rollupWindow(q: TimeWindow, maxMs: number): { fromMs: number; toMs: number; fromS: number; toS: number } {
  const { fromMs, toMs } = checkWindow(q, maxMs, ROLLUP_TIME_RANGE_MS);
  return { fromMs, toMs, ...wholeMinutes(fromMs, toMs) };
}

/** A name filter's value: a non-empty string of at most MAX_NAME_LENGTH characters. */
export function checkName(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_LENGTH) {
    throw new QueryValidationError(field, `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return v;
}

/** `column = {param:String}` for each given value (column → [param, value]), each checked by checkName. */
export function optionalEquals(fields: Record<string, [string, string | undefined]>): { sql: string; params: Params } {
  let sql = '';
  const params: Params = {};
  for (const [column, [field, v]] of Object.entries(fields)) {
    if (v === undefined) continue;
    sql += ` AND ${column} = {${field}:String}`;
    params[field] = checkName(field, v);
  }
  return { sql, params };
}

/** The service and endpoint filters of a query. */
export function nameFilters(q: { service?: string; endpoint?: string }): { sql: string; params: Params } {
  return optionalEquals({ service: ['service', q.service], endpoint: ['endpoint', q.endpoint] });
}

export function checkLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new QueryValidationError('limit', `must be an integer 1–${MAX_LIMIT}`);
  }
  return limit;
}

/** "2026-11-21 10:00:00.123456789" (UTC) → ISO 8601 with the same fraction. */
export function isoFromClickHouse(t: string): string {
  return `${t.replace(' ', 'T')}Z`;
}

function formatDuration(ms: number): string {
  return ms % 86400_000 === 0 ? `${ms / 86400_000} days` : `${ms / 3600_000} hours`;
}
