/**
 * Servers latency and rollup cost: a fleet of hosts sending what the OpenTelemetry Collector's
 * hostmetrics receiver sends once a minute (cumulative CPU time per cpu × state, memory and
 * filesystem usage by state, network bytes per direction, load, and 5 processes' CPU time and
 * memory), one insert per minute for the whole fleet, for an hour; a tenth of the hosts stop
 * reporting 15 minutes before the end (down). Then times what the servers pages call:
 * `HostQueries.hosts` (the overview), `host` (one server's charts) and `processes` (its top
 * processes at a moment).
 *
 * The rollups' cost per point: the same minutes inserted into a store without the host views
 * (every migration but version 10) and with them, points per second each; and the rollups' bytes on disk
 * per point inserted.
 *
 * Alone: `node scripts/run-ts.js bench/src/hosts-latency.ts`; BENCH_HOSTS (default 10,000) hosts,
 * BENCH_HOST_MINUTES (default 60) minutes, BENCH_LATENCY_RUNS (default 20) timed runs per query.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HostQueries, MIGRATIONS, migrateRegion, RegionStore } from '@meridian/storage-clickhouse';
import { type LatencyStats, repeat } from './latency';
import { fmt, renderTable, type TableRow } from './report';
import { runStandalone } from './standalone';

const CPU_STATES: Array<[string, string]> = [
  ['idle', '(1 - busy)'],
  ['user', 'busy * 0.7'],
  ['system', 'busy * 0.2'],
  ['wait', 'busy * 0.1'],
];
const PROCESSES = ['node', 'java', 'postgres', 'nginx', 'python'];
const RESULTS = resolve(__dirname, '../results/hosts-latency.json');
const HOST_ROLLUPS = ['host_summary_1m', 'host_series_1m', 'host_processes_1m'];

/** Points of one scrape per host: one (metric, point attributes, resource kind, value expression, type, pid) per point. */
function pointList(): string {
  const p = (metric: string, attrs: Record<string, string>, value: string, type: 'SUM' | 'GAUGE', pid = -1) =>
    `('${metric}', map(${Object.entries(attrs)
      .map(([k, v]) => `'${k}', '${v}'`)
      .join(', ')}), toFloat64(${value}), '${type}', ${pid})`;
  const points: string[] = [];
  for (const cpu of ['cpu0', 'cpu1'])
    for (const [state, share] of CPU_STATES) points.push(p('system.cpu.time', { cpu, state }, `1e5 + m * 60 * ${share}`, 'SUM'));
  points.push(p('system.memory.usage', { state: 'used' }, 'mem_used', 'SUM'), p('system.memory.usage', { state: 'cached' }, '1e9', 'SUM'));
  points.push(p('system.memory.usage', { state: 'free' }, '16e9 - mem_used - 1e9', 'SUM'));
  const fs = { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw' };
  points.push(
    p('system.filesystem.usage', { ...fs, state: 'used' }, 'fs_used', 'SUM'),
    p('system.filesystem.usage', { ...fs, state: 'free' }, '100e9 - fs_used', 'SUM'),
  );
  for (const direction of ['receive', 'transmit']) points.push(p('system.network.io', { device: 'eth0', direction }, '1e9 + m * 60 * net_rate', 'SUM'));
  points.push(p('system.cpu.load_average.1m', {}, 'busy * 4', 'GAUGE'));
  PROCESSES.forEach((_, k) => {
    points.push(p('process.cpu.time', { state: 'user' }, `100 + m * 60 * busy * ${(0.1 * (k + 1)).toFixed(1)}`, 'SUM', k));
    points.push(p('process.memory.usage', {}, `1e8 * ${k + 1}`, 'SUM', k));
  });
  return `[${points.join(',\n')}]`;
}
export const POINTS_PER_SCRAPE = 2 * CPU_STATES.length + 3 + 2 + 2 + 1 + PROCESSES.length * 2;

/** One minute of the fleet's scrapes as one INSERT … SELECT. */
function minuteInsertSql(table: string): string {
  return `INSERT INTO ${table} (tenant_id, ts, start_ts, metric_name, metric_type, unit, temporality, is_monotonic, service, host_name,
    resource_attributes, attributes, scope_name, value, retention_days)
  ${minuteSelectForProfile()}`;
}
export function minuteSelectForProfile(): string {
  return `SELECT {tenant:String}, ts, fromUnixTimestamp64Nano({start_ns:Int64}), pt.1, pt.4, '', if(pt.4 = 'SUM', 'CUMULATIVE', 'UNSPECIFIED'),
    pt.1 IN ('system.cpu.time', 'system.network.io', 'process.cpu.time'), 'unknown_service', host,
    if(pt.5 < 0, host_resource,
      mapUpdate(host_resource, map('process.pid', toString(1000 + pt.5), 'process.executable.name', [${PROCESSES.map((x) => `'${x}'`).join(', ')}][pt.5 + 1]))),
    pt.2, 'otelcol/hostmetricsreceiver', pt.3, 7
  FROM (
    SELECT number AS h, {m:UInt32} AS m, concat('host-', leftPad(toString(h), 5, '0')) AS host,
      map('host.name', host, 'os.type', 'linux',
        'deployment.environment', ['production', 'staging', 'development', 'qa'][h % 4 + 1],
        'cloud.availability_zone', concat('ap-northeast-1', ['a', 'c', 'd'][h % 3 + 1])) AS host_resource,
      0.05 + (cityHash64(h) % 90) / 100 AS busy,
      16e9 * (0.2 + (cityHash64(h, 1) % 70) / 100) AS mem_used,
      100e9 * (0.1 + (cityHash64(h, 2) % 85) / 100) AS fs_used,
      cityHash64(h, 3) % 1000000 AS net_rate,
      fromUnixTimestamp64Nano({minute_ns:Int64} + toInt64(5e9 + (h % 50) * 1e8)) AS ts
    FROM numbers({hosts:UInt32})
    -- A tenth of the fleet goes silent 15 minutes before the end.
    WHERE NOT (h % 10 = 0 AND m >= {down_from:UInt32})
  )
  ARRAY JOIN ${pointList()} AS pt`;
}

export async function loadFleet(
  store: RegionStore,
  o: { tenant: string; hosts: number; minutes: number; nowMs: number; downFrom: number; log?: (l: string) => void },
): Promise<{ points: number; seconds: number }> {
  const firstMinute = Math.floor(o.nowMs / 60_000) - o.minutes;
  const started = process.hrtime.bigint();
  let points = 0;
  for (let m = 0; m < o.minutes; m++) {
    await store.client.command({
      query: minuteInsertSql(store.table('metric_points')),
      query_params: {
        tenant: o.tenant,
        m,
        hosts: o.hosts,
        down_from: o.downFrom,
        minute_ns: BigInt((firstMinute + m) * 60_000) * 1_000_000n,
        start_ns: BigInt(firstMinute * 60_000 - 86_400_000) * 1_000_000n,
      },
    });
    points += (m >= o.downFrom ? o.hosts - Math.ceil(o.hosts / 10) : o.hosts) * POINTS_PER_SCRAPE;
    if (o.log && (m + 1) % 10 === 0) o.log(`  inserted minute ${m + 1}/${o.minutes} (${fmt(points)} points)`);
  }
  return { points, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export interface HostsBenchResult {
  hosts: number;
  minutes: number;
  points: number;
  /** Points per second inserted with the host views, and without them (same minutes, a store without migration 10). */
  withViewsPointsPerSec: number;
  withoutViewsPointsPerSec: number;
  rollupBytesPerPoint: number;
  rollupRows: Record<string, number>;
  cases: Array<{ page: string } & LatencyStats>;
  downHosts: number;
}

export async function measureHosts(o: {
  store: RegionStore;
  queries: HostQueries;
  regionId: string;
  hosts: number;
  minutes: number;
  runs: number;
  nowMs: number;
  log: (l: string) => void;
}): Promise<HostsBenchResult> {
  const tenant = 'bench-hosts';
  const costMinutes = Math.min(5, o.minutes);
  o.log(`  insert cost: ${costMinutes} minutes without the host views`);
  // Same engine, another database with every migration but the host views' (10), dropped after.
  const bareStore = new RegionStore('hosts-bare', `${o.store.database}_hosts_bare`, o.store.client);
  await migrateRegion(
    bareStore,
    MIGRATIONS.filter((m) => m.version !== 10),
  );
  const bare = await loadFleet(bareStore, { tenant, hosts: o.hosts, minutes: costMinutes, nowMs: o.nowMs, downFrom: costMinutes });
  await bareStore.client.command({ query: `DROP DATABASE IF EXISTS ${bareStore.database}` });
  o.log(`  loading ${fmt(o.hosts)} hosts × ${o.minutes} minutes with the host views`);
  const full = await loadFleet(o.store, { tenant, hosts: o.hosts, minutes: o.minutes, nowMs: o.nowMs, downFrom: Math.max(0, o.minutes - 15), log: o.log });
  const withViewsPointsPerSec = full.points / full.seconds;
  const withoutViewsPointsPerSec = bare.points / bare.seconds;
  const [sizes] = await (
    await o.store.client.query({
      query: `SELECT sum(data_compressed_bytes) AS b FROM system.parts WHERE database = {db:String} AND table IN {tables:Array(String)} AND active`,
      query_params: { db: o.store.database, tables: HOST_ROLLUPS },
      format: 'JSONEachRow',
    })
  ).json<{ b: string }>();
  const rollupRows: Record<string, number> = {};
  for (const t of HOST_ROLLUPS) {
    const [r] = await (await o.store.client.query({ query: `SELECT count() AS n FROM ${o.store.table(t)}`, format: 'JSONEachRow' })).json<{ n: string }>();
    rollupRows[t] = Number(r.n);
  }
  const window = { from: new Date(o.nowMs - 3600_000), to: new Date(o.nowMs) };
  const cases: HostsBenchResult['cases'] = [];
  const overview = await repeat(() => o.queries.hosts(o.regionId, tenant, { ...window, groupBy: 'deployment.environment' }), o.runs, 2);
  cases.push({ page: `servers overview (${fmt(overview.last.hosts.length)} hosts)`, ...overview.stats });
  const downHosts = overview.last.hosts.filter((h) => h.down).length;
  o.log(
    `  overview: p50 ${overview.stats.p50Ms.toFixed(1)} ms, p95 ${overview.stats.p95Ms.toFixed(1)} ms, ${overview.last.hosts.length} hosts, ${downHosts} down`,
  );
  const host = await repeat(() => o.queries.host(o.regionId, tenant, 'host-00042', window), o.runs, 2);
  cases.push({ page: 'server page charts (1 h)', ...host.stats });
  o.log(`  server charts: p50 ${host.stats.p50Ms.toFixed(1)} ms, p95 ${host.stats.p95Ms.toFixed(1)} ms`);
  const processes = await repeat(() => o.queries.processes(o.regionId, tenant, 'host-00042', { at: new Date(o.nowMs) }), o.runs, 2);
  cases.push({ page: `top processes (${processes.last.byCpu.length})`, ...processes.stats });
  o.log(`  processes: p50 ${processes.stats.p50Ms.toFixed(1)} ms, p95 ${processes.stats.p95Ms.toFixed(1)} ms`);
  return {
    hosts: o.hosts,
    minutes: o.minutes,
    points: full.points,
    withViewsPointsPerSec,
    withoutViewsPointsPerSec,
    rollupBytesPerPoint: Number(sizes.b) / full.points,
    rollupRows,
    cases,
    downHosts,
  };
}

export function hostsTable(r: HostsBenchResult): TableRow[] {
  return [
    {
      figure: `servers: ${fmt(r.hosts)} hosts × ${r.minutes} min (${fmt(r.points)} points, ${fmt(r.downHosts)} down): p50 / p95 (target ≤ 500 ms p95)`,
      value: '',
    },
    ...r.cases.map((c) => ({ figure: `  ${c.page}`, value: `${c.p50Ms.toFixed(1)} ms / ${c.p95Ms.toFixed(1)} ms` })),
    {
      figure: '  insert with / without host views',
      value: `${fmt(r.withViewsPointsPerSec)} / ${fmt(r.withoutViewsPointsPerSec)} points/s (${fmt((1 - r.withViewsPointsPerSec / r.withoutViewsPointsPerSec) * 100, 0)} % slower)`,
    },
    {
      figure: '  host rollups on disk',
      value: `${fmt(r.rollupBytesPerPoint, 2)} B/point (${Object.entries(r.rollupRows)
        .map(([t, n]) => `${t} ${fmt(n)} rows`)
        .join(', ')})`,
    },
  ];
}

// Alone: a fresh embedded store.
if (process.argv[1] === __filename) {
  const hosts = Number(process.env.BENCH_HOSTS ?? 10_000);
  const minutes = Number(process.env.BENCH_HOST_MINUTES ?? 60);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 20);
  runStandalone('hosts', async ({ ch, store, regionId, log }) => {
    const r = await measureHosts({
      store,
      queries: new HostQueries(ch),
      regionId,
      hosts,
      minutes,
      runs,
      nowMs: Date.now(),
      log,
    });
    console.log(`\n${renderTable(hostsTable(r))}`);
    writeReportFile(RESULTS, r);
    console.log(`figures written to ${RESULTS}`);
  });
}

function writeReportFile(path: string, r: HostsBenchResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ timestamp: new Date().toISOString(), ...r }, null, 2)}\n`);
}
