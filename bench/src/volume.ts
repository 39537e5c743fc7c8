/**
 * Query-latency volume: spans generated inside ClickHouse (`INSERT INTO spans SELECT … FROM
 * numbers(…)`) in bounded chunks, so the materialized views fill hitmap_5s, trace_summaries, … as
 * they do for ingested rows. Shape: 10 services × 10 endpoints, traces of 3–4 spans (a SERVER
 * entry span and CLIENT database spans; 30 % of rows are entry spans), log-normal durations
 * around a per-endpoint median with slow tails (1 % 1–30 s, 0.2 % 30–90 s), ~3 % failing
 * traces, start times spread over the hour before `nowNs`, random-looking trace and span ids
 * (hashes of the row number and a salt), literal-carrying SQL.
 */
import { cpus } from 'node:os';
import type { RegionStore } from '@meridian/storage-clickhouse';

export const VOLUME_SERVICES = ['frontend', 'checkout', 'cart', 'catalog', 'payments', 'shipping', 'accounts', 'search', 'recommend', 'inventory'] as const;
const ROUTES = ['/', '/items/:id', '/search', '/cart', '/checkout', '/orders/:id', '/login', '/me', '/api/v2/products', '/reviews/:id'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'GET', 'POST', 'GET', 'GET', 'PUT'];
const STATEMENTS: [string, string, string][] = [
  ['SELECT', 'orders', 'SELECT id, status, total_cents FROM orders WHERE id = %s AND customer_id = %s'],
  ['SELECT', 'order_items', 'SELECT sku, qty, price_cents FROM order_items WHERE order_id = %s ORDER BY line_no'],
  ['UPDATE', 'orders', "UPDATE orders SET status = 'paid', updated_at = now() WHERE id = %s"],
  ['INSERT', 'events', "INSERT INTO events (order_id, kind) VALUES (%s, 'created')"],
  ['SELECT', 'products', 'SELECT * FROM products WHERE sku IN (%s, %s, %s)'],
  ['SELECT', 'customers', 'SELECT id, email, tier FROM customers WHERE id = %s'],
  ['SELECT', 'stock', 'SELECT available FROM stock WHERE product_id = %s AND warehouse_id = %s'],
  ['DELETE', 'sessions', 'DELETE FROM sessions WHERE expires_at < %s'],
];

/** INSERT … SELECT pipelines (generation and views run in each); the machine's cores. */
const INSERT_THREADS = Math.max(1, cpus().length);

