/**
 * SQL statistics: per endpoint (sql_stats_1m and DB spans), per statement, per transaction, and
 * N+1 detection.
 *
 * N+1 is detected at QUERY time, per trace, on the spans table: a transaction's spans reach
 * intake in several SDK batches (and, distributed, several ingesters), so no ingest-time step
 * sees a whole trace; the threshold is the reader's choice, not fixed when data is written;
 * and it needs no extra table. The cost is bounded by the window (DB spans of one tenant in at
 * most DB_QUERY_LIMITS.spansMaxWindowMs).
 *
 * Every query is scoped to one tenant, parameterized, and runs in the tenant's region only.
 */
import type { ClickHouseClients, RegionStore } from '../clients';
import { QueryValidationError } from '../errors';
import {
  checkLimit,
  checkName,
  checkTenant,
  checkWindow,
  MINUTES_IN_WINDOW,
  msInWindow,
  optionalEquals,
  rollupWindow,
  select,
  type Params,
  type TimeWindow,
} from './sql';

export const DB_QUERY_LIMITS = {
  /** Rollup reads (sql_stats_1m, metric_rollup_1m). */
  rollupMaxWindowMs: 7 * 86400_000,
  /** Reads of DB spans per trace (transactions, N+1). */
  spansMaxWindowMs: 6 * 3600_000,
  /** Instance health/detail reads of metric points. */
  metricsMaxWindowMs: 24 * 3600_000,
  defaultLimit: 100,
  defaultNPlusOneThreshold: 10,
  maxNPlusOneThreshold: 100_000,
  /** Traces with no DB span linked to their transaction, looked up per read (endpoint statistics). */
  unlinkedTraces: 10_000,
} as const;

/** Per-endpoint figures from DB spans counted per trace; nanoseconds as numbers. */
interface PerTransaction {
  service: string;
  endpoint: string;
  traces: number;
  calls: number;
  sumNs: number;
  errors: number;
  statements: number;
  maxQueries: number;
  maxNs: number;
}

export interface SqlQuery extends TimeWindow {
  service?: string;
  endpoint?: string;
}

export interface SqlEndpointStats {
  service: string;
  endpoint: string;
  /** Transactions (entry spans) of the endpoint in the window. */
  transactions: number;
  dbCalls: number;
  errors: number;
  /** Distinct statements (fingerprints). */
  statements: number;
  queriesPerTxnAvg: number;
  /** Most queries one transaction ran (from the DB spans of the window). */
  queriesPerTxnMax: number;
  dbTimePerTxnMs: number;
  dbTimePerTxnMaxMs: number;
}

export const STATEMENT_SORTS = ['calls', 'totalTime', 'p95', 'errors', 'perTxn'] as const;
export type StatementSort = (typeof STATEMENT_SORTS)[number];

export interface StatementsQuery extends SqlQuery {
  sort?: StatementSort;
  limit?: number;
  /** db_instance (host:port) filter. */
  instance?: string;
}

export interface SqlStatementStats {
  fingerprint: string;
  /** Stable id of the fingerprint (cityHash64, decimal). */
  fingerprintHash: string;
  dbSystem: string;
  operation: string;
  instances: string[];
  calls: number;
  errors: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Transactions (traces) that ran it. */
  transactions: number;
  /** calls / transactions: ≥ the N+1 threshold means the statement runs in a loop. */
  callsPerTxn: number;
}

export const TRANSACTION_SORTS = ['queries', 'dbTime', 'maxRepeat'] as const;
export type TransactionSort = (typeof TRANSACTION_SORTS)[number];

export interface SqlTransactionsQuery extends SqlQuery {
  sort?: TransactionSort;
  limit?: number;
}

export interface SqlTransaction {
  traceId: string;
  service: string;
  endpoint: string;
  /** Start of the transaction (its entry span; else its first query), ISO 8601. */
  startTime: string;
  /** Duration of the entry span; null when it was not found in the window. */
  durationMs: number | null;
  isError: boolean;
  queries: number;
  dbTimeMs: number;
  errors: number;
  statements: number;
  /** Most executions of one statement in this transaction, and that statement. */
  maxRepeat: number;
  topStatement: string;
}

