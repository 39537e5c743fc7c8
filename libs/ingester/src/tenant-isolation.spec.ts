/**
 * One tenant's bad rows must never hold up another tenant. Poison bodies are built by hand
 * (intake refuses them, but the ingester must not depend on that), sent in one region-wide batch
 * with a victim tenant's rows, and stored through the real embedded ClickHouse.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import { ROW_COLUMNS, type RowBatchMessage, type RowBody, type RowTable } from '@meridian/domain';
import { createSelfMetrics } from '@meridian/self-metrics';
import { RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { makeMetricPointRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { IngesterService, type RowSink } from './ingester.service';

const REGION = 'iso';
const DAY_NANOS = 86_400_000_000_000n;
let seq = 0;

/** Every insert or check the ingester makes, as it reached ClickHouse (tenants in it, and the outcome). */
interface TrialRecord {
  kind: 'insert' | 'check';
  tenants: Set<string>;
  rows: number;
  ok: boolean;
}

/**
 * The real writer, recording each call; `fault` may fail chosen calls first (simulated).
 * Without `withCheck` it offers only `insert`, as a storage without a dry run would.
 */
class RecordingSink implements RowSink {
  readonly trials: TrialRecord[] = [];
  fault?: (body: string, n: number, kind: TrialRecord['kind']) => Error | undefined;
  check?: RowSink['check'];
  constructor(
    private readonly inner: RowWriter,
    withCheck: boolean,
  ) {
    if (withCheck) this.check = (regionId, table, body) => this.record('check', body, () => this.inner.check(regionId, table, body));
  }
  get inserts(): TrialRecord[] {
    return this.trials.filter((t) => t.kind === 'insert');
  }
  insert(regionId: string, table: RowTable, body: RowBody, token: string): Promise<void> {
    return this.record('insert', Buffer.concat(Buffer.isBuffer(body) ? [body] : body), () => this.inner.insert(regionId, table, body, token));
  }
  private async record(kind: TrialRecord['kind'], body: Buffer, op: () => Promise<void>): Promise<void> {
    const text = body.toString('utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    const record: TrialRecord = { kind, tenants: new Set(lines.map((l) => /^\["([^"]*)"/.exec(l)?.[1] ?? '?')), rows: lines.length, ok: false };
    this.trials.push(record);
    const injected = this.fault?.(text, this.trials.length, kind);
    if (injected) throw injected;
    await op();
    record.ok = true;
  }
}

/** One JSON line per row, with `patch` applied to the line's text (the poison). */
function lines(table: 'spans' | 'metric_points', rows: readonly object[], patch?: (line: string) => string): string[] {
  return toRowBody(table, rows as never)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (patch ? patch(l) : l));
}

function message(tenantId: string, table: RowTable, rowLines: readonly string[]): RowBatchMessage {
  return {
    id: `m-${process.pid}-${++seq}`,
    tenantId,
    region: REGION,
    table,
    rowCount: rowLines.length,
    body: Buffer.from(rowLines.map((l) => `${l}\n`).join('')),
  };
}

function spanLines(tenantId: string, n: number, extra: Parameters<typeof makeSpanRow>[0] = {}): string[] {
  return lines(
    'spans',
    Array.from({ length: n }, () => makeSpanRow({ tenant_id: tenantId, ...extra })),
  );
}

