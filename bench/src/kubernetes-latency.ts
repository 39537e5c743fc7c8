/**
 * Kubernetes pages' latency and the cost of their rollups: `pods` pods (2 containers each, in 20
 * namespaces, 5 pods per deployment) report every `intervalS` seconds for an hour, as the
 * kubeletstats and k8s_cluster receivers do — per container 6 metrics the rollups keep
 * (cpu/memory use, limits, restarts, readiness) and 4 they skip, per pod 3 kept (phase, cpu,
 * memory) and 2 skipped. The page queries are timed in-process through KubernetesQueries (what
 * `GET …/kubernetes/map` and `…/kubernetes/pod` call).
 *
 * The rollups' cost per point: the same points inserted (INSERT … SELECT in chunks, so the
 * materialized views run per block as at intake) into metric_points with migration 11's views
 * detached (another tenant) and attached, chunk by chunk alternately; the difference over the
 * points is what the views add. Their rows and compressed bytes per point are read from system tables.
 *
 * Alone: `node scripts/run-ts.js bench/src/kubernetes-latency.ts` (BENCH_K8S_PODS, default 2,000;
 * BENCH_K8S_INTERVAL_S, default 60: an OTLP exporter's default interval; BENCH_LATENCY_RUNS, default 30).
 */
import { KubernetesQueries, type RegionStore } from '@meridian/storage-clickhouse';
import { type LatencyStats, repeat } from './latency';
import { fmt, renderTable } from './report';
import { runStandalone } from './standalone';

const HOUR_MS = 3600_000;
const CONTAINERS = 2;
/** Readings inserted per INSERT (the views run per block of it, as per intake batch). */
const CHUNK_READINGS = 4;

export interface KubernetesLatencyResult {
  pods: number;
  points: number;
  cases: Array<LatencyStats & { name: string; rows: number }>;
  /** Insert time per point with the views and without (µs), rollup rows and compressed bytes per point. */
  cost: {
    withUs: number;
    withoutUs: number;
    latestRows: number;
    minuteRows: number;
    latestBytesPerPoint: number;
    minuteBytesPerPoint: number;
    rawBytesPerPoint: number;
  };
}

export interface KubernetesLatencyOptions {
  store: RegionStore;
  queries: KubernetesQueries;
  regionId: string;
  tenantId: string;
  pods: number;
  intervalS: number;
  nowMs: number;
  runs: number;
  log: (line: string) => void;
}

/**
 * One reading of every pod at `ts`: rows numbered pod × 25 + metric slot. Slots 0–19 are the two
 * containers' 10 metrics, 20–24 the pod's 5. Pod 7 restarts every 10 minutes; pod 11 is Pending.
 */
