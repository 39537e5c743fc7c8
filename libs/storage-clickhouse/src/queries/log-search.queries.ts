import type { ClickHouseClients } from '../clients';
import { QueryValidationError } from '../errors';
import {
  checkLimit,
  checkName,
  checkTenant,
  checkWindow,
  isoFromClickHouse,
  MAX_NAME_LENGTH,
  msInWindow,
  optionalEquals,
  select,
  selectCompact,
  type Params,
  type TimeWindow,
} from './sql';

/** Bounds of log reads; outside them a query is refused with a QueryValidationError. */
export const LOG_QUERY_LIMITS = {
  maxWindowMs: 24 * 3600_000,
  defaultLimit: 1_000,
  /** Longest search text, and most terms in it (each term is one LIKE over the body). */
  maxTextLength: 500,
  maxTerms: 8,
  /** The histogram has about this many buckets whatever the window. */
  histogramBuckets: 60,
} as const;

/**
 * Severity levels of the histogram, in OTLP order: severity numbers 1–4 are TRACE, 5–8 DEBUG,
 * 9–12 INFO, 13–16 WARN, 17–20 ERROR, 21–24 FATAL, 0 unspecified.
 */
export const LOG_LEVELS = ['unspecified', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogsQuery extends TimeWindow {
  /**
   * Text the body must contain, case-insensitive: whitespace-separated terms ("quoted phrases"
   * stay one term), every term required.
   */
  text?: string;
  traceId?: string;
  service?: string;
  minSeverity?: number;
  /** `key=value`: the record's or its resource's attribute `key` equals `value`. */
  attribute?: string;
  limit?: number;
}

export interface StoredLog {
  time: string;
  unixNanos: string;
  traceId: string;
  spanId: string;
  severityNumber: number;
  severityText: string;
  service: string;
  hostName: string;
  body: string;
  attributes: Record<string, string>;
  resourceAttributes: Record<string, string>;
  scopeName: string;
  eventName: string;
}

/** Counts per severity level (LOG_LEVELS order) in buckets of `stepSeconds`; empty buckets are absent. */
export interface LogHistogram {
  stepSeconds: number;
  levels: readonly LogLevel[];
  buckets: Array<{ t: number; counts: number[] }>;
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
/** Bucket widths the histogram picks from (seconds): the smallest giving at most ~histogramBuckets buckets. */
const STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Logs explorer reads: search (newest first; a live tail polls it) and the severity histogram.
 * Body text is matched as `lowerUTF8(body) LIKE '%term%'`, which the ngrambf_v1 index on
 * lowerUTF8(body) (migration 8) answers by skipping granules that lack the term's trigrams;
 * terms shorter than 3 characters cannot use it and only the window bounds the scan.
 */
export class LogSearchQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /** Log records matching every filter, newest first. */
  async search(regionId: string, tenantId: string, q: LogsQuery): Promise<StoredLog[]> {
    const where = logsWhere(tenantId, q);
    const store = this.clients.forRegion(regionId);
    const rows = await select<Record<string, unknown>>(
      store,
      `SELECT toString(ts) AS time, toString(toUnixTimestamp64Nano(ts)) AS unix_nanos, trace_id, span_id, severity_number, severity_text,
        service, host_name, body, attributes, resource_attributes, scope_name, event_name
      FROM ${store.table('logs')}
      WHERE ${where.sql}
      ORDER BY ts DESC
      LIMIT {limit:UInt32}`,
      { ...where.params, limit: checkLimit(q.limit, LOG_QUERY_LIMITS.defaultLimit) },
    );
    return rows.map((r) => ({
      time: isoFromClickHouse(r.time as string),
      unixNanos: String(r.unix_nanos),
      traceId: String(r.trace_id),
      spanId: String(r.span_id),
      severityNumber: Number(r.severity_number),
      severityText: String(r.severity_text),
      service: String(r.service),
      hostName: String(r.host_name),
      body: String(r.body),
      attributes: r.attributes as Record<string, string>,
      resourceAttributes: r.resource_attributes as Record<string, string>,
      scopeName: String(r.scope_name),
      eventName: String(r.event_name),
    }));
  }

  /** Counts of the matching records per time bucket and severity level (the same filters as search). */
  async histogram(regionId: string, tenantId: string, q: Omit<LogsQuery, 'limit'>): Promise<LogHistogram> {
    const where = logsWhere(tenantId, q);
    const windowS = (q.to.getTime() - q.from.getTime()) / 1000;
    const step = STEPS.find((s) => windowS / s <= LOG_QUERY_LIMITS.histogramBuckets) ?? STEPS[STEPS.length - 1];
    const store = this.clients.forRegion(regionId);
    const rows = await selectCompact<[number, number, number]>(
      store,
      `SELECT toUInt32(toStartOfInterval(ts, toIntervalSecond({step:UInt32}), 'UTC')) AS t,
        toUInt8(if(severity_number = 0, 0, least(intDiv(severity_number - 1, 4) + 1, 6))) AS level, toUInt32(count()) AS n
      FROM ${store.table('logs')}
      WHERE ${where.sql}
      GROUP BY t, level
      ORDER BY t, level`,
      { ...where.params, step },
    );
    const buckets: LogHistogram['buckets'] = [];
    for (const [t, level, n] of rows) {
      let last = buckets[buckets.length - 1];
      if (!last || last.t !== t * 1000) buckets.push((last = { t: t * 1000, counts: LOG_LEVELS.map(() => 0) }));
      last.counts[level] = n;
    }
    return { stepSeconds: step, levels: LOG_LEVELS, buckets };
  }
}

/** The WHERE clause of a logs query: tenant first (leading sort key), then the window and every given filter. */
function logsWhere(tenantId: string, q: LogsQuery): { sql: string; params: Params } {
  const tenant = checkTenant(tenantId);
  const { fromMs, toMs } = checkWindow(q, LOG_QUERY_LIMITS.maxWindowMs);
  if (q.traceId !== undefined && !TRACE_ID_RE.test(q.traceId)) throw new QueryValidationError('traceId', 'must be 32 lowercase hexadecimal characters');
  if (q.minSeverity !== undefined && !(Number.isInteger(q.minSeverity) && q.minSeverity >= 0 && q.minSeverity <= 24)) {
    throw new QueryValidationError('minSeverity', 'must be an integer 0–24 (OTLP severity number)');
  }
  const eq = optionalEquals({ service: ['service', q.service], trace_id: ['traceId', q.traceId] });
  let sql = `tenant_id = {tenant:String}${eq.sql}
        AND ${msInWindow('ts')}`;
  const params: Params = { tenant, ...eq.params, from_ms: fromMs, to_ms: toMs };
  if (q.minSeverity) {
    sql += ' AND severity_number >= {min_severity:UInt8}';
    params.min_severity = q.minSeverity;
  }
  textTerms(q.text).forEach((term, i) => {
    sql += ` AND lowerUTF8(body) LIKE {term_${i}:String}`;
    params[`term_${i}`] = `%${escapeLike(term.toLowerCase())}%`;
  });
  if (q.attribute !== undefined) {
    const { key, value } = parseAttribute(q.attribute);
    sql += ' AND (attributes[{attr_key:String}] = {attr_value:String} OR resource_attributes[{attr_key:String}] = {attr_value:String})';
    params.attr_key = key;
    params.attr_value = value;
  }
  return { sql, params };
}

/** Whitespace-separated terms of a search text; a "quoted phrase" is one term. */
export function textTerms(text: string | undefined): string[] {
  if (text === undefined) return [];
  if (typeof text !== 'string' || text.length > LOG_QUERY_LIMITS.maxTextLength) {
    throw new QueryValidationError('q', `must be a text of at most ${LOG_QUERY_LIMITS.maxTextLength} characters`);
  }
  const terms = [...text.matchAll(/"([^"]+)"|(\S+)/g)].map((m) => (m[1] ?? m[2]).trim()).filter((t) => t.length > 0);
  if (terms.length > LOG_QUERY_LIMITS.maxTerms) throw new QueryValidationError('q', `must have at most ${LOG_QUERY_LIMITS.maxTerms} terms`);
  return terms;
}

/** `key=value` → its parts; the key must be non-empty (the value may be). */
function parseAttribute(attribute: string): { key: string; value: string } {
  const at = typeof attribute === 'string' ? attribute.indexOf('=') : -1;
  if (at < 1 || attribute.length > MAX_NAME_LENGTH) {
    throw new QueryValidationError('attr', `must be key=value with a non-empty key, at most ${MAX_NAME_LENGTH} characters`);
  }
  return { key: checkName('attr', attribute.slice(0, at)), value: attribute.slice(at + 1) };
}

/** LIKE's wildcards and its escape character, matched literally. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
