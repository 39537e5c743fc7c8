/**
 * `@meridian/storage-clickhouse/testing`: for specs, e2e and bench only (lint refuses the import
 * anywhere else), so production code never loads it.
 *
 * Test helpers (real ClickHouse engine, no mocks). chdb allows one data path per PROCESS and
 * jest reuses worker processes across test files, so every test file in a process shares one
 * data path, and isolation comes from unique region databases that are dropped afterwards.
 *
 * A spec file that calls `useClickHouseHttpHarness()` gets the same stores over HTTP instead
 * (`clickhouse.mode: http`): a ClickHouse HTTP test harness child process holds the engine, so
 * that test process opens no chdb at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  emptyMetricValues,
  encodeRows,
  nanosToDateTime64,
  type LogRow,
  type MetricPointRow,
  type RowsByTable,
  type RowTable,
  type SpanRow,
} from '@meridian/domain';
import { ClickHouseClients, type RegionStorageConfig, type RegionStore } from './clients';
import { migrateRegion } from './schema/migrate';
import { processAlive } from './process-alive';

const DIR_PREFIX = 'meridian-chdb-test-';

/** The chdb data path of this process for tests; removed when the process exits. */
export function testChdbDataDir(): string {
  return join(tmpdir(), `${DIR_PREFIX}${process.pid}`);
}

