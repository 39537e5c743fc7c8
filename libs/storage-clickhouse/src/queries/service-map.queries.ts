import type { ClickHouseClients, RegionStore } from '../clients';
import { checkTenant, MINUTES_IN_WINDOW, rollupWindow, select, selectCompact, type Params, type TimeWindow } from './sql';

export const SERVICE_MAP_LIMITS = {
  maxWindowMs: 7 * 86400_000,
  /** Most edges one map answers (the busiest first). */
  maxEdges: 2_000,
  /** Most (caller, target) pairs whose callee is looked up by trace: targets can be many addresses of one service. */
  maxTargets: 20_000,
  /**
   * Most rows one map read looks at to learn which service answers a (caller, target) (link
   * rows are per call): a cap on the read's cost when a tenant is very busy; a target seen in no
   * read pair falls back to matching a service by name.
   */
  maxLinkRows: 4_000_000,
} as const;

export type ServiceMapNodeKind = 'service' | 'database' | 'external';
export type ServiceMapHealth = 'ok' | 'warning' | 'critical' | 'idle';

/** Throughput, errors and latency of a node's own work (services: their transactions) or of the calls into it (leaves). */
export interface ServiceMapFigures {
  count: number;
  errors: number;
  errorRate: number;
  perMin: number;
  avgMs: number;
  p95Ms: number;
}

export interface ServiceMapNode {
  /** `service:<name>`, `database:<system>:<target>` or `external:<target>`. */
  id: string;
  kind: ServiceMapNodeKind;
  name: string;
  /** Database or RPC/messaging system of a leaf (postgresql, mysql, grpc, kafka …), else ''. */
  system: string;
  /** A service: its transactions (entry spans). A leaf: the calls into it. Null: none in the window. */
  figures: ServiceMapFigures | null;
  /** Apdex of a service's transactions (T = APDEX_T_MS); null for leaves and idle services. */
  apdex: number | null;
  health: ServiceMapHealth;
}

export interface ServiceMapEdge {
  source: string;
  target: string;
  /** Calls seen from the caller (its CLIENT/PRODUCER spans): count, errors, p95 include the network. */
  figures: ServiceMapFigures;
  /**
   * How the callee was found: `trace` (a SERVER span whose parent is the call), `name` (the
   * called host or peer.service is a known service's name), `target` (a leaf: the call's target).
   */
  resolvedBy: 'trace' | 'name' | 'target';
}

export interface ServiceMap {
  nodes: ServiceMapNode[];
  edges: ServiceMapEdge[];
}

/** Error rate and Apdex bounds of the health colours. */
const HEALTH = { criticalErrorRate: 0.05, warningErrorRate: 0.01, criticalApdex: 0.7, warningApdex: 0.85 } as const;

export function healthOf(figures: ServiceMapFigures | null, apdex: number | null): ServiceMapHealth {
  if (!figures || figures.count === 0) return 'idle';
  if (figures.errorRate >= HEALTH.criticalErrorRate || (apdex !== null && apdex < HEALTH.criticalApdex)) return 'critical';
  if (figures.errorRate >= HEALTH.warningErrorRate || (apdex !== null && apdex < HEALTH.warningApdex)) return 'warning';
  return 'ok';
}

/** Calls of one (caller, target) looked up by trace: one answered call names the callee; more outvote a stray one. */
const LINKS_PER_TARGET = 50;
type Window = { tenant: string; from_s: number; to_s: number };
type FigureRow = { count: string; errors: string; sum_ns: string; p95: number };
const keyOf = (caller: string, kind: string, target: string) => `${caller}\t${kind}\t${target}`;

/**
 * Service map reads: calls between services and to their databases and hosts, from the rollups
 * of schema version 7 (see serviceMap in schema.ts for why edges are not joined at insert).
 * Tenant-scoped (tenant_id leads every key), windowed on whole minutes, bounded in rows read
 * and edges answered.
 */
