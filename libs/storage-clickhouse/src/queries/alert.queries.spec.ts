import { AlertQueries } from './alert.queries';
import { RowWriter } from '../write/row-writer';
import { makeDbSpanRow, makeMetricPointRow, makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

describe('AlertQueries', () => {
  let ch: TestClickHouse;
  let q: AlertQueries;
  // The windows end here, taken once the rows are stored: opening an engine can take seconds under load, and
  // rows stamped after a `now` taken before it would fall outside the 5 s hitmap buckets of the window.
  let now: Date;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    q = new AlertQueries(ch.clients);
    // Tenant a: 10 checkout transactions ending ~now: 7 fast, 1 fast error, 2 slow (3 s and 6 s) in one column.
    const end = (ms: number) => nowNanos(BigInt(-Math.round(ms * 1e6)) - 1_000_000_000n);
    const rows = [
      ...Array.from({ length: 7 }, () => makeSpanRow({ tenant_id: 'a', startNanos: end(100), durationMs: 100 })),
      makeSpanRow({ tenant_id: 'a', startNanos: end(100), durationMs: 100, is_error: 1 }),
      makeSpanRow({ tenant_id: 'a', startNanos: end(3000), durationMs: 3000 }),
      makeSpanRow({ tenant_id: 'a', startNanos: end(6000), durationMs: 6000 }),
      makeSpanRow({ tenant_id: 'a', service: 'billing', startNanos: end(9000), durationMs: 9000 }),
      // Another tenant, all slow errors: must never leak into tenant a's figures.
      ...Array.from({ length: 20 }, () => makeSpanRow({ tenant_id: 'b', startNanos: end(20_000), durationMs: 20_000, is_error: 1 })),
    ];
    // One transaction firing the same query 6 times (N+1), 40 ms each, on pg-1.
    const dbCalls = Array.from({ length: 6 }, () => makeDbSpanRow(rows[0], { startNanos: end(40), durationMs: 40 }));
    const writer = new RowWriter(ch.clients);
    await writer.insert('test', 'spans', toRowBody('spans', [...rows, ...dbCalls]), 'alert-queries');
    const cpu = (value: number, state: string, tenant = 'a') => makeMetricPointRow({ tenant_id: tenant, metric_name: 'cpu', value, attributes: { state } });
    await writer.insert(
      'test',
      'metric_points',
      toRowBody('metric_points', [cpu(0.2, 'user'), cpu(0.4, 'user'), cpu(0.6, 'user'), cpu(0.9, 'system'), cpu(5, 'user', 'b')]),
      'alert-metrics',
    );
    now = new Date();
  }, 60_000);

  afterAll(() => ch?.close());

  const measure = (metric: Parameters<AlertQueries['measure']>[2]['metric'], extra: { slowMs?: number; service?: string } = {}) =>
    q.measure('test', 'a', { metric, service: 'checkout', windowSeconds: 60, now, ...extra });

  it('reads RED and Apdex of one service of one tenant from service_red_1m', async () => {
    expect((await measure('error_rate')).value).toBeCloseTo(10, 5);
    expect((await measure('error_rate')).count).toBe(10);
    expect((await measure('latency_p99')).value).toBeGreaterThan(3000);
    expect((await measure('latency_p95')).value).toBeLessThanOrEqual(6000);
    // Apdex T = 500 ms: 7 satisfied, the error frustrated, 3 s and 6 s frustrated → 0.7.
    expect((await measure('apdex')).value).toBeCloseTo(0.7, 5);
    const throughput = await measure('throughput');
    expect(throughput.value).toBeGreaterThan(0);
    expect(throughput.value! * ((throughput.to.getTime() - throughput.from.getTime()) / 60_000)).toBeCloseTo(10, 5);
  });

  it('finds hitmap patterns in hitmap_5s: slow cells per column, seconds with slow hits', async () => {
    expect((await measure('hitmap_vertical', { slowMs: 1000 })).value).toBe(2);
    expect((await measure('hitmap_horizontal', { slowMs: 1000 })).value).toBe(5);
    expect((await measure('hitmap_vertical', { slowMs: 5000 })).value).toBe(1);
    expect((await measure('hitmap_vertical', { slowMs: 1000, service: undefined })).value).toBe(3);
  });

  it('reads SQL p95 and queries per transaction (N+1) per DB instance, and any stored metric by name and attributes', async () => {
    expect((await measure('queries_per_txn')).value).toBe(6);
    expect((await q.measure('test', 'a', { metric: 'queries_per_txn', dbInstance: 'other-db', windowSeconds: 60, now })).value).toBeNull();
    expect((await q.measure('test', 'a', { metric: 'sql_p95', dbInstance: 'pg-1:5432', windowSeconds: 60, now })).value).toBeCloseTo(40, 0);
    const metric = (attributes?: Record<string, string>) =>
      q.measure('test', 'a', { metric: 'metric', metricName: 'cpu', attributes, windowSeconds: 60, now: new Date() });
    expect((await metric({ state: 'user' })).value).toBeCloseTo(0.4, 5);
    expect((await metric()).value).toBeCloseTo(0.525, 5);
    expect((await metric({ state: 'idle' })).value).toBeNull();
    await expect(q.measure('test', 'a', { metric: 'metric', windowSeconds: 60, now })).rejects.toThrow(/metricName/);
  });

  it('answers "no data" for latency without traffic, and 0 for throughput', async () => {
    const quiet = { windowSeconds: 60, now, service: 'nobody' };
    expect((await q.measure('test', 'a', { metric: 'latency_p95', ...quiet })).value).toBeNull();
    expect((await q.measure('test', 'a', { metric: 'throughput', ...quiet })).value).toBe(0);
  });

  it('refuses a rule without a base time, or a window out of range', async () => {
    await expect(measure('hitmap_vertical')).rejects.toThrow(/slowMs/);
    await expect(q.measure('test', 'a', { metric: 'apdex', windowSeconds: 0, now })).rejects.toThrow(/windowSeconds/);
  });
});