function readingsSql(table: string): string {
  const names = [
    'container.cpu.usage',
    'container.memory.working_set',
    'k8s.container.cpu_limit',
    'k8s.container.memory_limit',
    'k8s.container.restarts',
    'k8s.container.ready',
    'container.cpu.time',
    'container.memory.usage',
    'container.memory.rss',
    'container.memory.available',
  ];
  const podNames = ['k8s.pod.phase', 'k8s.pod.cpu.usage', 'k8s.pod.memory.working_set', 'k8s.pod.cpu.time', 'k8s.pod.network.io'];
  return `INSERT INTO ${table} (tenant_id, ts, start_ts, metric_name, metric_type, unit, service, host_name, resource_attributes, attributes, scope_name, value, retention_days)
    SELECT {tenant:String}, t, t, name, 'GAUGE', '', 'unknown_service', '', res, map(), 'bench', v, 7
    FROM (
      SELECT number AS n, intDiv(n, 25 * {pods:UInt32}) AS reading, intDiv(n % (25 * {pods:UInt32}), 25) AS pod, n % 25 AS slot,
        fromUnixTimestamp64Milli(toInt64({first_ms:Int64} + (reading + {offset:UInt32}) * {interval_ms:UInt32})) AS t,
        if(slot < 20, intDiv(slot, 10), -1) AS c,
        if(slot < 20, [${names.map((m) => `'${m}'`).join(', ')}][slot % 10 + 1], [${podNames.map((m) => `'${m}'`).join(', ')}][slot - 20 + 1]) AS name,
        concat('ns-', toString(pod % 20)) AS ns,
        concat('app-', toString(intDiv(pod, 5))) AS deployment,
        concat(deployment, '-5c6d7e8f9a-', lower(hex(cityHash64(pod) % 1048576))) AS pod_name,
        mapFilter((k, x) -> x != '', map('k8s.cluster.name', 'bench', 'k8s.namespace.name', ns, 'k8s.pod.name', pod_name, 'k8s.node.name', concat('node-', toString(pod % 50)),
          'k8s.deployment.name', deployment, 'k8s.container.name', if(c < 0, '', concat('c', toString(c))))) AS res,
        toFloat64(multiIf(
          name = 'k8s.pod.phase', if(pod = 11, 1, 2),
          name = 'k8s.container.restarts', if(pod = 7, intDiv((reading + {offset:UInt32}) * {interval_ms:UInt32}, 600000), 0),
          name = 'k8s.container.ready', if(pod = 11, 0, 1),
          name = 'k8s.container.cpu_limit', 1,
          name = 'k8s.container.memory_limit', 536870912,
          name LIKE '%memory%', 100000000 + (cityHash64(pod, c) % 400000000),
          (cityHash64(pod, c, reading) % 1000) / 1000)) AS v
      FROM numbers({rows:UInt64})
    )`;
}

/**
 * The hour inserted twice, chunk by chunk alternately: with migration 11's views detached (under
 * another tenant; metric_points' own rollup still runs) and attached, so both see the same table
 * sizes, merges and load from the rest of the machine. Returns the time of each, ms.
 */
async function insertHourTwice(o: KubernetesLatencyOptions): Promise<{ withMs: number; withoutMs: number }> {
  const readings = Math.floor(HOUR_MS / 1000 / o.intervalS);
  const views = ['k8s_latest_5m_mv', 'k8s_container_1m_mv'].map((v) => o.store.table(v));
  let withMs = 0;
  let withoutMs = 0;
  for (let offset = 0; offset < readings; offset += CHUNK_READINGS) {
    const chunk = Math.min(CHUNK_READINGS, readings - offset);
    const insert = async (tenant: string) => {
      const started = performance.now();
      await o.store.client.command({
        query: readingsSql(o.store.table('metric_points')),
        query_params: { tenant, pods: o.pods, first_ms: o.nowMs - HOUR_MS, offset, interval_ms: o.intervalS * 1000, rows: chunk * 25 * o.pods },
      });
      return performance.now() - started;
    };
    for (const v of views) await o.store.client.command({ query: `DETACH TABLE ${v}` });
    withoutMs += await insert(`${o.tenantId}-without-views`);
    for (const v of views) await o.store.client.command({ query: `ATTACH TABLE ${v}` });
    withMs += await insert(o.tenantId);
  }
  return { withMs, withoutMs };
}

