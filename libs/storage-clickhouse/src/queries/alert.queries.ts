import { type AlertMetric, HITMAP_COLUMN_SECONDS, hitmapRow, HOST_HEARTBEAT_METRIC, POD_RESTARTS_METRIC } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from '../clients';
import { QueryValidationError } from '../errors';
import { checkName, checkTenant, nameFilters, optionalEquals, select, type Params } from './sql';

export interface AlertQuery {
  metric: AlertMetric;
  service?: string;
  endpoint?: string;
  /** Look at the last this many seconds before `now`. */
  windowSeconds: number;
  /** Hitmap patterns: hits at or above this duration are slow. */
  slowMs?: number;
  /** SQL metrics: only this database instance. */
  dbInstance?: string;
  /** `metric`: the stored metric's name, attributes it must have, and host; `host_down`: the metric hosts send every interval. */
  metricName?: string;
  attributes?: Record<string, string>;
  /** `metric`, `host_down`, `pod_restarts`: resource attributes the points must carry. */
  resourceAttributes?: Record<string, string>;
  host?: string;
  /** `pod_restarts`: pods whose name starts with this. */
  podPrefix?: string;
  now: Date;
}

export interface AlertMeasurement {
  /**
   * latency ms, error rate %, throughput per minute, Apdex 0–1, vertical: most slow cells in one
   * 5 s column, horizontal: seconds with slow hits, SQL p95 ms, queries per transaction, metric:
   * mean of the points (histograms: sum / count), host down: seconds since the quietest host last
   * reported, pod restarts: restarts of the pod that restarted most. Null when there was nothing
   * to judge by (latency, error rate, Apdex, SQL and metrics are undefined then, host down and pod
   * restarts when no host or container reported in the window; throughput and hitmap are 0).
   */
  value: number | null;
  /** Transactions (metric: points, host down: hosts, pod restarts: pods) the value is based on. */
  count: number;
  /** Host down / pod restarts: the worst hosts or pods (at most SUBJECTS), worst first, each with its own value. */
  subjects?: Array<{ name: string; value: number }>;
  /** The window actually read (whole minutes or 5 s columns). */
  from: Date;
  to: Date;
}

const MAX_WINDOW_SECONDS = 6 * 3600;
/** Hosts or pods a measurement names: enough for a message, bounded whatever the fleet. */
const SUBJECTS = 10;

/**
 * The figures alert rules are evaluated on, read from the tenant's region only: RED and Apdex
 * from `service_red_1m` (whole minutes, the current one included), hitmap patterns from
 * `hitmap_5s`, stored metrics, host down and pod restarts from `metric_points` (one metric
 * name each, so the read stays on the sort key's prefix). Every query is filtered by tenant and
 * parameterized.
 */
export class AlertQueries {
  constructor(private readonly clients: ClickHouseClients) {}

