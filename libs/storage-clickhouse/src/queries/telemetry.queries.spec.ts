import { hitmapRow, nanosToDateTime64, type SpanRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { hitmapCells, TelemetryQueries, QUERY_LIMITS } from './telemetry.queries';
import { makeDbSpanRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

const MS = 1_000_000n;
/** A minute-aligned base time 30 minutes ago (inside retention, outside "now" jitter). */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const at = (offsetMs: number) => BigInt(BASE_MS + offsetMs) * MS;

/** An entry span ending at BASE + endOffsetMs. */
function txn(endOffsetMs: number, durationMs: number, overrides: Partial<SpanRow> = {}): SpanRow {
  return makeSpanRow({ startNanos: at(endOffsetMs) - BigInt(Math.round(durationMs * 1e6)), durationMs, ...overrides });
}

describe('TelemetryQueries', () => {
  let ch: TestClickHouse;
  let q: TelemetryQueries;
  let writer: RowWriter;
  let token = 0;
  const write = (region: string, rows: SpanRow[]) => writer.insert(region, 'spans', toRowBody('spans', rows), `q-${++token}`);

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu', 'kr']);
    q = new TelemetryQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  });
  afterAll(() => ch.close());

  describe('traceById', () => {
    it('returns every span of the trace, in start order, with exact times and all columns', async () => {
      const root = makeSpanRow({ tenant_id: 'tr', startNanos: at(0) + 7n, durationMs: 300 });
      const children = [1, 2, 3].map((i) =>
        makeDbSpanRow(root, {
          startNanos: at(i * 10) + 123_456n,
          durationMs: 5,
          events_ts: [nanosToDateTime64(at(i * 10) + 1n)],
          events_name: ['e'],
          events_attributes: [{ k: String(i) }],
        }),
      );
      // Another trace and another tenant with the same trace id must not leak in.
      await write('eu', [
        children[2],
        root,
        makeSpanRow({ tenant_id: 'tr' }),
        makeSpanRow({ tenant_id: 'other', trace_id: root.trace_id }),
        children[0],
        children[1],
      ]);

      const trace = await q.traceById('eu', 'tr', root.trace_id.toUpperCase());
      expect(trace?.traceId).toBe(root.trace_id);
      expect(trace!.spans.map((s) => s.spanId)).toEqual([root, ...children].map((s) => s.span_id));
      const [r, c1] = trace!.spans;
      expect(r).toMatchObject({ tenantId: 'tr', parentSpanId: '', kind: 'SERVER', isEntry: true, durationMs: 300, durationNs: '300000000', httpStatus: 200 });
      expect(r.startUnixNanos).toBe((at(0) + 7n).toString());
      expect(r.endUnixNanos).toBe((at(0) + 7n + 300n * MS).toString());
      expect(r.startTime).toBe(new Date(BASE_MS).toISOString().replace('.000Z', '.000000007Z'));
      expect(c1).toMatchObject({
        parentSpanId: root.span_id,
        kind: 'CLIENT',
        dbSystem: 'postgresql',
        dbFingerprint: 'select * from orders where id = ?',
        dbInstance: 'pg-1:5432',
      });
      expect(c1.events).toEqual([
        { time: new Date(BASE_MS + 10).toISOString().replace('Z', '000001Z'), unixNanos: (at(10) + 1n).toString(), name: 'e', attributes: { k: '1' } },
      ]);
      expect(c1.resourceAttributes).toEqual(root.resource_attributes);
    });

    it('finds spans of every service of a trace, written in separate batches (services from trace_summaries)', async () => {
      const root = makeSpanRow({ tenant_id: 'tr3', startNanos: at(0), durationMs: 300 });
      const downstream = makeSpanRow({
        tenant_id: 'tr3',
        trace_id: root.trace_id,
        parent_span_id: root.span_id,
        service: 'billing',
        endpoint: 'POST /charge',
        startNanos: at(50),
        durationMs: 100,
      });
      const db = makeDbSpanRow(downstream, { startNanos: at(60), durationMs: 20 });
      await write('eu', [root]);
      await write('eu', [downstream, db]);
      const trace = await q.traceById('eu', 'tr3', root.trace_id);
      expect(trace!.spans.map((s) => [s.service, s.spanId])).toEqual([
        [root.service, root.span_id],
        ['billing', downstream.span_id],
        [db.service, db.span_id],
      ]);
    });

    it('returns undefined for an unknown trace, another tenant’s trace, or another region', async () => {
      const root = makeSpanRow({ tenant_id: 'tr2', startNanos: at(0) });
      await write('eu', [root]);
      expect(await q.traceById('eu', 'tr2', root.trace_id)).toBeDefined();
      expect(await q.traceById('eu', 'tr2', 'f'.repeat(32))).toBeUndefined();
      expect(await q.traceById('eu', 'someone-else', root.trace_id)).toBeUndefined();
      expect(await q.traceById('kr', 'tr2', root.trace_id)).toBeUndefined();
    });
  });

  describe('hitmap', () => {
    it('puts each entry span in the 5 s column of its END time and the row hitmapRow() gives for its duration', async () => {
      const tenant = 'hm';
      const durations = [0.001, 1, 124.999, 125, 300, 4999, 5000, 5100, 9999, 10_000, 19_999, 20_000, 39_999, 40_000, 77_999, 78_000, 120_000];
      for (let i = 0; i < 200; i++) durations.push(((i * 7919) % 90_000) + (i % 7) * 0.013);
      const rows = durations.map((d, i) => txn(60_000 + (i % 30) * 1_000 + 500, d, { tenant_id: tenant, is_error: i % 5 === 0 ? 1 : 0 }));
      const notEntry = txn(61_000, 100, { tenant_id: tenant, is_entry: 0, kind: 'INTERNAL' });
      await write('eu', [...rows, notEntry]);

      const expected = new Map<string, { t: number; y: number; hits: number; errors: number }>();
      rows.forEach((r, i) => {
        const endMs = BASE_MS + 60_000 + (i % 30) * 1_000 + 500;
        const t = Math.floor(endMs / 5000) * 5000;
        const y = hitmapRow(Number(r.duration_ns) / 1e6);
        const cell = expected.get(`${t}/${y}`) ?? { t, y, hits: 0, errors: 0 };
        cell.hits++;
        cell.errors += r.is_error;
        expected.set(`${t}/${y}`, cell);
      });
      const want = [...expected.values()].sort((a, b) => a.t - b.t || a.y - b.y);

      const res = await q.hitmap('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 5 * 60_000) });
      expect(res.columnSeconds).toBe(5);
      expect(res.rows).toBe(120);
      expect(hitmapCells(res)).toEqual(want);
      // Columnar: one entry per non-empty column, its cells' count beside it, rows ascending within it.
      const columns = [...new Set(want.map((c) => c.t))];
      expect(res.columns).toEqual(columns);
      expect(res.cellsPerColumn).toEqual(columns.map((t) => want.filter((c) => c.t === t).length));
      expect(res.y).toEqual(want.map((c) => c.y));
      expect({ from: res.from, to: res.to }).toEqual({ from: BASE_MS, to: BASE_MS + 5 * 60_000 });

      // Window edges: only columns that start inside [from, to).
      const narrow = await q.hitmap('eu', tenant, { from: new Date(BASE_MS + 65_000), to: new Date(BASE_MS + 70_000) });
      expect(hitmapCells(narrow)).toEqual(want.filter((c) => c.t === BASE_MS + 65_000));
      // Filters by service / endpoint; another tenant sees nothing.
      expect(hitmapCells(await q.hitmap('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 300_000), service: 'nope' }))).toEqual([]);
      expect(hitmapCells(await q.hitmap('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 300_000), endpoint: 'GET /api/orders/{id}' }))).toEqual(
        want,
      );
      expect(hitmapCells(await q.hitmap('eu', 'hm-other', { from: new Date(BASE_MS), to: new Date(BASE_MS + 300_000) }))).toEqual([]);

      // since: only the columns from its 5 s column on (a live poll), and `from` says where the answer starts.
      const since = await q.hitmap('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 300_000), since: new Date(BASE_MS + 77_300) });
      expect(since.from).toBe(BASE_MS + 75_000);
      expect(hitmapCells(since)).toEqual(want.filter((c) => c.t >= BASE_MS + 75_000));
      expect(hitmapCells(since).length).toBeLessThan(want.length);
      // A since before the window changes nothing; after it is refused.
      expect(hitmapCells(await q.hitmap('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 300_000), since: new Date(0) }))).toEqual(want);
    });
  });

  describe('services (RED from service_red_1m)', () => {
    it('gives exact counts, error rate, apdex and throughput, and quantiles within tolerance', async () => {
      const tenant = 'red';
      // Endpoint A: 200 transactions of 5, 10, … 1000 ms; every 10th is an error. Spread over 10 minutes.
      const a = Array.from({ length: 200 }, (_, i) =>
        txn(600_000 + i * 3_000, (i + 1) * 5, { tenant_id: tenant, is_error: i % 10 === 9 ? 1 : 0, status_code: i % 10 === 9 ? 'ERROR' : 'UNSET' }),
      );
      // Endpoint B on another service: 50 slow transactions of 1.5 s (tolerating: T < d ≤ 4T).
      const b = Array.from({ length: 50 }, (_, i) => txn(600_000 + i * 1_000, 1_500, { tenant_id: tenant, service: 'billing', endpoint: 'POST /pay' }));
      // Not entries: ignored. Other tenant, same names: ignored.
      const noise = [txn(600_000, 1, { tenant_id: tenant, is_entry: 0 }), ...Array.from({ length: 30 }, () => txn(600_000, 1, { tenant_id: 'red-other' }))];
      await write('eu', [...a, ...b, ...noise]);

      const res = (await q.services('eu', tenant, { from: new Date(BASE_MS + 600_000), to: new Date(BASE_MS + 1_200_000) })).endpoints;
      expect(res.map((r) => [r.service, r.endpoint, r.count, r.errors])).toEqual([
        ['checkout', 'GET /api/orders/{id}', 200, 20],
        ['billing', 'POST /pay', 50, 0],
      ]);
      const [ra, rb] = res;
      expect(ra.errorRate).toBeCloseTo(0.1, 10);
      expect(ra.throughputPerMin).toBeCloseTo(20, 10);
      expect(ra.avgMs).toBeCloseTo(502.5, 6);
      expect(ra.maxMs).toBe(1000);
      // Apdex (T = 500 ms): non-errors ≤ 500 ms satisfied, ≤ 2000 ms tolerating.
      const ok = a.filter((r) => r.is_error === 0).map((r) => Number(r.duration_ns) / 1e6);
      const expectedApdex = (ok.filter((d) => d <= 500).length + ok.filter((d) => d > 500).length / 2) / 200;
      expect(ra.apdex).toBeCloseTo(expectedApdex, 10);
      const tol = (want: number, got: number) => expect(Math.abs(got - want) / want).toBeLessThan(0.05);
      tol(500, ra.p50Ms);
      tol(950, ra.p95Ms);
      tol(990, ra.p99Ms);
      expect(rb).toMatchObject({ errors: 0, errorRate: 0, apdex: 0.5, p50Ms: 1500, p99Ms: 1500, maxMs: 1500 });
    });

    it('totals each service over its endpoints (merged percentiles) and rates throughput over the time with data', async () => {
      const tenant = 'red-total';
      // checkout: 100 fast (10 ms) and 100 slow (1 s) transactions on two endpoints, all in the
      // last 5 minutes of a 20-minute window.
      const fast = Array.from({ length: 100 }, (_, i) => txn(900_000 + i * 3_000, 10, { tenant_id: tenant, endpoint: 'GET /fast' }));
      const slow = Array.from({ length: 100 }, (_, i) =>
        txn(900_000 + i * 3_000, 1000, { tenant_id: tenant, endpoint: 'GET /slow', is_error: i < 10 ? 1 : 0 }),
      );
      await write('eu', [...fast, ...slow]);
      const { endpoints, services } = await q.services('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 1_200_000) });
      expect(endpoints.map((e) => e.endpoint).sort()).toEqual(['GET /fast', 'GET /slow']);
      expect(services).toHaveLength(1);
      const [checkout] = services;
      expect(checkout).toMatchObject({ service: 'checkout', count: 200, errors: 10, errorRate: 0.05, maxMs: 1000 });
      expect(checkout.p99Ms).toBeGreaterThan(950);
      expect(checkout.p50Ms).toBeGreaterThanOrEqual(10);
      expect(checkout.p50Ms).toBeLessThanOrEqual(1000);
      // 200 transactions since minute 15 of the window: 40/min, not 10/min over all 20 minutes.
      expect(checkout.throughputPerMin).toBeCloseTo(40, 6);
      expect(endpoints.find((e) => e.endpoint === 'GET /fast')!.throughputPerMin).toBeCloseTo(20, 6);
    });
  });

  describe('serviceSeries (sparklines from service_red_1m)', () => {
    it('buckets count, errors and p95 per service/endpoint in whole-minute steps of ~60 buckets per window', async () => {
      const tenant = 'ser';
      const rows = [
        txn(600_000 + 1_000, 100, { tenant_id: tenant }),
        txn(600_000 + 2_000, 300, { tenant_id: tenant, is_error: 1 }),
        txn(600_000 + 3 * 60_000 + 5_000, 200, { tenant_id: tenant }),
        txn(600_000 + 10_000, 50, { tenant_id: tenant, service: 'billing', endpoint: 'POST /pay' }),
        txn(600_000 + 10_000, 50, { tenant_id: 'ser-other' }),
      ];
      await write('eu', rows);
      const minute = BASE_MS + 600_000;
      const tenMinutes = await q.serviceSeries('eu', tenant, { from: new Date(minute), to: new Date(minute + 600_000) });
      expect(tenMinutes.stepSeconds).toBe(60);
      expect(tenMinutes.series.map((s) => [s.service, s.endpoint, s.points.map((p) => [p.t, p.count, p.errors])])).toEqual([
        ['billing', 'POST /pay', [[minute, 1, 0]]],
        [
          'checkout',
          'GET /api/orders/{id}',
          [
            [minute, 2, 1],
            [minute + 180_000, 1, 0],
          ],
        ],
      ]);
      expect(tenMinutes.series[1].points[1].p95Ms).toBe(200);

      // 6 hours → 6-minute buckets aligned to the epoch.
      const sixHours = await q.serviceSeries('eu', tenant, { from: new Date(minute - 5.5 * 3600_000), to: new Date(minute + 1800_000) });
      expect(sixHours.stepSeconds).toBe(360);
      const bucket = (ms: number) => Math.floor(ms / 360_000) * 360_000;
      const want = new Map<number, number>();
      for (const end of [minute, minute, minute + 180_000]) want.set(bucket(end), (want.get(bucket(end)) ?? 0) + 1);
      expect(sixHours.series[1].points.map((p) => [p.t, p.count])).toEqual([...want.entries()]);
    });
  });

  describe('transactions', () => {
    it('returns exactly the entry spans inside the (end time × duration) rectangle, newest first', async () => {
      const tenant = 'tx';
      const rows = [
        txn(120_000, 50, { tenant_id: tenant }), // too fast
        txn(120_000, 150, { tenant_id: tenant }), // in
        txn(125_000, 199.999, { tenant_id: tenant }), // in (upper bound exclusive)
        txn(125_000, 200, { tenant_id: tenant }), // too slow
        txn(119_999, 150, { tenant_id: tenant }), // ended before the window
        txn(130_000, 150, { tenant_id: tenant }), // ended at `to` (exclusive)
        txn(128_000, 150, { tenant_id: tenant, service: 'billing' }), // in, other service
        txn(126_000, 150, { tenant_id: tenant, is_entry: 0 }), // not a transaction
        txn(126_000, 150, { tenant_id: 'tx-other' }), // other tenant
      ];
      await write('eu', rows);
      const window = { from: new Date(BASE_MS + 120_000), to: new Date(BASE_MS + 130_000) };

      const got = await q.transactions('eu', tenant, { ...window, minMs: 100, maxMs: 200 });
      expect(got.map((s) => s.spanId)).toEqual([rows[6], rows[2], rows[1]].map((r) => r.span_id));
      // What the list shows, read from transactions_by_end alone.
      expect(got[0]).toEqual({
        traceId: rows[6].trace_id,
        spanId: rows[6].span_id,
        service: 'billing',
        endpoint: rows[6].endpoint,
        endTime: new Date(BASE_MS + 128_000).toISOString().replace('Z', '000000Z'),
        endUnixNanos: at(128_000).toString(),
        durationNs: '150000000',
        durationMs: 150,
        isError: false,
        httpStatus: rows[6].http_status,
      });

      expect((await q.transactions('eu', tenant, { ...window, minMs: 100, maxMs: 200, service: 'billing' })).map((s) => s.spanId)).toEqual([rows[6].span_id]);
      expect(await q.transactions('eu', tenant, { ...window, minMs: 100, maxMs: 200, limit: 1 })).toHaveLength(1);
      // Without a duration bound: everything that ended in the window.
      expect((await q.transactions('eu', tenant, window)).map((s) => s.spanId).sort()).toEqual(
        [rows[0], rows[1], rows[2], rows[3], rows[6]].map((r) => r.span_id).sort(),
      );
    });

    it('counts a selection per service/endpoint from the same rectangle, errors apart, most first', async () => {
      const tenant = 'sel';
      const rows = [
        txn(300_000, 1_500, { tenant_id: tenant }),
        txn(301_000, 2_500, { tenant_id: tenant, is_error: 1 }),
        txn(302_000, 1_200, { tenant_id: tenant, service: 'billing', endpoint: 'POST /pay' }),
        txn(302_000, 900, { tenant_id: tenant }), // too fast
        txn(310_000, 1_500, { tenant_id: tenant }), // ended at `to`
        txn(302_000, 1_500, { tenant_id: tenant, is_entry: 0 }), // not a transaction
        txn(302_000, 1_500, { tenant_id: 'sel-other' }),
      ];
      await write('eu', rows);
      const groups = await q.selectionSummary('eu', tenant, { from: new Date(BASE_MS + 300_000), to: new Date(BASE_MS + 310_000), minMs: 1_000 });
      expect(groups).toEqual([
        { service: rows[0].service, endpoint: rows[0].endpoint, count: 2, errors: 1 },
        { service: 'billing', endpoint: 'POST /pay', count: 1, errors: 0 },
      ]);
    });
  });

  it('keeps regions apart: rows written to one region are absent from the other', async () => {
    const rows = [txn(200_000, 10, { tenant_id: 'regional' }), txn(200_000, 20, { tenant_id: 'regional' })];
    await write('kr', rows);
    expect(await q.countRows('kr', 'regional', 'spans')).toBe(2);
    expect(await q.countRows('eu', 'regional', 'spans')).toBe(0);
    const window = { from: new Date(BASE_MS + 180_000), to: new Date(BASE_MS + 240_000) };
    expect((await q.hitmap('eu', 'regional', window)).columns).toEqual([]);
    expect(await q.transactions('eu', 'regional', window)).toEqual([]);
    expect((await q.transactions('kr', 'regional', window)).length).toBe(2);
  });

  describe('validation', () => {
    const window = { from: new Date(BASE_MS), to: new Date(BASE_MS + 60_000) };
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ['short trace id', () => q.traceById('eu', 't', 'abc'), 'traceId'],
      ['non-hex trace id', () => q.traceById('eu', 't', 'z'.repeat(32)), 'traceId'],
      ['empty tenant', () => q.traceById('eu', '', 'a'.repeat(32)), 'tenantId'],
      ['invalid from', () => q.hitmap('eu', 't', { from: new Date('nope'), to: new Date() }), 'from'],
      ['to before from', () => q.hitmap('eu', 't', { from: window.to, to: window.from }), 'to'],
      ['hitmap window too long', () => q.hitmap('eu', 't', { from: new Date(BASE_MS - QUERY_LIMITS.hitmapMaxWindowMs), to: new Date(BASE_MS + 1) }), 'to'],
      ['services window too long', () => q.services('eu', 't', { from: new Date(0), to: new Date(BASE_MS) }), 'to'],
      ['empty service filter', () => q.hitmap('eu', 't', { ...window, service: '' }), 'service'],
      ['hitmap since after to', () => q.hitmap('eu', 't', { ...window, since: new Date(BASE_MS + 60_001) }), 'since'],
      ['hitmap since not a date', () => q.hitmap('eu', 't', { ...window, since: new Date('nope') }), 'since'],
      ['limit 0', () => q.transactions('eu', 't', { ...window, limit: 0 }), 'limit'],
      ['limit too big', () => q.transactions('eu', 't', { ...window, limit: QUERY_LIMITS.transactionsMaxLimit + 1 }), 'limit'],
      ['negative minMs', () => q.transactions('eu', 't', { ...window, minMs: -1 }), 'minMs'],
      ['maxMs not above minMs', () => q.transactions('eu', 't', { ...window, minMs: 10, maxMs: 10 }), 'maxMs'],
      ['not a row table', () => q.countRows('eu', 't', 'hitmap_5s' as never), 'table'],
    ];
    it.each(cases)('rejects %s with a QueryValidationError naming the field', async (_name, run, field) => {
      const err = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryValidationError);
      expect((err as QueryValidationError).field).toBe(field);
    });

    it('treats tenant ids and filters as data, never as SQL', async () => {
      const evil = "x' OR tenant_id != '' OR '1'='1";
      await write('eu', [txn(0, 1, { tenant_id: evil })]);
      expect(await q.countRows('eu', evil, 'spans')).toBe(1);
      expect(await q.transactions('eu', 'nobody', { ...window, service: evil })).toEqual([]);
    });
  });
});
