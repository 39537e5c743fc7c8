/**
 * Measures RowWriter insert throughput of pre-encoded Native spans (the bus's body) into embedded chdb
 * (batches of 10k, as the ingester sends them) and stored bytes per span after merges.
 *   node scripts/run-ts.js libs/storage-clickhouse/bench/insert-bench.ts [spans=1000000] [batch=10000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNativeRows, nanosToDateTime64, type SpanRow } from '@meridian/domain';
import { ClickHouseClients, migrateRegion, RowWriter } from '../src';
import { makeSpanRow, randomHexId } from '../src/testing';

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = Number(process.argv[3] ?? 10_000);

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
/** Log-normal-ish duration in ms around `medianMs`. */
const duration = (medianMs: number) => medianMs * Math.exp((rand() + rand() + rand() - 1.5) * 1.6);

const services = ['checkout', 'cart', 'catalog', 'payments', 'users', 'search', 'shipping', 'inventory', 'gateway', 'notifications'];
const routes = ['/api/orders/{id}', '/api/orders', '/api/cart', '/api/items/{id}', '/api/search', '/api/users/{id}', '/api/pay', '/health'];
const methods = ['GET', 'GET', 'GET', 'POST', 'PUT'];
const tenants = ['tenant-a', 'tenant-b', 'tenant-c'];
const sqls: Array<[string, string]> = [
  ['SELECT * FROM orders WHERE id = 42', 'select * from orders where id = ?'],
  ['SELECT id, name, price FROM items WHERE id IN (1, 2, 3)', 'select id, name, price from items where id in (?)'],
  ["UPDATE carts SET updated_at = now() WHERE user_id = 'u-1'", 'update carts set updated_at = now() where user_id = ?'],
  ["INSERT INTO orders (user_id, total) VALUES ('u-1', 12.5)", 'insert into orders (user_id, total) values (?, ?)'],
  ['SELECT count(*) FROM items WHERE category = 3', 'select count(*) from items where category = ?'],
];