export class ServiceMapQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  async serviceMap(regionId: string, tenantId: string, q: TimeWindow): Promise<ServiceMap> {
    const tenant = checkTenant(tenantId);
    const { fromS, toS } = rollupWindow(q, SERVICE_MAP_LIMITS.maxWindowMs);
    const store = this.clients.forRegion(regionId);
    const minutes = (toS - fromS) / 60;
    const figures = (r: FigureRow): ServiceMapFigures => {
      const count = Number(r.count);
      const errors = Number(r.errors);
      return {
        count,
        errors,
        errorRate: count ? errors / count : 0,
        perMin: count / minutes,
        avgMs: count ? Number(r.sum_ns) / count / 1e6 : 0,
        p95Ms: Number(r.p95) / 1e6,
      };
    };
    const window: Window = { tenant, from_s: fromS, to_s: toS };

    const [services, pairs] = await Promise.all([this.serviceTotals(store, window), this.calleesByTrace(store, window)]);
    const known = new Set([...services.map((s) => s.service), ...pairs.values()]);
    const resolve = {
      keys: [...pairs.keys()],
      callees: [...pairs.values()],
      services: [...known],
    };
    const rows = await this.calls(store, { ...window, ...resolve });
    const edgeRows = rows.filter((r) => Number(r.leaf_total) === 0);
    const leafRows = rows.filter((r) => Number(r.leaf_total) === 1);

