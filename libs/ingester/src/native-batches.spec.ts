import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import { decodeRows, encodeNativeRows, type RowBatchMessage, type SpanRow } from '@meridian/domain';
import { RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { IngesterService } from './ingester.service';

const REGION = 'native';
let seq = 0;

function message(tenantId: string, rows: SpanRow[], format: 'Native' | 'JSONCompactEachRow'): RowBatchMessage {
  const body = format === 'Native' ? encodeNativeRows('spans', rows) : toRowBody('spans', rows);
  return {
    id: `native-${process.pid}-${++seq}`,
    tenantId,
    region: REGION,
    table: 'spans',
    rowCount: rows.length,
    body,
    format: format === 'Native' ? 'Native' : undefined,
  };
}

describe('IngesterService with Native bodies (real embedded ClickHouse)', () => {
  let ch: TestClickHouse;
  let queries: TelemetryQueries;
  const deadLetterDir = mkdtempSync(join(tmpdir(), 'meridian-native-dlq-'));

  beforeAll(async () => {
    ch = await openTestClickHouse([REGION]);
    queries = new TelemetryQueries(ch.clients);
  }, 60_000);
  afterAll(() => ch?.close());

  function start() {
    const bus = new InlineBus({ maxBytesPerRegion: 64 << 20, deadLetterDir, redeliveryDelayMs: 10 });
    const ingester = new IngesterService(bus, new RowWriter(ch.clients), {
      regions: [REGION],
      batchMaxRows: 1_000,
      batchMaxBytes: 8 << 20,
      flushIntervalMs: 20,
      retryInitialMs: 5,
      retryMaxMs: 20,
      maxAttemptsForDataErrors: 2,
      log: () => undefined,
    });
    ingester.start();
    return { bus, ingester };
  }

  it('stores Native and JSON messages of one batch (an upgrade mixes them), each once', async () => {
    const tenant = `t-mixed-${process.pid}`;
    const { bus, ingester } = start();
    const rows = (n: number) => Array.from({ length: n }, () => makeSpanRow({ tenant_id: tenant }));
    await bus.publish([message(tenant, rows(7), 'Native'), message(tenant, rows(5), 'JSONCompactEachRow'), message(tenant, rows(3), 'Native')]);
    expect(await bus.drain(30_000)).toBe(true);
    await ingester.stop();
    await bus.close();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(15);
  });

  it('a row ClickHouse refuses in a Native message goes to the dead letters alone, as JSON; the rest is stored', async () => {
    const tenant = `t-poison-${process.pid}`;
    const { bus, ingester } = start();
    const rows = Array.from({ length: 9 }, () => makeSpanRow({ tenant_id: tenant }));
    // Valid Native, but no such enum value: the insert's conversion to the table's Enum8 refuses it.
    const bad = { ...makeSpanRow({ tenant_id: tenant }), kind: 'NOT_A_KIND' } as unknown as SpanRow;
    const poisoned = message(tenant, [...rows.slice(0, 4), bad, ...rows.slice(4)], 'Native');
    const neighbour = message(
      tenant,
      Array.from({ length: 6 }, () => makeSpanRow({ tenant_id: tenant })),
      'Native',
    );
    await bus.publish([poisoned, neighbour]);
    expect(await bus.drain(30_000)).toBe(true);
    await ingester.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(15);
    const parked = (await bus.listDeadLetters(REGION, { tenantId: tenant })).filter((e) => e.id.startsWith(poisoned.id));
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ id: `${poisoned.id}#r4-5`, rowCount: 1, format: undefined });
    expect(decodeRows('spans', parked[0].body)).toEqual([bad]);
    await bus.close();
  });
});
