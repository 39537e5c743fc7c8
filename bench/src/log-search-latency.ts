/**
 * Logs explorer latency: the searches an SRE runs on /logs, timed in-process through
 * LogSearchQueries (what `GET /api/v1/tenants/{tenant}/logs` and `…/logs/histogram` call) over
 * `rows` log records of one tenant, spread over the day before `nowMs` (10 services, 85 % INFO,
 * 7 % WARN, 3 % ERROR, 5 % DEBUG, 70 % with a trace id, ~20 body templates with numbers in them,
 * and one "Payment gateway TIMEOUT" record per 100,003). The body search's skipping index
 * (ngrambf_v1 on lowerUTF8(body)) is measured against the same query with skip indexes off,
 * with the granules EXPLAIN indexes = 1 says each reads.
 *
 * Alone: `node scripts/run-ts.js bench/src/log-search-latency.ts` loads BENCH_LOG_ROWS (default
 * 5,000,000) records into a fresh embedded store, merges them and prints the table.
 */
import { LogSearchQueries, type LogsQuery, type RegionStore } from '@meridian/storage-clickhouse';
import { type LatencyStats, repeat } from './latency';
import { fmt, renderTable } from './report';
import { runStandalone } from './standalone';

const DAY_MS = 86400_000;
/** One needle per this many records. */
const NEEDLE_EVERY = 100_003;
const CHUNK_ROWS = 1_000_000;

export interface LogSearchCase extends LatencyStats {
  name: string;
  records: number;
}

export interface LogSearchLatencyResult {
  rows: number;
  loadMs: number;
  cases: LogSearchCase[];
  /** The rare-text count over the day, with and without skip indexes: latency and granules read. */
  index: { withMs: number; withoutMs: number; granulesRead: number; granulesTotal: number; indexBytesPerRow: number; bodyBytesPerRow: number };
}

export interface LogSearchLatencyOptions {
  store: RegionStore;
  queries: LogSearchQueries;
  regionId: string;
  tenantId: string;
  rows: number;
  nowMs: number;
  runs: number;
  log: (line: string) => void;
}

/** Loads `rows` records with INSERT … SELECT inside ClickHouse (no client round trip per row). */
async function loadLogs(o: LogSearchLatencyOptions): Promise<void> {
  const logs = o.store.table('logs');
  for (let offset = 0; offset < o.rows; offset += CHUNK_ROWS) {
    const chunk = Math.min(CHUNK_ROWS, o.rows - offset);
    await o.store.client.command({
      query: `INSERT INTO ${logs} (tenant_id, ts, observed_ts, trace_id, span_id, severity_number, severity_text, service, host_name, body,
          resource_attributes, attributes, scope_name, retention_days)
        SELECT {tenant:String}, t, t, trace, if(trace = '', '', lower(hex(cityHash64(n, 3)))),
          sev, multiIf(sev = 17, 'ERROR', sev = 13, 'WARN', sev = 5, 'DEBUG', 'INFO'), svc, concat(svc, '-', toString(n % 3)), body,
          map('service.name', svc, 'host.name', concat(svc, '-', toString(n % 3))), map('http.route', concat('/api/', ['cart', 'orders', 'search', 'users'][n % 4 + 1])),
          'bench', 7
        FROM (
          SELECT number + {offset:UInt64} AS n,
            fromUnixTimestamp64Milli(toInt64({now_ms:Int64} - intDiv(n * {day_ms:UInt64}, {rows:UInt64}))) AS t,
            cityHash64(n) % 1000 AS r,
            multiIf(n % {needle:UInt64} = 0, 17, r < 30, 17, r < 100, 13, r < 150, 5, 9) AS sev,
            concat('svc-', toString(n % 10)) AS svc,
            if(cityHash64(n, 7) % 10 < 7, concat(lower(hex(cityHash64(n, 1))), lower(hex(cityHash64(n, 2)))), '') AS trace,
            multiIf(
              n % {needle:UInt64} = 0, concat('Payment gateway TIMEOUT for order ', toString(n)),
              sev = 17, [concat('payment declined for order ', toString(n % 1000003), ': card expired'),
                         concat('connection reset by peer talking to inventory:8080 after ', toString(r), ' ms'),
                         concat('unhandled TypeError: cannot read properties of undefined (reading ''sku'') at CartService.add line ', toString(r))][n % 3 + 1],
              sev = 13, [concat('slow query (', toString(500 + r), ' ms) on db-cart:5432: SELECT * FROM carts WHERE customer_id = ?'),
                         concat('retrying call to payments (attempt ', toString(n % 3 + 2), ')'),
                         concat('cache miss ratio ', toString(r % 100), '% over the last minute')][n % 3 + 1],
              sev = 5, concat('exported batch of ', toString(r), ' spans in ', toString(r % 40), ' ms'),
              [concat('GET /api/cart/', toString(n % 5000), ' answered 200 in ', toString(r % 300), ' ms'),
               concat('order ', toString(n % 1000003), ' created for customer ', toString(n % 9973)),
               concat('user ', toString(n % 9973), ' signed in from 10.', toString(n % 250), '.', toString(r % 250), '.7'),
               concat('cache refreshed: ', toString(r), ' keys in ', toString(r % 90), ' ms'),
               concat('processed message ', lower(hex(cityHash64(n, 9))), ' from queue orders'),
               concat('search for "', ['shoes', 'jacket', 'socks', 'hat', 'bag'][n % 5 + 1], '" returned ', toString(r % 60), ' products'),
               concat('inventory reserved ', toString(n % 5 + 1), ' of SKU-', leftPad(toString(n % 9999), 4, '0')),
               concat('rendered page /product/', toString(n % 20000), ' in ', toString(r % 120), ' ms')][n % 8 + 1]) AS body
          FROM numbers({chunk:UInt64})
        )`,
      query_params: { tenant: o.tenantId, offset, chunk, rows: o.rows, now_ms: o.nowMs, day_ms: DAY_MS, needle: NEEDLE_EVERY },
    });
    o.log(`  ${fmt(Math.min(offset + chunk, o.rows))} / ${fmt(o.rows)} log records`);
  }
}

