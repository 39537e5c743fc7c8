import { HITMAP_ROWS, hitmapRow, hitmapRowBounds, MAX_SPAN_DURATION_MS } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from '../clients';
import { QueryValidationError } from '../errors';
import { checkLimit, checkTenant, checkWindow, msInWindow, nameFilters, select, type Params, type TimeWindow } from './sql';
import { nanosToIso } from './stored-span';

/** Bounds of trace searches; outside them a QueryValidationError names the field. */
export const TRACE_SEARCH_LIMITS = {
  maxWindowMs: 24 * 3600_000,
  defaultLimit: 50,
  maxLimit: 200,
  /** Attribute filters per kind (span, resource). */
  maxAttributeFilters: 10,
  maxKeyLength: 256,
  maxValueLength: 1024,
  /** ClickHouse matches with re2 (linear time); the cap keeps the compiled automaton small. */
  maxRegexLength: 256,
  /** Matching spans read per page: several per trace, so a page of distinct traces fills. */
  spansPerTrace: 8,
} as const;

export const TRACE_SEARCH_SORTS = ['start', 'duration'] as const;
export type TraceSearchSort = (typeof TRACE_SEARCH_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

export type AttributeOp = '=' | '!=' | '~';
/** `key=value`, `key!=value` (a span without the key matches) or `key~re2 regex`. */
export interface AttributeFilter {
  key: string;
  op: AttributeOp;
  value: string;
}

export interface TraceSearchQuery extends TimeWindow {
  service?: string;
  /** The span's endpoint (its name, or `METHOD route` for a served HTTP request). */
  endpoint?: string;
  /** Duration range of the matching span, [minMs, maxMs). */
  minMs?: number;
  maxMs?: number;
  status?: 'error' | 'ok';
  httpStatus?: number;
  attributes?: AttributeFilter[];
  resourceAttributes?: AttributeFilter[];
  sort?: TraceSearchSort;
  order?: SortOrder;
  limit?: number;
  /** Opaque: `nextCursor` of the previous page of the same search. */
  cursor?: string;
}

/** One trace as the explorer lists it (trace_summaries figures; its spans: traceById). */
export interface TraceSummary {
  traceId: string;
  /** Empty when the root span was not received. */
  rootService: string;
  rootEndpoint: string;
  services: string[];
  startTime: string;
  startUnixNanos: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
}

export interface TraceSearchResult {
  traces: TraceSummary[];
  /** Next page of the same search, or null when this is the last. */
  nextCursor: string | null;
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
// Syntax re2 refuses (lookaround, backreferences) though JavaScript accepts it.
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

/**
 * Trace explorer reads. A trace matches when one of its spans that started in the window matches
 * every span filter; with none but a duration range, its transactions (entry spans: the root, a
 * request a service served) that ended in the window are what counts, so the duration and the
 * order are the transaction's. Matching spans come from `spans` (tenant first in its key;
 * service/endpoint narrow the key range, the other filters are checked on the rows of the
 * window), `error_spans` (status = error without attribute filters) or `transactions_by_end`,
 * newest or longest first with a LIMIT; the figures of the traces they belong to come from
 * `trace_summaries`, read by its key (tenant, trace id). Pages
 * follow the matching span's sort key, so the cursor is the last span read (key, trace id, span id).
 */
export class TraceSearchQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /** The API's `attrs` / `resourceAttrs` text (one filter per line) as filters; `field` names it in errors. */
  static parseAttributeFilters = parseAttributeFilters;

  /** One trace by id (any time): its summary, or undefined. Dashes and case in the id are ignored. */
  async byId(regionId: string, tenantId: string, traceId: string): Promise<TraceSummary | undefined> {
    const tenant = checkTenant(tenantId);
    const id = typeof traceId === 'string' ? traceId.replace(/-/g, '').toLowerCase() : '';
    if (!TRACE_ID_RE.test(id)) throw new QueryValidationError('traceId', 'must be 32 hexadecimal characters (dashes allowed)');
    const [found] = await summaries(this.clients.forRegion(regionId), tenant, [id]);
    return found;
  }

  async search(regionId: string, tenantId: string, q: TraceSearchQuery): Promise<TraceSearchResult> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, TRACE_SEARCH_LIMITS.maxWindowMs);
    const limit = checkLimit(q.limit, TRACE_SEARCH_LIMITS.defaultLimit);
    if (limit > TRACE_SEARCH_LIMITS.maxLimit) throw new QueryValidationError('limit', `must be an integer 1–${TRACE_SEARCH_LIMITS.maxLimit}`);
    const sort = q.sort ?? 'start';
    if (!TRACE_SEARCH_SORTS.includes(sort)) throw new QueryValidationError('sort', `must be one of ${TRACE_SEARCH_SORTS.join(', ')}`);
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new QueryValidationError('order', 'must be asc or desc');
    const filter = spanFilter(q);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, sort, order);

    // With no span filter but a duration, the traces' transactions are what is read: entry spans,
    // from transactions_by_end, whose key leads with the end minute (a time slice reads just its
    // minutes, where spans, keyed by service and endpoint first, would be read in every key range).
    // Errors alone come from error_spans, keyed the same way by start minute.
    const table = SOURCE_TABLES[filter.source];
    const time = filter.source === 'transactions' ? 'end_ts' : 'ts';
    const keyColumn = sort === 'start' ? `toUnixTimestamp64Nano(${time})` : 'duration_ns';
    const keyType = sort === 'start' ? 'Int64' : 'UInt64';
    const dir = order === 'desc' ? 'DESC' : 'ASC';
    const after = order === 'desc' ? '<' : '>';
    const params: Params = { tenant, ...filter.params, from_ms: fromMs, to_ms: toMs };
    let where = `tenant_id = {tenant:String}${filter.sql} AND ${msInWindow(time)}`;
    const keyTuple = `(${keyColumn}, trace_id, span_id)`;
    const cursorTuple = `({c_key:${keyType}}, {c_trace:String}, {c_span:String})`;
    if (cursor) Object.assign(params, { c_key: cursor.key, c_trace: cursor.traceId, c_span: cursor.spanId });

    const store = this.clients.forRegion(regionId);
    const scan = (limit + 1) * TRACE_SEARCH_LIMITS.spansPerTrace;
    type Row = { trace_id: string; span_id: string; k: string };
    const read = (slice: string, sliceParams: Params, n: number) =>
      select<Row>(
        store,
        `SELECT trace_id, span_id, toString(${keyColumn}) AS k
        FROM ${store.table(table)}
        WHERE ${where}${slice}${cursor ? ` AND ${keyTuple} ${after} ${cursorTuple}` : ''}
        ORDER BY ${keyColumn} ${dir}, trace_id ${dir}, span_id ${dir}
        LIMIT {scan:UInt32}`,
        { ...params, ...sliceParams, scan: n },
      );
    let rows: Row[] = [];
    if (sort === 'duration') {
      const floorNs = order === 'desc' && filter.source === 'transactions' ? await longestFloorNs(store, tenant, fromMs, toMs, cursor?.key, scan) : 0n;
      if (floorNs > 0n) rows = await read(' AND duration_ns >= {floor_ns:UInt64}', { floor_ns: floorNs }, scan);
      if (rows.length < scan) rows = await read('', {}, scan);
    } else {
      // Newest (or oldest) first reads the window in growing time slices from its edge (or the
      // cursor), so a slice reads only its granules (in spans: where service/endpoint leave ts
      // to prune), and most searches fill a page from the first minute.
      const cursorMs = cursor ? Number(BigInt(cursor.key) / 1_000_000n) : undefined;
      let lo = order === 'desc' ? fromMs : Math.max(fromMs, cursorMs ?? fromMs);
      let hi = order === 'desc' ? Math.min(toMs, cursorMs === undefined ? toMs : cursorMs + 1) : toMs;
      for (let width = FIRST_SLICE_MS; lo < hi && rows.length < scan; width *= 4) {
        const [a, b] = order === 'desc' ? [Math.max(lo, hi - width), hi] : [lo, Math.min(hi, lo + width)];
        const slice = ` AND ${time} >= fromUnixTimestamp64Milli({slice_from:Int64}) AND ${time} < fromUnixTimestamp64Milli({slice_to:Int64})`;
        rows = rows.concat(await read(slice, { slice_from: a, slice_to: b }, scan - rows.length));
        if (order === 'desc') hi = a;
        else lo = b;
      }
    }

    // Distinct traces in the order of their first matching span; the page ends at the span that
    // brought its last trace, so the next page starts right after it.
    const listed = new Set<string>();
    let lastIndex = -1;
    for (let i = 0; i < rows.length && listed.size < limit; i++) {
      if (listed.has(rows[i].trace_id)) continue;
      listed.add(rows[i].trace_id);
      lastIndex = i;
    }
    const more = rows.length === scan || rows.slice(lastIndex + 1).some((r) => !listed.has(r.trace_id));
    const last = rows[lastIndex];
    let ids = [...listed];
    if (cursor && ids.length > 0) {
      // A trace with several matching spans may have been listed on an earlier page by one of
      // them (a key before the cursor): leave it there.
      where += ` AND trace_id IN {ids:Array(String)} AND ${keyTuple} ${order === 'desc' ? '>=' : '<='} ${cursorTuple}`;
      const seen = await select<{ trace_id: string }>(store, `SELECT DISTINCT trace_id FROM ${store.table(table)} WHERE ${where}`, { ...params, ids });
      const shown = new Set(seen.map((r) => r.trace_id));
      ids = ids.filter((id) => !shown.has(id));
    }
    const found = new Map((await summaries(store, tenant, ids)).map((s) => [s.traceId, s]));
    const traces = ids.flatMap((id) => found.get(id) ?? []);
    const nextCursor = more && last ? encodeCursor({ sort, order, key: last.k, traceId: last.trace_id, spanId: last.span_id }) : null;
    return { traces, nextCursor };
  }
}

