/**
 * Database monitoring reads: SQL statistics per endpoint (sql_stats_1m and DB spans), N+1
 * detection, and database instances (collector / OpenTelemetry Collector receiver metrics in
 * metric_points, joined with what client spans saw of the same instance).
 *
 * N+1 is detected at QUERY time, per trace, on the spans table: a transaction's spans reach
 * intake in several SDK batches (and, distributed, several ingesters), so no ingest-time step
 * sees a whole trace; the threshold is the reader's choice, not fixed when data is written;
 * and it needs no extra table. The cost is bounded by the window (DB spans of one tenant in at
 * most QUERY_LIMITS-style 6 hours).
 *
 * Every query is scoped to one tenant, parameterized, and runs in the tenant's region only.
 */
import { DB_METRICS, type DbSession, ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from './clients';
import { QueryValidationError } from './errors';
import { checkLimit, checkTenant, checkWindow, optionalEquals, select, type TimeWindow } from './telemetry-queries';

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
} as const;

/** Metric names the instance views read, from Meridian's collector and the Collector receivers. */
const M = {
  ...DB_METRICS,
  pgBackends: 'postgresql.backends',
  pgConnectionMax: 'postgresql.connection.max',
  pgCommits: 'postgresql.commits',
  pgRollbacks: 'postgresql.rollbacks',
  mysqlThreads: 'mysql.threads',
  mysqlQueries: 'mysql.query.count',
  mysqlQuestions: 'mysql.query.client.count',
} as const;

const HEALTH_METRICS = [M.up, M.sessions, M.connections, M.connectionsMax, M.lockWaits, M.pgBackends, M.pgConnectionMax, M.mysqlThreads];
/** Cumulative server counters whose per-second rate is the server-side throughput. */
const THROUGHPUT_COUNTERS = [M.pgCommits, M.pgRollbacks, M.mysqlQueries, M.mysqlQuestions];

/**
 * The instance a point describes, as host:port where possible so it matches the
 * server.address:server.port that client spans carry (db_instance): Meridian's collector and the
 * receivers set server.address/port; older mysql receivers only mysql.instance.endpoint; then
 * service.instance.id, then the host.
 */
const instanceExpr = (r: string) => `multiIf(
    ${r}['server.address'] != '', concat(${r}['server.address'], if(${r}['server.port'] != '', concat(':', ${r}['server.port']), '')),
    ${r}['mysql.instance.endpoint'] != '', ${r}['mysql.instance.endpoint'],
    ${r}['service.instance.id'] != '', ${r}['service.instance.id'],
    ${r}['host.name'])`;
const systemExpr = (r: string) => `multiIf(
    ${r}['db.system.name'] != '', ${r}['db.system.name'],
    ${r}['db.system'] != '', ${r}['db.system'],
    startsWith(metric_name, 'postgresql.'), 'postgresql',
    startsWith(metric_name, 'mysql.'), 'mysql',
    '')`;

type Params = Record<string, unknown>;

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

export interface DbInstanceHealth {
  /** host:port (or the receiver's instance id). */
  instance: string;
  name: string;
  system: string;
  cluster: string;
  /** 1/0 from Meridian's collector; null when only client spans or a receiver report it. */
  up: boolean | null;
  /** Time of the newest server metric, ISO 8601; null when only client spans report it. */
  lastSeen: string | null;
  activeSessions: number | null;
  lockWaits: number | null;
  connections: number | null;
  maxConnections: number | null;
  /** connections / maxConnections (0–1). */
  connectionUse: number | null;
  /** From client spans (sql_stats_1m): calls, errors and latency seen by the applications. */
  calls: number;
  errorRate: number | null;
  queryP95Ms: number | null;
  callsPerMin: number;
}


export interface BlockingEdgeRow {
  blockedId: string;
  blockingId: string;
  blockedQuery: string;
  blockingQuery: string;
  waitSeconds: number;
  lockType: string;
  lockMode: string;
  relation: string;
}

/** One blocking chain: a root session that blocks others and is not blocked itself. */
export interface BlockingChain {
  rootId: string;
  rootQuery: string;
  /** Sessions waiting on the root, directly or transitively, in tree order. */
  waiters: Array<{ id: string; depth: number; blockedBy: string; query: string; waitSeconds: number; lockType: string; lockMode: string; relation: string }>;
}