export async function measureLogSearch(o: LogSearchLatencyOptions): Promise<LogSearchLatencyResult> {
  const started = performance.now();
  await loadLogs(o);
  await o.store.client.command({ query: `OPTIMIZE TABLE ${o.store.table('logs')} FINAL` });
  const loadMs = performance.now() - started;
  const { queries, regionId, tenantId, nowMs } = o;
  const hour = { from: new Date(nowMs - 3600_000), to: new Date(nowMs + 1) };
  const day = { from: new Date(nowMs + 1 - DAY_MS), to: new Date(nowMs + 1) };
  const traceId = (await queries.search(regionId, tenantId, { ...hour, minSeverity: 17, limit: 100 })).find((l) => l.traceId)?.traceId;
  if (!traceId) throw new Error('no error record with a trace id in the last hour');
  const search: Array<[string, LogsQuery]> = [
    ['1 h, newest 200, no filter', hour],
    ['1 h, text "gateway timeout" (rare)', { ...hour, text: 'gateway timeout' }],
    ['24 h, text "gateway timeout" (rare)', { ...day, text: 'gateway timeout' }],
    ['1 h, text "cart" (common)', { ...hour, text: 'cart' }],
    ['24 h, text "no such words" (absent)', { ...day, text: '"no such words"' }],
    ['1 h, severity ≥ error', { ...hour, minSeverity: 17 }],
    ['1 h, service + text "declined"', { ...hour, service: 'svc-3', text: 'declined' }],
    ['1 h, attribute http.route=/api/orders', { ...hour, attribute: 'http.route=/api/orders' }],
    ['24 h, trace id', { ...day, traceId }],
  ];
  const cases: LogSearchCase[] = [];
  for (const [name, q] of search) {
    const r = await repeat(() => queries.search(regionId, tenantId, { limit: 200, ...q }), o.runs, 2);
    cases.push({ name, records: r.last.length, ...r.stats });
    o.log(`  ${name}: p50 ${r.stats.p50Ms.toFixed(1)} ms, p95 ${r.stats.p95Ms.toFixed(1)} ms, ${r.last.length} records`);
  }
  const histograms: Array<[string, LogsQuery]> = [
    ['histogram 1 h, no filter', hour],
    ['histogram 24 h, no filter', day],
    ['histogram 24 h, text "timeout"', { ...day, text: 'timeout' }],
  ];
  for (const [name, q] of histograms) {
    const r = await repeat(() => queries.histogram(regionId, tenantId, q), o.runs, 2);
    const records = r.last.buckets.reduce((n, b) => n + b.counts.reduce((a, c) => a + c, 0), 0);
    cases.push({ name, records, ...r.stats });
    o.log(`  ${name}: p50 ${r.stats.p50Ms.toFixed(1)} ms, p95 ${r.stats.p95Ms.toFixed(1)} ms, ${records} records`);
  }
  return { rows: o.rows, loadMs, cases, index: await indexEffect(o, day) };
}

