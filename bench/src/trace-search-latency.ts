/**
 * Trace explorer latency: the searches an SRE runs on /traces, timed in-process through
 * TraceSearchQueries (what `GET /api/v1/tenants/{tenant}/traces` calls) over the volume tenant
 * (bench/src/volume.ts: 10 services × 10 endpoints, 3–4 spans per trace, spread over the hour
 * before `nowMs`). Windows end where the data ends.
 *
 * Alone: `node scripts/run-ts.js bench/src/trace-search-latency.ts` loads BENCH_TRACE_SEARCH_SPANS
 * (default 1,000,000) spans into a fresh embedded store, merges them and prints the table.
 */
import { type RegionStore, TraceSearchQueries } from '@meridian/storage-clickhouse';
import { type LatencyStats, repeat } from './latency';
import { fmt, renderTable } from './report';
import { loadVolume, VOLUME_SERVICES } from './volume';
import { runStandalone } from './standalone';

type SearchArgs = Omit<Parameters<TraceSearchQueries['search']>[2], 'from' | 'to'>;

export interface TraceSearchCase extends LatencyStats {
  name: string;
  /** One of the filters the ≤ 300 ms p95 aim is about (the attribute filter reads the attribute maps). */
  common: boolean;
  traces: number;
  /** Median CPU time of this process per search (the embedded engine's threads included): what the search costs whatever else loads the machine. */
  cpuP50Ms: number;
}

export interface TraceSearchLatencyResult {
  spans: number;
  cases: TraceSearchCase[];
  /** Worst p95 over the common cases. */
  commonP95Ms: number;
}

export interface TraceSearchLatencyOptions {
  queries: TraceSearchQueries;
  store: RegionStore;
  regionId: string;
  tenantId: string;
  nowMs: number;
  runs: number;
  log: (line: string) => void;
}

export async function measureTraceSearch(o: TraceSearchLatencyOptions): Promise<TraceSearchLatencyResult> {
  const { queries, regionId, tenantId, nowMs } = o;
  const hour = { from: new Date(nowMs - 3600_000), to: new Date(nowMs) };
  const service = VOLUME_SERVICES[1];
  const page1 = await queries.search(regionId, tenantId, { ...hour, service, limit: 50 });
  const cases: Array<[name: string, common: boolean, args: SearchArgs, window?: { from: Date; to: Date }]> = [
    ['1 h, no filter, newest first', true, {}],
    ['15 min, no filter, newest first', true, {}, { from: new Date(nowMs - 900_000), to: hour.to }],
    ['1 h, no filter, longest first', true, { sort: 'duration' }],
    [`1 h, service=${service}`, true, { service }],
    [`1 h, service=${service}, page 2 (cursor)`, true, { service, cursor: page1.nextCursor ?? undefined }],
    [`1 h, service=${service}, endpoint, longest first`, true, { service, endpoint: 'GET /search', sort: 'duration' }],
    ['1 h, duration ≥ 1 s', true, { minMs: 1000 }],
    ['1 h, status=error', true, { status: 'error' }],
    ['1 h, httpStatus=500', true, { httpStatus: 500 }],
    [`1 h, service=${service}, status=error`, true, { service, status: 'error' }],
    ['1 h, attribute server.address=db-cart.internal', false, { attributes: [{ key: 'server.address', op: '=', value: 'db-cart.internal' }] }],
    [`1 h, service=${service}, resource host.name~-1$`, false, { service, resourceAttributes: [{ key: 'host.name', op: '~', value: '-1$' }] }],
  ];
  const out: TraceSearchCase[] = [];
  const measure = async <T>(fn: () => Promise<T>) => {
    const cpu: number[] = [];
    const r = await repeat(
      async () => {
        const c0 = process.cpuUsage();
        const v = await fn();
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        return v;
      },
      o.runs,
      2,
    );
    const measured = cpu.slice(-o.runs).sort((a, b) => a - b);
    return { ...r, cpuP50Ms: measured[Math.floor(measured.length / 2)] };
  };
  for (const [name, common, args, window] of cases) {
    const r = await measure(() => queries.search(regionId, tenantId, { ...(window ?? hour), limit: 50, ...args }));
    out.push({ name, common, traces: r.last.traces.length, cpuP50Ms: r.cpuP50Ms, ...r.stats });
    o.log(`  ${name}: p50 ${r.stats.p50Ms.toFixed(1)} ms, p95 ${r.stats.p95Ms.toFixed(1)} ms, CPU ${r.cpuP50Ms.toFixed(1)} ms, ${r.last.traces.length} traces`);
  }
  const ids = page1.traces.map((t) => t.traceId);
  const byId = await measure(async () => queries.byId(regionId, tenantId, ids[Math.floor(Math.random() * ids.length)]));
  out.push({ name: 'trace id (exact)', common: true, traces: byId.last ? 1 : 0, cpuP50Ms: byId.cpuP50Ms, ...byId.stats });
  const [count] = await (
    await o.store.client.query({
      query: `SELECT count() AS n FROM ${o.store.table('spans')} WHERE tenant_id = {tenant:String}`,
      query_params: { tenant: tenantId },
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  return { spans: Number(count.n), cases: out, commonP95Ms: Math.max(...out.filter((c) => c.common).map((c) => c.p95Ms)) };
}

export function traceSearchTable(r: TraceSearchLatencyResult): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return renderTable([
    { figure: `trace search over ${fmt(r.spans / 1e6, 1)}M spans: p50 / p95 (CPU p50)`, value: `worst common p95 ${ms(r.commonP95Ms)}` },
    ...r.cases.map((c) => ({
      figure: `  ${c.name}${c.common ? '' : ' (not a common filter)'}`,
      value: `${ms(c.p50Ms)} / ${ms(c.p95Ms)} (${ms(c.cpuP50Ms)}; ${c.traces} traces)`,
    })),
  ]);
}

// Alone: a fresh embedded store with BENCH_TRACE_SEARCH_SPANS spans, parts merged.
if (process.argv[1] === __filename) {
  const spans = Number(process.env.BENCH_TRACE_SEARCH_SPANS ?? 1_000_000);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 30);
  runStandalone('trace search', async ({ ch, store, regionId, log }) => {
    const nowMs = Date.now();
    await loadVolume({
      store,
      tenantId: 'bench',
      targetRows: spans,
      currentRows: 0,
      chunkRows: 1_000_000,
      nowNs: BigInt(nowMs) * 1_000_000n,
      salt: 20261206,
      log,
    });
    for (const t of ['spans', 'trace_summaries']) await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
    const result = await measureTraceSearch({ queries: new TraceSearchQueries(ch), store, regionId, tenantId: 'bench', nowMs, runs, log });
    console.log(`\n${traceSearchTable(result)}`);
  });
}