export interface ServerStatement {
  id: string;
  fingerprint: string;
  /** Growth of the server's counters over the window. */
  calls: number;
  totalMs: number;
  avgMs: number;
}

export interface DbInstancePoint {
  /** Minute start, ms since the epoch. */
  t: number;
  calls: number;
  errors: number;
  avgMs: number | null;
  p95Ms: number | null;
  activeSessions: number | null;
  /** Server-side transactions (PostgreSQL) or statements (MySQL) per second. */
  serverOpsPerSec: number | null;
  /** Most sessions waiting on a lock at one poll of the minute; null when not reported. */
  lockWaits: number | null;
  /** Sessions seen blocked by another in the minute (blocking edges); null when lock waits were not reported. */
  blockedSessions: number | null;
}

export interface DbInstanceDetail {
  health: DbInstanceHealth;
  /** Sessions of the newest poll (non-idle), longest-running first. */
  sessions: DbSession[];
  blocking: BlockingEdgeRow[];
  chains: BlockingChain[];
  /** Statements seen by client spans against this instance. */
  statements: SqlStatementStats[];
  /** pg_stat_statements / performance_schema, when the collector could read them. */
  serverStatements: ServerStatement[];
  series: DbInstancePoint[];
}

interface LatestPointRow {
  instance: string;
  system: string;
  cluster: string;
  name: string;
  metric_name: string;
  attributes: Record<string, string>;
  value: number;
  t: string;
}