const arr = (items: readonly string[]) => `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;

/** The INSERT … SELECT for rows [start, start + count); parameters: tenant, now_ns, salt. */
export function volumeInsertSql(table: string, start: number, count: number): string {
  // u(k): a uniform in (0, 1) fixed per trace (h = trace hash) and k.
  const u = (k: number) => `((cityHash64(h, ${k}) % 1000000) + 0.5) / 1000000`;
  const spanId = (n: string) => `leftPad(lower(hex(cityHash64({salt:UInt64}, ${n}))), 16, '0')`;
  return `INSERT INTO ${table} (tenant_id, ts, duration_ns, trace_id, span_id, parent_span_id, service, span_name, endpoint, kind, is_entry,
    txn_service, txn_endpoint, status_code, status_message, is_error, http_method, http_status, http_route, url_path,
    db_system, db_name, db_instance, db_operation, db_statement, db_fingerprint, host_name, scope_name, scope_version,
    resource_attributes, attributes, retention_days)
  SELECT
    {tenant:String}, fromUnixTimestamp64Nano(span_start), span_dur, trace_id, ${spanId('n')},
    if(entry, '', ${spanId('n - child')}),
    service, if(entry, txn_endpoint, concat(op, ' ', db_name, '.', tbl)), if(entry, txn_endpoint, concat(op, ' ', db_name, '.', tbl)),
    if(entry, 'SERVER', 'CLIENT'), entry, service, txn_endpoint,
    if(err, 'ERROR', 'UNSET'), if(err, if(entry, 'HTTP 500', 'canceling statement due to statement timeout'), ''), err,
    if(entry, method, ''), if(entry, if(err, 500, 200), 0), if(entry, route, ''), if(entry, replaceAll(route, ':id', toString(lit1)), ''),
    if(entry, '', db_system), if(entry, '', db_name), if(entry, '', db_instance), if(entry, '', op),
    if(entry, '', statement), if(entry, '', fingerprint),
    host, if(entry, '@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg'), '0.203.0',
    map('service.name', service, 'service.version', '2.4.1', 'service.instance.id', concat(host, '-', toString(svc * 7919)),
      'host.name', host, 'deployment.environment.name', 'production', 'cloud.region', 'ap-northeast-1',
      'process.pid', toString(4000 + svc), 'process.runtime.name', 'nodejs', 'telemetry.sdk.language', 'nodejs',
      'telemetry.sdk.name', 'opentelemetry', 'telemetry.sdk.version', '2.12.1'),
    if(entry,
      map('http.request.method', method, 'http.route', route, 'url.path', replaceAll(route, ':id', toString(lit1)),
        'http.response.status_code', if(err, '500', '200'), 'server.address', concat(service, '.shop.example.com'),
        'client.address', concat('10.1.', toString(lit2 % 256), '.', toString(lit1 % 254 + 1)), 'user_agent.original', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)'),
      map('db.system.name', db_system, 'db.namespace', db_name, 'db.operation.name', op, 'db.collection.name', tbl,
        'db.query.text', statement, 'server.address', concat('db-', service, '.internal'), 'server.port', '5432')),
    30
  FROM (
    SELECT
      number AS n,
      number % 10 AS r,
      multiIf(r < 3, 0, r < 6, 1, 2) AS tr,
      r IN (0, 3, 6) AS entry,
      r - multiIf(r < 3, 0, r < 6, 3, 6) AS child,
      if(tr = 2, 3, 2) AS children,
      intDiv(number, 10) * 3 + tr AS trace_no,
      cityHash64({salt:UInt64}, trace_no) AS h,
      lower(hex(MD5(concat(toString({salt:UInt64}), '-', toString(trace_no))))) AS trace_id,
      h % 10 AS svc,
      cityHash64(h, 1) % 10 AS ep,
      ${arr(VOLUME_SERVICES)}[svc + 1] AS service,
      ${arr(ROUTES)}[ep + 1] AS route,
      ${arr(METHODS)}[ep + 1] AS method,
      concat(method, ' ', route) AS txn_endpoint,
      concat(service, '-', toString(h % 4)) AS host,
      if(svc % 3 = 0, 'mysql', 'postgresql') AS db_system,
      concat(service, '_db') AS db_name,
      concat('db-', service, '.internal:', if(svc % 3 = 0, '3306', '5432')) AS db_instance,
      -- trace: entry duration and start, failure
      20 + (svc * 37 + ep * 53) % 180 AS median_ms,
      ${u(4)} AS u_tail,
      multiIf(u_tail < 0.002, 30000 + ${u(5)} * 60000,
              u_tail < 0.012, 1000 + ${u(5)} * 29000,
              median_ms * exp(0.7 * sqrt(-2 * log(${u(2)})) * cos(2 * pi() * ${u(3)}))) AS dur_ms,
      toUInt64(greatest(dur_ms, 0.2) * 1000000) AS trace_dur,
      toInt64({now_ns:Int64}) - toInt64(trace_dur) - toInt64(${u(6)} * 3500e9) AS trace_start,
      ${u(7)} < 0.03 AS trace_err,
      -- this row: the entry span, or database call number child (1..children) inside it
      if(entry, trace_start, trace_start + toInt64(trace_dur * (0.05 + 0.9 * (child - 1) / children))) AS span_start,
      if(entry, trace_dur, toUInt64(trace_dur * 0.9 / children * (0.2 + 0.7 * randCanonical()))) AS span_dur,
      toUInt8(trace_err AND (entry OR child = children)) AS err,
      cityHash64(n, 'stmt') % ${STATEMENTS.length} AS stmt_i,
      ${arr(STATEMENTS.map((s) => s[0]))}[stmt_i + 1] AS op,
      ${arr(STATEMENTS.map((s) => s[1]))}[stmt_i + 1] AS tbl,
      ${arr(STATEMENTS.map((s) => s[2]))}[stmt_i + 1] AS template,
      cityHash64(n, 'lit1') % 9999999 AS lit1,
      cityHash64(n, 'lit2') % 99999 AS lit2,
      replaceOne(replaceOne(replaceOne(template, '%s', toString(lit1)), '%s', toString(lit2)), '%s', toString(lit1 + lit2)) AS statement,
      replaceAll(template, '%s', '?') AS fingerprint
    FROM numbers_mt(${start}, ${count})
  )
  SETTINGS max_insert_threads = ${INSERT_THREADS}`;
}

export interface VolumeOptions {
  store: RegionStore;
  tenantId: string;
  /** Rows the tenant should hold at least when done. */
  targetRows: number;
  currentRows: number;
  chunkRows: number;
  nowNs: bigint;
  salt: number;
  log: (line: string) => void;
}

export interface VolumeResult {
  insertedRows: number;
  chunks: number;
  loadMs: number;
  rowsPerSec: number;
}

export async function loadVolume(opts: VolumeOptions): Promise<VolumeResult> {
  const need = Math.max(0, opts.targetRows - opts.currentRows);
  // Whole blocks of 10 rows keep every trace complete.
  const total = Math.ceil(need / 10) * 10;
  const chunk = Math.max(10, Math.floor(opts.chunkRows / 10) * 10);
  const t0 = performance.now();
  let chunks = 0;
  for (let start = 0; start < total; start += chunk) {
    const count = Math.min(chunk, total - start);
    await opts.store.client.command({
      query: volumeInsertSql(opts.store.table('spans'), start, count),
      query_params: { tenant: opts.tenantId, now_ns: opts.nowNs.toString(), salt: opts.salt },
    });
    chunks++;
    const done = start + count;
    const s = (performance.now() - t0) / 1000;
    opts.log(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} rows, ${(done / s).toFixed(0)} rows/s`);
  }
  const loadMs = performance.now() - t0;
  return { insertedRows: total, chunks, loadMs, rowsPerSec: total > 0 ? total / (loadMs / 1000) : 0 };
}

/** Waits (≤ 2 min) until the engine runs no merge, so background merges do not compete with what is timed next. */
export async function waitForMerges(store: RegionStore): Promise<void> {
  for (let wait = 0; wait < 240; wait++) {
    const [{ n }] = await (await store.client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' })).json<{ n: string }>();
    if (Number(n) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
