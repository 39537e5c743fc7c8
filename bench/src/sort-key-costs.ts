/**
 * What the `spans` sort key costs and buys (issue 13: ≤ 35 B/span, trace by id ≤ 20 ms). The
 * same volume spans in `spans` (ORDER BY tenant, service, endpoint, ts) and in copies sorted so a
 * trace's spans lie together (tenant, a time bucket, trace id, ts), each merged to one part:
 *  - bytes per span, total and for the id columns (a random trace id is 16 bytes of entropy per
 *    row unless the rows of one trace sit side by side);
 *  - a trace lookup: the trace's time range from `trace_summaries`, then every column;
 *  - a windowed read by service (15 min, p95 of durations), which the current key prunes by its
 *    prefix and a trace-ordered key cannot.
 *
 * `node scripts/run-ts.js bench/src/sort-key-costs.ts` (BENCH_TRACE_SPANS, default 10,000,000).
 */
import { type RegionStore, STORED_SPAN_COLUMNS } from '@meridian/storage-clickhouse';
import { fmt, renderTable } from './report';
import { runStandalone } from './standalone';
import { cost, type Cost } from './trace-lookup-costs';
import { loadVolume, VOLUME_SERVICES, waitForMerges } from './volume';

const VARIANTS = [
  { table: 'spans', orderBy: '(schema) tenant_id, service, endpoint, ts' },
  { table: 'spans_by_trace_hour', orderBy: 'tenant_id, toStartOfHour(ts), trace_id, ts' },
  { table: 'spans_by_trace_10min', orderBy: 'tenant_id, toStartOfTenMinutes(ts), trace_id, ts' },
  // Within a service, its spans of one trace together (the volume's traces stay in one service).
  { table: 'spans_by_service_trace', orderBy: 'tenant_id, service, toStartOfTenMinutes(ts), trace_id, ts' },
];
const ID_COLUMNS = ['trace_id', 'span_id', 'parent_span_id'];
const WARMUP = 5;

async function rows<T>(store: RegionStore, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await (await store.client.query({ query, query_params: params, format: 'JSON' })).json<T>()).data;
}

if (process.argv[1] === __filename) {
  const spans = Number(process.env.BENCH_TRACE_SPANS ?? 10_000_000);
  const runs = Number(process.env.BENCH_LATENCY_RUNS ?? 55);
  runStandalone('sort key costs', async ({ store, log }) => {
    const tenant = 'bench';
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    await loadVolume({ store, tenantId: tenant, targetRows: spans, currentRows: 0, chunkRows: 1_000_000, nowNs, salt: 20261207, log });
    for (const v of VARIANTS.slice(1)) {
      log(`copying into ${v.table} …`);
      await store.client.command({
        query: `CREATE TABLE ${store.table(v.table)} AS ${store.table('spans')} ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (${v.orderBy})`,
      });
      await store.client.command({ query: `INSERT INTO ${store.table(v.table)} SELECT * FROM ${store.table('spans')}` });
    }
    for (const t of [...VARIANTS.map((v) => v.table), 'trace_summaries']) await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
    await waitForMerges(store);

    const ids = (
      await rows<{ trace_id: string }>(
        store,
        `SELECT trace_id FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String} ORDER BY cityHash64(trace_id, 13) LIMIT {n:UInt32}`,
        { tenant, n: runs + WARMUP },
      )
    ).map((r) => r.trace_id);
    // 15-minute windows of one service, each 20–49 min back (the volume covers the last hour).
    const windows = ids.map((_, i) => ({ service: VOLUME_SERVICES[i % VOLUME_SERVICES.length], back: 20 + (i % 30) }));
    const table: Array<{ figure: string; value: string }> = [];
    for (const v of VARIANTS) {
      const columns = await rows<{ column: string; bytes: string }>(
        store,
        `SELECT name AS column, toString(data_compressed_bytes) AS bytes FROM system.columns WHERE database = {db:String} AND table = {t:String}`,
        { db: store.database, t: v.table },
      );
      const total = columns.reduce((s, c) => s + Number(c.bytes), 0);
      const idBytes = columns.filter((c) => ID_COLUMNS.includes(c.column)).reduce((s, c) => s + Number(c.bytes), 0);
      const lookup = await cost('trace lookup', ids, WARMUP, (trace) =>
        rows(
          store,
          `WITH (SELECT (min(start_ts), max(end_ts)) FROM ${store.table('trace_summaries')} WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}) AS s
          SELECT ${STORED_SPAN_COLUMNS} FROM ${store.table(v.table)}
          WHERE tenant_id = {tenant:String} AND trace_id = {trace:String} AND ts >= s.1 AND ts <= s.2 ORDER BY ts, span_id`,
          { tenant, trace },
        ),
      );
      const byService = await cost('one service', windows, WARMUP, ({ service, back }) =>
        rows(
          store,
          `SELECT endpoint, count() AS n, quantile(0.95)(duration_ns) AS p95 FROM ${store.table(v.table)}
          WHERE tenant_id = {tenant:String} AND service = {service:String} AND ts >= now64(9) - toIntervalMinute({back:UInt32} + 15) AND ts < now64(9) - toIntervalMinute({back:UInt32})
          GROUP BY endpoint`,
          { tenant, service, back },
        ),
      );
      const ms = (c: Cost) => `${c.p50Ms.toFixed(1)} / ${c.p95Ms.toFixed(1)} ms`;
      table.push(
        { figure: `ORDER BY ${v.orderBy}`, value: '' },
        { figure: '  bytes per span (ids)', value: `${fmt(total / spans, 1)} (${fmt(idBytes / spans, 1)})` },
        { figure: '  trace lookup, every column: p50 / p95', value: ms(lookup) },
        { figure: '  one service, 15 min, p95 per endpoint: p50 / p95', value: ms(byService) },
      );
    }
    console.log(`\n${renderTable([{ figure: `spans sort keys over ${fmt(spans / 1e6, 1)}M volume spans`, value: '' }, ...table])}`);
  });
}