  async measure(regionId: string, tenantId: string, q: AlertQuery): Promise<AlertMeasurement> {
    const tenant = checkTenant(tenantId);
    if (!Number.isInteger(q.windowSeconds) || q.windowSeconds < 1 || q.windowSeconds > MAX_WINDOW_SECONDS) {
      throw new QueryValidationError('windowSeconds', `must be a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS}`);
    }
    const filters = nameFilters(q);
    const store = this.clients.forRegion(regionId);
    const nowS = Math.floor(q.now.getTime() / 1000);
    if (q.metric === 'hitmap_vertical' || q.metric === 'hitmap_horizontal') {
      if (q.slowMs === undefined || !(q.slowMs > 0)) throw new QueryValidationError('slowMs', 'must be a positive number of milliseconds');
      const step = HITMAP_COLUMN_SECONDS;
      const fromS = Math.floor((nowS - q.windowSeconds) / step) * step;
      const [row] = await select<{ columns: string; max_cells: string; hits: string }>(
        store,
        `SELECT count() AS columns, max(cells) AS max_cells, sum(slow_hits) AS hits FROM (
          SELECT bucket, uniqExact(y) AS cells, sum(h) AS slow_hits FROM (
            SELECT bucket, y, sum(hits) AS h FROM ${store.table('hitmap_5s')}
            WHERE tenant_id = {tenant:String}${filters.sql}
              AND bucket >= toDateTime({from_s:UInt32}) AND bucket <= toDateTime({to_s:UInt32})
              AND y >= {slow_row:UInt8}
            GROUP BY bucket, y HAVING h > 0)
          GROUP BY bucket)`,
        { tenant, ...filters.params, from_s: fromS, to_s: nowS, slow_row: hitmapRow(q.slowMs) },
      );
      const value = q.metric === 'hitmap_vertical' ? Number(row?.max_cells ?? 0) : Number(row?.columns ?? 0) * step;
      return { value, count: Number(row?.hits ?? 0), from: new Date(fromS * 1000), to: new Date(nowS * 1000) };
    }
    if (q.metric === 'metric') return this.metricPoints(store, tenant, q);
    if (q.metric === 'host_down') return this.hostDown(store, tenant, q);
    if (q.metric === 'pod_restarts') return this.podRestarts(store, tenant, q);
    const fromS = Math.floor((nowS - q.windowSeconds) / 60) * 60;
    if (q.metric === 'sql_p95' || q.metric === 'queries_per_txn') {
      const sqlFilters = optionalEquals({
        txn_service: ['txn_service', q.service],
        txn_endpoint: ['txn_endpoint', q.endpoint],
        db_instance: ['db_instance', q.dbInstance],
      });
      const [sqlRow] = await select<{ calls: string; traces: string; p95: number }>(
        store,
        `SELECT sum(calls) AS calls, uniqMerge(traces) AS traces, quantileTDigestMerge(0.95)(duration_q) AS p95
        FROM ${store.table('sql_stats_1m')}
        WHERE tenant_id = {tenant:String}${sqlFilters.sql} AND minute >= toDateTime({from_s:UInt32}) AND minute <= toDateTime({to_s:UInt32})`,
        { tenant, ...sqlFilters.params, from_s: fromS, to_s: nowS },
      );
      const calls = Number(sqlRow?.calls ?? 0);
      const traces = Number(sqlRow?.traces ?? 0);
      const value = calls === 0 ? null : q.metric === 'sql_p95' ? Number(sqlRow.p95) / 1e6 : traces ? calls / traces : null;
      return { value, count: calls, from: new Date(fromS * 1000), to: new Date(nowS * 1000) };
    }
    const [row] = await select<{ count: string; errors: string; q: number[]; satisfied: string; tolerating: string }>(
      store,
      `SELECT sum(count) AS count, sum(errors) AS errors,
        quantilesTDigestMerge(0.95, 0.99)(duration_q) AS q,
        sum(apdex_satisfied) AS satisfied, sum(apdex_tolerating) AS tolerating
      FROM ${store.table('service_red_1m')}
      WHERE tenant_id = {tenant:String}${filters.sql}
        AND minute >= toDateTime({from_s:UInt32}) AND minute <= toDateTime({to_s:UInt32})`,
      { tenant, ...filters.params, from_s: fromS, to_s: nowS },
    );
    const count = Number(row?.count ?? 0);
    const window = { count, from: new Date(fromS * 1000), to: new Date(nowS * 1000) };
    // The window reaches into the current, partial minute: rate over the seconds actually covered.
    if (q.metric === 'throughput') return { ...window, value: (count / Math.max(1, nowS - fromS)) * 60 };
    if (count === 0) return { ...window, value: null };
    switch (q.metric) {
      case 'latency_p95':
        return { ...window, value: Number(row.q[0]) / 1e6 };
      case 'latency_p99':
        return { ...window, value: Number(row.q[1]) / 1e6 };
      case 'error_rate':
        return { ...window, value: (Number(row.errors) / count) * 100 };
      case 'apdex':
        return { ...window, value: (Number(row.satisfied) + Number(row.tolerating) / 2) / count };
    }
  }

  private async metricPoints(store: RegionStore, tenant: string, q: AlertQuery): Promise<AlertMeasurement> {
    const toMs = q.now.getTime();
    const params: Params = { tenant, name: checkName('metricName', q.metricName), from_ms: toMs - q.windowSeconds * 1000, to_ms: toMs };
    let where = 'tenant_id = {tenant:String} AND metric_name = {name:String}';
    if (q.service !== undefined) {
      where += ' AND service = {service:String}';
      params.service = q.service;
    }
    where += hostAndResource(q, params);
    Object.entries(q.attributes ?? {}).forEach(([k, v], i) => {
      where += ` AND attributes[{ak${i}:String}] = {av${i}:String}`;
      params[`ak${i}`] = k;
      params[`av${i}`] = v;
    });
    const [row] = await select<{ n: string; v: number | null }>(
      store,
      `SELECT count() AS n, avgIf(if(metric_type IN ('GAUGE', 'SUM'), value, sum / count), metric_type IN ('GAUGE', 'SUM') OR count > 0) AS v
      FROM ${store.table('metric_points')}
      WHERE ${where} AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({to_ms:Int64})`,
      params,
    );
    const n = Number(row?.n ?? 0);
    const v = row?.v === null || row?.v === undefined ? NaN : Number(row.v);
    return { value: n === 0 || !Number.isFinite(v) ? null : v, count: n, from: new Date(toMs - q.windowSeconds * 1000), to: q.now };
  }