async function tableSize(store: RegionStore, table: string): Promise<{ rows: number; bytes: number }> {
  const rs = await store.client.query({
    query: `SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active`,
    query_params: { db: store.database, t: table },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: string; bytes: string }>();
  return { rows: Number(r.rows), bytes: Number(r.bytes) };
}

export async function measureKubernetes(o: KubernetesLatencyOptions): Promise<KubernetesLatencyResult> {
  const { store } = o;
  const points = Math.floor(HOUR_MS / 1000 / o.intervalS) * 25 * o.pods;
  const { withMs, withoutMs } = await insertHourTwice(o);
  o.log(`  ${fmt(points)} points without the k8s views: ${fmt(withoutMs / 1000, 1)} s, with them: ${fmt(withMs / 1000, 1)} s`);
  for (const t of ['k8s_latest_5m', 'k8s_container_1m', 'metric_points']) await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
  const [latest, minute, raw] = await Promise.all(['k8s_latest_5m', 'k8s_container_1m', 'metric_points'].map((t) => tableSize(store, t)));
  const cost = {
    withUs: (withMs * 1000) / points,
    withoutUs: (withoutMs * 1000) / points,
    latestRows: latest.rows,
    minuteRows: minute.rows,
    latestBytesPerPoint: latest.bytes / points,
    minuteBytesPerPoint: minute.bytes / points,
    // metric_points holds the points twice (with and without the views).
    rawBytesPerPoint: raw.bytes / (2 * points),
  };

  const { queries, regionId, tenantId, nowMs } = o;
  const last = (ms: number) => ({ from: new Date(nowMs - ms), to: new Date(nowMs) });
  const map = await queries.map(regionId, tenantId, { ...last(15 * 60_000), cluster: 'bench' });
  const pod = map.pods.find((p) => p.restartsInWindow > 0) ?? map.pods[0];
  const cases: KubernetesLatencyResult['cases'] = [];
  const time = async (name: string, fn: () => Promise<number>) => {
    const r = await repeat(fn, o.runs, 2);
    cases.push({ name, rows: r.last, ...r.stats });
    o.log(`  ${name}: p50 ${r.stats.p50Ms.toFixed(1)} ms, p95 ${r.stats.p95Ms.toFixed(1)} ms (${fmt(r.last)})`);
  };
  await time(
    'map, whole cluster, last 15 min (pods)',
    async () => (await queries.map(regionId, tenantId, { ...last(15 * 60_000), cluster: 'bench' })).pods.length,
  );
  await time('map, whole cluster, last 1 h (pods)', async () => (await queries.map(regionId, tenantId, { ...last(HOUR_MS), cluster: 'bench' })).pods.length);
  await time(
    'map, one namespace, last 15 min (pods)',
    async () => (await queries.map(regionId, tenantId, { ...last(15 * 60_000), cluster: 'bench', namespace: 'ns-3' })).pods.length,
  );
  await time('pod detail, last 1 h (points)', async () =>
    (await queries.pod(regionId, tenantId, { ...last(HOUR_MS), cluster: 'bench', namespace: pod.namespace, pod: pod.name })).containers.reduce(
      (n, c) => n + c.cpu.filter((v) => v !== null).length,
      0,
    ),
  );
  return { pods: o.pods, points, cases, cost };
}

export function kubernetesTable(r: KubernetesLatencyResult): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return renderTable([
    { figure: `Kubernetes pages over ${fmt(r.pods)} pods × ${CONTAINERS} containers × 1 h (${fmt(r.points)} points): p50 / p95`, value: '' },
    ...r.cases.map((c) => ({ figure: `  ${c.name}`, value: `${ms(c.p50Ms)} / ${ms(c.p95Ms)} (${fmt(c.rows)})` })),
    {
      figure: '  insert per point: with the k8s views / without',
      value: `${r.cost.withUs.toFixed(2)} µs / ${r.cost.withoutUs.toFixed(2)} µs (+${(r.cost.withUs - r.cost.withoutUs).toFixed(2)} µs)`,
    },
    {
      figure: '  rollup rows (k8s_latest_5m, k8s_container_1m)',
      value: `${fmt(r.cost.latestRows)}, ${fmt(r.cost.minuteRows)}`,
    },
    {
      figure: '  compressed bytes per point: latest_5m + container_1m (raw)',
      value: `${r.cost.latestBytesPerPoint.toFixed(2)} + ${r.cost.minuteBytesPerPoint.toFixed(2)} B (${r.cost.rawBytesPerPoint.toFixed(2)} B)`,
    },
  ]);
}

// Alone: a fresh embedded store.
if (process.argv[1] === __filename) {
  const pods = Number(process.env.BENCH_K8S_PODS ?? 2_000);
  const intervalS = Number(process.env.BENCH_K8S_INTERVAL_S ?? 60);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 30);
  runStandalone('kubernetes', async ({ ch, store, regionId, log }) => {
    const result = await measureKubernetes({
      store,
      queries: new KubernetesQueries(ch),
      regionId,
      tenantId: 'bench',
      pods,
      intervalS,
      nowMs: Date.now(),
      runs,
      log,
    });
    console.log(`\n${kubernetesTable(result)}`);
  });
}