export interface NPlusOneQuery extends SqlQuery {
  /** Flag a statement run this many times or more in one trace (default 10). */
  threshold?: number;
  limit?: number;
}

export interface NPlusOneFinding {
  service: string;
  endpoint: string;
  fingerprint: string;
  dbSystem: string;
  /** Transactions in which the statement repeated ≥ threshold times. */
  transactions: number;
  maxRepeat: number;
  avgRepeat: number;
  /** DB time of those repeats, summed over the transactions. */
  totalMs: number;
  exampleTraceId: string;
  /** The threshold the finding was made with. */
  threshold: number;
}

export class SqlStatisticsQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /**
   * Per service/endpoint: queries and DB time per transaction, distinct statements, errors.
   * The rollup counts only DB spans linked to their transaction at intake; DB spans exported in
   * another SDK batch than their entry span are linked per trace from the spans table (the most
   * recent DB_QUERY_LIMITS.spansMaxWindowMs of the window). Both are lower bounds of the true
   * figures, so each figure is the larger of the two.
   */
  async sqlEndpoints(regionId: string, tenantId: string, q: SqlQuery): Promise<SqlEndpointStats[]> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = rollupWindow(q, DB_QUERY_LIMITS.rollupMaxWindowMs);
    const txnFilter = optionalEquals({ txn_service: ['service', q.service], txn_endpoint: ['endpoint', q.endpoint] });
    const redFilter = optionalEquals({ service: ['service', q.service], endpoint: ['endpoint', q.endpoint] });
    const store = this.clients.forRegion(regionId);
    const params = { tenant, from_s: fromS, to_s: toS };
    const [stats, red, perTxn] = await Promise.all([
      select<{ service: string; endpoint: string; calls: string; errors: string; sum_ns: string; statements: string }>(
        store,
        `SELECT txn_service AS service, txn_endpoint AS endpoint, sum(calls) AS calls, sum(errors) AS errors,
          sum(duration_sum_ns) AS sum_ns, uniqExact(db_fingerprint_hash) AS statements
        FROM ${store.table('sql_stats_1m')}
        WHERE tenant_id = {tenant:String} AND txn_service != ''${txnFilter.sql}
          AND ${MINUTES_IN_WINDOW}
        GROUP BY service, endpoint`,
        { ...params, ...txnFilter.params },
      ),
      select<{ service: string; endpoint: string; count: string }>(
        store,
        `SELECT service, endpoint, sum(count) AS count
        FROM ${store.table('service_red_1m')}
        WHERE tenant_id = {tenant:String}${redFilter.sql}
          AND ${MINUTES_IN_WINDOW}
        GROUP BY service, endpoint`,
        { ...params, ...redFilter.params },
      ),
      this.perTransaction(store, tenant, q),
    ]);
    const key = (s: string, e: string) => `${s}\n${e}`;
    const txns = new Map(red.map((r) => [key(r.service, r.endpoint), Number(r.count)]));
    const rollup = new Map(stats.map((r) => [key(r.service, r.endpoint), r]));
    const endpoints = new Map([...stats, ...perTxn.values()].map((e) => [key(e.service, e.endpoint), { service: e.service, endpoint: e.endpoint }]));
    return [...endpoints]
      .map(([k, { service, endpoint }]) => {
        const r = rollup.get(k);
        const m = perTxn.get(k);
        const calls = Math.max(Number(r?.calls ?? 0), m?.calls ?? 0);
        const sumMs = Math.max(Number(r?.sum_ns ?? 0), m?.sumNs ?? 0) / 1e6;
        // A transaction whose entry span is not in the rollup window still ran these queries.
        const transactions = Math.max(txns.get(k) ?? 0, m?.traces ?? 0, 1);
        return {
          service,
          endpoint,
          transactions,
          dbCalls: calls,
          errors: Math.max(Number(r?.errors ?? 0), m?.errors ?? 0),
          statements: Math.max(Number(r?.statements ?? 0), m?.statements ?? 0),
          queriesPerTxnAvg: calls / transactions,
          queriesPerTxnMax: m?.maxQueries ?? 0,
          dbTimePerTxnMs: sumMs / transactions,
          dbTimePerTxnMaxMs: (m?.maxNs ?? 0) / 1e6,
        };
      })
      .sort(
        (a, b) =>
          b.queriesPerTxnAvg - a.queriesPerTxnAvg || b.dbCalls - a.dbCalls || a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint),
      );
  }

  /**
   * The spans part of sqlStatements: DB spans ending in [fromMs, toMs) of the service, and of the
   * traces whose endpoint is the one asked for: linked to it by any of their DB spans, or with none
   * linked and an entry span of that endpoint (at most DB_QUERY_LIMITS.unlinkedTraces looked up).
   */
  private async statementSpans(store: RegionStore, tenant: string, q: StatementsQuery, fromMs: number, toMs: number): Promise<{ sql: string; params: Params }> {
    const filter = optionalEquals({ service: ['service', q.service], db_instance: ['instance', q.instance] });
    const where = `tenant_id = {tenant:String} AND db_fingerprint != ''${filter.sql}
          AND end_ts >= fromUnixTimestamp64Milli({split_ms:Int64}) AND end_ts < fromUnixTimestamp64Milli({to_ms:Int64})`;
    const params: Params = { ...filter.params, split_ms: fromMs, to_ms: toMs };
    let traces = '';
    if (q.endpoint !== undefined) {
      const unlinked = await select<{ trace_id: string; service: string }>(
        store,
        `SELECT trace_id, service FROM ${store.table('spans')}
        WHERE ${where}
        GROUP BY trace_id, service
        HAVING countIf(txn_endpoint != '') = 0
        LIMIT {limit:UInt32}`,
        { tenant, ...params, limit: DB_QUERY_LIMITS.unlinkedTraces },
      );
      const entries = await this.entrySpans(store, tenant, { from: new Date(fromMs), to: new Date(toMs) }, unlinked);
      // Keyed as entrySpans keys its answer (a trace id holds no newline, so the key is unambiguous).
      const cut = unlinked.map((r) => `${r.trace_id}\n${r.service}`).filter((k) => entries.get(k)?.endpoint === q.endpoint);
      traces = `
          AND ((service, trace_id) IN (
              SELECT service, trace_id FROM ${store.table('spans')}
              WHERE ${where}
              GROUP BY service, trace_id
              HAVING anyIf(txn_endpoint, txn_endpoint != '') = {endpoint:String})
            OR concat(trace_id, '\\n', toString(service)) IN {cut:Array(String)})`;
      Object.assign(params, { endpoint: checkName('endpoint', q.endpoint), cut });
    }
    return {
      sql: `SELECT db_fingerprint_hash AS h, any(toString(db_fingerprint)) AS fp, any(toString(db_system)) AS sys, any(toString(db_operation)) AS op,
          groupUniqArray(20)(toString(db_instance)) AS insts, count() AS n, sum(is_error) AS errs, sum(duration_ns) AS ns,
          max(duration_ns) AS max_ns, quantileTDigestState(duration_ns) AS dq, uniqState(trace_id) AS tr
        FROM ${store.table('spans')}
        WHERE ${where}${traces}
        GROUP BY h`,
      params,
    };
  }

  /**
   * Per service/endpoint, from the DB spans of the most recent DB_QUERY_LIMITS.spansMaxWindowMs of
   * the window, counted per trace. A trace's DB spans take the endpoint any of them was linked to;
   * a trace none of whose DB spans was linked takes its entry span's (at most
   * DB_QUERY_LIMITS.unlinkedTraces such traces are looked up).
   */
  private async perTransaction(store: RegionStore, tenant: string, q: SqlQuery): Promise<Map<string, PerTransaction>> {
    const from = new Date(Math.max(q.from.getTime(), q.to.getTime() - DB_QUERY_LIMITS.spansMaxWindowMs));
    const where = dbSpansWhere(tenant, { ...q, from, endpoint: undefined });
    // Linked traces fold into one row per endpoint; unlinked ones stay one row per trace.
    const rows = await select<{
      service: string;
      endpoint: string;
      unlinked_trace: string;
      max_q: string;
      max_ns: string;
      traces: string;
      calls: string;
      sum_ns: string;
      errors: string;
      statements: string;
    }>(
      store,
      `SELECT service, endpoint, if(endpoint = '', trace, '') AS unlinked_trace, max(n) AS max_q, max(db_ns) AS max_ns, count() AS traces,
        sum(n) AS calls, sum(db_ns) AS sum_ns, sum(errs) AS errors, length(groupUniqArrayArray(hashes)) AS statements
      FROM (
        SELECT trace_id AS trace, service, anyIf(txn_endpoint, txn_endpoint != '') AS endpoint, count() AS n, sum(duration_ns) AS db_ns,
          sum(is_error) AS errs, groupUniqArray(db_fingerprint_hash) AS hashes
        FROM ${store.table('spans')}
        WHERE ${where.sql}
        GROUP BY trace_id, service
      )
      GROUP BY service, endpoint, unlinked_trace
      ORDER BY unlinked_trace
      LIMIT {limit:UInt32}`,
      { ...where.params, limit: DB_QUERY_LIMITS.unlinkedTraces },
    );
    const unlinked = rows.filter((r) => r.unlinked_trace !== '').map((r) => ({ trace_id: r.unlinked_trace, service: r.service }));
    const entries = await this.entrySpans(store, tenant, { from, to: q.to }, unlinked);
    const out = new Map<string, PerTransaction>();
    for (const r of rows) {
      const endpoint = r.endpoint || entries.get(`${r.unlinked_trace}\n${r.service}`)?.endpoint || '';
      if (endpoint === '' || (q.endpoint !== undefined && endpoint !== q.endpoint)) continue;
      const k = `${r.service}\n${endpoint}`;
      const m = out.get(k) ?? { service: r.service, endpoint, traces: 0, calls: 0, sumNs: 0, errors: 0, statements: 0, maxQueries: 0, maxNs: 0 };
      m.traces += Number(r.traces);
      m.calls += Number(r.calls);
      m.sumNs += Number(r.sum_ns);
      m.errors += Number(r.errors);
      // Distinct statements are not additive across rows: the largest row is a lower bound.
      m.statements = Math.max(m.statements, Number(r.statements));
      m.maxQueries = Math.max(m.maxQueries, Number(r.max_q));
      m.maxNs = Math.max(m.maxNs, Number(r.max_ns));
      out.set(k, m);
    }
    return out;
  }

  /**
   * Statements (normalized) ranked by calls, total time, p95, errors or calls per transaction.
   * Filtered by service or endpoint, the most recent DB_QUERY_LIMITS.spansMaxWindowMs of the window
   * are read from the DB spans per trace (the rollup knows the endpoint only of DB spans linked to
   * their transaction at intake, see sqlEndpoints), the minutes before from the rollup.
   */
  async sqlStatements(regionId: string, tenantId: string, q: StatementsQuery): Promise<SqlStatementStats[]> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = rollupWindow(q, DB_QUERY_LIMITS.rollupMaxWindowMs);
    const sort = q.sort ?? 'totalTime';
    if (!STATEMENT_SORTS.includes(sort)) throw new QueryValidationError('sort', `must be one of ${STATEMENT_SORTS.join(', ')}`);
    const filter = optionalEquals({ txn_service: ['service', q.service], txn_endpoint: ['endpoint', q.endpoint], db_instance: ['instance', q.instance] });
    const store = this.clients.forRegion(regionId);
    const bySpans = q.service !== undefined || q.endpoint !== undefined;
    const splitS = bySpans ? Math.max(fromS, Math.ceil((toS * 1000 - DB_QUERY_LIMITS.spansMaxWindowMs) / 60_000) * 60) : toS;
    const spans = bySpans ? await this.statementSpans(store, tenant, q, splitS * 1000, toS * 1000) : undefined;
    const orderBy: Record<StatementSort, string> = {
      calls: 'calls',
      totalTime: 'sum_ns',
      p95: 'q[2]',
      errors: 'errors',
      perTxn: 'calls / greatest(traces, 1)',
    };
    // Both parts aggregate per statement into the same states; the outer query merges them.
    const rows = await select<{
      hash: string;
      fingerprint: string;
      db_system: string;
      operation: string;
      instances: string[];
      calls: string;
      errors: string;
      sum_ns: string;
      max_ns: string;
      q: number[];
      traces: string;
    }>(
      store,
      `SELECT toString(h) AS hash, any(fp) AS fingerprint, any(sys) AS db_system, any(op) AS operation,
        arraySort(groupUniqArrayArray(20)(insts)) AS instances,
        sum(n) AS calls, sum(errs) AS errors, sum(ns) AS sum_ns, max(max_ns) AS max_ns,
        quantilesTDigestMerge(0.5, 0.95, 0.99)(dq) AS q, uniqMerge(tr) AS traces
      FROM (
        SELECT db_fingerprint_hash AS h, any(db_fingerprint) AS fp, any(toString(db_system)) AS sys, any(db_operation) AS op,
          groupUniqArray(20)(toString(db_instance)) AS insts, sum(calls) AS n, sum(errors) AS errs, sum(duration_sum_ns) AS ns,
          max(duration_max_ns) AS max_ns, quantileTDigestMergeState(duration_q) AS dq, uniqMergeState(traces) AS tr
        FROM ${store.table('sql_stats_1m')}
        WHERE tenant_id = {tenant:String}${filter.sql}
          AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({split_s:UInt32})
        GROUP BY h${spans ? `\n        UNION ALL\n        ${spans.sql}` : ''}
      )
      GROUP BY h
      ORDER BY ${orderBy[sort]} DESC, hash
      LIMIT {limit:UInt32}`,
      { tenant, ...filter.params, ...spans?.params, from_s: fromS, split_s: splitS, limit: checkLimit(q.limit, DB_QUERY_LIMITS.defaultLimit) },
    );
    return rows.map((r) => {
      const calls = Number(r.calls);
      const transactions = Number(r.traces);
      const [p50, p95, p99] = r.q.map((v) => Number(v) / 1e6);
      return {
        fingerprint: r.fingerprint,
        fingerprintHash: r.hash,
        dbSystem: r.db_system,
        operation: r.operation,
        instances: r.instances.filter(Boolean),
        calls,
        errors: Number(r.errors),
        totalMs: Number(r.sum_ns) / 1e6,
        avgMs: calls ? Number(r.sum_ns) / calls / 1e6 : 0,
        maxMs: Number(r.max_ns) / 1e6,
        p50Ms: p50,
        p95Ms: p95,
        p99Ms: p99,
        transactions,
        callsPerTxn: transactions ? calls / transactions : calls,
      };
    });
  }

  /** Transactions that ran SQL, most queries first (or most DB time / most repeats of one statement). */
  async sqlTransactions(regionId: string, tenantId: string, q: SqlTransactionsQuery): Promise<SqlTransaction[]> {
    const tenant = checkTenant(tenantId);
    const sort = q.sort ?? 'queries';
    if (!TRANSACTION_SORTS.includes(sort)) throw new QueryValidationError('sort', `must be one of ${TRANSACTION_SORTS.join(', ')}`);
    const limit = checkLimit(q.limit, DB_QUERY_LIMITS.defaultLimit);
    const where = dbSpansWhere(tenant, { ...q, endpoint: undefined });
    const endpointFilter = q.endpoint === undefined ? '' : ' HAVING endpoint = {endpoint:String}';
    const orderBy: Record<TransactionSort, string> = { queries: 'queries', dbTime: 'db_ns', maxRepeat: 'max_repeat' };
    const store = this.clients.forRegion(regionId);
    const rows = await select<{
      trace_id: string;
      service: string;
      endpoint: string;
      queries: string;
      db_ns: string;
      errors: string;
      statements: string;
      max_repeat: string;
      top_statement: string;
      start_ms: string;
    }>(
      store,
      `SELECT trace_id, service, anyIf(ep, ep != '') AS endpoint, sum(n) AS queries, sum(db_ns) AS db_ns, sum(errs) AS errors,
        count() AS statements, max(n) AS max_repeat, argMax(fingerprint, n) AS top_statement, toString(min(start_ms)) AS start_ms
      FROM (
        SELECT trace_id, service, db_fingerprint_hash, any(db_fingerprint) AS fingerprint, anyIf(txn_endpoint, txn_endpoint != '') AS ep,
          count() AS n, sum(duration_ns) AS db_ns, sum(is_error) AS errs, min(toUnixTimestamp64Milli(ts)) AS start_ms
        FROM ${store.table('spans')}
        WHERE ${where.sql}
        GROUP BY trace_id, service, db_fingerprint_hash
      )
      GROUP BY trace_id, service${endpointFilter}
      ORDER BY ${orderBy[sort]} DESC, trace_id
      LIMIT {limit:UInt32}`,
      { ...where.params, ...(q.endpoint === undefined ? {} : { endpoint: checkName('endpoint', q.endpoint) }), limit },
    );
    const entries = await this.entrySpans(store, tenant, q, rows);
    return rows.map((r) => {
      const entry = entries.get(`${r.trace_id}\n${r.service}`);
      return {
        traceId: r.trace_id,
        service: r.service,
        endpoint: r.endpoint || entry?.endpoint || '',
        startTime: new Date(entry ? entry.startMs : Number(r.start_ms)).toISOString(),
        durationMs: entry ? entry.durationMs : null,
        isError: entry?.isError ?? false,
        queries: Number(r.queries),
        dbTimeMs: Number(r.db_ns) / 1e6,
        errors: Number(r.errors),
        statements: Number(r.statements),
        maxRepeat: Number(r.max_repeat),
        topStatement: r.top_statement,
      };
    });
  }

  /** Statements repeated ≥ threshold times in one trace, grouped by endpoint and statement. */
  async nPlusOne(regionId: string, tenantId: string, q: NPlusOneQuery): Promise<NPlusOneFinding[]> {
    const tenant = checkTenant(tenantId);
    const threshold = q.threshold ?? DB_QUERY_LIMITS.defaultNPlusOneThreshold;
    if (!Number.isInteger(threshold) || threshold < 2 || threshold > DB_QUERY_LIMITS.maxNPlusOneThreshold) {
      throw new QueryValidationError('threshold', `must be an integer 2–${DB_QUERY_LIMITS.maxNPlusOneThreshold}`);
    }
    const where = dbSpansWhere(tenant, { ...q, endpoint: undefined });
    const store = this.clients.forRegion(regionId);
    const repeats = await select<{
      trace_id: string;
      service: string;
      hash: string;
      fingerprint: string;
      db_system: string;
      ep: string;
      n: string;
      db_ns: string;
    }>(
      store,
      `SELECT trace_id, service, toString(db_fingerprint_hash) AS hash, any(db_fingerprint) AS fingerprint, any(db_system) AS db_system,
        anyIf(txn_endpoint, txn_endpoint != '') AS ep, count() AS n, sum(duration_ns) AS db_ns
      FROM ${store.table('spans')}
      WHERE ${where.sql}
      GROUP BY trace_id, service, db_fingerprint_hash
      HAVING n >= {threshold:UInt32}
      ORDER BY n DESC, trace_id
      LIMIT 10000`,
      { ...where.params, threshold },
    );
    // DB spans exported apart from their entry span have no transaction endpoint: take it from the trace.
    const unlinked = repeats.filter((r) => r.ep === '');
    const entries = await this.entrySpans(store, tenant, q, unlinked);
    const groups = new Map<string, NPlusOneFinding & { sumRepeat: number }>();
    for (const r of repeats) {
      const endpoint = r.ep || entries.get(`${r.trace_id}\n${r.service}`)?.endpoint || '';
      if (q.endpoint !== undefined && endpoint !== q.endpoint) continue;
      const key = `${r.service}\n${endpoint}\n${r.hash}`;
      const n = Number(r.n);
      let g = groups.get(key);
      if (!g) {
        g = {
          service: r.service,
          endpoint,
          fingerprint: r.fingerprint,
          dbSystem: r.db_system,
          transactions: 0,
          maxRepeat: 0,
          avgRepeat: 0,
          totalMs: 0,
          exampleTraceId: r.trace_id,
          threshold,
          sumRepeat: 0,
        };
        groups.set(key, g);
      }
      g.transactions++;
      g.sumRepeat += n;
      g.totalMs += Number(r.db_ns) / 1e6;
      if (n > g.maxRepeat) {
        g.maxRepeat = n;
        g.exampleTraceId = r.trace_id;
      }
    }
    const limit = checkLimit(q.limit, DB_QUERY_LIMITS.defaultLimit);
    return [...groups.values()]
      .map(({ sumRepeat, ...g }) => ({ ...g, avgRepeat: sumRepeat / g.transactions }))
      .sort(
        (a, b) => b.maxRepeat - a.maxRepeat || b.transactions - a.transactions || a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint),
      )
      .slice(0, limit);
  }

  /** Entry spans (service's own, outermost) of the given traces: endpoint, start, duration. */
  private async entrySpans(
    store: RegionStore,
    tenant: string,
    q: TimeWindow,
    of: ReadonlyArray<{ trace_id: string; service: string }>,
  ): Promise<Map<string, { endpoint: string; startMs: number; durationMs: number; isError: boolean }>> {
    const out = new Map<string, { endpoint: string; startMs: number; durationMs: number; isError: boolean }>();
    if (of.length === 0) return out;
    const rows = await select<{ trace_id: string; service: string; endpoint: string; start_ms: string; duration_ns: string; is_error: number }>(
      store,
      `SELECT trace_id, service, argMin(endpoint, ts) AS endpoint, toString(min(toUnixTimestamp64Milli(ts))) AS start_ms,
        argMin(duration_ns, ts) AS duration_ns, argMin(is_error, ts) AS is_error
      FROM ${store.table('spans')}
      WHERE tenant_id = {tenant:String} AND is_entry = 1 AND trace_id IN {ids:Array(String)} AND service IN {services:Array(String)}
        AND ${msInWindow('ts')}
      GROUP BY trace_id, service`,
      {
        tenant,
        ids: [...new Set(of.map((r) => r.trace_id))],
        services: [...new Set(of.map((r) => r.service))],
        // An entry span starts before its queries: look back a little before the window.
        from_ms: q.from.getTime() - 10 * 60_000,
        to_ms: q.to.getTime(),
      },
    );
    for (const r of rows) {
      out.set(`${r.trace_id}\n${r.service}`, {
        endpoint: r.endpoint,
        startMs: Number(r.start_ms),
        durationMs: Number(r.duration_ns) / 1e6,
        isError: Number(r.is_error) === 1,
      });
    }
    return out;
  }
}

/** WHERE for the DB spans (statements with a fingerprint) of a tenant in a window. */
function dbSpansWhere(tenant: string, q: SqlQuery): { sql: string; params: Params } {
  const { fromMs, toMs } = checkWindow(q, DB_QUERY_LIMITS.spansMaxWindowMs);
  const filter = optionalEquals({ service: ['service', q.service], txn_endpoint: ['endpoint', q.endpoint] });
  return {
    sql: `tenant_id = {tenant:String}${filter.sql} AND db_fingerprint != ''
        AND ${msInWindow('ts')}`,
    params: { tenant, ...filter.params, from_ms: fromMs, to_ms: toMs },
  };
}
