/**
 * Read-path latencies measured in-process through TelemetryQueries (what the API calls), so
 * the figures are the storage queries themselves, without HTTP or auth.
 */
import type { RegionStore, TelemetryQueries } from '@meridian/storage-clickhouse';
import { percentile } from './ingest-phase';

export interface LatencyStats {
  runs: number;
  /** The very first call (nothing of it cached by the engine yet). */
  firstMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LatencyResult {
  /** The last hour before nowMs. */
  hitmap: LatencyStats & { cells: number };
  /** The last 10 minutes before nowMs. */
  hitmap10m: LatencyStats & { cells: number };
  hitmapByService: LatencyStats & { service: string; cells: number };
  traceById: LatencyStats & { avgSpans: number };
  /** Absent when transactionRuns is 0. */
  transactions?: LatencyStats & { rows: number; window: string };
  /** hitmap_5s rows of the tenant in the hour window: the hitmap's read cost. */
  hitmapRowsInWindow: number;
  activeParts: { spans: number; hitmap_5s: number; trace_summaries: number };
}

export interface LatencyOptions {
  queries: TelemetryQueries;
  store: RegionStore;
  regionId: string;
  tenantId: string;
  service: string;
  /** End of the windows: when the data ends (the volume load's now). */
  nowMs: number;
  runs: number;
  /** Runs of the drag-select (transactions) query; 0 skips it. */
  transactionRuns: number;
  seed: number;
}

function stats(firstMs: number, samples: number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  return {
    runs: s.length,
    firstMs,
    p50Ms: percentile(s, 50),
    p95Ms: percentile(s, 95),
    maxMs: s[s.length - 1],
    meanMs: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

/** One first call, `warmup` unmeasured calls, then `runs` measured ones. */
export async function repeat<T>(fn: () => Promise<T>, runs: number, warmup = 3): Promise<{ stats: LatencyStats; last: T }> {
  const [firstMs, first] = await timed(fn);
  let last = first;
  for (let i = 0; i < warmup; i++) last = await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [ms, v] = await timed(fn);
    samples.push(ms);
    last = v;
  }
  return { stats: stats(firstMs, samples), last };
}

async function scalar(store: RegionStore, query: string, params: Record<string, unknown>): Promise<number> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string | number }>();
  return Number(row?.n ?? 0);
}

export async function measureLatencies(opts: LatencyOptions): Promise<LatencyResult> {
  const { queries, store, regionId, tenantId, nowMs, runs } = opts;
  const window = { from: new Date(nowMs - 3600_000), to: new Date(nowMs) };

  // Trace ids to look up, picked before any timing: random existing traces of the tenant.
  const idsRs = await store.client.query({
    query: `SELECT trace_id FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String}
      ORDER BY cityHash64(trace_id, {seed:UInt64}) LIMIT {n:UInt32}`,
    query_params: { tenant: tenantId, seed: opts.seed, n: runs + 6 },
    format: 'JSONEachRow',
  });
  const ids = (await idsRs.json<{ trace_id: string }>()).map((r) => r.trace_id);
  if (ids.length < runs + 6) throw new Error(`only ${ids.length} traces found for the trace lookups`);

  const hitmap = await repeat(() => queries.hitmap(regionId, tenantId, window), runs);
  const hitmap10m = await repeat(() => queries.hitmap(regionId, tenantId, { from: new Date(nowMs - 600_000), to: window.to }), runs);
  const byService = await repeat(() => queries.hitmap(regionId, tenantId, { ...window, service: opts.service }), runs);

  // Trace by id: first = a never-read trace; 5 more warm the code path; then `runs` distinct traces.
  const [firstMs, firstTrace] = await timed(() => queries.traceById(regionId, tenantId, ids[0]));
  if (!firstTrace) throw new Error(`trace ${ids[0]} not found`);
  for (const id of ids.slice(1, 6)) await queries.traceById(regionId, tenantId, id);
  const samples: number[] = [];
  let spans = 0;
  for (const id of ids.slice(6)) {
    const [ms, trace] = await timed(() => queries.traceById(regionId, tenantId, id));
    if (!trace || trace.spans.length === 0) throw new Error(`trace ${id} from trace_summaries not found in spans`);
    samples.push(ms);
    spans += trace.spans.length;
  }

  // A hitmap drag-select: slow transactions (≥ 1 s) of the last 10 minutes.
  const txWindow = { from: new Date(nowMs - 600_000), to: new Date(nowMs), minMs: 1000, limit: 500 };
  const tx = opts.transactionRuns > 0 ? await repeat(() => queries.transactions(regionId, tenantId, txWindow), opts.transactionRuns, 1) : undefined;

  const hitmapRowsInWindow = await scalar(
    store,
    `SELECT count() AS n FROM ${store.table('hitmap_5s')} WHERE tenant_id = {tenant:String}
      AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})`,
    { tenant: tenantId, from: Math.floor(window.from.getTime() / 1000), to: Math.ceil(window.to.getTime() / 1000) },
  );
  const parts = async (table: string) =>
    scalar(store, `SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = {table:String} AND active`, { db: store.database, table });

  return {
    hitmap: { ...hitmap.stats, cells: hitmap.last.y.length },
    hitmap10m: { ...hitmap10m.stats, cells: hitmap10m.last.y.length },
    hitmapByService: { ...byService.stats, service: opts.service, cells: byService.last.y.length },
    traceById: { ...stats(firstMs, samples), avgSpans: spans / samples.length },
    transactions: tx ? { ...tx.stats, rows: tx.last.length, window: 'last 10 min, ≥ 1000 ms, limit 500' } : undefined,
    hitmapRowsInWindow,
    activeParts: { spans: await parts('spans'), hitmap_5s: await parts('hitmap_5s'), trace_summaries: await parts('trace_summaries') },
  };
}