/**
 * Parses attribute filters, one per line: `key=value`, `key!=value`, `key~regex`. Used by the API
 * for its `attrs` / `resourceAttrs` parameters; `field` names the parameter in errors.
 */
function parseAttributeFilters(field: string, text: string | undefined): AttributeFilter[] {
  if (text === undefined) return [];
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > TRACE_SEARCH_LIMITS.maxAttributeFilters) {
    throw new QueryValidationError(field, `at most ${TRACE_SEARCH_LIMITS.maxAttributeFilters} filters`);
  }
  return lines.map((line) => {
    const m = /^([^=!~]+?)\s*(!=|=|~)\s*(.*)$/.exec(line);
    if (!m) throw new QueryValidationError(field, `"${line.slice(0, 80)}": expected key=value, key!=value or key~regex`);
    return { key: m[1], op: m[2] as AttributeOp, value: m[3] };
  });
}

/**
 * Longest first over transactions_by_end reads every transaction of the window unless bounded:
 * its key is (minute, duration), so a floor on the duration skips all but the slowest granules of
 * each minute. The hitmap rollup counts the same transactions (entry spans by end time) per
 * duration row, so the floor is the lower bound of the highest row from which the rows above it
 * (below the cursor's row, on a later page) hold `scan` hits. Only 5 s buckets wholly inside the
 * window are counted, so the floor is not too high; should fewer rows come back anyway (counts of
 * a part not yet merged), the caller reads again without it. 0: no floor.
 */