function traceRows(startNs: bigint): SpanRow[] {
  const tenant = pick(tenants);
  const service = pick(services);
  const method = pick(methods);
  const route = pick(routes);
  const endpoint = `${method} ${route}`;
  const traceId = randomHexId(16);
  const rootId = randomHexId(8);
  const isError = rand() < 0.03 ? 1 : 0;
  const rootMs = duration(80);
  const host = `${service}-${Math.floor(rand() * 4)}`;
  const resource = {
    'service.name': service,
    'host.name': host,
    'k8s.pod.name': `${host}-7d9f8c`,
    'service.version': '1.4.2',
    'telemetry.sdk.language': 'nodejs',
  };
  const base = {
    tenant_id: tenant,
    trace_id: traceId,
    trace_state: '',
    service,
    txn_service: service,
    txn_endpoint: endpoint,
    status_message: '',
    peer_service: '',
    host_name: host,
    scope_version: '0.223.0',
    resource_attributes: resource,
    events_ts: [] as string[],
    events_name: [] as string[],
    events_attributes: [] as Record<string, string>[],
    links_trace_id: [] as string[],
    links_span_id: [] as string[],
    retention_days: 7,
  };
  // The root: makeSpanRow's defaults are an HTTP server entry span, no database columns.
  const rows: SpanRow[] = [
    makeSpanRow({
      ...base,
      startNanos: startNs,
      durationMs: rootMs,
      span_id: rootId,
      span_name: endpoint,
      endpoint,
      status_code: isError ? 'ERROR' : 'UNSET',
      is_error: isError,
      http_method: method,
      http_status: isError ? 500 : 200,
      http_route: route,
      url_path: route.replace('{id}', String(Math.floor(rand() * 100000))),
      attributes: {
        'http.request.method': method,
        'http.route': route,
        'user_agent.original': 'Mozilla/5.0',
        'client.address': `10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
      },
    }),
  ];
  const children = 2 + Math.floor(rand() * 7);
  for (let i = 0; i < children; i++) {
    const [stmt, fp] = pick(sqls);
    const childStart = startNs + BigInt(Math.floor(rand() * rootMs * 0.8 * 1e6));
    rows.push({
      ...base,
      ts: nanosToDateTime64(childStart),
      duration_ns: String(Math.round(duration(3) * 1e6)),
      span_id: randomHexId(8),
      parent_span_id: rootId,
      span_name: fp.split(' ').slice(0, 2).join(' '),
      endpoint: fp.split(' ').slice(0, 2).join(' '),
      kind: 'CLIENT',
      is_entry: 0,
      status_code: 'UNSET',
      is_error: 0,
      http_method: '',
      http_status: 0,
      http_route: '',
      url_path: '',
      db_system: 'postgresql',
      db_name: 'shop',
      db_instance: `pg-${Math.floor(rand() * 3)}:5432`,
      db_operation: fp.split(' ')[0].toUpperCase(),
      db_statement: stmt,
      db_fingerprint: fp,
      scope_name: '@opentelemetry/instrumentation-pg',
      attributes: { 'db.system': 'postgresql', 'db.name': 'shop', 'server.address': 'pg', 'server.port': '5432' },
    });
  }
  return rows;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-chdb-'));
  const clients = new ClickHouseClients({ embeddedDataDir: dir, regions: [{ id: 'bench', database: 'bench', clickhouse: { mode: 'embedded' } }] });
  try {
    const store = clients.forRegion('bench');
    await migrateRegion(store);
    const writer = new RowWriter(clients);

    // Pre-serialize every batch first: only the insert is timed. Traces over the last ~2 hours.
    const batches: Buffer[] = [];
    let rows: SpanRow[] = [];
    let made = 0;
    let t = BigInt(Date.now() - 2 * 3600_000) * 1_000_000n;
    const stepNs = (2n * 3600n * 1_000_000_000n) / BigInt(Math.ceil(total / 5));
    while (made < total) {
      for (const r of traceRows(t)) {
        if (made >= total) break;
        rows.push(r);
        made++;
        if (rows.length === batchSize) {
          batches.push(encodeNativeRows('spans', rows));
          rows = [];
        }
      }
      t += stepNs;
    }
    if (rows.length) batches.push(encodeNativeRows('spans', rows));
    const bodyBytes = batches.reduce((n, b) => n + b.length, 0);

    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batches.length; i++) await writer.insert('bench', 'spans', batches[i], `bench-${i}`, 'Native');
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;

    const t1 = process.hrtime.bigint();
    for (const table of ['spans', 'trace_summaries', 'hitmap_5s', 'service_red_1m', 'sql_stats_1m'])
      await store.client.command({ query: `OPTIMIZE TABLE ${store.table(table)} FINAL` });
    const mergeSecs = Number(process.hrtime.bigint() - t1) / 1e9;

    const rs = await store.client.query({
      query: `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed, count() AS parts
        FROM system.parts WHERE database = 'bench' AND active GROUP BY table ORDER BY table SETTINGS output_format_json_quote_64bit_integers = 0`,
      format: 'JSONEachRow',
    });
    const parts = await rs.json<{ table: string; rows: number; compressed: number; uncompressed: number; parts: number }>();
    const spans = parts.find((p) => p.table === 'spans')!;
    console.log(
      JSON.stringify(
        {
          spans: total,
          batches: batches.length,
          batchSize,
          insertSeconds: +secs.toFixed(2),
          rowsPerSecond: Math.round(total / secs),
          nativeBodyBytesPerSpan: Math.round(bodyBytes / total),
          optimizeFinalSeconds: +mergeSecs.toFixed(2),
          storedBytesPerSpan: +(spans.compressed / spans.rows).toFixed(1),
          uncompressedBytesPerSpan: +(spans.uncompressed / spans.rows).toFixed(1),
          tables: parts.map((p) => ({ ...p, bytesPerSpan: +(p.compressed / total).toFixed(2) })),
        },
        null,
        2,
      ),
    );
  } finally {
    await clients.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
