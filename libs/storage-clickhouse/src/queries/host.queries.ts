/**
 * Servers: every host's current figures (host_summary_1m), one host's series and filesystems
 * (host_series_1m), its processes at a moment (host_processes_1m) and the services whose spans
 * it ran. The rollups are filled at insert (schema version 10, which explains the metrics).
 *
 * Cumulative counters (CPU time, network and disk bytes) become rates here: the difference of
 * the last reading of two points in time over the time between them. A negative difference is
 * a counter reset (reboot, collector restart) and reads as no value.
 *
 * Every query is scoped to one tenant, parameterized, bounded by a window and a row limit, and
 * runs in the tenant's region only.
 */
import { ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { ClickHouseClients } from '../clients';
import { QueryValidationError } from '../errors';
import { checkName, checkTenant, isoFromClickHouse, MAX_LIMIT, MINUTES_IN_WINDOW, msInWindow, rollupWindow, select, type TimeWindow } from './sql';

export const HOST_QUERY_LIMITS = {
  /** Longest window the servers overview looks back for hosts (seen, maybe down). */
  maxLookbackMs: 7 * 86_400_000,
  /** Longest window of a server's charts. */
  maxSeriesMs: 7 * 86_400_000,
  /** The current figures of the overview are rates and means over this many last minutes. */
  currentMinutes: 5,
  /** A process's CPU is its CPU time over this many minutes up to the chosen moment. */
  processMinutes: 5,
  /** Points per chart series at most (the step grows with the window). */
  maxPoints: 240,
  maxHosts: MAX_LIMIT,
  maxProcesses: 100,
  maxServices: 200,
  maxDownAfterMinutes: 60,
  defaultDownAfterMinutes: 3,
} as const;

export interface HostSummary {
  host: string;
  /** Newest report, ISO 8601. */
  lastSeen: string;
  /** No report for `downAfterMinutes` before the end of the window. */
  down: boolean;
  /** Busy share of all CPUs (0–1) over the last minutes; null when down or not reported. */
  cpu: number | null;
  /** Used share of memory (0–1). */
  memory: number | null;
  /** Used share of the filesystems (0–1). */
  disk: number | null;
  /** Bytes per second received + sent (loopback excluded). */
  networkBytesPerSec: number | null;
  load1: number | null;
  /** The value of the `groupBy` resource attribute ('' when absent). */
  group: string;
}

export interface HostsResult {
  hosts: HostSummary[];
  /** Resource attribute keys the hosts carry (what they can be grouped by). */
  attributeKeys: string[];
  truncated: boolean;
}

export interface HostSeries {
  name: string;
  values: Array<number | null>;
}

export interface HostFilesystem {
  mountpoint: string;
  usedBytes: number;
  totalBytes: number;
  use: number | null;
}

export interface HostDetail {
  host: string;
  lastSeen: string | null;
  attributes: Record<string, string>;
  stepSeconds: number;
  /** Start of each point, ISO 8601; every series has one value per time. */
  times: string[];
  /** Share of all CPU time per state (0–1). */
  cpu: HostSeries[];
  /** Bytes per memory state. */
  memory: HostSeries[];
  /** 1m, 5m, 15m load averages. */
  load: HostSeries[];
  /** Bytes per second per direction. */
  disk: HostSeries[];
  network: HostSeries[];
  filesystems: HostFilesystem[];
}

export interface HostProcess {
  pid: string;
  executable: string;
  commandLine: string;
  owner: string;
  /** CPU seconds per second (1 = one core busy); from process.cpu.utilization when only that is sent. */
  cpu: number | null;
  memoryBytes: number | null;
  memoryUse: number | null;
}

export interface HostProcesses {
  /** The minute the figures end at, ISO 8601. */
  at: string;
  byCpu: HostProcess[];
  byMemory: HostProcess[];
}

export interface HostService {
  service: string;
  spans: number;
}

const MINUTE = 60_000;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A ratio that exists only when its parts were reported. */
function ratio(part: number | null, whole: number | null): number | null {
  return part !== null && whole !== null && whole > 0 ? part / whole : null;
}

function checkGroupKey(v: unknown): string {
  if (typeof v !== 'string' || v.length > 256) throw new QueryValidationError('groupBy', 'must be a resource attribute key of at most 256 characters');
  return v;
}

/** Servers reads: every host's latest figures, one host's series and processes. */
export class HostQueries {
  constructor(readonly clients: ClickHouseClients) {}

  /**
   * Every host seen in the window, with its figures over the last `currentMinutes` up to the end of
   * the window. Down when its last report is older than `downAfterMinutes` (the default collection
   * interval is a minute). Sorted by host name; the page sorts and groups.
   */
  async hosts(region: string, tenantId: unknown, q: TimeWindow & { groupBy?: string; downAfterMinutes?: number; limit?: number }): Promise<HostsResult> {
    const store = this.clients.forRegion(region);
    const tenant = checkTenant(tenantId);
    const w = rollupWindow(q, HOST_QUERY_LIMITS.maxLookbackMs);
    const groupBy = checkGroupKey(q.groupBy ?? '');
    const downAfter = q.downAfterMinutes ?? HOST_QUERY_LIMITS.defaultDownAfterMinutes;
    if (!Number.isInteger(downAfter) || downAfter < 1 || downAfter > HOST_QUERY_LIMITS.maxDownAfterMinutes) {
      throw new QueryValidationError('downAfterMinutes', `must be an integer 1–${HOST_QUERY_LIMITS.maxDownAfterMinutes}`);
    }
    const limit = q.limit ?? HOST_QUERY_LIMITS.maxHosts;
    if (!Number.isInteger(limit) || limit < 1 || limit > HOST_QUERY_LIMITS.maxHosts)
      throw new QueryValidationError('limit', `must be an integer 1–${HOST_QUERY_LIMITS.maxHosts}`);
    const params = {
      tenant,
      from_s: w.fromS,
      to_s: w.toS,
      current_s: Math.max(w.fromS, w.toS - HOST_QUERY_LIMITS.currentMinutes * 60),
      group: groupBy,
      limit: limit + 1,
    };
    // Three reads, each of few rows: who was seen (the Map is read only at each host's newest minute,
    // found from the key columns), the figures of the last minutes, the attribute keys of the last minutes.
    const recent = 'minute >= toDateTime({current_s:UInt32}) AND minute < toDateTime({to_s:UInt32})';
    const [seen, current, keyRows] = await Promise.all([
      select<{ host_name: string; last_seen: string; grp: string }>(
        store,
        `SELECT host_name, max(last_seen) AS last_seen, argMax(resource_attributes[{group:String}], minute) AS grp
         FROM ${store.database}.host_summary_1m
         PREWHERE tenant_id = {tenant:String} AND (host_name, minute) IN (
           SELECT host_name, max(minute) FROM ${store.database}.host_summary_1m
           WHERE tenant_id = {tenant:String} AND ${MINUTES_IN_WINDOW} GROUP BY host_name)
         GROUP BY host_name ORDER BY host_name LIMIT {limit:UInt32}`,
        params,
      ),
      select<{ host_name: string; cpu: number | null; memory: number | null; disk: number | null; network: number | null; load1: number | null }>(
        store,
        `SELECT host_name,
           if(cl.3 > cf.3 AND cl.1 > cf.1 AND cl.2 >= cf.2, 1 - (cl.2 - cf.2) / (cl.1 - cf.1), if(cuc > 0, cus / cuc, NULL)) AS cpu,
           if(mt > 0, mu / mt, if(muc > 0, mus / muc, NULL)) AS memory,
           if(ft > 0, fu / ft, if(fx > 0, fx, NULL)) AS disk,
           if(nl.2 > nf.2 AND nl.1 >= nf.1, (nl.1 - nf.1) / (toUnixTimestamp64Nano(nl.2) - toUnixTimestamp64Nano(nf.2)) * 1e9, NULL) AS network,
           if(lc > 0, ls / lc, NULL) AS load1
         FROM (
           SELECT host_name,
             argMinMerge(cpu_first) AS cf, argMaxMerge(cpu_last) AS cl, sum(cpu_util_sum) AS cus, sum(cpu_util_count) AS cuc,
             sum(mem_used) AS mu, sum(mem_total) AS mt, sum(mem_util_sum) AS mus, sum(mem_util_count) AS muc,
             sum(fs_used) AS fu, sum(fs_total) AS ft, max(fs_util_max) AS fx,
             argMinMerge(net_first) AS nf, argMaxMerge(net_last) AS nl, sum(load_sum) AS ls, sum(load_count) AS lc
           FROM ${store.database}.host_summary_1m
           WHERE tenant_id = {tenant:String} AND ${recent}
           GROUP BY host_name
         )`,
        params,
      ),
      select<{ keys: string[] }>(
        store,
        `SELECT arraySort(groupUniqArrayArray(mapKeys(resource_attributes))) AS keys
         FROM ${store.database}.host_summary_1m
         WHERE tenant_id = {tenant:String} AND ${recent}`,
        params,
      ),
    ]);
    const figures = new Map(current.map((r) => [r.host_name, r]));
    const downBeforeMs = w.toMs - downAfter * MINUTE;
    const hosts = seen.slice(0, limit).map((r): HostSummary => {
      const lastSeen = isoFromClickHouse(r.last_seen);
      const down = Date.parse(lastSeen) < downBeforeMs;
      const f = figures.get(r.host_name);
      const figure = (v: number | null | undefined) => (down ? null : num(v));
      return {
        host: r.host_name,
        lastSeen,
        down,
        cpu: figure(f?.cpu),
        memory: figure(f?.memory),
        disk: figure(f?.disk),
        networkBytesPerSec: figure(f?.network),
        load1: figure(f?.load1),
        group: r.grp,
      };
    });
    return { hosts, attributeKeys: keyRows[0]?.keys ?? [], truncated: seen.length > limit };
  }

  /** One host's charts over the window (CPU by state, memory, load, disk, network) and its filesystems at the end. */
  async host(region: string, tenantId: unknown, hostName: unknown, q: TimeWindow): Promise<HostDetail> {
    const store = this.clients.forRegion(region);
    const tenant = checkTenant(tenantId);
    const host = checkName('host', hostName);
    const w = rollupWindow(q, HOST_QUERY_LIMITS.maxSeriesMs);
    const stepS = Math.max(60, Math.ceil((w.toS - w.fromS) / HOST_QUERY_LIMITS.maxPoints / 60) * 60);
    // One point before the window, so the first bucket's rate has a previous reading.
    const params = { tenant, host, from_s: Math.max(0, w.fromS - stepS), to_s: w.toS, step: stepS };
    const [rows, meta] = await Promise.all([
      select<{ metric_name: string; device: string; state: string; bucket: string; lv: number; lt: string; avg: number }>(
        store,
        `SELECT metric_name, device, state, toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}), 'UTC')) AS bucket,
           argMaxMerge(last) AS l, l.1 AS lv, toUnixTimestamp64Nano(l.2) AS lt, sum(sum) / sum(count) AS avg
         FROM ${store.database}.host_series_1m
         WHERE tenant_id = {tenant:String} AND host_name = {host:String} AND ${MINUTES_IN_WINDOW}
         GROUP BY metric_name, device, state, bucket
         ORDER BY metric_name, device, state, bucket
         LIMIT 200000`,
        params,
      ),
      select<{ last_seen: string; attributes: Record<string, string> }>(
        store,
        // host_summary_1m is sorted by minute: PREWHERE reads the Map only for this host's rows.
        `SELECT max(last_seen) AS last_seen, argMax(resource_attributes, minute) AS attributes
         FROM ${store.database}.host_summary_1m
         PREWHERE host_name = {host:String}
         WHERE tenant_id = {tenant:String} AND ${MINUTES_IN_WINDOW}
         HAVING count() > 0`,
        params,
      ),
    ]);
    const firstBucket = Math.floor(w.fromS / stepS) * stepS;
    const buckets: number[] = [];
    for (let b = firstBucket; b < w.toS; b += stepS) buckets.push(b);
    const series = new Map<string, Map<string, Map<number, { v: number; t: bigint; avg: number }>>>();
    for (const r of rows) {
      const byMetric = series.get(r.metric_name) ?? new Map<string, Map<number, { v: number; t: bigint; avg: number }>>();
      series.set(r.metric_name, byMetric);
      const key = r.metric_name.startsWith('system.filesystem.') ? `${r.device}\u0000${r.state}` : r.state;
      const points = byMetric.get(key) ?? new Map<number, { v: number; t: bigint; avg: number }>();
      byMetric.set(key, points);
      points.set(Number(r.bucket), { v: Number(r.lv), t: BigInt(r.lt), avg: Number(r.avg) });
    }
    const averages = (metric: string): HostSeries[] =>
      [...(series.get(metric) ?? new Map())].map(([name, points]) => ({ name, values: buckets.map((b) => points.get(b)?.avg ?? null) }));
    /** Per-second rate of a cumulative counter between each bucket's last reading and the previous one's. */
    const rates = (metric: string): HostSeries[] =>
      [...(series.get(metric) ?? new Map())].map(([name, points]) => ({ name, values: buckets.map((b) => rate(points.get(b - stepS), points.get(b))) }));
    return {
      host,
      lastSeen: meta[0] ? isoFromClickHouse(meta[0].last_seen) : null,
      attributes: meta[0]?.attributes ?? {},
      stepSeconds: stepS,
      times: buckets.map((b) => new Date(b * 1000).toISOString()),
      cpu: cpuShares(rates('system.cpu.time'), averages('system.cpu.utilization'), buckets.length),
      // Linux counts slab_* inside the other states: left out, the states add up to the memory.
      memory: (averages('system.memory.usage').length > 0 ? averages('system.memory.usage') : averages('system.memory.utilization')).filter(
        (x) => !x.name.startsWith('slab_'),
      ),
      load: ['1m', '5m', '15m'].map((n) => ({ name: n, values: averages(`system.cpu.load_average.${n}`)[0]?.values ?? buckets.map(() => null) })),
      disk: rates('system.disk.io'),
      network: rates('system.network.io'),
      filesystems: filesystems(series.get('system.filesystem.usage'), series.get('system.filesystem.utilization')),
    };
  }

  /** The host's processes over the `processMinutes` up to `at`, top by CPU and top by memory. */
  async processes(region: string, tenantId: unknown, hostName: unknown, q: { at: Date; limit?: number }): Promise<HostProcesses> {
    const store = this.clients.forRegion(region);
    const tenant = checkTenant(tenantId);
    const host = checkName('host', hostName);
    const atMs = q.at instanceof Date ? q.at.getTime() : NaN;
    const holds = ROLLUP_TIME_RANGE_MS;
    if (!Number.isFinite(atMs) || atMs - HOST_QUERY_LIMITS.processMinutes * MINUTE < holds.min || atMs > holds.max) {
      throw new QueryValidationError(
        'at',
        `must be a time in ${new Date(holds.min + HOST_QUERY_LIMITS.processMinutes * MINUTE).toISOString()} … ${new Date(holds.max).toISOString()}`,
      );
    }
    const w = rollupWindow({ from: new Date(atMs - HOST_QUERY_LIMITS.processMinutes * MINUTE), to: new Date(atMs) }, HOST_QUERY_LIMITS.processMinutes * MINUTE);
    const limit = q.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > HOST_QUERY_LIMITS.maxProcesses)
      throw new QueryValidationError('limit', `must be an integer 1–${HOST_QUERY_LIMITS.maxProcesses}`);
    const rows = await select<{
      pid: string;
      executable: string;
      command_line: string;
      owner: string;
      cpu: number | null;
      mem: number | null;
      mem_use: number | null;
    }>(
      store,
      `SELECT pid, anyLast(executable) AS executable, anyLast(command_line) AS command_line, anyLast(owner) AS owner,
         argMinMerge(cpu_first) AS cf, argMaxMerge(cpu_last) AS cl,
         if(cl.2 > cf.2 AND cl.1 >= cf.1, (cl.1 - cf.1) / (toUnixTimestamp64Nano(cl.2) - toUnixTimestamp64Nano(cf.2)) * 1e9,
            if(sum(cpu_util_count) > 0, sum(cpu_util_sum) / sum(cpu_util_count), NULL)) AS cpu,
         argMaxIf(mem_sum / mem_count, minute, mem_count > 0) AS m, if(sum(mem_count) > 0, m, NULL) AS mem,
         if(sum(mem_util_count) > 0, argMaxIf(mem_util_sum / mem_util_count, minute, mem_util_count > 0), NULL) AS mem_use
       FROM (
         SELECT pid, minute, anyLast(executable) AS executable, anyLast(command_line) AS command_line, anyLast(owner) AS owner,
           argMinMergeState(cpu_first) AS cpu_first, argMaxMergeState(cpu_last) AS cpu_last,
           sum(cpu_util_sum) AS cpu_util_sum, sum(cpu_util_count) AS cpu_util_count,
           sum(mem_sum) AS mem_sum, sum(mem_count) AS mem_count, sum(mem_util_sum) AS mem_util_sum, sum(mem_util_count) AS mem_util_count
         FROM ${store.database}.host_processes_1m
         WHERE tenant_id = {tenant:String} AND host_name = {host:String} AND ${MINUTES_IN_WINDOW}
         GROUP BY pid, minute
       )
       GROUP BY pid
       LIMIT 100000`,
      { tenant, host, from_s: w.fromS, to_s: w.toS },
    );
    const all = rows.map((r): HostProcess => ({
      pid: r.pid,
      executable: r.executable,
      commandLine: r.command_line.slice(0, 2000),
      owner: r.owner,
      cpu: num(r.cpu),
      memoryBytes: num(r.mem),
      memoryUse: num(r.mem_use),
    }));
    const top = (key: (p: HostProcess) => number | null) =>
      all
        .filter((p) => key(p) !== null)
        .sort((a, b) => key(b)! - key(a)! || a.pid.localeCompare(b.pid))
        .slice(0, limit);
    return { at: new Date(w.toS * 1000).toISOString(), byCpu: top((p) => p.cpu), byMemory: top((p) => p.memoryBytes ?? p.memoryUse) };
  }

  /** Services whose spans ran on the host (the spans' host_name) in the window, busiest first. */
  async services(region: string, tenantId: unknown, hostName: unknown, q: TimeWindow): Promise<HostService[]> {
    const store = this.clients.forRegion(region);
    const tenant = checkTenant(tenantId);
    const host = checkName('host', hostName);
    const w = rollupWindow(q, HOST_QUERY_LIMITS.maxSeriesMs);
    const rows = await select<{ service: string; spans: string }>(
      store,
      `SELECT service, count() AS spans FROM ${store.database}.spans
       WHERE tenant_id = {tenant:String} AND host_name = {host:String} AND ${msInWindow('ts')}
       GROUP BY service ORDER BY spans DESC, service LIMIT {limit:UInt32}`,
      { tenant, host, from_ms: w.fromMs, to_ms: w.toMs, limit: HOST_QUERY_LIMITS.maxServices },
    );
    return rows.map((r) => ({ service: r.service, spans: Number(r.spans) }));
  }
}