async function longestFloorNs(store: RegionStore, tenant: string, fromMs: number, toMs: number, cursorKey: string | undefined, scan: number): Promise<bigint> {
  const fromS = Math.ceil(fromMs / 1000);
  const lastBucketS = Math.floor(toMs / 1000) - 5;
  if (fromS < 0 || lastBucketS > 0xffffffff || lastBucketS < fromS) return 0n; // outside what the rollup's DateTime holds
  const counts = await select<{ y: number; hits: string }>(
    store,
    `SELECT y, sum(hits) AS hits FROM ${store.table('hitmap_tenant_5s')}
    WHERE tenant_id = {tenant:String} AND bucket >= toDateTime({from_s:UInt32}) AND bucket <= toDateTime({last_s:UInt32})
    GROUP BY y`,
    { tenant, from_s: fromS, last_s: lastBucketS },
  );
  const hits = new Map(counts.map((c) => [Number(c.y), Number(c.hits)]));
  const top = cursorKey === undefined ? HITMAP_ROWS : hitmapRow(Number(BigInt(cursorKey) / 1_000_000n));
  let sum = 0;
  for (let y = top - 1; y > 0; y--) {
    sum += hits.get(y) ?? 0;
    if (sum >= scan) return BigInt(hitmapRowBounds(y).fromMs) * 1_000_000n;
  }
  return 0n;
}

