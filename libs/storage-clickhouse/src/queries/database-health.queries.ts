/**
 * Database instances for the honeycomb and the instance page: server metrics in metric_points
 * (Meridian's collector or an OpenTelemetry Collector receiver) merged with what client spans
 * saw of the same instance (sql_stats_1m).
 *
 * Every query is scoped to one tenant, parameterized, and runs in the tenant's region only.
 */
import { type BlockingEdge, DB_METRICS, type DbSession } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from '../clients';
import {
  checkName,
  checkTenant,
  isoFromClickHouse,
  MINUTES_IN_WINDOW,
  msInWindow,
  optionalEquals,
  rollupWindow,
  select,
  wholeMinutes,
  type TimeWindow,
} from './sql';
import { DB_QUERY_LIMITS, type SqlStatementStats, type SqlStatisticsQueries } from './sql-statistics.queries';

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
  blocking: BlockingEdge[];
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

/** What client spans saw of an instance (sql_stats_1m). */
interface ClientSide {
  instance: string;
  system: string;
  calls: number;
  errors: number;
  p95Ms: number;
}

export class DatabaseHealthQueries {
  constructor(
    private readonly clients: ClickHouseClients,
    /** The instance page lists the statements client spans ran against the instance. */
    private readonly sqlStatistics: SqlStatisticsQueries,
  ) {}

  /**
   * One entry per database instance for the honeycomb: the newest server metrics (Meridian's
   * collector or a Collector receiver) merged with what client spans saw of the same host:port.
   */
  async instances(regionId: string, tenantId: string, q: TimeWindow): Promise<DbInstanceHealth[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = rollupWindow(q, DB_QUERY_LIMITS.metricsMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const [points, client] = await Promise.all([this.latestPoints(store, tenant, fromMs, toMs, HEALTH_METRICS), this.clientSide(store, tenant, fromMs, toMs)]);
    return [...mergeHealth(points, client, toMs - fromMs).values()].sort(
      (a, b) => a.system.localeCompare(b.system) || a.cluster.localeCompare(b.cluster) || a.name.localeCompare(b.name),
    );
  }

  /** The instance page: health, sessions, blocking chains, top statements and per-minute series. */
  async instance(regionId: string, tenantId: string, instance: string, q: TimeWindow): Promise<DbInstanceDetail | undefined> {
    const tenant = checkTenant(tenantId);
    const name = checkName('instance', instance);
    const { fromMs, toMs, fromS, toS } = rollupWindow(q, DB_QUERY_LIMITS.metricsMaxWindowMs);
    const store = this.clients.forRegion(regionId);
    const [points, client, statements, serverStatements, series] = await Promise.all([
      this.latestPoints(store, tenant, fromMs, toMs, [...HEALTH_METRICS, M.session, M.blocking], name),
      this.clientSide(store, tenant, fromMs, toMs, name),
      this.sqlStatistics.sqlStatements(regionId, tenantId, { ...q, instance: name, sort: 'totalTime', limit: 20 }),
      this.serverStatements(store, tenant, fromMs, toMs, name),
      this.instanceSeries(store, tenant, fromS, toS, name),
    ]);
    if (points.length === 0 && client.length === 0) return undefined;
    const healthPoints = points.filter((p) => p.metric_name !== M.session && p.metric_name !== M.blocking);
    const health = mergeHealth(healthPoints, client, toMs - fromMs).get(name) ?? emptyHealth(name, '');
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
  private latestPoints(
    store: RegionStore,
    tenant: string,
    fromMs: number,
    toMs: number,
    names: readonly string[],
    instance?: string,
  ): Promise<LatestPointRow[]> {
    const only = optionalEquals({ instance: ['instance', instance] });
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
          AND ${msInWindow('ts')}
      )
      WHERE ts = latest AND instance != ''${only.sql}
      LIMIT 100000`,
      { tenant, names, from_ms: fromMs, to_ms: toMs, ...only.params },
    );
  }

  /** Calls, errors and p95 per db_instance as client spans saw them (sql_stats_1m). */
  private async clientSide(store: RegionStore, tenant: string, fromMs: number, toMs: number, instance?: string): Promise<ClientSide[]> {
    const only = optionalEquals({ db_instance: ['instance', instance] });
    const { fromS, toS } = wholeMinutes(fromMs, toMs);
    const rows = await select<{ instance: string; system: string; calls: string; errors: string; p95: number }>(
      store,
      `SELECT db_instance AS instance, any(db_system) AS system, sum(calls) AS calls, sum(errors) AS errors,
        quantileTDigestMerge(0.95)(duration_q) AS p95
      FROM ${store.table('sql_stats_1m')}
      WHERE tenant_id = {tenant:String} AND db_instance != ''${only.sql}
        AND ${MINUTES_IN_WINDOW}
      GROUP BY instance`,
      { tenant, ...only.params, from_s: fromS, to_s: toS },
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
          AND ${msInWindow('ts')}
          AND ${instanceExpr('resource_attributes')} = {instance:String}
        GROUP BY id, fingerprint, metric_name
      )
      GROUP BY id
      ORDER BY total_ms DESC
      LIMIT 20`,
      { tenant, calls: M.statementCalls, time: M.statementTime, from_ms: fromMs, to_ms: toMs, instance },
    );
    return rows.map((r) => ({
      id: r.id,
      fingerprint: r.fingerprint,
      calls: Number(r.calls),
      totalMs: Number(r.total_ms),
      avgMs: Number(r.calls) ? Number(r.total_ms) / Number(r.calls) : 0,
    }));
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
          AND ${MINUTES_IN_WINDOW}
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
      if (!p)
        points.set(
          t,
          (p = { t, calls: 0, errors: 0, avgMs: null, p95Ms: null, activeSessions: null, serverOpsPerSec: null, lockWaits: null, blockedSessions: null }),
        );
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

/**
 * Health per instance: its newest server metrics merged with what client spans saw of the same
 * host:port over the window (`windowMs` long). An instance only one side reports still has one.
 */
function mergeHealth(points: readonly LatestPointRow[], client: readonly ClientSide[], windowMs: number): Map<string, DbInstanceHealth> {
  const minutes = Math.max(1, windowMs / 60_000);
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
  return byInstance;
}

function healthFromPoints(instance: string, rows: readonly LatestPointRow[]): DbInstanceHealth {
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
  h.lastSeen = h.lastSeen ? isoFromClickHouse(h.lastSeen) : null;
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
export function blockingChains(edges: readonly BlockingEdge[]): BlockingChain[] {
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
        waiters.push({
          id: e.blockedId,
          depth,
          blockedBy: id,
          query: e.blockedQuery,
          waitSeconds: e.waitSeconds,
          lockType: e.lockType,
          lockMode: e.lockMode,
          relation: e.relation,
        });
        walk(e.blockedId, depth + 1);
      }
    };
    walk(rootId, 1);
    return { rootId, rootQuery: queryOf.get(rootId) ?? '', waiters };
  });
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