export class DatabaseQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  /** Per service/endpoint: queries and DB time per transaction, distinct statements, errors. */
  async sqlEndpoints(regionId: string, tenantId: string, q: SqlQuery): Promise<SqlEndpointStats[]> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = minuteWindow(q, DB_QUERY_LIMITS.rollupMaxWindowMs);
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
          AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
        GROUP BY service, endpoint`,
        { ...params, ...txnFilter.params },
      ),
      select<{ service: string; endpoint: string; count: string }>(
        store,
        `SELECT service, endpoint, sum(count) AS count
        FROM ${store.table('service_red_1m')}
        WHERE tenant_id = {tenant:String}${redFilter.sql}
          AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
        GROUP BY service, endpoint`,
        { ...params, ...redFilter.params },
      ),
      this.perTransactionMax(store, tenant, q),
    ]);
    const key = (s: string, e: string) => `${s}\n${e}`;
    const txns = new Map(red.map((r) => [key(r.service, r.endpoint), Number(r.count)]));
    const maxes = new Map(perTxn.map((r) => [key(r.service, r.endpoint), r]));
    return stats
      .map((r) => {
        const calls = Number(r.calls);
        const sumMs = Number(r.sum_ns) / 1e6;
        const m = maxes.get(key(r.service, r.endpoint));
        // A transaction whose entry span is not in the rollup window still ran these queries.
        const transactions = Math.max(txns.get(key(r.service, r.endpoint)) ?? 0, m ? m.traces : 0, 1);
        return {
          service: r.service,
          endpoint: r.endpoint,
          transactions,
          dbCalls: calls,
          errors: Number(r.errors),
          statements: Number(r.statements),
          queriesPerTxnAvg: calls / transactions,
          queriesPerTxnMax: m?.maxQueries ?? 0,
          dbTimePerTxnMs: sumMs / transactions,
          dbTimePerTxnMaxMs: m?.maxDbMs ?? 0,
        };
      })
      .sort((a, b) => b.queriesPerTxnAvg - a.queriesPerTxnAvg || b.dbCalls - a.dbCalls || a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint));
  }

  /** Per-transaction maxima from the DB spans of the most recent DB_QUERY_LIMITS.spansMaxWindowMs of the window. */
  private async perTransactionMax(store: RegionStore, tenant: string, q: SqlQuery): Promise<Array<{ service: string; endpoint: string; maxQueries: number; maxDbMs: number; traces: number }>> {
    const from = new Date(Math.max(q.from.getTime(), q.to.getTime() - DB_QUERY_LIMITS.spansMaxWindowMs));
    const where = dbSpansWhere(tenant, { ...q, from });
    const rows = await select<{ service: string; endpoint: string; max_q: string; max_ns: string; traces: string }>(
      store,
      `SELECT service, endpoint, max(n) AS max_q, max(db_ns) AS max_ns, count() AS traces
      FROM (
        SELECT trace_id, service, txn_endpoint AS endpoint, count() AS n, sum(duration_ns) AS db_ns
        FROM ${store.table('spans')}
        WHERE ${where.sql} AND txn_endpoint != ''
        GROUP BY trace_id, service, endpoint
      )
      GROUP BY service, endpoint`,
      where.params,
    );
    return rows.map((r) => ({ service: r.service, endpoint: r.endpoint, maxQueries: Number(r.max_q), maxDbMs: Number(r.max_ns) / 1e6, traces: Number(r.traces) }));
  }

  /** Statements (normalized) ranked by calls, total time, p95, errors or calls per transaction. */
  async sqlStatements(regionId: string, tenantId: string, q: StatementsQuery): Promise<SqlStatementStats[]> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = minuteWindow(q, DB_QUERY_LIMITS.rollupMaxWindowMs);
    const sort = q.sort ?? 'totalTime';
    if (!STATEMENT_SORTS.includes(sort)) throw new QueryValidationError('sort', `must be one of ${STATEMENT_SORTS.join(', ')}`);
    const filter = optionalEquals({ txn_service: ['service', q.service], txn_endpoint: ['endpoint', q.endpoint], db_instance: ['instance', q.instance] });
    const store = this.clients.forRegion(regionId);
    const orderBy: Record<StatementSort, string> = { calls: 'calls', totalTime: 'sum_ns', p95: 'q[2]', errors: 'errors', perTxn: 'calls / greatest(traces, 1)' };
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
      `SELECT toString(db_fingerprint_hash) AS hash, any(db_fingerprint) AS fingerprint, any(db_system) AS db_system, any(db_operation) AS operation,
        arraySort(groupUniqArray(20)(db_instance)) AS instances,
        sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS sum_ns, max(duration_max_ns) AS max_ns,
        quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_q) AS q, uniqMerge(traces) AS traces
      FROM ${store.table('sql_stats_1m')}
      WHERE tenant_id = {tenant:String}${filter.sql}
        AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
      GROUP BY db_fingerprint_hash
      ORDER BY ${orderBy[sort]} DESC, hash
      LIMIT {limit:UInt32}`,
      { tenant, ...filter.params, from_s: fromS, to_s: toS, limit: checkLimit(q.limit, DB_QUERY_LIMITS.defaultLimit) },
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
    const repeats = await select<{ trace_id: string; service: string; hash: string; fingerprint: string; db_system: string; ep: string; n: string; db_ns: string }>(
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
        g = { service: r.service, endpoint, fingerprint: r.fingerprint, dbSystem: r.db_system, transactions: 0, maxRepeat: 0, avgRepeat: 0, totalMs: 0, exampleTraceId: r.trace_id, threshold, sumRepeat: 0 };
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
      .sort((a, b) => b.maxRepeat - a.maxRepeat || b.transactions - a.transactions || a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint))
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
        AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
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
      out.set(`${r.trace_id}\n${r.service}`, { endpoint: r.endpoint, startMs: Number(r.start_ms), durationMs: Number(r.duration_ns) / 1e6, isError: Number(r.is_error) === 1 });
    }
    return out;
  }

  /**
   * One entry per database instance for the honeycomb: the newest server metrics (Meridian's
   * collector or a Collector receiver) merged with what client spans saw of the same host:port.
   */
  async instances(regionId: string, tenantId: string, q: TimeWindow): Promise<DbInstanceHealth[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, DB_QUERY_LIMITS.metricsMaxWindowMs, ROLLUP_TIME_RANGE_MS);
    const store = this.clients.forRegion(regionId);
    const [points, client] = await Promise.all([
      this.latestPoints(store, tenant, fromMs, toMs, HEALTH_METRICS),
      this.clientSide(store, tenant, fromMs, toMs),
    ]);
    const minutes = Math.max(1, (toMs - fromMs) / 60_000);
    const byInstance = new Map<string, DbInstanceHealth>();
    for (const [instance, rows] of groupBy(points, (p) => p.instance)) byInstance.set(instance, healthFromPoints(instance, rows));
    for (const c of client) {
      const h = byInstance.get(c.instance) ?? emptyHealth(c.instance, c.system);
      h.system ||= c.system;
      h.calls = c.calls;
      h.errorRate = c.calls ? c.errors / c.calls : null;
      h.queryP95Ms = c.calls ? c.p95Ms : null;
      h.callsPerMin = c.calls / minutes;
      byInstance.set(c.instance, h);
    }
    return [...byInstance.values()].sort((a, b) => a.system.localeCompare(b.system) || a.cluster.localeCompare(b.cluster) || a.name.localeCompare(b.name));
  }

  /** The instance page: health, sessions, blocking chains, top statements and per-minute series. */
  async instance(regionId: string, tenantId: string, instance: string, q: TimeWindow): Promise<DbInstanceDetail | undefined> {
    const tenant = checkTenant(tenantId);
    const name = checkName('instance', instance);
    const { fromMs, toMs } = checkWindow(q, DB_QUERY_LIMITS.metricsMaxWindowMs, ROLLUP_TIME_RANGE_MS);
    const { fromS, toS } = minuteWindow(q, DB_QUERY_LIMITS.metricsMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const [points, client, statements, serverStatements, series] = await Promise.all([
      this.latestPoints(store, tenant, fromMs, toMs, [...HEALTH_METRICS, M.session, M.blocking], name),
      this.clientSide(store, tenant, fromMs, toMs, name),
      this.sqlStatements(regionId, tenantId, { ...q, instance: name, sort: 'totalTime', limit: 20 }),
      this.serverStatements(store, tenant, fromMs, toMs, name),
      this.instanceSeries(store, tenant, fromS, toS, name),
    ]);
    if (points.length === 0 && client.length === 0) return undefined;
    const health = points.length ? healthFromPoints(name, points.filter((p) => p.metric_name !== M.session && p.metric_name !== M.blocking)) : emptyHealth(name, client[0].system);
    if (client.length) {
      const c = client[0];
      health.system ||= c.system;
      health.calls = c.calls;
      health.errorRate = c.calls ? c.errors / c.calls : null;
      health.queryP95Ms = c.calls ? c.p95Ms : null;
      health.callsPerMin = c.calls / Math.max(1, (toMs - fromMs) / 60_000);
    }
    // Sessions and blocking edges of the newest poll only (a poll that found none sends none).
    const pollTs = points.filter((p) => p.metric_name === M.up).reduce((m, p) => (p.t > m ? p.t : m), '');
    const ofPoll = (metric: string) => points.filter((p) => p.metric_name === metric && p.t === pollTs);
    const sessions = ofPoll(M.session)
      .map((p) => ({
        id: p.attributes['db.session.id'] ?? '',
        user: p.attributes['user.name'] ?? '',
        database: p.attributes['db.namespace'] ?? '',
        state: p.attributes.state ?? '',
        waitEvent: p.attributes.wait_event ?? '',
        seconds: Number(p.value),
        query: p.attributes['db.query.fingerprint'] ?? '',
        blockedBy: (p.attributes.blocked_by ?? '').split(',').filter(Boolean),
      }))
      .sort((a, b) => b.seconds - a.seconds);
    const blocking = ofPoll(M.blocking).map((p) => ({
      blockedId: p.attributes['blocked.id'] ?? '',
      blockingId: p.attributes['blocking.id'] ?? '',
      blockedQuery: p.attributes['blocked.query'] ?? '',
      blockingQuery: p.attributes['blocking.query'] ?? '',
      waitSeconds: Number(p.value),
      lockType: p.attributes['lock.type'] ?? '',
      lockMode: p.attributes['lock.mode'] ?? '',
      relation: p.attributes.relation ?? '',
    }));
    return { health, sessions, blocking, chains: blockingChains(blocking), statements, serverStatements, series };
  }

  /** Newest point of each (instance, metric): points of one poll share its time. */
  private latestPoints(store: RegionStore, tenant: string, fromMs: number, toMs: number, names: readonly string[], instance?: string): Promise<LatestPointRow[]> {
    return select<LatestPointRow>(
      store,
      `SELECT instance, system, cluster, name, metric_name, attributes, value, t
      FROM (
        SELECT ${instanceExpr('resource_attributes')} AS instance, ${systemExpr('resource_attributes')} AS system,
          resource_attributes['meridian.db.cluster'] AS cluster, resource_attributes['meridian.db.name'] AS name,
          metric_name, attributes, value, toString(ts) AS t, ts,
          max(ts) OVER (PARTITION BY instance, metric_name) AS latest
        FROM ${store.table('metric_points')}
        WHERE tenant_id = {tenant:String} AND metric_name IN {names:Array(String)}
          AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
      )
      WHERE ts = latest AND instance != ''${instance === undefined ? '' : ' AND instance = {instance:String}'}
      LIMIT 100000`,
      { tenant, names, from_ms: fromMs, to_ms: toMs, ...(instance === undefined ? {} : { instance }) },
    );
  }

  /** Calls, errors and p95 per db_instance as client spans saw them (sql_stats_1m). */
  private async clientSide(store: RegionStore, tenant: string, fromMs: number, toMs: number, instance?: string) {
    const rows = await select<{ instance: string; system: string; calls: string; errors: string; p95: number }>(
      store,
      `SELECT db_instance AS instance, any(db_system) AS system, sum(calls) AS calls, sum(errors) AS errors,
        quantileTDigestMerge(0.95)(duration_q) AS p95
      FROM ${store.table('sql_stats_1m')}
      WHERE tenant_id = {tenant:String} AND db_instance != ''${instance === undefined ? '' : ' AND db_instance = {instance:String}'}
        AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
      GROUP BY instance`,
      { tenant, from_s: Math.floor(fromMs / 60_000) * 60, to_s: Math.ceil(toMs / 60_000) * 60, ...(instance === undefined ? {} : { instance }) },
    );
    return rows.map((r) => ({ instance: r.instance, system: r.system, calls: Number(r.calls), errors: Number(r.errors), p95Ms: Number(r.p95) / 1e6 }));
  }

  /** Growth of the server's per-statement counters over the window (pg_stat_statements / digests). */
  private async serverStatements(store: RegionStore, tenant: string, fromMs: number, toMs: number, instance: string): Promise<ServerStatement[]> {
    const rows = await select<{ id: string; fingerprint: string; calls: number; total_ms: number }>(
      store,
      `SELECT id, any(fingerprint) AS fingerprint, sumIf(growth, metric_name = {calls:String}) AS calls, sumIf(growth, metric_name = {time:String}) AS total_ms
      FROM (
        SELECT attributes['db.query.id'] AS id, attributes['db.query.fingerprint'] AS fingerprint, metric_name,
          -- Counters only grow until a reset; a window with a single point shows its whole value.
          if(count() = 1, max(value), greatest(argMax(value, ts) - argMin(value, ts), 0)) AS growth
        FROM ${store.table('metric_points')}
        WHERE tenant_id = {tenant:String} AND metric_name IN ({calls:String}, {time:String})
          AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
          AND ${instanceExpr('resource_attributes')} = {instance:String}
        GROUP BY id, fingerprint, metric_name
      )
      GROUP BY id
      ORDER BY total_ms DESC
      LIMIT 20`,
      { tenant, calls: M.statementCalls, time: M.statementTime, from_ms: fromMs, to_ms: toMs, instance },
    );
    return rows.map((r) => ({ id: r.id, fingerprint: r.fingerprint, calls: Number(r.calls), totalMs: Number(r.total_ms), avgMs: Number(r.calls) ? Number(r.total_ms) / Number(r.calls) : 0 }));
  }

  /** Per minute: client calls/errors/latency, active sessions, server throughput, lock waits and blocked sessions. */
  private async instanceSeries(store: RegionStore, tenant: string, fromS: number, toS: number, instance: string): Promise<DbInstancePoint[]> {
    const params = { tenant, from_s: fromS, to_s: toS, instance };
    const [client, server] = await Promise.all([
      select<{ t: string; calls: string; errors: string; sum_ns: string; p95: number }>(
        store,
        `SELECT toString(toUnixTimestamp(minute) * 1000) AS t, sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS sum_ns,
          quantileTDigestMerge(0.95)(duration_q) AS p95
        FROM ${store.table('sql_stats_1m')}
        WHERE tenant_id = {tenant:String} AND db_instance = {instance:String}
          AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
        GROUP BY minute ORDER BY minute`,
        params,
      ),
      select<{ t: string; metric_name: string; hash: string; state: string; blocked: string; avg: number; max: number; last: number }>(
        store,
        `SELECT toString(toUnixTimestamp(minute) * 1000) AS t, metric_name, toString(attributes_hash) AS hash, any(attributes)['state'] AS state,
          any(attributes)['blocked.id'] AS blocked, sum(sum) / greatest(sum(count), 1) AS avg, max(max) AS max, argMaxMerge(last) AS last
        FROM ${store.table('metric_rollup_1m')}
        WHERE tenant_id = {tenant:String} AND metric_name IN {names:Array(String)}
          AND minute >= toDateTime({from_s:UInt32}) - 60 AND minute < toDateTime({to_s:UInt32})
          AND ${instanceExpr('resource_attributes')} = {instance:String}
        GROUP BY minute, metric_name, attributes_hash
        ORDER BY minute`,
        { ...params, names: [M.sessions, M.lockWaits, M.blocking, ...THROUGHPUT_COUNTERS] },
      ),
    ]);
    const points = new Map<number, DbInstancePoint>();
    const at = (t: number): DbInstancePoint => {
      let p = points.get(t);
      if (!p) points.set(t, (p = { t, calls: 0, errors: 0, avgMs: null, p95Ms: null, activeSessions: null, serverOpsPerSec: null, lockWaits: null, blockedSessions: null }));
      return p;
    };
    for (const r of client) {
      const p = at(Number(r.t));
      p.calls = Number(r.calls);
      p.errors = Number(r.errors);
      p.avgMs = p.calls ? Number(r.sum_ns) / p.calls / 1e6 : null;
      p.p95Ms = p.calls ? Number(r.p95) / 1e6 : null;
    }
    // Counter growth between the last values of consecutive minutes, per series.
    const previous = new Map<string, { t: number; last: number }>();
    const blocked = new Map<number, Set<string>>();
    for (const r of server) {
      const t = Number(r.t);
      if (t < fromS * 1000 && (r.metric_name === M.lockWaits || r.metric_name === M.blocking)) continue;
      if (r.metric_name === M.lockWaits) {
        const p = at(t);
        p.lockWaits = Math.max(p.lockWaits ?? 0, Number(r.max));
        p.blockedSessions ??= 0;
        continue;
      }
      if (r.metric_name === M.blocking) {
        blocked.set(t, (blocked.get(t) ?? new Set()).add(r.blocked));
        continue;
      }
      if (r.metric_name === M.sessions) {
        if (t < fromS * 1000 || (r.state !== 'active' && r.state !== 'waiting')) continue;
        const p = at(t);
        p.activeSessions = (p.activeSessions ?? 0) + Number(r.avg);
        continue;
      }
      const key = `${r.metric_name}\n${r.hash}`;
      const before = previous.get(key);
      previous.set(key, { t, last: Number(r.last) });
      if (!before || t < fromS * 1000 || Number(r.last) < before.last) continue; // first minute, or a counter reset
      const p = at(t);
      p.serverOpsPerSec = (p.serverOpsPerSec ?? 0) + (Number(r.last) - before.last) / ((t - before.t) / 1000);
    }
    for (const [t, ids] of blocked) at(t).blockedSessions = ids.size;
    return [...points.values()].sort((a, b) => a.t - b.t);
  }
}

function healthFromPoints(instance: string, rows: LatestPointRow[]): DbInstanceHealth {
  const h = emptyHealth(instance, '');
  // null when the metric was not reported; 0 when it was but no series matches (no active session).
  const sumOf = (metric: string, keep: (a: Record<string, string>) => boolean = () => true): number | null => {
    const reported = rows.filter((r) => r.metric_name === metric);
    return reported.length ? reported.filter((r) => keep(r.attributes)).reduce((s, r) => s + Number(r.value), 0) : null;
  };
  for (const r of rows) {
    h.system ||= r.system;
    h.cluster ||= r.cluster;
    if (r.name) h.name = r.name;
    if (!h.lastSeen || r.t > h.lastSeen) h.lastSeen = r.t;
  }
  h.lastSeen = h.lastSeen ? `${h.lastSeen.replace(' ', 'T')}Z` : null;
  const up = sumOf(M.up);
  h.up = up === null ? null : up > 0;
  // Meridian's collector first; else what the receivers report (mysql: running threads).
  h.activeSessions = sumOf(M.sessions, (a) => a.state === 'active' || a.state === 'waiting') ?? sumOf(M.mysqlThreads, (a) => a.kind === 'running');
  h.lockWaits = sumOf(M.lockWaits);
  h.connections = sumOf(M.connections) ?? sumOf(M.pgBackends) ?? sumOf(M.mysqlThreads, (a) => a.kind === 'connected');
  h.maxConnections = sumOf(M.connectionsMax) ?? sumOf(M.pgConnectionMax);
  h.connectionUse = h.connections !== null && h.maxConnections ? h.connections / h.maxConnections : null;
  return h;
}

function emptyHealth(instance: string, system: string): DbInstanceHealth {
  return {
    instance,
    name: instance,
    system,
    cluster: '',
    up: null,
    lastSeen: null,
    activeSessions: null,
    lockWaits: null,
    connections: null,
    maxConnections: null,
    connectionUse: null,
    calls: 0,
    errorRate: null,
    queryP95Ms: null,
    callsPerMin: 0,
  };
}

/** Edges → chains: each root blocks others and waits for nobody; waiters listed depth-first. */
export function blockingChains(edges: readonly BlockingEdgeRow[]): BlockingChain[] {
  const waitersOf = groupBy(edges, (e) => e.blockingId);
  const blocked = new Set(edges.map((e) => e.blockedId));
  const queryOf = new Map<string, string>();
  for (const e of edges) {
    queryOf.set(e.blockedId, e.blockedQuery);
    if (!queryOf.has(e.blockingId) || queryOf.get(e.blockingId) === '') queryOf.set(e.blockingId, e.blockingQuery);
  }
  const roots = [...waitersOf.keys()].filter((id) => !blocked.has(id)).sort();
  return roots.map((rootId) => {
    const waiters: BlockingChain['waiters'] = [];
    const seen = new Set([rootId]);
    const walk = (id: string, depth: number) => {
      for (const e of waitersOf.get(id) ?? []) {
        if (seen.has(e.blockedId)) continue; // deadlock cycles are the server's to break; list each session once
        seen.add(e.blockedId);
        waiters.push({ id: e.blockedId, depth, blockedBy: id, query: e.blockedQuery, waitSeconds: e.waitSeconds, lockType: e.lockType, lockMode: e.lockMode, relation: e.relation });
        walk(e.blockedId, depth + 1);
      }
    };
    walk(rootId, 1);
    return { rootId, rootQuery: queryOf.get(rootId) ?? '', waiters };
  });
}

/** WHERE for the DB spans (statements with a fingerprint) of a tenant in a window. */
function dbSpansWhere(tenant: string, q: SqlQuery): { sql: string; params: Params } {
  const { fromMs, toMs } = checkWindow(q, DB_QUERY_LIMITS.spansMaxWindowMs);
  const filter = optionalEquals({ service: ['service', q.service], txn_endpoint: ['endpoint', q.endpoint] });
  return {
    sql: `tenant_id = {tenant:String}${filter.sql} AND db_fingerprint != ''
        AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})`,
    params: { tenant, ...filter.params, from_ms: fromMs, to_ms: toMs },
  };
}

/** Whole minutes covering the window (rollups are per minute). */
function minuteWindow(q: TimeWindow, maxMs: number): { fromS: number; toS: number } {
  const { fromMs, toMs } = checkWindow(q, maxMs, ROLLUP_TIME_RANGE_MS);
  return { fromS: Math.floor(fromMs / 60_000) * 60, toS: Math.ceil(toMs / 60_000) * 60 };
}

function checkName(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new QueryValidationError(field, 'must be a non-empty string of at most 1024 characters');
  return v;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}
