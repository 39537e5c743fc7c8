/**
 * Service map latency: `ServiceMapQueries.serviceMap` (what `GET /api/v1/tenants/{tenant}/service-map`
 * calls) timed in-process over a tenant whose every transaction calls another service over HTTP
 * at one of 3 pod addresses (so each callee is found by the parent/child pair, the costly path) and that
 * service's database: 4 spans per call, 10 services, spread over the hour before now. The callee
 * side of every call is inserted before the caller side, in other inserts, as it arrives from
 * two processes.
 *
 * Alone: `node scripts/run-ts.js bench/src/service-map-latency.ts`; BENCH_SERVICE_MAP_SPANS
 * (default 4,000,000) spans, BENCH_LATENCY_RUNS (default 20) timed runs per window.
 */
import { ServiceMapQueries, type RegionStore } from '@meridian/storage-clickhouse';
import { type LatencyStats, repeat } from './latency';
import { fmt, renderTable } from './report';
import { runStandalone } from './standalone';

const SERVICES = ['frontend', 'checkout', 'cart', 'catalog', 'payments', 'shipping', 'accounts', 'search', 'recommend', 'inventory'];
const CHUNK_CALLS = 250_000;

export interface ServiceMapCase extends LatencyStats {
  window: string;
  edges: number;
  nodes: number;
}

/**
 * Calls [start, start + count) as spans (the parts in {parts}): part 0 the caller's SERVER span, 1 its HTTP CLIENT
 * span, 2 the callee's SERVER span (child of 1), 3 the callee's database CLIENT span.
 */
function callsInsertSql(table: string, start: number, count: number): string {
  const sid = (k: number) => `leftPad(lower(hex(cityHash64({salt:UInt64}, n, ${k}))), 16, '0')`;
  const arr = `[${SERVICES.map((s) => `'${s}'`).join(', ')}]`;
  return `INSERT INTO ${table} (tenant_id, ts, duration_ns, trace_id, span_id, parent_span_id, service, span_name, endpoint, kind, is_entry,
    txn_service, txn_endpoint, status_code, is_error, http_method, http_status, http_route, db_system, db_name, db_instance, db_operation,
    attributes, retention_days)
  SELECT {tenant:String}, fromUnixTimestamp64Nano(toInt64(t0 + part * 1000000)), dur, trace_id,
    [${sid(0)}, ${sid(1)}, ${sid(2)}, ${sid(3)}][part + 1],
    ['', ${sid(0)}, ${sid(1)}, ${sid(2)}][part + 1],
    if(part < 2, caller, callee), name, name,
    ['SERVER', 'CLIENT', 'SERVER', 'CLIENT'][part + 1], part IN (0, 2), if(part < 2, caller, callee), name,
    if(err, 'ERROR', 'UNSET'), err, if(part = 3, '', 'GET'), if(part = 3, 0, if(err, 500, 200)), if(part IN (0, 2), '/x', ''),
    if(part = 3, 'postgresql', ''), if(part = 3, 'shop', ''), if(part = 3, concat('db-', callee, ':5432'), ''), if(part = 3, 'SELECT', ''),
    if(part = 1, map('http.request.method', 'GET', 'server.address', concat('10.42.', toString(callee_i), '.', toString(h % 3)), 'server.port', '8080'), map()),
    30
  FROM (
    SELECT number AS n, cityHash64({salt:UInt64}, n) AS h,
      lower(hex(MD5(concat(toString({salt:UInt64}), '-', toString(n))))) AS trace_id,
      h % 10 AS caller_i, (caller_i + 1 + cityHash64(h, 1) % 9) % 10 AS callee_i,
      ${arr}[caller_i + 1] AS caller, ${arr}[callee_i + 1] AS callee,
      {now_ns:Int64} - toInt64(cityHash64(h, 2) % 3600000000000) AS t0,
      (cityHash64(h, 3) % 100) < 2 AS err,
      arrayJoin({parts:Array(UInt8)}) AS part,
      toUInt64(20000000 - part * 4000000 + cityHash64(h, 4) % 10000000) AS dur,
      ['GET /checkout', 'GET', 'GET /x', 'SELECT shop.orders'][part + 1] AS name
    FROM numbers(${start}, ${count})
  )`;
}