    const nodes = new Map<string, ServiceMapNode>();
    const serviceNode = (name: string) => {
      const id = `service:${name}`;
      if (!nodes.has(id)) nodes.set(id, { id, kind: 'service', name, system: '', figures: null, apdex: null, health: 'idle' });
      return id;
    };
    for (const s of services) {
      const f = figures(s);
      const apdex = f.count ? (Number(s.satisfied) + Number(s.tolerating) / 2) / f.count : null;
      nodes.set(`service:${s.service}`, {
        id: `service:${s.service}`,
        kind: 'service',
        name: s.service,
        system: '',
        figures: f,
        apdex,
        health: healthOf(f, apdex),
      });
    }
    const leafId = (kind: string, system: string, name: string) => (kind === 'database' ? `database:${system}:${name}` : `external:${name}`);
    for (const r of leafRows) {
      if (r.node_kind === 'service') continue;
      const f = figures(r);
      const id = leafId(r.node_kind, r.node_system, r.node_name);
      nodes.set(id, {
        id,
        kind: r.node_kind as ServiceMapNodeKind,
        name: r.node_name,
        system: r.node_system,
        figures: f,
        apdex: null,
        health: healthOf(f, null),
      });
    }
    const edges = edgeRows.map((r): ServiceMapEdge => {
      const target = r.node_kind === 'service' ? serviceNode(r.node_name) : leafId(r.node_kind, r.node_system, r.node_name);
      return {
        source: serviceNode(r.caller),
        target,
        figures: figures(r),
        resolvedBy: r.node_kind !== 'service' ? 'target' : Number(r.by_trace) === 1 ? 'trace' : 'name',
      };
    });
    return { nodes: [...nodes.values()], edges };
  }

  /** Transactions per service in the window (the service nodes' own figures), from service_red_1m. */
  private serviceTotals(store: RegionStore, window: Window) {
    return select<FigureRow & { service: string; satisfied: string; tolerating: string }>(
      store,
      `SELECT service, sum(count) AS count, sum(errors) AS errors, sum(duration_sum_ns) AS sum_ns,
        quantileTDigestMerge(0.95)(duration_q) AS p95, sum(apdex_satisfied) AS satisfied, sum(apdex_tolerating) AS tolerating
      FROM ${store.table('service_red_1m')}
      WHERE tenant_id = {tenant:String} AND ${MINUTES_IN_WINDOW}
      GROUP BY service
      ORDER BY count DESC, service
      LIMIT {max_edges:UInt32}`,
      { ...window, max_edges: SERVICE_MAP_LIMITS.maxEdges },
    );
  }

  /**
   * (caller, target kind, target) → the service whose SERVER/CONSUMER spans are children of
   * those calls, whichever batch brought each side. Not every call is needed to learn that,
   * and which service answers an address does not change from minute to minute, so only the
   * link rows of each (caller, target)'s LAST minute with calls in the window (and the minute
   * before: a link row is filed under its span's start, the call rollup under its end) are
   * read, through the sort key (tenant, minute, …): the read costs a couple of minutes of
   * calls whatever the window. Up to LINKS_PER_TARGET calls of each (caller, target) are
   * joined (a small hash table) with the server rows; the callee seen most often wins.
   * Grouping every call of the window by its link instead cost 4–5× as much per row, and
   * grew with the window. At most maxLinkRows rows are read.
   */
  private async calleesByTrace(store: RegionStore, window: Window): Promise<Map<string, string>> {
    const links = store.table('service_call_links');
    const lastMinutes = `(SELECT arrayJoin([m - 60, m]) FROM (
          SELECT max(minute) AS m FROM ${store.table('service_calls_1m')}
          WHERE tenant_id = {tenant:String} AND ${MINUTES_IN_WINDOW} AND target_kind != 'database'
          GROUP BY caller, target_kind, target))`;
    const rows = await selectCompact<[string, string, string, string, string]>(
      store,
      `SELECT c.caller AS caller, c.target_kind AS target_kind, c.target AS target, s.callee AS callee, count() AS n
      FROM ${links} AS s
      INNER JOIN (
        SELECT link, caller, target_kind, target
        FROM ${links} AS l
        WHERE l.tenant_id = {tenant:String} AND l.minute IN ${lastMinutes} AND l.caller != ''
        LIMIT {per_target:UInt32} BY caller, target_kind, target
      ) AS c ON s.link = c.link
      WHERE s.tenant_id = {tenant:String} AND s.minute IN ${lastMinutes} AND s.callee != ''
      GROUP BY caller, target_kind, target, callee
      ORDER BY n DESC, callee
      LIMIT 1 BY caller, target_kind, target
      LIMIT {max_targets:UInt32}`,
      {
        ...window,
        per_target: LINKS_PER_TARGET,
        max_targets: SERVICE_MAP_LIMITS.maxTargets,
        max_rows: SERVICE_MAP_LIMITS.maxLinkRows,
      },
      "max_rows_to_read = {max_rows:UInt64}, read_overflow_mode = 'break'",
    );
    return new Map(rows.map(([caller, kind, target, callee]) => [keyOf(caller, kind, target), callee]));
  }

  /**
   * The call rollup with every (caller, target) relabelled as a node: the service found by trace
   * (`keys` → `callees`), else a known service of the target's host or peer.service name, else
   * the target itself as a database or external leaf; digests merged per edge (caller → node)
   * and per node (all callers: `leaf_total` = 1, grouping() as in standard SQL, ClickHouse's
   * default), both from one read of the rollup.
   */
  private calls(store: RegionStore, params: Params) {
    return select<FigureRow & { caller: string; node_kind: string; node_name: string; node_system: string; by_trace: number; leaf_total: number }>(
      store,
      `SELECT caller, node_kind, node_name, node_system, grouping(caller) AS leaf_total,
        sum(count) AS count, sum(errors) AS errors, sum(duration_sum_ns) AS sum_ns,
        quantileTDigestMerge(0.95)(duration_q) AS p95, max(paired != '') AS by_trace
      FROM (
        SELECT caller, count, errors, duration_sum_ns, duration_q,
          transform(concat(caller, '\t', target_kind, '\t', target), {keys:Array(String)}, {callees:Array(String)}, '') AS paired,
          multiIf(paired != '', paired, target_kind != 'database' AND has({services:Array(String)}, target_host), target_host, '') AS callee,
          multiIf(callee != '', 'service', target_kind = 'database', 'database', 'external') AS node_kind,
          if(callee != '', callee, toString(target)) AS node_name,
          if(callee != '', '', toString(target_system)) AS node_system
        FROM ${store.table('service_calls_1m')}
        WHERE tenant_id = {tenant:String} AND ${MINUTES_IN_WINDOW}
      )
      GROUP BY GROUPING SETS ((caller, node_kind, node_name, node_system), (node_kind, node_name, node_system))
      ORDER BY count DESC, caller, node_kind, node_name, node_system
      LIMIT {max_rows:UInt32}`,
      { ...params, max_rows: 2 * SERVICE_MAP_LIMITS.maxEdges },
    );
  }
}