/** Replaces the value of column `col` in a JSONCompactEachRow line with raw JSON text. */
function setColumn(table: 'spans' | 'metric_points', col: string, rawValue: string): (line: string) => string {
  const i = (ROW_COLUMNS[table] as readonly string[]).indexOf(col);
  if (i < 0) throw new Error(`no column ${col}`);
  return (line) => {
    const values = JSON.parse(line) as unknown[];
    const marker = '__POISON__';
    values[i] = marker;
    return JSON.stringify(values).replace(`"${marker}"`, rawValue);
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('IngesterService: one tenant’s bad rows never block another (real embedded ClickHouse)', () => {
  let ch: TestClickHouse;
  let queries: TelemetryQueries;
  let writer: RowWriter;
  const deadLetterDir = mkdtempSync(join(tmpdir(), 'meridian-isolation-dlq-'));

  beforeAll(async () => {
    ch = await openTestClickHouse([REGION]);
    queries = new TelemetryQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  }, 60_000);
  afterAll(async () => {
    await ch?.close();
  });

  function setup(overrides: Partial<ConstructorParameters<typeof IngesterService>[2]> = {}, { withCheck = true } = {}) {
    const sink = new RecordingSink(writer, withCheck);
    const bus = new InlineBus({ maxBytesPerRegion: 64 * 1024 * 1024, deadLetterDir, redeliveryDelayMs: 10 });
    const logs: string[] = [];
    const metrics = createSelfMetrics();
    const ingester = new IngesterService(bus, sink, {
      regions: [REGION],
      batchMaxRows: 100_000,
      batchMaxBytes: 64 * 1024 * 1024,
      flushIntervalMs: 20,
      retryInitialMs: 5,
      retryMaxMs: 20,
      maxAttemptsForDataErrors: 3,
      isolationMaxInserts: 64,
      log: (l) => logs.push(l),
      metrics,
      ...overrides,
    });
    return { bus, sink, ingester, logs, metrics };
  }

  const count = (tenant: string, table: 'spans' | 'metric_points' = 'spans') => queries.countRows(REGION, tenant, table);

  // Each kind: the table, and one attacker row as ClickHouse would see it. `refused`: whether
  // ClickHouse refuses the row (it then goes to the dead letters) or stores it as it is.
  const poisonKinds: { kind: string; table: 'spans' | 'metric_points'; line: (tenant: string) => string; refused: boolean }[] = [
    {
      kind: 'timestamp after 2262 (DateTime64(9) overflow)',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'ts', '"10413792000.000000000"'))[0],
    },
    {
      kind: 'negative timestamp text',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'ts', '"-99999999999.000000000"'))[0],
    },
    {
      kind: 'timestamp "-1"',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'ts', '"-1"'))[0],
    },
    {
      kind: 'event timestamp after 2262',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'events_ts', '["10413792000.000000000"]'))[0],
    },
    {
      kind: 'lone surrogate escape in a string',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'span_name', '"GET \\ud800"'))[0],
    },
    {
      kind: 'lone surrogate escape in a map value',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'attributes', '{"k":"\\ud800"}'))[0],
    },
    {
      kind: 'http_status -1 (UInt16)',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'http_status', '-1'))[0],
    },
    {
      kind: 'http_status 1e300',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'http_status', '1e300'))[0],
    },
    {
      kind: 'http_status "1e300"',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'http_status', '"1e300"'))[0],
    },
    {
      kind: 'non-numeric UInt64 (duration_ns "abc")',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'duration_ns', '"abc"'))[0],
    },
    {
      kind: 'negative UInt64 (duration_ns "-1")',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'duration_ns', '"-1"'))[0],
    },
    {
      kind: 'unknown enum value (kind)',
      table: 'spans',
      refused: true,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'kind', '"BOGUS"'))[0],
    },
    { kind: 'too few columns', table: 'spans', refused: true, line: (t) => `["${t}"]` },
    { kind: 'not JSON at all', table: 'spans', refused: true, line: (t) => `["${t}", this is not json` },
    {
      kind: 'non-numeric UInt64 (metric count "abc")',
      table: 'metric_points',
      refused: true,
      line: (t) => lines('metric_points', [makeMetricPointRow({ tenant_id: t })], setColumn('metric_points', 'count', '"abc"'))[0],
    },
    {
      kind: 'text in a Float64 (metric value)',
      table: 'metric_points',
      refused: true,
      line: (t) => lines('metric_points', [makeMetricPointRow({ tenant_id: t })], setColumn('metric_points', 'value', '"abc"'))[0],
    },
    // ClickHouse takes these as they are (NaN stored, null as the column default): not refused,
    // so nothing is parked; intake is what keeps them out.
    {
      kind: 'lone low surrogate escape (taken as is)',
      table: 'spans',
      refused: false,
      line: (t) => lines('spans', [makeSpanRow({ tenant_id: t })], setColumn('spans', 'attributes', '{"k":"\\udfff"}'))[0],
    },
    {
      kind: 'NaN in a Float64',
      table: 'metric_points',
      refused: false,
      line: (t) => lines('metric_points', [makeMetricPointRow({ tenant_id: t })], setColumn('metric_points', 'value', '"NaN"'))[0],
    },
    {
      kind: 'null in a Float64',
      table: 'metric_points',
      refused: false,
      line: (t) => lines('metric_points', [makeMetricPointRow({ tenant_id: t })], setColumn('metric_points', 'value', 'null'))[0],
    },
  ];

  it.each(poisonKinds)('$kind: the victim is stored on the first pass, only the bad row is parked', async ({ table, line, refused }) => {
    const attacker = `atk-${++seq}`;
    const victim = `vic-${++seq}`;
    const good = (tenant: string, n: number) =>
      table === 'spans'
        ? spanLines(tenant, n)
        : lines(
            'metric_points',
            Array.from({ length: n }, () => makeMetricPointRow({ tenant_id: tenant })),
          );
    // Victim rows before and after the attacker's, the bad row in the middle of a message of good ones.
    const poisoned = [...good(attacker, 20), line(attacker), ...good(attacker, 19)];
    const batch = [
      message(victim, table, good(victim, 30)),
      message(attacker, table, good(attacker, 25)),
      message(attacker, table, poisoned),
      message(victim, table, good(victim, 30)),
    ];
    const totalRows = batch.reduce((n, m) => n + m.rowCount, 0);
    const { bus, sink, ingester } = setup();

    await withTimeout(ingester.store(REGION, batch), 20_000, 'storing the batch');

    expect(await count(victim, table)).toBe(60);
    expect(await count(attacker, table)).toBe(refused ? 64 : 65);
    // The victim's rows went in with the first split: one insert per tenant right after the batch failed.
    const victimStoredAt = sink.inserts.findIndex((r) => r.ok && r.tenants.has(victim));
    expect(victimStoredAt).toBeGreaterThanOrEqual(0);
    expect(victimStoredAt).toBeLessThanOrEqual(2);
    expect(sink.inserts.filter((r) => r.tenants.has(victim) && r.tenants.size === 1)).toHaveLength(refused ? 1 : 0);
    // O(log n) trials, not one per row or per message: the batch, one insert per tenant,
    // bisection, then one insert of the attacker's rows that passed.
    expect(sink.trials.length).toBeLessThanOrEqual(1 + 2 + 2 * Math.ceil(Math.log2(totalRows)) + 1);
    expect(sink.inserts.length).toBeLessThanOrEqual(refused ? 4 : 1);

    const parked = await bus.listDeadLetters(REGION, { tenantId: attacker });
    if (refused) {
      expect(parked.map((p) => ({ id: p.id, tenantId: p.tenantId, table: p.table, rowCount: p.rowCount, body: p.body.toString('utf8') }))).toEqual([
        { id: `${batch[2].id}#r20-21`, tenantId: attacker, table, rowCount: 1, body: `${poisoned[20]}\n` },
      ]);
      expect(parked[0].reason).toMatch(/insert into .*\.(spans|metric_points)/);
    } else {
      expect(parked).toEqual([]);
    }
    expect(await bus.listDeadLetters(REGION, { tenantId: victim })).toEqual([]);
  });

  it('a batch of one tenant holding rows of 120 distinct days is stored in one insert, with another tenant’s rows', async () => {
    const attacker = `atk-days-${++seq}`;
    const victim = `vic-days-${++seq}`;
    const spread = lines(
      'spans',
      Array.from({ length: 120 }, (_, d) =>
        makeSpanRow({ tenant_id: attacker, startNanos: BigInt(Date.now()) * 1_000_000n - BigInt(d) * DAY_NANOS, retention_days: 400 }),
      ),
    );
    const { sink, ingester } = setup();
    await withTimeout(
      ingester.store(REGION, [message(attacker, 'spans', spread), message(victim, 'spans', spanLines(victim, 10))]),
      20_000,
      'storing the batch',
    );
    expect(await count(attacker)).toBe(120);
    expect(await count(victim)).toBe(10);
    expect(sink.inserts).toHaveLength(1);
  });

  it.each([
    { mode: 'checks, then one insert', withCheck: true },
    { mode: 'inserts only', withCheck: false },
  ])('finds several bad rows across messages, parks each run once, and a redelivery adds nothing ($mode)', async ({ withCheck }) => {
    const attacker = `atk-multi-${++seq}`;
    const victim = `vic-multi-${++seq}`;
    const overflow = setColumn('spans', 'ts', '"10413792000.000000000"');
    const a1 = spanLines(attacker, 50);
    const a2 = spanLines(attacker, 50);
    // rows 7, 8 and 9 of a2 bad (one run), and row 40 of a1
    for (const i of [7, 8, 9]) a2[i] = overflow(a2[i]);
    a1[40] = overflow(a1[40]);
    const batch = [
      message(attacker, 'spans', a1),
      message(victim, 'spans', spanLines(victim, 40)),
      message(attacker, 'spans', a2),
      message(attacker, 'spans', spanLines(attacker, 50)),
    ];
    const { bus, ingester, metrics } = setup({}, { withCheck });
    await withTimeout(ingester.store(REGION, batch), 20_000, 'storing the batch');

    expect(await count(victim)).toBe(40);
    expect(await count(attacker)).toBe(150 - 4);
    const parked = await bus.listDeadLetters(REGION, { tenantId: attacker });
    expect(parked.map((p) => [p.id, p.rowCount]).sort()).toEqual([
      [`${batch[0].id}#r40-41`, 1],
      [`${batch[2].id}#r7-10`, 3],
    ]);
    expect(ingester.stats.deadLetteredRows).toBe(4);
    const text = await metrics.metrics();
    expect(text).toMatch(/meridian_ingester_dead_letter_rows_total\{region="iso",table="spans"\} 4/);
    expect(text).toMatch(/meridian_ingester_insert_errors_total\{table="spans",class="data"\} \d+/);
    expect(text).toMatch(new RegExp(`meridian_ingester_isolation_inserts_total\\{table="spans"\\} ${ingester.stats.isolationInserts}`));
    expect(text).not.toContain(attacker);

    // Redelivered after a crash (same messages): every sub-insert repeats with the same token.
    const again = setup({}, { withCheck });
    await withTimeout(again.ingester.store(REGION, batch), 20_000, 'storing the redelivered batch');
    expect(await count(victim)).toBe(40);
    expect(await count(attacker)).toBe(146);
  });

  it('a tenant sending nothing but bad rows costs a bounded number of inserts; the others are stored', async () => {
    const attacker = `atk-all-${++seq}`;
    const victim = `vic-all-${++seq}`;
    const allBad = spanLines(attacker, 300).map(setColumn('spans', 'http_status', '-1'));
    const { bus, sink, ingester } = setup({ isolationMaxInserts: 10 });
    await withTimeout(
      ingester.store(REGION, [message(attacker, 'spans', allBad), message(victim, 'spans', spanLines(victim, 25))]),
      20_000,
      'storing the batch',
    );
    expect(await count(victim)).toBe(25);
    expect(await count(attacker)).toBe(0);
    expect(sink.trials.length).toBeLessThanOrEqual(1 + 2 + 10);
    const parked = await bus.listDeadLetters(REGION, { tenantId: attacker });
    expect(parked.reduce((n, p) => n + p.rowCount, 0)).toBe(300);
  });

  it('an outage during isolation is retried, not parked', async () => {
    const attacker = `atk-outage-${++seq}`;
    const victim = `vic-outage-${++seq}`;
    const bad = spanLines(attacker, 10);
    bad[3] = setColumn('spans', 'span_name', '"\\ud800"')(bad[3]);
    const { bus, sink, ingester } = setup();
    let outages = 3;
    sink.fault = (_body, n) =>
      n >= 3 && outages-- > 0 ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }) : undefined;
    await withTimeout(ingester.store(REGION, [message(victim, 'spans', spanLines(victim, 10)), message(attacker, 'spans', bad)]), 20_000, 'storing the batch');
    expect(await count(victim)).toBe(10);
    expect(await count(attacker)).toBe(9);
    expect(ingester.stats.retries).toBe(3);
    expect((await bus.listDeadLetters(REGION, { tenantId: attacker })).map((p) => p.rowCount)).toEqual([1]);
  });

  it('an unrecognised ClickHouse error code is isolated at once; the single row is tried a few times before it is parked', async () => {
    const attacker = `atk-unknown-${++seq}`;
    const victim = `vic-unknown-${++seq}`;
    const rows = spanLines(attacker, 16);
    rows[5] = rows[5].replace('"checkout"', '"needs-unlisted-code"');
    const { bus, sink, ingester } = setup({ maxAttemptsForDataErrors: 3 });
    // Simulated: an error code in neither list, raised for the rows that hold the marker.
    sink.fault = (body) =>
      body.includes('needs-unlisted-code')
        ? Object.assign(new Error('Code: 1099. DB::Exception: something new'), { code: '1099', errorClass: 'unknown' })
        : undefined;
    await withTimeout(ingester.store(REGION, [message(attacker, 'spans', rows), message(victim, 'spans', spanLines(victim, 5))]), 20_000, 'storing the batch');
    expect(await count(victim)).toBe(5);
    expect(await count(attacker)).toBe(15);
    const singleRowTries = sink.trials.filter((r) => r.rows === 1 && !r.ok);
    expect(singleRowTries).toHaveLength(3);
    expect((await bus.listDeadLetters(REGION, { tenantId: attacker })).map((p) => p.rowCount)).toEqual([1]);
  });

  it('a refusal the check cannot see (raised while writing) is found by inserting', async () => {
    const attacker = `atk-write-${++seq}`;
    const victim = `vic-write-${++seq}`;
    const rows = spanLines(attacker, 12);
    rows[9] = rows[9].replace('"checkout"', '"fails-when-written"');
    const { bus, sink, ingester } = setup();
    // Simulated: a materialized view refusing a value that parses fine.
    sink.fault = (body, _n, kind) =>
      kind === 'insert' && body.includes('fails-when-written')
        ? Object.assign(new Error('Code: 407. DB::Exception: Decimal math overflow'), { code: '407', errorClass: 'data' })
        : undefined;
    await withTimeout(ingester.store(REGION, [message(victim, 'spans', spanLines(victim, 4)), message(attacker, 'spans', rows)]), 20_000, 'storing the batch');
    expect(await count(victim)).toBe(4);
    expect(await count(attacker)).toBe(11);
    expect((await bus.listDeadLetters(REGION, { tenantId: attacker })).map((p) => p.rowCount)).toEqual([1]);
  });

  it('too many partitions for one insert: the batch is split until each part fits, nothing is parked', async () => {
    const tenant = `t-parts-${++seq}`;
    const { bus, sink, ingester } = setup();
    // Simulated (the real limit, retention + 2 days, needs years of data): more than 8 rows is too many.
    sink.fault = (body, _n, kind) =>
      kind === 'insert' && body.split('\n').filter(Boolean).length > 8
        ? Object.assign(new Error('Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 8).'), {
            code: '252',
            errorClass: 'too_many_partitions',
          })
        : undefined;
    await withTimeout(
      ingester.store(REGION, [message(tenant, 'spans', spanLines(tenant, 20)), message(tenant, 'spans', spanLines(tenant, 10))]),
      20_000,
      'storing the batch',
    );
    expect(await count(tenant)).toBe(30);
    expect(await bus.listDeadLetters(REGION, { tenantId: tenant })).toEqual([]);
    expect(sink.trials.every((t) => t.kind === 'insert')).toBe(true);
  });

  it('through the bus: a poisoned region keeps flowing, and what was accepted is stored once', async () => {
    const attacker = `atk-bus-${++seq}`;
    const victim = `vic-bus-${++seq}`;
    const { bus, ingester } = setup();
    ingester.start();
    for (let i = 0; i < 5; i++) {
      const poisoned = spanLines(attacker, 10);
      poisoned[i] = setColumn('spans', 'ts', '"10413792000.000000000"')(poisoned[i]);
      await bus.publish([message(attacker, 'spans', poisoned), message(victim, 'spans', spanLines(victim, 10))]);
    }
    expect(await bus.drain(20_000)).toBe(true);
    await ingester.stop();
    expect(await count(victim)).toBe(50);
    expect(await count(attacker)).toBe(45);
    expect((await bus.listDeadLetters(REGION, { tenantId: attacker })).length).toBe(5);
  });
});