/** The rare-text count over the day with skip indexes on and off, and the granules the index leaves to read. */
async function indexEffect(o: LogSearchLatencyOptions, day: { from: Date; to: Date }): Promise<LogSearchLatencyResult['index']> {
  const where = `tenant_id = {tenant:String} AND ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
    AND lowerUTF8(body) LIKE '%gateway timeout%'`;
  const params = { tenant: o.tenantId, from_ms: day.from.getTime(), to_ms: day.to.getTime() };
  const count = (skip: 0 | 1) => async () => {
    const rs = await o.store.client.query({
      query: `SELECT count() AS n FROM ${o.store.table('logs')} WHERE ${where} SETTINGS use_skip_indexes = ${skip}`,
      query_params: params,
      format: 'JSONEachRow',
    });
    return rs.json<{ n: string }>();
  };
  // Alternated, so both see the same cache and the same load from the rest of the machine.
  await count(0)();
  await count(1)();
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < Math.max(5, Math.floor(o.runs / 2)); i++) {
    on.push((await repeat(count(1), 1, 0)).stats.p50Ms);
    off.push((await repeat(count(0), 1, 0)).stats.p50Ms);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const plan = await (
    await o.store.client.query({
      query: `EXPLAIN indexes = 1 SELECT count() FROM ${o.store.table('logs')} WHERE ${where}`,
      query_params: params,
      format: 'TabSeparatedRaw',
    })
  ).text();
  const m = /Name: idx_body_ngram[\s\S]*?Granules: (\d+)\/(\d+)/.exec(plan);
  if (!m) throw new Error(`the body search did not use idx_body_ngram:\n${plan}`);
  const [sizes] = await (
    await o.store.client.query({
      query: `SELECT
          (SELECT sum(data_compressed_bytes) FROM system.data_skipping_indices WHERE database = {db:String} AND table = 'logs' AND name = 'idx_body_ngram') AS index_bytes,
          (SELECT sum(data_compressed_bytes) FROM system.columns WHERE database = {db:String} AND table = 'logs' AND name = 'body') AS body_bytes,
          (SELECT count() FROM ${o.store.table('logs')}) AS rows`,
      query_params: { db: o.store.database },
      format: 'JSONEachRow',
    })
  ).json<{ index_bytes: string; body_bytes: string; rows: string }>();
  const perRow = (bytes: string) => Number(bytes) / Number(sizes.rows);
  const r = {
    withMs: median(on),
    withoutMs: median(off),
    granulesRead: Number(m[1]),
    granulesTotal: Number(m[2]),
    indexBytesPerRow: perRow(sizes.index_bytes),
    bodyBytesPerRow: perRow(sizes.body_bytes),
  };
  o.log(
    `  rare text over 24 h: ${r.withMs.toFixed(1)} ms with the ngram index (${m[1]}/${m[2]} granules), ${r.withoutMs.toFixed(1)} ms without; index ${r.indexBytesPerRow.toFixed(2)} B/record (body ${r.bodyBytesPerRow.toFixed(2)})`,
  );
  return r;
}

export function logSearchTable(r: LogSearchLatencyResult): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return renderTable([
    { figure: `log search over ${fmt(r.rows / 1e6, 1)}M records (loaded + merged in ${fmt(r.loadMs / 1000, 1)} s): p50 / p95`, value: '' },
    ...r.cases.map((c) => ({ figure: `  ${c.name}`, value: `${ms(c.p50Ms)} / ${ms(c.p95Ms)} (${fmt(c.records)} records)` })),
    {
      figure: '  rare text over 24 h, count: ngram index on / off (p50)',
      value: `${ms(r.index.withMs)} / ${ms(r.index.withoutMs)} (${fmt(r.index.granulesRead)} of ${fmt(r.index.granulesTotal)} granules read)`,
    },
    {
      figure: '  ngram index size, compressed (body column)',
      value: `${r.index.indexBytesPerRow.toFixed(2)} B/record (${r.index.bodyBytesPerRow.toFixed(2)})`,
    },
  ]);
}

// Alone: a fresh embedded store with BENCH_LOG_ROWS records, parts merged.
if (process.argv[1] === __filename) {
  const rows = Number(process.env.BENCH_LOG_ROWS ?? 5_000_000);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 30);
  runStandalone('log search', async ({ ch, store, regionId, log }) => {
    const result = await measureLogSearch({ store, queries: new LogSearchQueries(ch), regionId, tenantId: 'bench', rows, nowMs: Date.now(), runs, log });
    console.log(`\n${logSearchTable(result)}`);
  });
}