let cleanupRegistered = false;
function prepareDataDir(dir: string): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  // Remove data dirs left by test processes that are gone (killed workers).
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const pid = Number(name.slice(DIR_PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  process.once('exit', () => {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });
}

export interface TestClickHouse {
  clients: ClickHouseClients;
  /** Region id → store (each with its own unique database). */
  stores: Record<string, RegionStore>;
  /** Drops the test databases and closes the clients. */
  close(): Promise<void>;
}

/**
 * Opens ClickHouse for a test file (embedded, or over HTTP after `useClickHouseHttpHarness()`): one region per id, each in a fresh database
 * `t_<random>_<n>`, migrated unless `migrate: false`.
 */
export async function openTestClickHouse(regionIds: readonly string[] = ['test'], opts: { migrate?: boolean } = {}): Promise<TestClickHouse> {
  const suffix = randomBytes(5).toString('hex');
  let clients: ClickHouseClients;
  let regions: RegionStorageConfig[];
  if (harness) {
    const h = await (harness.started ??= spawnHarness(harness));
    const target = { mode: 'http' as const, url: h.url, username: HARNESS_USER, password: HARNESS_PASSWORD };
    regions = regionIds.map((id, i) => ({ id, database: `t_${suffix}_${i}`, clickhouse: target }));
    clients = new ClickHouseClients({ regions });
  } else {
    const dir = testChdbDataDir();
    prepareDataDir(dir);
    regions = regionIds.map((id, i) => ({ id, database: `t_${suffix}_${i}`, clickhouse: { mode: 'embedded' as const } }));
    clients = new ClickHouseClients({ embeddedDataDir: dir, regions });
  }
  const stores: Record<string, RegionStore> = {};
  for (const r of regions) {
    stores[r.id] = clients.forRegion(r.id);
    if (opts.migrate !== false) await migrateRegion(stores[r.id]);
  }
  return {
    clients,
    stores,
    async close() {
      try {
        for (const r of regions) await stores[r.id].client.command({ query: `DROP DATABASE IF EXISTS ${r.database} SYNC` });
      } finally {
        await clients.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// http mode: the ClickHouse HTTP test harness (libs/testing/src/clickhouse-http-harness.ts) as a
// child process, spawned by path (this data-access lib may not import the testing lib).

const REPO = resolve(__dirname, '../../..');
const HARNESS_USER = 'meridian_test';
const HARNESS_PASSWORD = randomBytes(8).toString('hex');
interface HarnessChild {
  dataDir: string;
  started?: Promise<{ url: string }>;
  child?: ChildProcess;
}
let harness: HarnessChild | undefined;

/** Whether this test file's stores are reached over HTTP (`useClickHouseHttpHarness`). */
export function testClickHouseMode(): 'embedded' | 'http' {
  return harness ? 'http' : 'embedded';
}

/**
 * Call at the top of a spec file: every `openTestClickHouse` of the file then talks HTTP
 * (`clickhouse.mode: http`, @clickhouse/client over the network) to one ClickHouse HTTP test
 * harness child process, started on first use and stopped after the file.
 */
export function useClickHouseHttpHarness(): void {
  if (harness) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-ch-harness-'));
  const h: HarnessChild = { dataDir };
  harness = h;
  afterAll(async () => {
    const child = h.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
}

function spawnHarness(h: HarnessChild): Promise<{ url: string }> {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'scripts/run-ts.js'),
      join(REPO, 'libs/testing/src/clickhouse-http-harness.script.ts'),
      JSON.stringify({ dataDir: h.dataDir, username: HARNESS_USER, password: HARNESS_PASSWORD }),
    ],
    {
      cwd: REPO,
      // stdin stays open: the harness exits when it closes, i.e. when this worker dies.
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  h.child = child;
  let out = '';
  return new Promise((resolveUrl, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /clickhouse-http-harness listening on (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl({ url: m[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code, signal) => reject(new Error(`clickhouse http harness exited (${code ?? signal}) before listening:\n${out}`)));
  });
}

// ---------------------------------------------------------------------------------------------
// Row factories: realistic defaults, override what the test is about.

/** Random lowercase hex of `bytes` bytes (32 chars for a trace id with 16). */
export function randomHexId(bytes: 16 | 8): string {
  return randomBytes(bytes).toString('hex');
}

/** Current time in unix nanoseconds (ms precision, plus `extraNanos`). */
export function nowNanos(extraNanos = 0n): bigint {
  return BigInt(Date.now()) * 1_000_000n + extraNanos;
}

export function makeSpanRow(overrides: Partial<SpanRow> & { startNanos?: bigint; durationMs?: number } = {}): SpanRow {
  const { startNanos, durationMs, ...rest } = overrides;
  return {
    tenant_id: 'tenant-a',
    ts: nanosToDateTime64(startNanos ?? nowNanos()),
    duration_ns: durationMs === undefined ? '12000000' : String(Math.round(durationMs * 1e6)),
    trace_id: randomHexId(16),
    span_id: randomHexId(8),
    parent_span_id: '',
    trace_state: '',
    service: 'checkout',
    span_name: 'GET /api/orders/{id}',
    endpoint: 'GET /api/orders/{id}',
    kind: 'SERVER',
    is_entry: 1,
    txn_service: 'checkout',
    txn_endpoint: 'GET /api/orders/{id}',
    status_code: 'UNSET',
    status_message: '',
    is_error: 0,
    http_method: 'GET',
    http_status: 200,
    http_route: '/api/orders/{id}',
    url_path: '/api/orders/42',
    db_system: '',
    db_name: '',
    db_instance: '',
    db_operation: '',
    db_statement: '',
    db_fingerprint: '',
    peer_service: '',
    host_name: 'web-1',
    scope_name: '@opentelemetry/instrumentation-http',
    scope_version: '0.223.0',
    resource_attributes: { 'service.name': 'checkout', 'host.name': 'web-1' },
    attributes: {},
    events_ts: [],
    events_name: [],
    events_attributes: [],
    links_trace_id: [],
    links_span_id: [],
    retention_days: 7,
    ...rest,
  };
}

/** A DB client span inside a transaction (child of `parent`). */
export function makeDbSpanRow(parent: SpanRow, overrides: Partial<SpanRow> & { startNanos?: bigint; durationMs?: number } = {}): SpanRow {
  return makeSpanRow({
    tenant_id: parent.tenant_id,
    trace_id: parent.trace_id,
    parent_span_id: parent.span_id,
    service: parent.service,
    span_name: 'SELECT orders',
    endpoint: 'SELECT orders',
    kind: 'CLIENT',
    is_entry: 0,
    txn_service: parent.txn_service,
    txn_endpoint: parent.txn_endpoint,
    http_method: '',
    http_status: 0,
    http_route: '',
    url_path: '',
    db_system: 'postgresql',
    db_name: 'shop',
    db_instance: 'pg-1:5432',
    db_operation: 'SELECT',
    db_statement: 'SELECT * FROM orders WHERE id = 42',
    db_fingerprint: 'select * from orders where id = ?',
    scope_name: '@opentelemetry/instrumentation-pg',
    durationMs: 2,
    ...overrides,
  });
}

export function makeMetricPointRow(overrides: Partial<MetricPointRow> = {}): MetricPointRow {
  return {
    tenant_id: 'tenant-a',
    ts: nanosToDateTime64(nowNanos()),
    start_ts: '0.000000000',
    metric_name: 'process.cpu.utilization',
    metric_type: 'GAUGE',
    unit: '1',
    description: '',
    temporality: 'UNSPECIFIED',
    is_monotonic: 0,
    service: 'checkout',
    host_name: 'web-1',
    resource_attributes: { 'service.name': 'checkout' },
    attributes: {},
    scope_name: 'meter',
    ...emptyMetricValues(),
    value: 0.5,
    flags: 0,
    retention_days: 7,
    ...overrides,
  };
}

export function makeLogRow(overrides: Partial<LogRow> = {}): LogRow {
  const ts = nanosToDateTime64(nowNanos());
  return {
    tenant_id: 'tenant-a',
    ts,
    observed_ts: ts,
    trace_id: '',
    span_id: '',
    severity_number: 9,
    severity_text: 'INFO',
    service: 'checkout',
    host_name: 'web-1',
    body: 'order 42 created',
    resource_attributes: { 'service.name': 'checkout' },
    attributes: {},
    scope_name: 'logger',
    flags: 0,
    event_name: '',
    retention_days: 7,
    ...overrides,
  };
}

/** Rows → the bus/insert body, exactly as intake publishes it. */
export function toRowBody<T extends RowTable>(table: T, rows: readonly RowsByTable[T][number][]): Buffer {
  return encodeRows(table, rows);
}
