/**
 * Where a trace lookup's time goes (issue 13, trace by id ≤ 20 ms), on the embedded engine: the
 * same random traces read by pieces of `TelemetryQueries.traceById`, each of 2–6 holding the one
 * before it except 3 (round trip + planning alone), so differences show what a piece adds:
 *  1. the engine round trip (`SELECT 1`);
 *  2. the `trace_summaries` lookup alone (time range, span count, services);
 *  3. planning the span query's full column list, over a tenant with no rows;
 *  4. the trace's span ids: summary, key ranges, bloom index on trace_id — one column read;
 *  5. the twelve columns a waterfall draws (WATERFALL_COLUMNS);
 *  6. every column of those spans (the full lookup through TelemetryQueries).
 * Time per query (wall p50 / p95) and this process's CPU per query (the engine's threads
 * included).
 *
 * Alone: `node scripts/run-ts.js bench/src/trace-lookup-costs.ts` loads BENCH_TRACE_SPANS
 * (default 10,000,000, as the full bench) volume spans into a fresh embedded store, merges them
 * (OPTIMIZE FINAL), waits until no merge runs and prints the table.
 */
import { type RegionStore, STORED_SPAN_COLUMNS, TelemetryQueries } from '@meridian/storage-clickhouse';
import { percentile } from './ingest-phase';
import { fmt, renderTable } from './report';
import { runStandalone } from './standalone';
import { loadVolume, waitForMerges } from './volume';

/** What a trace's waterfall draws: ids, start, duration, names, kind, status and the SQL fingerprint. */
const WATERFALL_COLUMNS = `trace_id, span_id, parent_span_id, toString(toUnixTimestamp64Nano(ts)) AS start_ns, toString(duration_ns) AS duration_ns_text,
  service, span_name, endpoint, kind, status_code, is_error, db_fingerprint`;

export interface Cost {
  name: string;
  p50Ms: number;
  p95Ms: number;
  cpuMs: number;
}

/** `fn` over `inputs` after the first `warmup` of them: wall p50 / p95 and this process's CPU per call. */
export async function cost<T>(name: string, inputs: readonly T[], warmup: number, fn: (input: T) => Promise<unknown>): Promise<Cost> {
  for (const input of inputs.slice(0, warmup)) await fn(input);
  const ms: number[] = [];
  const c0 = process.cpuUsage();
  for (const input of inputs.slice(warmup)) {
    const t = performance.now();
    await fn(input);
    ms.push(performance.now() - t);
  }
  const c = process.cpuUsage(c0);
  ms.sort((a, b) => a - b);
  return { name, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), cpuMs: (c.user + c.system) / 1000 / ms.length };
}

export async function measureTraceLookupCosts(store: RegionStore, queries: TelemetryQueries, regionId: string, tenant: string, runs: number): Promise<Cost[]> {
  const warmup = 5;
  // As traceById reads (libs/storage-clickhouse/src/queries/sql.ts): without column statistics.
  const read = async (query: string, params: Record<string, unknown> = {}) =>
    (await store.client.query({ query: `${query}\nSETTINGS use_statistics = 0`, query_params: params, format: 'JSON' })).json();
  const { data } = (await read(
    `SELECT trace_id FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String} ORDER BY cityHash64(trace_id, 13) LIMIT {n:UInt32}`,
    { tenant, n: warmup + runs },
  )) as { data: { trace_id: string }[] };
  const ids = data.map((r) => r.trace_id);
  if (ids.length < warmup + runs) throw new Error(`only ${ids.length} traces to look up`);
  const summary = `SELECT (min(start_ts), max(end_ts), sum(span_count), groupUniqArrayArray(services))
    FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}`;
  const spansOf = (columns: string) => `WITH (${summary}) AS summary SELECT ${columns} FROM ${store.table('spans')}
    WHERE tenant_id = {tenant:String} AND service IN summary.4 AND trace_id = {trace:String} AND ts >= summary.1 AND ts <= summary.2
    ORDER BY ts, span_id`;
  return [
    await cost('engine round trip (SELECT 1)', ids, warmup, () => read('SELECT 1')),
    await cost('trace_summaries lookup alone', ids, warmup, (trace) => read(summary, { tenant, trace })),
    await cost('planning the full column list (no rows)', ids, warmup, (trace) =>
      read(`SELECT ${STORED_SPAN_COLUMNS} FROM ${store.table('spans')} WHERE tenant_id = {tenant:String} AND trace_id = {trace:String} ORDER BY ts, span_id`, {
        tenant: `${tenant}-none`,
        trace,
      }),
    ),
    await cost('span ids of the trace (summary, key ranges, bloom index)', ids, warmup, (trace) => read(spansOf('span_id'), { tenant, trace })),
    await cost('the twelve columns a waterfall draws', ids, warmup, (trace) => read(spansOf(WATERFALL_COLUMNS), { tenant, trace })),
    await cost('every column (traceById)', ids, warmup, (trace) => queries.traceById(regionId, tenant, trace)),
  ];
}

if (process.argv[1] === __filename) {
  const spans = Number(process.env.BENCH_TRACE_SPANS ?? 10_000_000);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 55);
  runStandalone('trace lookup costs', async ({ ch, store, regionId, log }) => {
    const tenant = 'bench';
    await loadVolume({
      store,
      tenantId: tenant,
      targetRows: spans,
      currentRows: 0,
      chunkRows: 1_000_000,
      nowNs: BigInt(Date.now()) * 1_000_000n,
      salt: 20261207,
      log,
    });
    for (const t of ['spans', 'trace_summaries']) await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
    // The rollups' background merges would compete with the timed reads for the cores.
    await waitForMerges(store);
    const costs = await measureTraceLookupCosts(store, new TelemetryQueries(ch), regionId, tenant, runs);
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `\n${renderTable([
        { figure: `trace lookup over ${fmt(spans / 1e6, 1)}M spans, by pieces: p50 / p95 (CPU per query)`, value: '' },
        ...costs.map((c) => ({ figure: `  ${c.name}`, value: `${ms(c.p50Ms)} / ${ms(c.p95Ms)} (${ms(c.cpuMs)})` })),
      ])}`,
    );
  });
}
