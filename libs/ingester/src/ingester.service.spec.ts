import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import type { RowBatchMessage, RowBody, RowTable } from '@meridian/domain';
import { RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { IngesterService, type RowSink } from './ingester.service';

const REGION = 'test';
let seq = 0;

function spanMessage(tenantId: string, n: number): RowBatchMessage {
  const rows = Array.from({ length: n }, () => makeSpanRow({ tenant_id: tenantId }));
  return { id: `msg-${process.pid}-${++seq}`, tenantId, region: REGION, table: 'spans', rowCount: n, body: toRowBody('spans', rows) };
}

/** A real writer behind a switch: fails (as an outage) while `down` is set. */
class FlakyWriter implements RowSink {
  down = 0;
  calls = 0;
  constructor(private readonly inner: RowWriter) {}
  async insert(regionId: string, table: RowTable, body: RowBody, token: string): Promise<void> {
    this.calls++;
    if (this.down > 0) {
      this.down--;
      throw new Error('ClickHouse unreachable (simulated outage)');
    }
    await this.inner.insert(regionId, table, body, token);
  }
}

describe('IngesterService (inline bus → real embedded ClickHouse)', () => {
  let ch: TestClickHouse;
  let queries: TelemetryQueries;
  let writer: RowWriter;
  const deadLetterDir = mkdtempSync(join(tmpdir(), 'meridian-ingester-dlq-'));

  beforeAll(async () => {
    ch = await openTestClickHouse([REGION]);
    queries = new TelemetryQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  }, 60_000);
  afterAll(async () => {
    await ch?.close();
  });

  function setup(sink: RowSink, overrides: Partial<ConstructorParameters<typeof IngesterService>[2]> = {}) {
    const bus = new InlineBus({ maxBytesPerRegion: 64 * 1024 * 1024, deadLetterDir, redeliveryDelayMs: 10 });
    const logs: string[] = [];
    const ingester = new IngesterService(bus, sink, {
      regions: [REGION],
      batchMaxRows: 1_000,
      batchMaxBytes: 8 * 1024 * 1024,
      flushIntervalMs: 20,
      retryInitialMs: 5,
      retryMaxMs: 20,
      maxAttemptsForDataErrors: 2,
      log: (l) => logs.push(l),
      ...overrides,
    });
    ingester.start();
    return { bus, ingester, logs };
  }

  it('stores everything published, batching by rows', async () => {
    const tenant = `t-batch-${seq}`;
    const { bus, ingester } = setup(writer);
    for (let i = 0; i < 10; i++) await bus.publish([spanMessage(tenant, 300)]);
    expect(await bus.drain(20_000)).toBe(true);
    await ingester.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(3_000);
    expect(ingester.stats.batches).toBeGreaterThanOrEqual(3); // 1 000 rows max per batch
  });

  it('keeps retrying through a ClickHouse outage and loses nothing', async () => {
    const tenant = `t-outage-${seq}`;
    const flaky = new FlakyWriter(writer);
    flaky.down = 5;
    const { bus, ingester, logs } = setup(flaky);
    await bus.publish([spanMessage(tenant, 50), spanMessage(tenant, 50)]);
    expect(await bus.drain(20_000)).toBe(true);
    await ingester.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(100);
    expect(ingester.stats.retries).toBe(5);
    expect(logs.filter((l) => l.includes('simulated outage'))).toHaveLength(5);
  });

  it('redelivery of an already stored batch does not duplicate rows', async () => {
    const tenant = `t-redeliver-${seq}`;
    const m = spanMessage(tenant, 40);
    const a = setup(writer);
    await a.bus.publish([m]);
    expect(await a.bus.drain(20_000)).toBe(true);
    await a.ingester.stop();
    // Same message again, as a bus redelivers after a crash before its commit.
    const b = setup(writer);
    await b.bus.publish([m]);
    expect(await b.bus.drain(20_000)).toBe(true);
    await b.ingester.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(40);
    const now = Date.now();
    const hitmap = await queries.hitmap(REGION, tenant, { from: new Date(now - 3_600_000), to: new Date(now + 60_000) });
    expect(hitmap.hits.reduce((n, h) => n + h, 0)).toBe(40);
  });

  it('isolates a poison message into the dead letters; its neighbours are stored', async () => {
    const tenant = `t-poison-${seq}`;
    const good1 = spanMessage(tenant, 10);
    const poison: RowBatchMessage = { ...spanMessage(tenant, 1), body: Buffer.from('{"tenant_id": "x", "ts": "not a time", "duration_ns": "abc"}\n') };
    const good2 = spanMessage(tenant, 10);
    const { bus, ingester } = setup(writer);
    await bus.publish([good1, poison, good2]);
    expect(await bus.drain(30_000)).toBe(true);
    await ingester.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(20);
    expect(ingester.stats.deadLettered).toBe(1);
    const parked = await bus.listDeadLetters(REGION);
    const entry = parked.find((p) => p.id === poison.id);
    expect(entry?.reason).toMatch(/insert into .*spans/);
    expect(entry?.body.equals(poison.body)).toBe(true);
  });
});
