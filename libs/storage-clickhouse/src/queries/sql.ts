/**
 * What every read query shares: running a parameterized SELECT, the tenant check, time windows
 * (validated bounds, whole minutes for the rollups, the SQL that bounds a time column) and the
 * optional `column = {param}` filters. Values only ever reach SQL as query parameters.
 */
import { RAW_TIME_RANGE_MS, ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { RegionStore } from '../clients';
import { QueryValidationError } from '../errors';
import { clickhouseErrorCode } from '../write/insert-error-class';
import { ReadCancelledError } from './read-gate';
import { currentReadSignal } from './read-signal';

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

/** ClickHouse's TIMEOUT_EXCEEDED: the read ran past max_execution_time. */
const TIMEOUT_EXCEEDED = 159;

/** A read stopped by the engine at max_execution_time; the query was too heavy for the window or filters asked. */
export class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
  constructor(
    readonly maxExecutionSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`the query ran longer than ${maxExecutionSeconds} s and was stopped; narrow the time window or add filters`, options);
  }
}

/** Formats whose answer is one document ending in `statistics` (see read). */
type ReadFormat = 'JSON' | 'JSONCompact' | 'JSONColumnsWithMetadata';

/**
 * Runs one read of a tenant's data: through the engine's read gate (a slot per tenant in turn,
 * see ReadGate), with the engine's time limit, and dropped if the request it serves is closed
 * (see withReadSignal). `params.tenant` names the tenant; a query that does not filter by
 * `{tenant:String}` is refused, so no read escapes the gate or the tenant scope.
 * `settings`: more in-query settings (`name = value, …`).
 *
 * The time limit breaks rather than throws: chdb hands the output a query wrote before it failed
 * to the NEXT query on the connection (its rows first), which may be another tenant's. A broken
 * read ends as a complete answer whose `statistics.elapsed` shows the limit was reached, and is
 * refused here. The answer is one JSON document, so a leftover of any other failure makes the
 * next read's answer unparseable instead of quietly mixing rows.
 */
async function read(store: RegionStore, query: string, params: Params, format: ReadFormat, settings?: string): Promise<unknown> {
  const tenant = checkTenant(params.tenant);
  if (!query.includes('{tenant:String}')) throw new Error('a read must be scoped to its tenant: filter by {tenant:String}');
  const signal = currentReadSignal();
  const { maxExecutionSeconds } = store.readGate.limits;
  // In-query SETTINGS (not clickhouse_settings): same on HTTP and chdb, and never leaks into the chdb session.
  const all = [
    ...(format === 'JSON' ? ['output_format_json_quote_64bit_integers = 1'] : []),
    `max_execution_time = ${maxExecutionSeconds}`,
    "timeout_overflow_mode = 'break'",
    // No column statistics: loading them took ~3 ms of a trace lookup's planning, and no read
    // here filters on a column they could prune parts by better than the key and skip indexes.
    'use_statistics = 0',
    ...(settings ? [settings] : []),
  ];
  return store.readGate.run(tenant, signal, async () => {
    let answer: { data: unknown; statistics?: { elapsed?: number } };
    try {
      // chdb cannot interrupt a running query (its abort only stops waiting for it): there the
      // slot stays held until the engine is done, bounded by max_execution_time.
      const rs = await store.client.query({
        query: `${query}\nSETTINGS ${all.join(', ')}`,
        format,
        query_params: params,
        abort_signal: store.abortsRunningReads ? signal : undefined,
      });
      answer = (await rs.json()) as unknown as typeof answer;
    } catch (e) {
      if (clickhouseErrorCode(e) === TIMEOUT_EXCEEDED) throw new ReadTimeoutError(maxExecutionSeconds, { cause: e });
      if (signal?.aborted) throw new ReadCancelledError();
      throw e;
    }
    if ((answer.statistics?.elapsed ?? 0) >= maxExecutionSeconds) throw new ReadTimeoutError(maxExecutionSeconds);
    return answer.data;
  });
}

/** Rows as objects (64-bit integers as strings). */
export async function select<T>(store: RegionStore, query: string, params: Params, settings?: string): Promise<T[]> {
  return (await read(store, query, params, 'JSON', settings)) as T[];
}

/** Rows as arrays: smaller answers for many rows. */
export async function selectCompact<T extends unknown[]>(store: RegionStore, query: string, params: Params, settings?: string): Promise<T[]> {
  return (await read(store, query, params, 'JSONCompact', settings)) as T[];
}

/** One array per column (`{}` without rows). */
export async function selectColumns<T>(store: RegionStore, query: string, params: Params): Promise<Partial<T>> {
  return (await read(store, query, params, 'JSONColumnsWithMetadata')) as Partial<T>;
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
