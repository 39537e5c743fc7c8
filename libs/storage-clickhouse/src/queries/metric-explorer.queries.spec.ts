import { nanosToDateTime64, type MetricPointRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { makeMetricPointRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';
import { RowWriter } from '../write/row-writer';
import { bucketQuantile, chooseStep, expGrid, MetricExplorerQueries, rangeQuantile, type MetricSeriesQuery } from './metric-explorer.queries';

const MS = 1_000_000n;
/** A minute-aligned base time 30 minutes ago. */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const ts = (offsetMs: number) => nanosToDateTime64(BigInt(BASE_MS + offsetMs) * MS);
const T = 'mx';
const LONG_AGO = -3_600_000;

function point(name: string, offsetMs: number, overrides: Partial<MetricPointRow>): MetricPointRow {
  return makeMetricPointRow({
    tenant_id: T,
    metric_name: name,
    ts: ts(offsetMs),
    resource_attributes: { 'service.name': 'shop', 'host.name': 'web-1' },
    ...overrides,
  });
}
const gauge = (offsetMs: number, value: number, attributes: Record<string, string>, tenant = T) =>
  point('g.temp', offsetMs, { value, attributes, tenant_id: tenant, unit: 'Cel' });
const sum = (name: string, temporality: 'DELTA' | 'CUMULATIVE', offsetMs: number, value: number, attributes: Record<string, string>, startMs = LONG_AGO) =>
  point(name, offsetMs, { metric_type: 'SUM', temporality, is_monotonic: 1, value, attributes, unit: '{requests}', start_ts: ts(startMs) });
const histogram = (temporality: 'DELTA' | 'CUMULATIVE', offsetMs: number, counts: number[], total: number, attributes: Record<string, string>) =>
  point('h.latency', offsetMs, {
    metric_type: 'HISTOGRAM',
    temporality,
    unit: 'ms',
    attributes,
    start_ts: ts(LONG_AGO),
    bucket_counts: counts.map(String),
    explicit_bounds: [10, 50, 100, 500],
    count: String(counts.reduce((a, b) => a + b, 0)),
    sum: total,
  });
/** An exponential histogram point: buckets `pos`/`neg` as [offset, counts] at `scale`; count = all buckets + zero. */
interface ExpPoint {
  scale: number;
  zero?: number;
  pos?: [number, number[]];
  neg?: [number, number[]];
  total: number;
  attributes?: Record<string, string>;
  temporality?: 'DELTA' | 'CUMULATIVE';
  startMs?: number;
  tenant?: string;
}
const expHistogram = (name: string, offsetMs: number, e: ExpPoint) => {
  const [posOffset, pos] = e.pos ?? [0, []];
  const [negOffset, neg] = e.neg ?? [0, []];
  return point(name, offsetMs, {
    metric_type: 'EXP_HISTOGRAM',
    temporality: e.temporality ?? 'DELTA',
    unit: 's',
    tenant_id: e.tenant ?? T,
    attributes: e.attributes ?? {},
    start_ts: ts(e.startMs ?? LONG_AGO),
    exp_scale: e.scale,
    exp_zero_count: String(e.zero ?? 0),
    exp_positive_offset: posOffset,
    exp_positive_counts: pos.map(String),
    exp_negative_offset: negOffset,
    exp_negative_counts: neg.map(String),
    count: String([...pos, ...neg].reduce((a, b) => a + b, e.zero ?? 0)),
    sum: e.total,
  });
};
const summary = (name: string, offsetMs: number, quantiles: Record<number, number>, attributes: Record<string, string>, tenant = T, count = 10, total = 100) =>
  point(name, offsetMs, {
    metric_type: 'SUMMARY',
    // As the row path stores them: OTLP summaries carry no temporality.
    temporality: 'UNSPECIFIED',
    tenant_id: tenant,
    unit: 'ms',
    attributes,
    quantiles: Object.keys(quantiles).map(Number),
    quantile_values: Object.values(quantiles),
    count: String(count),
    sum: total,
  });
/** Bucket edge b^i at `scale` (b = 2^(2^−scale)). */
const edge = (i: number, scale: number) => 2 ** (i / 2 ** scale);
/** `rank` of `n` observations into the bucket [lower, upper]. */
const into = (lower: number, upper: number, rank: number, n: number) => lower + (upper - lower) * (rank / n);

describe('MetricExplorerQueries', () => {
  let ch: TestClickHouse;
  let q: MetricExplorerQueries;
  const minutes = (n: number) => ({ from: new Date(BASE_MS), to: new Date(BASE_MS + n * 60_000) });
  const series = (query: Partial<MetricSeriesQuery> & { name: string }) => q.metricSeries('eu', T, { ...minutes(3), stepSeconds: 60, ...query });

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new MetricExplorerQueries(ch.clients);
    const A = { host: 'a', zone: 'x' };
    const B = { host: 'b', zone: 'x' };
    const C = { host: 'c', zone: 'y' };
    const rows: MetricPointRow[] = [
      // Gauge: per series and minute A 15 | 40, B 30 | 60, C 100 | –.
      gauge(5_000, 10, A),
      gauge(10_000, 20, A),
      gauge(20_000, 30, B),
      gauge(40_000, 100, C),
      gauge(65_000, 40, A),
      gauge(70_000, 50, B),
      gauge(110_000, 70, B),
      // Another tenant's points under the same name never count.
      gauge(10_000, 1e6, A, 'other'),
      point('secret.metric', 10_000, { tenant_id: 'other' }),
      // DELTA counter: minute 0 gets 30 + 30 (A) + 60 (B), minute 1 gets 60.
      sum('d.requests', 'DELTA', 10_000, 30, { route: '/a' }),
      sum('d.requests', 'DELTA', 40_000, 30, { route: '/a' }),
      sum('d.requests', 'DELTA', 70_000, 60, { route: '/a' }),
      sum('d.requests', 'DELTA', 20_000, 60, { route: '/b' }),
      // Cumulative counter /a: a point before the window, a reset with a new start time at +65 s.
      sum('c.requests', 'CUMULATIVE', -30_000, 100, { route: '/a' }),
      sum('c.requests', 'CUMULATIVE', 10_000, 160, { route: '/a' }),
      sum('c.requests', 'CUMULATIVE', 40_000, 220, { route: '/a' }),
      sum('c.requests', 'CUMULATIVE', 70_000, 10, { route: '/a' }, 65_000),
      sum('c.requests', 'CUMULATIVE', 100_000, 70, { route: '/a' }, 65_000),
      sum('c.requests', 'CUMULATIVE', 130_000, 100, { route: '/a' }, 65_000),
      // /b starts inside the window (its first value counts whole), then resets without a new start time.
      sum('c.requests', 'CUMULATIVE', 55_000, 30, { route: '/b' }, 50_000),
      sum('c.requests', 'CUMULATIVE', 115_000, 90, { route: '/b' }, 50_000),
      sum('c.requests', 'CUMULATIVE', 150_000, 20, { route: '/b' }, 50_000),
      // Histogram: A cumulative (a point before the window, then a reset at +90 s), B delta.
      histogram('CUMULATIVE', -20_000, [5, 5, 0, 0, 0], 100, { host: 'a' }),
      histogram('CUMULATIVE', 30_000, [5, 15, 10, 0, 0], 1100, { host: 'a' }),
      histogram('CUMULATIVE', 90_000, [1, 0, 0, 0, 0], 4, { host: 'a' }),
      histogram('DELTA', 40_000, [0, 0, 10, 20, 0], 6000, { host: 'b' }),
      // Empty buckets between full ones (as SDK histograms have): (10, 50] and (500, 1000] hold one each.
      point('h.sparse', 10_000, {
        metric_type: 'HISTOGRAM',
        temporality: 'DELTA',
        bucket_counts: ['0', '1', '0', '0', '1', '0'],
        explicit_bounds: [10, 50, 100, 500, 1000],
        count: '2',
        sum: 940,
      }),
      // Two series with different bounds: merged by upper bound.
      point('h.mixed', 10_000, {
        metric_type: 'HISTOGRAM',
        temporality: 'DELTA',
        attributes: { s: 'a' },
        bucket_counts: ['0', '2', '0'],
        explicit_bounds: [10, 100],
        count: '2',
        sum: 100,
      }),
      point('h.mixed', 20_000, {
        metric_type: 'HISTOGRAM',
        temporality: 'DELTA',
        attributes: { s: 'b' },
        bucket_counts: ['2', '0'],
        explicit_bounds: [50],
        count: '2',
        sum: 60,
      }),
      // Exponential, scale 0 (buckets (2^i, 2^(i+1)]), DELTA. Minute 0: [−4, −2) 2, zero 2, (1, 2] 2, (2, 4] 4, (4, 8] 4.
      expHistogram('e.scale0', 10_000, { scale: 0, neg: [1, [2]], zero: 2, pos: [0, [2, 4, 4]], total: 50 }),
      // Minute 1, mostly negative: [−4, −2) 6, [−2, −1) 2, (1, 2] 2.
      expHistogram('e.scale0', 70_000, { scale: 0, neg: [0, [2, 6]], pos: [0, [2]], total: -20 }),
      // Another tenant's point under the same name, far above: never counted.
      expHistogram('e.scale0', 20_000, { scale: 0, pos: [10, [100]], total: 1e5, tenant: 'other' }),
      // Two DELTA series at scales 2 and 1, merged at scale 1: a's indexes −3 (odd, negative), 4 and 5
      // at scale 2 become −2, 2 and 2 at scale 1.
      expHistogram('e.scales', 10_000, { scale: 2, pos: [-3, [2, 0, 0, 0, 0, 0, 0, 1, 3]], total: 12, attributes: { s: 'a' } }),
      expHistogram('e.scales', 20_000, { scale: 1, pos: [3, [4]], total: 14, attributes: { s: 'b' } }),
      // Cumulative: a point before the window at scale 1, then at scale 0 (the SDK lowered the scale:
      // no reset), then a new start time (reset), then a bucket that went down (reset).
      expHistogram('e.cumulative', -20_000, { temporality: 'CUMULATIVE', scale: 1, zero: 1, pos: [0, [2, 2]], total: 10 }),
      expHistogram('e.cumulative', 30_000, { temporality: 'CUMULATIVE', scale: 0, zero: 1, pos: [0, [6, 4]], total: 40 }),
      expHistogram('e.cumulative', 90_000, { temporality: 'CUMULATIVE', scale: 1, pos: [2, [3]], total: 7.5, startMs: 85_000 }),
      expHistogram('e.cumulative', 150_000, { temporality: 'CUMULATIVE', scale: 1, zero: 3, pos: [2, [1]], total: 8, startMs: 85_000 }),
      // Summaries: a reports p50/p95/p99 twice in minute 0 (the later counts), b p50/p95 in minutes 0 and 1.
      // Count and sum are cumulative: a adds 20 observations (sum 400) in minute 0, b 4 (sum 80) in minute 1.
      summary('s.latency', 10_000, { 0.5: 10, 0.95: 50, 0.99: 90 }, { s: 'a' }, T, 10, 100),
      summary('s.latency', 40_000, { 0.5: 12, 0.95: 60, 0.99: 95 }, { s: 'a' }, T, 30, 500),
      summary('s.latency', 20_000, { 0.5: 30, 0.95: 40 }, { s: 'b' }, T, 10, 100),
      summary('s.latency', 70_000, { 0.5: 5, 0.95: 7 }, { s: 'b' }, T, 14, 180),
      summary('s.latency', 50_000, { 0.5: 1e6, 0.95: 1e6, 0.99: 1e6 }, { s: 'a' }, 'other'),
      summary('s.median', 10_000, { 0.5: 3, 0.9: 4 }, {}),
      // 55 groups of one series each, value i.
      ...Array.from({ length: 55 }, (_, i) => point('g.many', 30_000, { value: i, attributes: { k: `k${String(i).padStart(2, '0')}` } })),
    ];
    await new RowWriter(ch.clients).insert('eu', 'metric_points', toRowBody('metric_points', rows), 'metric-explorer');
  });
  afterAll(() => ch.close());

  it('gauge: avg of each series’ mean, sum, min and max per minute, from the rollup', async () => {
    const r = await series({ name: 'g.temp', ...minutes(2) });
    expect(r).toMatchObject({ source: 'rollup', stepSeconds: 60, aggregation: 'avg', aggregations: ['avg', 'sum', 'min', 'max'], unit: 'Cel' });
    expect(r.metric).toMatchObject({ type: 'GAUGE', unit: 'Cel' });
    expect(r.times).toEqual([BASE_MS, BASE_MS + 60_000]);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0].group).toBeNull();
    expect(r.lines[0].values[0]).toBeCloseTo(145 / 3, 9);
    expect(r.lines[0].values[1]).toBeCloseTo(50, 9);
    expect((await series({ name: 'g.temp', ...minutes(2), aggregation: 'max' })).lines[0].values).toEqual([100, 70]);
    expect((await series({ name: 'g.temp', ...minutes(2), aggregation: 'min' })).lines[0].values).toEqual([10, 40]);
    expect((await series({ name: 'g.temp', ...minutes(2), aggregation: 'sum' })).lines[0].values).toEqual([145, 100]);
  });

  it('gauge at a sub-minute step reads the raw points', async () => {
    const r = await series({ name: 'g.temp', ...minutes(1), stepSeconds: 30 });
    expect(r.source).toBe('raw');
    expect(r.times).toEqual([BASE_MS, BASE_MS + 30_000]);
    expect(r.lines[0].values).toEqual([22.5, 100]);
  });

  it('groups by an attribute (point or resource) and filters by attributes', async () => {
    const byZone = await series({ name: 'g.temp', ...minutes(2), groupBy: 'zone' });
    expect(byZone.lines.map((l) => [l.group, l.other, l.values])).toEqual([
      ['x', false, [22.5, 50]],
      ['y', false, [100, null]],
    ]);
    const byService = await series({ name: 'g.temp', ...minutes(2), groupBy: 'service.name', aggregation: 'max' });
    expect(byService.lines.map((l) => [l.group, l.values])).toEqual([['shop', [100, 70]]]);
    const notY = await series({ name: 'g.temp', ...minutes(2), filters: [{ key: 'zone', op: '!=', value: 'y' }] });
    expect(notY.lines[0].values).toEqual([22.5, 50]);
    const onlyA = await series({
      name: 'g.temp',
      ...minutes(2),
      filters: [
        { key: 'host', op: '=', value: 'a' },
        { key: 'host.name', op: '=', value: 'web-1' },
      ],
    });
    expect(onlyA.lines[0].values).toEqual([15, 40]);
    const none = await series({ name: 'g.temp', ...minutes(2), filters: [{ key: 'host', op: '=', value: 'zzz' }] });
    expect(none.lines).toEqual([]);
  });

  it('rate of a DELTA sum: the step’s sum over the step, from the rollup', async () => {
    const r = await series({ name: 'd.requests' });
    expect(r).toMatchObject({ source: 'rollup', aggregation: 'rate', unit: '{requests}/s' });
    expect(r.lines[0].values).toEqual([2, 1, null]);
    const byRoute = await series({ name: 'd.requests', groupBy: 'route' });
    expect(byRoute.lines.map((l) => [l.group, l.values])).toEqual([
      ['/a', [1, 1, null]],
      ['/b', [1, null, null]],
    ]);
  });

  it('rate of a cumulative counter: differences per series, resets by a new start time or a lower value', async () => {
    const r = await series({ name: 'c.requests' });
    expect(r).toMatchObject({ source: 'raw', aggregation: 'rate' });
    const [m0, m1, m2] = r.lines[0].values as number[];
    expect(m0).toBeCloseTo(150 / 60, 9);
    expect(m1).toBeCloseTo(130 / 60, 9);
    expect(m2).toBeCloseTo(50 / 60, 9);
    const byRoute = await series({ name: 'c.requests', groupBy: 'route' });
    expect(byRoute.lines.map((l) => l.group)).toEqual(['/a', '/b']);
    expect(byRoute.lines[0].values.map((v) => v! * 60)).toEqual([120, 70, 30].map((v) => expect.closeTo(v, 9)));
    expect(byRoute.lines[1].values.map((v) => v! * 60)).toEqual([30, 60, 20].map((v) => expect.closeTo(v, 9)));
    // The counter's own value is still readable (max of the cumulative value per minute).
    expect((await series({ name: 'c.requests', aggregation: 'max' })).lines[0].values).toEqual([220, 90, 100]);
  });

  it('histogram p50/p95: buckets merged across series (cumulative ones differenced), interpolated in the bucket', async () => {
    const p95 = await series({ name: 'h.latency' });
    expect(p95).toMatchObject({ source: 'raw', aggregation: 'p95', unit: 'ms' });
    // Minute 0: [0, 10, 20, 20, 0] → rank 47.5 in (100, 500]; minute 1: A reset to [1, 0…] → 0.95 of (0, 10].
    expect(p95.lines[0].values).toEqual([450, 9.5, null]);
    expect((await series({ name: 'h.latency', aggregation: 'p50' })).lines[0].values).toEqual([87.5, 5, null]);
    const avg = await series({ name: 'h.latency', aggregation: 'avg' });
    expect(avg.lines[0].values).toEqual([7000 / 50, 4, null]);
    const rate = await series({ name: 'h.latency', aggregation: 'rate' });
    expect(rate.lines[0].values[0]).toBeCloseTo(50 / 60, 9);
    expect(rate.unit).toBe('{observations}/s');
    const byHost = await series({ name: 'h.latency', groupBy: 'host', aggregation: 'p50' });
    // A: [0, 10, 10, 0, 0] → rank 10 at the top of (10, 50]; B: [0, 0, 10, 20, 0] → rank 15 in (100, 500].
    expect(byHost.lines.map((l) => [l.group, l.values[0]])).toEqual([
      ['a', 50],
      ['b', 200],
    ]);
  });

  it('histogram quantiles interpolate between the bucket’s own bounds, whatever buckets are empty', async () => {
    expect((await series({ name: 'h.sparse', ...minutes(1) })).lines[0].values).toEqual([950]);
    expect((await series({ name: 'h.sparse', ...minutes(1), aggregation: 'p50' })).lines[0].values).toEqual([50]);
    // Merged: (…, 10] 0, (10, 50] 2, (50, 100] 2, (100, …) 0: p50 (rank 2) tops (10, 50], p95 (rank 3.8) is 90 % into (50, 100].
    expect((await series({ name: 'h.mixed', ...minutes(1), aggregation: 'p50' })).lines[0].values).toEqual([50]);
    expect((await series({ name: 'h.mixed', ...minutes(1), aggregation: 'p95' })).lines[0].values).toEqual([95]);
    expect((await series({ name: 'h.mixed', ...minutes(1), aggregation: 'avg' })).lines[0].values).toEqual([40]);
  });

  it('exponential histogram quantiles at scale 0: negative, zero and positive buckets in order, interpolated in the bucket', async () => {
    const p95 = await series({ name: 'e.scale0', ...minutes(2) });
    expect(p95).toMatchObject({ source: 'raw', aggregation: 'p95', aggregations: ['p95', 'p50', 'p99', 'avg', 'rate'], unit: 's' });
    expect(p95.metric).toMatchObject({ type: 'EXP_HISTOGRAM' });
    // Minute 0 (14 observations): rank 13.3 is 3.3 of 4 into (4, 8]; minute 1 (10): rank 9.5 is 1.5 of 2 into (1, 2].
    expect(p95.lines[0].values).toEqual([into(4, 8, 3.3, 4), into(1, 2, 1.5, 2)].map((v) => expect.closeTo(v, 9)));
    // p50: rank 7 is 1 of 4 into (2, 4]; minute 1: rank 5 is 5 of 6 into [−4, −2).
    const p50 = await series({ name: 'e.scale0', ...minutes(2), aggregation: 'p50' });
    expect(p50.lines[0].values).toEqual([2.5, into(-4, -2, 5, 6)].map((v) => expect.closeTo(v, 9)));
    const p99 = await series({ name: 'e.scale0', ...minutes(2), aggregation: 'p99' });
    expect(p99.lines[0].values[0]).toBeCloseTo(into(4, 8, 13.86 - 10, 4), 9);
    expect((await series({ name: 'e.scale0', ...minutes(2), aggregation: 'avg' })).lines[0].values).toEqual([50 / 14, -2]);
    // Another tenant's point under the same name: theirs alone, 50 of 100 into (1024, 2048].
    const theirs = await q.metricSeries('eu', 'other', { ...minutes(2), name: 'e.scale0', aggregation: 'p50', stepSeconds: 60 });
    expect(theirs.lines[0].values).toEqual([1536, null]);
  });

  it('exponential histograms of different scales merge at the coarsest one read', async () => {
    // a alone at scale 2: (2^−0.75, 2^−0.5] 2, (2, 2^1.25] 1, (2^1.25, 2^1.5] 3.
    const onlyA = (aggregation: 'p50' | 'p95') => series({ name: 'e.scales', ...minutes(1), aggregation, filters: [{ key: 's', op: '=', value: 'a' }] });
    expect((await onlyA('p95')).lines[0].values[0]).toBeCloseTo(into(edge(5, 2), edge(6, 2), 2.7, 3), 9);
    expect((await onlyA('p50')).lines[0].values[0]).toBeCloseTo(edge(5, 2), 9);
    // With b (scale 1) read too, all at scale 1: a (2^−1, 2^−0.5] 2, (2, 2^1.5] 4; b (2^1.5, 4] 4.
    const byS = await series({ name: 'e.scales', ...minutes(1), groupBy: 's' });
    expect(byS.lines.map((l) => l.group)).toEqual(['a', 'b']);
    expect(byS.lines[0].values[0]).toBeCloseTo(into(2, edge(3, 1), 3.7, 4), 9);
    expect(byS.lines[1].values[0]).toBeCloseTo(into(edge(3, 1), 4, 3.8, 4), 9);
    const merged = await series({ name: 'e.scales', ...minutes(1), aggregation: 'p50' });
    expect(merged.lines[0].values[0]).toBeCloseTo(into(2, edge(3, 1), 3, 4), 9);
    expect((await series({ name: 'e.scales', ...minutes(1) })).lines[0].values[0]).toBeCloseTo(into(edge(3, 1), 4, 3.5, 4), 9);
  });

  it('cumulative exponential histograms: differenced at the coarsest scale, counted whole after a reset', async () => {
    // All read at scale 0 (the coarsest point's). Minute 0: {(1, 2]: 6, (2, 4]: 4, zero 1} − the
    // earlier point (scale 1: (1, √2] 2, (√2, 2] 2, zero 1 → (1, 2] 4) = (1, 2] 2, (2, 4] 4.
    // Minute 1: a new start time, whole: (2, 4] 3. Minute 2: a bucket went down (3 → 1), whole: zero 3, (2, 4] 1.
    const p50 = await series({ name: 'e.cumulative', aggregation: 'p50' });
    expect(p50.lines[0].values).toEqual([2.5, 3, 0]);
    const p95 = await series({ name: 'e.cumulative' });
    expect(p95.lines[0].values).toEqual([into(2, 4, 3.7, 4), into(2, 4, 2.85, 3), into(2, 4, 0.8, 1)].map((v) => expect.closeTo(v, 9)));
    const rate = await series({ name: 'e.cumulative', aggregation: 'rate' });
    expect(rate.lines[0].values.map((v) => v! * 60)).toEqual([6, 3, 4].map((v) => expect.closeTo(v, 9)));
    expect(rate.unit).toBe('{observations}/s');
    expect((await series({ name: 'e.cumulative', aggregation: 'avg' })).lines[0].values).toEqual([5, 2.5, 2]);
  });

  it('reads exponential buckets at a coarser scale when they would span too many indexes', () => {
    const at = (scale: number, pos: [number, number] | null, neg: [number, number] | null = null) => ({ scale, pos, neg });
    expect(expGrid([at(3, [-4, 10]), at(2, [1, 3], [0, 0])], 1024)).toEqual({ scale: 2, pos: { from: -2, length: 8 }, neg: { from: 0, length: 1 } });
    expect(expGrid([at(3, [0, 99])], 40)).toEqual({ scale: 1, pos: { from: 0, length: 25 }, neg: { from: 0, length: 0 } });
    expect(expGrid([at(5, null)], 50)).toEqual({ scale: 0, pos: { from: 0, length: 0 }, neg: { from: 0, length: 0 } });
  });

  it('summary quantiles: per step each series’ latest reported value, the highest across series', async () => {
    const p95 = await series({ name: 's.latency', ...minutes(2) });
    expect(p95).toMatchObject({ aggregation: 'p95', aggregations: ['p95', 'p50', 'p99', 'avg', 'rate'], unit: 'ms' });
    expect(p95.lines[0].values).toEqual([60, 7]);
    expect((await series({ name: 's.latency', ...minutes(2), aggregation: 'p50' })).lines[0].values).toEqual([30, 5]);
    // Only a reports p99.
    expect((await series({ name: 's.latency', ...minutes(2), aggregation: 'p99' })).lines[0].values).toEqual([95, null]);
    const byS = await series({ name: 's.latency', ...minutes(2), groupBy: 's' });
    expect(byS.lines.map((l) => [l.group, l.values])).toEqual([
      ['a', [60, null]],
      ['b', [40, 7]],
    ]);
    // Count and sum give avg and rate, as cumulative figures (differenced per series) although summaries carry no temporality.
    expect((await series({ name: 's.latency', ...minutes(2), aggregation: 'avg' })).lines[0].values).toEqual([20, 20]);
    const rate = await series({ name: 's.latency', ...minutes(2), aggregation: 'rate' });
    expect(rate.lines[0].values.map((v) => v! * 60)).toEqual([20, 4].map((v) => expect.closeTo(v, 9)));
    // A summary offers only the quantiles its points report.
    const median = await series({ name: 's.median', ...minutes(1) });
    expect(median).toMatchObject({ aggregation: 'p50', aggregations: ['p50', 'avg', 'rate'] });
    expect(median.lines[0].values).toEqual([3]);
  });

  it('rangeQuantile interpolates inside ordered buckets, negative ones too', () => {
    expect(
      rangeQuantile(0.5, [
        { lower: -4, upper: -2, count: 2 },
        { lower: 0, upper: 0, count: 0 },
        { lower: 2, upper: 4, count: 2 },
      ]),
    ).toBe(-2);
    expect(rangeQuantile(0.25, [{ lower: -4, upper: -2, count: 2 }])).toBe(-3.5);
    expect(rangeQuantile(0.5, [{ lower: 0, upper: 0, count: 0 }])).toBeNull();
  });

  it('keeps the 50 groups with most series and merges the rest into one "other" line', async () => {
    const r = await series({ name: 'g.many', groupBy: 'k', aggregation: 'sum', ...minutes(1) });
    expect(r.lines).toHaveLength(51);
    expect(r.lines[0]).toEqual({ group: 'k00', other: false, values: [0] });
    expect(r.lines[49].group).toBe('k49');
    expect(r.lines[50]).toEqual({ group: null, other: true, values: [50 + 51 + 52 + 53 + 54] });
  });

  it('never reads another tenant’s points', async () => {
    expect((await series({ name: 'g.temp', ...minutes(2), aggregation: 'max' })).lines[0].values).toEqual([100, 70]);
    const theirs = await q.metricSeries('eu', 'other', { ...minutes(2), name: 'g.temp', aggregation: 'max', stepSeconds: 60 });
    expect(theirs.lines[0].values).toEqual([1e6, null]);
    expect(await q.metricSeries('eu', T, { ...minutes(2), name: 'secret.metric' })).toMatchObject({ metric: null, lines: [] });
    expect((await q.metricNames('eu', T, minutes(3))).map((m) => m.name)).not.toContain('secret.metric');
  });

  it('lists metric names with type, unit and series count; search matches part of the name', async () => {
    const all = await q.metricNames('eu', T, minutes(3));
    expect(all.map((m) => m.name)).toEqual([
      'c.requests',
      'd.requests',
      'e.cumulative',
      'e.scale0',
      'e.scales',
      'g.many',
      'g.temp',
      'h.latency',
      'h.mixed',
      'h.sparse',
      's.latency',
      's.median',
    ]);
    expect(all.find((m) => m.name === 'e.scales')).toMatchObject({ type: 'EXP_HISTOGRAM', series: 2 });
    expect(all.find((m) => m.name === 'c.requests')).toMatchObject({
      type: 'SUM',
      unit: '{requests}',
      temporality: 'CUMULATIVE',
      isMonotonic: true,
      series: 2,
    });
    expect(all.find((m) => m.name === 'g.temp')).toMatchObject({ type: 'GAUGE', series: 3 });
    expect((await q.metricNames('eu', T, { ...minutes(3), search: 'REQ' })).map((m) => m.name)).toEqual(['c.requests', 'd.requests']);
  });

  it('lists a metric’s attribute keys (point ones first) with their values', async () => {
    const keys = await q.metricAttributes('eu', T, { ...minutes(3), name: 'g.temp' });
    expect(keys.map((k) => [k.key, k.source, k.distinctValues, k.values])).toEqual([
      ['host', 'attribute', 3, ['a', 'b', 'c']],
      ['zone', 'attribute', 2, ['x', 'y']],
      ['host.name', 'resource', 1, ['web-1']],
      ['service.name', 'resource', 1, ['shop']],
    ]);
  });

  it('refuses what it cannot answer, naming the field', async () => {
    const field = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof QueryValidationError ? e.field : String(e)),
      );
    expect(await field(series({ name: 'g.temp', aggregation: 'p95' }))).toBe('agg');
    expect(await field(series({ name: 'g.temp', aggregation: 'rate' }))).toBe('agg');
    expect(await field(series({ name: 'e.scale0', aggregation: 'sum' }))).toBe('agg');
    expect(await field(series({ name: 's.median', aggregation: 'p95' }))).toBe('agg');
    expect(await field(series({ name: 'g.temp', stepSeconds: 5 }))).toBe('step');
    expect(await field(series({ name: 'g.temp', from: new Date(BASE_MS - 86400_000), stepSeconds: 60 }))).toBe('step');
    expect(await field(series({ name: 'g.temp', from: new Date(BASE_MS - 8 * 86400_000) }))).toBe('to');
    expect(await field(series({ name: '' }))).toBe('name');
    expect(await field(series({ name: 'g.temp', groupBy: 'x'.repeat(257) }))).toBe('groupBy');
    expect(await field(series({ name: 'g.temp', filters: Array.from({ length: 11 }, () => ({ key: 'a', op: '=' as const, value: 'b' })) }))).toBe('filter');
    expect(await field(series({ name: 'g.temp', filters: [{ key: 'a', op: '=', value: 'v'.repeat(1025) }] }))).toBe('filter');
    expect(await field(q.metricNames('eu', T, { ...minutes(3), search: 's'.repeat(257) }))).toBe('search');
  });

  it('never answers more than 300 points per line, whatever the window', async () => {
    for (const hours of [0.25, 1, 6, 24, 167.9]) {
      const r = await q.metricSeries('eu', T, { name: 'g.temp', from: new Date(BASE_MS + 7_000 - hours * 3600_000), to: new Date(BASE_MS + 7_000) });
      expect(r.times.length).toBeLessThanOrEqual(300);
      expect(r.lines.every((l) => l.values.length === r.times.length)).toBe(true);
    }
  });

  it('chooses round steps of at least a minute, at most 300 per window', () => {
    expect(chooseStep(15 * 60_000)).toBe(60);
    expect(chooseStep(6 * 3600_000)).toBe(120);
    expect(chooseStep(7 * 86400_000)).toBe(3600);
    expect(chooseStep(3600_000, 15)).toBe(15);
  });

  it('bucketQuantile interpolates inside the bucket and stops at the highest finite bound', () => {
    expect(bucketQuantile(0.5, [1, 2, Infinity], [0, 10, 0])).toBe(1.5);
    expect(bucketQuantile(0.95, [1, 2, Infinity], [0, 0, 4])).toBe(2);
    expect(bucketQuantile(0.5, [1, Infinity], [0, 0])).toBeNull();
  });
});