  /**
   * Seconds since each host (`host.name`) last sent the heartbeat metric, among the hosts that sent
   * it in the window: a host that never reported in it is not down, it is unknown. The value is the
   * quietest host's silence; the subjects are the quietest hosts.
   */
  private async hostDown(store: RegionStore, tenant: string, q: AlertQuery): Promise<AlertMeasurement> {
    const toMs = q.now.getTime();
    const fromMs = toMs - q.windowSeconds * 1000;
    const params: Params = { tenant, name: checkName('metricName', q.metricName ?? HOST_HEARTBEAT_METRIC), from_ms: fromMs, to_ms: toMs, limit: SUBJECTS };
    const where = hostAndResource(q, params);
    const rows = await select<{ host: string; last_ms: string; hosts: string }>(
      store,
      `SELECT host, last_ms, count() OVER () AS hosts FROM (
        SELECT host_name AS host, toUnixTimestamp64Milli(max(ts)) AS last_ms
        FROM ${store.table('metric_points')}
        WHERE tenant_id = {tenant:String} AND metric_name = {name:String} AND host_name != ''${where}
          AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({to_ms:Int64})
        GROUP BY host_name)
      ORDER BY last_ms, host LIMIT {limit:UInt32}`,
      params,
    );
    // Whole seconds: the thresholds are seconds, and a message reads better without the milliseconds.
    const subjects = rows.map((r) => ({ name: r.host, value: Math.floor((toMs - Number(r.last_ms)) / 1000) }));
    return { value: subjects[0]?.value ?? null, count: Number(rows[0]?.hosts ?? 0), subjects, from: new Date(fromMs), to: q.now };
  }

  /**
   * Container restarts per pod (`namespace/pod`) in the window: per container, the sum of the
   * rises between consecutive readings of the restart count whose later reading falls in the
   * window (the reading before the window, up to one window earlier, is the baseline; a drop —
   * the kubelet pruning dead containers — counts as 0 and the count climbs from there). The value
   * is the pod that restarted most; null when no container reported in the window.
   */
  private async podRestarts(store: RegionStore, tenant: string, q: AlertQuery): Promise<AlertMeasurement> {
    const toMs = q.now.getTime();
    const fromMs = toMs - q.windowSeconds * 1000;
    const params: Params = { tenant, name: POD_RESTARTS_METRIC, base_ms: fromMs - q.windowSeconds * 1000, from_ms: fromMs, to_ms: toMs, limit: SUBJECTS };
    let where = hostAndResource(q, params);
    if (q.podPrefix !== undefined) {
      where += ` AND startsWith(resource_attributes['k8s.pod.name'], {pod_prefix:String})`;
      params.pod_prefix = checkName('podPrefix', q.podPrefix);
    }
    const rows = await select<{ pod: string; restarts: number; pods: string }>(
      store,
      `SELECT pod, restarts, count() OVER () AS pods FROM (
        SELECT concat(ns, '/', pod_name) AS pod, sum(rises) AS restarts FROM (
          SELECT any(resource_attributes['k8s.namespace.name']) AS ns, any(resource_attributes['k8s.pod.name']) AS pod_name,
            arraySort(p -> p.1, groupArray((toUnixTimestamp64Milli(ts), value))) AS readings,
            arraySum(arrayMap((cur, prev) -> if(cur.1 >= {from_ms:Int64}, greatest(cur.2 - prev.2, 0), 0), arrayPopFront(readings), arrayPopBack(readings))) AS rises
          FROM ${store.table('metric_points')}
          WHERE tenant_id = {tenant:String} AND metric_name = {name:String} AND metric_type IN ('GAUGE', 'SUM')${where}
            AND ts >= fromUnixTimestamp64Milli({base_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({to_ms:Int64})
          GROUP BY attributes_hash
          HAVING max(ts) >= fromUnixTimestamp64Milli({from_ms:Int64}))
        GROUP BY ns, pod_name)
      ORDER BY restarts DESC, pod LIMIT {limit:UInt32}`,
      params,
    );
    const subjects = rows.filter((r) => Number(r.restarts) > 0).map((r) => ({ name: r.pod, value: Number(r.restarts) }));
    return { value: rows.length ? Number(rows[0].restarts) : null, count: Number(rows[0]?.pods ?? 0), subjects, from: new Date(fromMs), to: q.now };
  }
}

/** The `host.name` and resource-attribute filters of a rule, as SQL after a WHERE (parameters added to `params`). */
function hostAndResource(q: Pick<AlertQuery, 'host' | 'resourceAttributes'>, params: Params): string {
  let where = '';
  if (q.host !== undefined) {
    where += ' AND host_name = {host:String}';
    params.host = checkName('host', q.host);
  }
  Object.entries(q.resourceAttributes ?? {}).forEach(([k, v], i) => {
    where += ` AND resource_attributes[{rk${i}:String}] = {rv${i}:String}`;
    params[`rk${i}`] = k;
    params[`rv${i}`] = v;
  });
  return where;
}