/** The first time slice a newest/oldest-first search reads; each next one is 4 times longer. */
const FIRST_SLICE_MS = 60_000;

/** Where matching spans are read: see TraceSearchQueries. */
type SpanSource = 'transactions' | 'errors' | 'spans';
const SOURCE_TABLES = { transactions: 'transactions_by_end', errors: 'error_spans', spans: 'spans' } as const;

/**
 * The WHERE conditions (after the tenant's) of the span filters, validated, and the table that
 * can answer them: `transactions` when only a duration range (or nothing) is given, `errors` for
 * status = error with no attribute filter (error_spans has every column the other filters use).
 */
function spanFilter(q: TraceSearchQuery): { sql: string; params: Params; source: SpanSource } {
  const { sql: names, params } = nameFilters(q);
  let sql = names;
  const minMs = q.minMs ?? 0;
  // duration_ns is UInt64 and no span lasts longer than MAX_SPAN_DURATION_MS: a larger bound would overflow the parameter.
  if (!Number.isFinite(minMs) || minMs < 0 || minMs > MAX_SPAN_DURATION_MS) {
    throw new QueryValidationError('minMs', `must be a number of milliseconds 0–${MAX_SPAN_DURATION_MS}`);
  }
  if (q.minMs !== undefined && minMs > 0) {
    sql += ' AND duration_ns >= {min_ns:UInt64}';
    params.min_ns = BigInt(Math.round(minMs * 1e6));
  }
  if (q.maxMs !== undefined) {
    if (!Number.isFinite(q.maxMs) || q.maxMs <= minMs || q.maxMs > MAX_SPAN_DURATION_MS) {
      throw new QueryValidationError('maxMs', `must be a number of milliseconds greater than minMs (${minMs}) and at most ${MAX_SPAN_DURATION_MS}`);
    }
    sql += ' AND duration_ns < {max_ns:UInt64}';
    params.max_ns = BigInt(Math.round(q.maxMs * 1e6));
  }
  if (q.status !== undefined && q.status !== 'error' && q.status !== 'ok') throw new QueryValidationError('status', 'must be error or ok');
  const errors = q.status === 'error' && !q.attributes?.length && !q.resourceAttributes?.length;
  if (q.status !== undefined && !errors) sql += ` AND is_error = ${q.status === 'error' ? 1 : 0}`;
  if (q.httpStatus !== undefined) {
    if (!Number.isInteger(q.httpStatus) || q.httpStatus < 100 || q.httpStatus > 599) {
      throw new QueryValidationError('httpStatus', 'must be an HTTP status code 100–599');
    }
    sql += ' AND http_status = {http_status:UInt16}';
    params.http_status = q.httpStatus;
  }
  sql += attributeConditions('attributes', 'attrs', q.attributes ?? [], params);
  sql += attributeConditions('resource_attributes', 'resourceAttrs', q.resourceAttributes ?? [], params);
  const anySpanFilter = names !== '' || q.status !== undefined || q.httpStatus !== undefined || !!q.attributes?.length || !!q.resourceAttributes?.length;
  return { sql, params, source: !anySpanFilter ? 'transactions' : errors ? 'errors' : 'spans' };
}

function attributeConditions(column: string, field: string, filters: AttributeFilter[], params: Params): string {
  const L = TRACE_SEARCH_LIMITS;
  if (filters.length > L.maxAttributeFilters) throw new QueryValidationError(field, `at most ${L.maxAttributeFilters} filters`);
  let sql = '';
  filters.forEach((f, i) => {
    if (typeof f.key !== 'string' || f.key.length === 0 || f.key.length > L.maxKeyLength) {
      throw new QueryValidationError(field, `attribute keys must be 1–${L.maxKeyLength} characters`);
    }
    if (typeof f.value !== 'string' || f.value.length > L.maxValueLength) {
      throw new QueryValidationError(field, `values must be at most ${L.maxValueLength} characters`);
    }
    const k = `${field}_k${i}`;
    const v = `${field}_v${i}`;
    params[k] = f.key;
    params[v] = f.value;
    if (f.op === '=') sql += ` AND ${column}[{${k}:String}] = {${v}:String}`;
    else if (f.op === '!=') sql += ` AND ${column}[{${k}:String}] != {${v}:String}`;
    else if (f.op === '~') {
      if (f.value.length === 0 || f.value.length > L.maxRegexLength) {
        throw new QueryValidationError(field, `a regex must be 1–${L.maxRegexLength} characters`);
      }
      checkRegex(field, f.value);
      sql += ` AND match(${column}[{${k}:String}], {${v}:String})`;
    } else throw new QueryValidationError(field, 'the operator must be =, != or ~');
  });
  return sql;
}