function rate(prev: { v: number; t: bigint } | undefined, cur: { v: number; t: bigint } | undefined): number | null {
  if (!prev || !cur || cur.t <= prev.t || cur.v < prev.v) return null;
  return ((cur.v - prev.v) / Number(cur.t - prev.t)) * 1e9;
}

/** CPU seconds per second per state → each state's share of all CPU time; the utilization gauge when only that is sent. */
function cpuShares(perState: HostSeries[], utilization: HostSeries[], n: number): HostSeries[] {
  if (perState.length === 0) return utilization;
  const totals = Array.from({ length: n }, (_, i) => perState.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  return perState.map((x) => ({ name: x.name, values: x.values.map((v, i) => (v === null || totals[i] <= 0 ? null : v / totals[i])) }));
}

type Points = Map<string, Map<number, { v: number; avg: number }>>;

/** Each mountpoint's latest used and total bytes (the states add up to the size; use = used / (used + free), as df counts it), or only its utilization. */
function filesystems(usage: Points | undefined, utilization: Points | undefined): HostFilesystem[] {
  const latest = (points: Map<number, { v: number }>) => points.get(Math.max(...points.keys()))!.v;
  const byMount = new Map<string, { used: number; free: number; total: number; use: number | null }>();
  const mount = (name: string) => byMount.get(name) ?? byMount.set(name, { used: 0, free: 0, total: 0, use: null }).get(name)!;
  for (const [key, points] of usage ?? []) {
    const [name, state] = key.split('\u0000');
    const fs = mount(name);
    const v = latest(points);
    fs.total += v;
    if (state === 'used') fs.used += v;
    if (state === 'free') fs.free += v;
  }
  for (const [key, points] of utilization ?? []) mount(key.split('\u0000')[0]).use = latest(points);
  return [...byMount]
    .map(([mountpoint, fs]) => ({ mountpoint, usedBytes: fs.used, totalBytes: fs.total, use: ratio(fs.used, fs.used + fs.free) ?? fs.use }))
    .sort((a, b) => a.mountpoint.localeCompare(b.mountpoint));
}