export async function loadCalls(store: RegionStore, tenant: string, calls: number, nowMs: number, log: (l: string) => void): Promise<void> {
  for (let start = 0; start < calls; start += CHUNK_CALLS) {
    const count = Math.min(CHUNK_CALLS, calls - start);
    // The callee side first, the caller side in another insert.
    for (const parts of [
      [2, 3],
      [0, 1],
    ]) {
      await store.client.command({
        query: callsInsertSql(store.table('spans'), start, count),
        query_params: { tenant, salt: 20261207, now_ns: BigInt(nowMs) * 1_000_000n, parts },
        clickhouse_settings: { max_insert_threads: '2' },
      });
    }
    log(`  loaded ${fmt(start + count)} calls (${fmt((start + count) * 4)} spans)`);
  }
}

export async function measureServiceMap(o: {
  queries: ServiceMapQueries;
  regionId: string;
  tenantId: string;
  nowMs: number;
  runs: number;
  log: (l: string) => void;
}): Promise<ServiceMapCase[]> {
  const out: ServiceMapCase[] = [];
  for (const [window, ms] of [
    ['1 h', 3600_000],
    ['15 min', 900_000],
  ] as const) {
    const r = await repeat(() => o.queries.serviceMap(o.regionId, o.tenantId, { from: new Date(o.nowMs - ms), to: new Date(o.nowMs) }), o.runs, 2);
    const byTrace = r.last.edges.filter((e) => e.resolvedBy === 'trace').length;
    out.push({ window, edges: r.last.edges.length, nodes: r.last.nodes.length, ...r.stats });
    o.log(`  ${window}: p50 ${r.stats.p50Ms.toFixed(1)} ms, p95 ${r.stats.p95Ms.toFixed(1)} ms, ${r.last.edges.length} edges (${byTrace} by trace)`);
  }
  return out;
}

// Alone: a fresh embedded store, parts merged.
if (process.argv[1] === __filename) {
  const spans = Number(process.env.BENCH_SERVICE_MAP_SPANS ?? 4_000_000);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 20);
  runStandalone('service map', async ({ ch, store, regionId, log }) => {
    const nowMs = Date.now();
    await loadCalls(store, 'bench', Math.ceil(spans / 4), nowMs, log);
    for (const t of ['service_calls_1m', 'service_call_links', 'service_red_1m'])
      await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
    const rows = async (t: string) =>
      Number((await (await store.client.query({ query: `SELECT count() AS n FROM ${store.table(t)}`, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);
    const [links, calls] = [await rows('service_call_links'), await rows('service_calls_1m')];
    const [bytes] = await (
      await store.client.query({
        query: `SELECT sum(data_compressed_bytes) AS b FROM system.parts WHERE database = {db:String} AND table = 'service_call_links' AND active`,
        query_params: { db: store.database },
        format: 'JSONEachRow',
      })
    ).json<{ b: string }>();
    const cases = await measureServiceMap({ queries: new ServiceMapQueries(ch), regionId, tenantId: 'bench', nowMs, runs, log });
    console.log(
      `\n${renderTable([
        { figure: `service map over ${fmt(spans / 1e6, 1)}M spans (${fmt(links)} link rows, ${fmt(calls)} call rollup rows): p50 / p95`, value: '' },
        { figure: '  link rows on disk', value: `${fmt(Number(bytes.b) / links, 1)} B/row` },
        ...cases.map((c) => ({ figure: `  ${c.window}`, value: `${c.p50Ms.toFixed(1)} ms / ${c.p95Ms.toFixed(1)} ms (${c.nodes} nodes, ${c.edges} edges)` })),
      ])}`,
    );
  });
}