/** A regex ClickHouse (re2) will compile: a bad one would fail the query as a server error. */
function checkRegex(field: string, re: string): void {
  try {
    new RegExp(re);
  } catch {
    throw new QueryValidationError(field, `"${re.slice(0, 80)}" is not a valid regular expression`);
  }
  if (NOT_RE2.test(re)) throw new QueryValidationError(field, `"${re.slice(0, 80)}": lookaround and backreferences are not supported (re2)`);
}

/** trace_summaries figures of the given traces (merged over its partial rows). */
async function summaries(store: RegionStore, tenant: string, ids: string[]): Promise<TraceSummary[]> {
  if (ids.length === 0) return [];
  const rows = await select<{
    trace_id: string;
    start_ns: string;
    end_ns: string;
    spans: string;
    errors: string;
    root_service: string;
    root_endpoint: string;
    services: string[];
  }>(
    store,
    `SELECT trace_id, toString(toUnixTimestamp64Nano(min(start_ts))) AS start_ns, toString(toUnixTimestamp64Nano(max(end_ts))) AS end_ns,
      sum(span_count) AS spans, sum(error_count) AS errors,
      argMinIfMerge(root_service) AS root_service, argMinIfMerge(root_endpoint) AS root_endpoint,
      arraySort(groupUniqArrayArray(services)) AS services
    FROM ${store.table('trace_summaries')}
    WHERE tenant_id = {tenant:String} AND trace_id IN {ids:Array(String)}
    GROUP BY trace_id`,
    { tenant, ids },
  );
  return rows.map((r) => {
    const start = BigInt(r.start_ns);
    return {
      traceId: r.trace_id,
      rootService: r.root_service,
      rootEndpoint: r.root_endpoint,
      services: r.services,
      startTime: nanosToIso(start),
      startUnixNanos: r.start_ns,
      durationMs: Number(BigInt(r.end_ns) - start) / 1e6,
      spanCount: Number(r.spans),
      errorCount: Number(r.errors),
    };
  });
}

interface Cursor {
  sort: TraceSearchSort;
  order: SortOrder;
  /** The sort key of the last span read: start in epoch ns, or duration in ns (decimal text). */
  key: string;
  traceId: string;
  spanId: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.order, c.key, c.traceId, c.spanId])).toString('base64url');
}

function decodeCursor(text: string, sort: TraceSearchSort, order: SortOrder): Cursor {
  const bad = (why: string) => new QueryValidationError('cursor', why);
  if (typeof text !== 'string' || text.length > 1024) throw bad('is not a cursor of this search');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad('is not a cursor of this search');
  }
  if (!Array.isArray(v) || v.length !== 5 || !v.every((x) => typeof x === 'string')) throw bad('is not a cursor of this search');
  const [s, o, key, traceId, spanId] = v as string[];
  if (s !== sort || o !== order) throw bad('belongs to another sort order; start from the first page');
  // The key binds as Int64 (start) or UInt64 (duration): it must fit, or the query would fail.
  const max = sort === 'start' ? 2n ** 63n - 1n : BigInt(MAX_SPAN_DURATION_MS) * 1_000_000n;
  const min = sort === 'start' ? -(2n ** 63n) : 0n;
  if (!/^-?\d{1,20}$/.test(key) || BigInt(key) < min || BigInt(key) > max) throw bad('is not a cursor of this search');
  if (traceId.length > 128 || spanId.length > 128) throw bad('is not a cursor of this search');
  return { sort, order, key, traceId, spanId };
}
