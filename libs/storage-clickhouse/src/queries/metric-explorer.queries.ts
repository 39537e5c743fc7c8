/**
 * Metrics explorer reads: the tenant's metric names, the attributes of one metric, and one
 * metric as lines over time (aggregated per step, optionally grouped by one attribute).
 *
 * Every line is computed per stored series first (one `attributes_hash`: resource + point
 * attributes) and only then aggregated across the series of a group, so a counter's rate or a
 * gauge's sum does not depend on how many points each series exported in a step.
 */
import { RAW_TIME_RANGE_MS, ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from '../clients';
import { QueryValidationError } from '../errors';
import { checkLimit, checkName, checkTenant, checkWindow, isoFromClickHouse, msInWindow, select, type Params, type TimeWindow } from './sql';

export const METRIC_AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'rate', 'p50', 'p95', 'p99'] as const;
export type MetricAggregation = (typeof METRIC_AGGREGATIONS)[number];
export type MetricTypeName = 'GAUGE' | 'SUM' | 'HISTOGRAM' | 'EXP_HISTOGRAM' | 'SUMMARY';

/** Bounds of the explorer's reads; a query outside them is refused with a QueryValidationError naming the field. */
export const METRIC_EXPLORER_LIMITS = {
  maxWindowMs: 7 * 86400_000,
  /** Points per line at most: the step grows with the window. */
  maxSteps: 300,
  minStepSeconds: 10,
  maxStepSeconds: 86400,
  /** Lines at most; the remaining groups are merged into one "other" line. */
  maxGroups: 50,
  maxFilters: 10,
  maxKeyLength: 256,
  maxValueLength: 1024,
  /** Group values (line names) and listed attribute values are cut to this many characters. */
  shownValueLength: 256,
  namesDefaultLimit: 500,
  namesMaxLimit: 2000,
  maxSearchLength: 256,
  /** Series read to list a metric's attribute keys and values. */
  attributeSeriesScanned: 10_000,
  attributeKeys: 100,
  attributeValues: 50,
  /** Exponential histogram buckets read per sign at most: wider spans are read at a coarser scale. */
  expMaxBuckets: 1024,
  /** How far before the window a counter's previous point is looked for (its first increase in the window). */
  counterLookbackMs: 10 * 60_000,
} as const;

/** Steps the explorer picks from (seconds): round numbers on a time axis. */
const NICE_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** Automatic steps are at least a minute: SDKs export every 60 s by default, so finer steps show gaps. */
const MIN_AUTO_STEP_SECONDS = 60;

export interface MetricFilter {
  key: string;
  op: '=' | '!=';
  value: string;
}

export interface MetricNamesQuery extends TimeWindow {
  search?: string;
  limit?: number;
}

export interface MetricName {
  name: string;
  type: MetricTypeName;
  unit: string;
  description: string;
  temporality: string;
  isMonotonic: boolean;
  /** Distinct series (resource + attributes) in the window. */
  series: number;
  lastSeen: string;
}

export interface MetricAttributesQuery extends TimeWindow {
  name: string;
}

export interface MetricAttributeKey {
  key: string;
  /** `attribute` when some point carries it, `resource` when only resources do. */
  source: 'attribute' | 'resource';
  /** Distinct values over the scanned series. */
  distinctValues: number;
  /** The most frequent values, at most METRIC_EXPLORER_LIMITS.attributeValues. */
  values: string[];
}

export interface MetricSeriesQuery extends TimeWindow {
  name: string;
  aggregation?: MetricAggregation;
  groupBy?: string;
  filters?: MetricFilter[];
  stepSeconds?: number;
}

export interface MetricDescriptor {
  name: string;
  type: MetricTypeName;
  unit: string;
  description: string;
  temporality: string;
  isMonotonic: boolean;
}

export interface MetricLine {
  /** The group-by attribute's value; null without group-by and for the "other" line. */
  group: string | null;
  other: boolean;
  /** One value per entry of `times`; null where the line has no data in that step. */
  values: Array<number | null>;
}

export interface MetricSeriesResult {
  /** Null when the metric has no points in the window. */
  metric: MetricDescriptor | null;
  aggregation: MetricAggregation;
  /** What this metric can be aggregated by. */
  aggregations: MetricAggregation[];
  /** Unit of the values: the metric's, or per second for a rate. */
  unit: string;
  stepSeconds: number;
  /** Which table answered: the per-minute rollup or the raw points. */
  source: 'rollup' | 'raw';
  /** Step starts, ms since the epoch, ascending. */
  times: number[];
  lines: MetricLine[];
}

/** Aggregations that make sense for a metric, the default first. */
export function aggregationsFor(m: Pick<MetricDescriptor, 'type' | 'isMonotonic'> & { quantiles?: number[] }): MetricAggregation[] {
  switch (m.type) {
    case 'GAUGE':
      return ['avg', 'sum', 'min', 'max'];
    case 'SUM':
      return m.isMonotonic ? ['rate', 'sum', 'avg', 'min', 'max'] : ['sum', 'avg', 'min', 'max'];
    case 'HISTOGRAM':
    case 'EXP_HISTOGRAM':
      return ['p95', 'p50', 'p99', 'avg', 'rate'];
    // Summaries: the quantiles their points report (read as the highest series', see sql()), mean and rate from count/sum.
    default:
      return [...(['p95', 'p50', 'p99'] as const).filter((a) => m.quantiles?.some((x) => sameQuantile(x, QUANTILE[a]!))), 'avg', 'rate'];
  }
}

/** The step for a window: `requested` (checked) or the smallest round step giving at most maxSteps points. */
export function chooseStep(windowMs: number, requested?: number): number {
  const L = METRIC_EXPLORER_LIMITS;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < L.minStepSeconds || requested > L.maxStepSeconds) {
      throw new QueryValidationError('step', `must be a whole number of seconds, ${L.minStepSeconds}–${L.maxStepSeconds}`);
    }
    if (stepsOver(windowMs, requested) > L.maxSteps) {
      throw new QueryValidationError(
        'step',
        `gives more than ${L.maxSteps} points over this window; use a step of at least ${Math.ceil(windowMs / (L.maxSteps - 1) / 1000)} s`,
      );
    }
    return requested;
  }
  const least = Math.max(MIN_AUTO_STEP_SECONDS, windowMs / (L.maxSteps - 1) / 1000);
  return NICE_STEPS.find((s) => s >= least) ?? L.maxStepSeconds;
}

/** Steps covering a window whose start is rounded down to a whole step: one more when it is not aligned. */
const stepsOver = (windowMs: number, stepSeconds: number) => Math.ceil(windowMs / (stepSeconds * 1000)) + 1;

/**
 * The value below which `q` of the observations lie, from histogram buckets merged across
 * series: `bounds[i]` is bucket i's upper bound (ascending, the last +Infinity), `counts[i]` its
 * observations. Linear interpolation inside the bucket (as Prometheus' histogram_quantile):
 * the first bucket starts at 0 when its bound is positive; a rank in the +Infinity bucket
 * answers the highest finite bound. Null without observations.
 */
export function bucketQuantile(q: number, bounds: number[], counts: number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0 || bounds.length === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const n = counts[i];
    if (below + n >= rank && n > 0) {
      const upper = bounds[i];
      if (upper === Infinity) return i > 0 ? bounds[i - 1] : null;
      const lower = i > 0 ? bounds[i - 1] : Math.min(0, upper);
      return lower + (upper - lower) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds.length > 1 ? bounds[bounds.length - 2] : null;
}

const QUANTILE: Partial<Record<MetricAggregation, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 };
/** A summary's quantile (a double sent by the SDK) is the one asked for within this much. */
const QUANTILE_EPSILON = 1e-9;
const sameQuantile = (a: number, b: number) => Math.abs(a - b) < QUANTILE_EPSILON;

/** One attribute of a series (maps `a`: point attributes, `r`: resource's): the point's first, then the resource's (service.name, server.address…). */
const attr = (param: string) => `if(mapContains(a, {${param}:String}), a[{${param}:String}], r[{${param}:String}])`;

type Plan = 'gauge' | 'deltaRate' | 'counterRate' | 'histogram' | 'expHistogram' | 'summaryQuantile';

/**
 * How exponential histogram buckets are read: every point's buckets are brought to one common
 * `scale` (the coarsest among the points read, lowered further while the buckets would span more
 * than METRIC_EXPLORER_LIMITS.expMaxBuckets indexes) and laid on one grid of indexes, `from` …
 * `from + length − 1` per side, so points add up element-wise like explicit buckets.
 */
export interface ExpGrid {
  scale: number;
  pos: { from: number; length: number };
  neg: { from: number; length: number };
}

/** The grid for the index ranges of the points read, per scale (`lo`/`hi`: lowest and highest index with a bucket; null when none). */
export function expGrid(ranges: Array<{ scale: number; pos: [number, number] | null; neg: [number, number] | null }>, maxBuckets: number): ExpGrid {
  const used = ranges.filter((r) => r.pos || r.neg);
  let scale = used.length > 0 ? Math.min(...used.map((r) => r.scale)) : 0;
  const span = (side: 'pos' | 'neg') => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of used) {
      const range = r[side];
      if (!range) continue;
      lo = Math.min(lo, Math.floor(range[0] / 2 ** (r.scale - scale)));
      hi = Math.max(hi, Math.floor(range[1] / 2 ** (r.scale - scale)));
    }
    return lo <= hi ? { from: lo, length: hi - lo + 1 } : { from: 0, length: 0 };
  };
  for (;;) {
    const grid = { scale, pos: span('pos'), neg: span('neg') };
    if (Math.max(grid.pos.length, grid.neg.length) <= maxBuckets) return grid;
    scale--;
  }
}

/**
 * One side of an exponential histogram point (`offset`, `counts` at `exp_scale`) on the grid:
 * index i at scale s is index i >> (s − S) at the grid's scale S, so runs of 2^(s − S) indexes are
 * summed (split where the index's low bits are 0; the arithmetic shift floors negative indexes),
 * then placed at the grid's first index and cut or padded to its length. A point coarser than the
 * grid (only one stored between the grid's read and this one) adds no buckets.
 */
const onGrid = (offset: string, counts: string, side: 'pos' | 'neg') => {
  const shift = `greatest(exp_scale - {exp_scale:Int32}, 0)`;
  const down = `if(${shift} = 0, arrayMap(c -> toInt64(c), ${counts}),
      arrayMap(run -> toInt64(arraySum(run)), arraySplit((c, i) -> bitAnd(toInt64(${offset}) + i - 1, bitShiftLeft(toInt64(1), ${shift}) - 1) = 0, ${counts}, arrayEnumerate(${counts}))))`;
  const lead = `(bitShiftRight(toInt64(${offset}), ${shift}) - {exp_${side}_from:Int64})`;
  return `if(exp_scale < {exp_scale:Int32}, arrayWithConstant({exp_${side}_length:UInt32}, toInt64(0)),
      arrayResize(arrayConcat(arrayWithConstant(least(greatest(${lead}, 0), {exp_${side}_length:UInt32}), toInt64(0)), arraySlice(${down}, greatest(-${lead}, 0) + 1)), {exp_${side}_length:UInt32}))`;
};
/** A side summed across a cell's series, cut to its first … last non-empty index: `<side>` and `<side>_from` (grid-relative). */
const trimmed = (side: 'pos' | 'neg') =>
  `arraySlice(sumForEach(${side}_part) AS ${side}_all, arrayFirstIndex(c -> c != 0, ${side}_all) AS ${side}_first,
      arrayLastIndex(c -> c != 0, ${side}_all) - ${side}_first + 1) AS ${side}, ${side}_first - 1 AS ${side}_from`;

export class MetricExplorerQueries {
  constructor(readonly clients: ClickHouseClients) {}

  /** Metric names with type and unit, seen in the window; `search` matches part of the name, any case. */
  async metricNames(regionId: string, tenantId: string, q: MetricNamesQuery): Promise<MetricName[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, METRIC_EXPLORER_LIMITS.maxWindowMs);
    const search = q.search ?? '';
    if (typeof search !== 'string' || search.length > METRIC_EXPLORER_LIMITS.maxSearchLength) {
      throw new QueryValidationError('search', `must be at most ${METRIC_EXPLORER_LIMITS.maxSearchLength} characters`);
    }
    const limit = checkLimit(q.limit, METRIC_EXPLORER_LIMITS.namesDefaultLimit);
    if (limit > METRIC_EXPLORER_LIMITS.namesMaxLimit) throw new QueryValidationError('limit', `must be an integer 1–${METRIC_EXPLORER_LIMITS.namesMaxLimit}`);
    const store = this.clients.forRegion(regionId);
    const rows = await select<{
      name: string;
      type: MetricTypeName;
      unit: string;
      description: string;
      usual_temporality: string;
      mono: number;
      series: string;
      last: string;
    }>(
      store,
      `SELECT toString(metric_name) AS name, toString(metric_type) AS type, any(toString(unit)) AS unit, any(toString(description)) AS description,
        topK(1)(toString(temporality))[1] AS usual_temporality, max(is_monotonic) AS mono, uniq(attributes_hash) AS series, toString(max(ts)) AS last
      FROM ${store.table('metric_points')}
      WHERE tenant_id = {tenant:String} AND ${msInWindow('ts')}
        AND ({search:String} = '' OR positionCaseInsensitiveUTF8(metric_name, {search:String}) > 0)
      GROUP BY name, type
      ORDER BY name, type
      LIMIT {limit:UInt32}`,
      { tenant, from_ms: fromMs, to_ms: toMs, search, limit },
    );
    return rows.map((r) => ({
      name: r.name,
      type: r.type,
      unit: r.unit,
      description: r.description,
      temporality: r.usual_temporality,
      isMonotonic: Number(r.mono) === 1,
      series: Number(r.series),
      lastSeen: isoFromClickHouse(r.last),
    }));
  }

  /** Attribute keys of one metric (point and resource attributes) with their most frequent values. */
  async metricAttributes(regionId: string, tenantId: string, q: MetricAttributesQuery): Promise<MetricAttributeKey[]> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, METRIC_EXPLORER_LIMITS.maxWindowMs);
    const L = METRIC_EXPLORER_LIMITS;
    const store = this.clients.forRegion(regionId);
    const pairs = (m: string, point: 0 | 1) =>
      `arrayMap((k, v) -> (toString(k), leftUTF8(v, ${L.shownValueLength}), ${point}), mapKeys(${m}), mapValues(${m}))`;
    // One row per series (not per point) so the cost follows the series count, capped.
    const rows = await select<{ key: string; point: number; n: string; top: string[] }>(
      store,
      `SELECT kv.1 AS key, max(kv.3) AS point, uniqExact(kv.2) AS n, topK(${L.attributeValues})(kv.2) AS top
      FROM (
        SELECT any(attributes) AS a, any(resource_attributes) AS r
        FROM ${store.table('metric_points')}
        WHERE tenant_id = {tenant:String} AND metric_name = {name:String} AND ${msInWindow('ts')}
        GROUP BY attributes_hash
        LIMIT ${L.attributeSeriesScanned}
      )
      ARRAY JOIN arrayConcat(${pairs('a', 1)}, ${pairs('r', 0)}) AS kv
      WHERE length(key) <= ${L.maxKeyLength}
      GROUP BY key
      ORDER BY point DESC, key
      LIMIT ${L.attributeKeys}`,
      { tenant, name: checkName('name', q.name), from_ms: fromMs, to_ms: toMs },
    );
    return rows.map((r) => ({
      key: r.key,
      source: Number(r.point) === 1 ? 'attribute' : 'resource',
      distinctValues: Number(r.n),
      values: [...r.top].sort(),
    }));
  }

  /** One metric as lines over time: `aggregation` per step, one line per value of `groupBy` (top 50 + "other"). */
  async metricSeries(regionId: string, tenantId: string, q: MetricSeriesQuery): Promise<MetricSeriesResult> {
    const tenant = checkTenant(tenantId);
    const L = METRIC_EXPLORER_LIMITS;
    const { fromMs, toMs } = checkWindow(q, L.maxWindowMs);
    const name = checkName('name', q.name);
    const stepSeconds = chooseStep(toMs - fromMs, q.stepSeconds);
    const stepMs = stepSeconds * 1000;
    if (q.aggregation !== undefined && !METRIC_AGGREGATIONS.includes(q.aggregation)) {
      throw new QueryValidationError('agg', `must be one of ${METRIC_AGGREGATIONS.join(', ')}`);
    }
    const groupBy = q.groupBy === undefined || q.groupBy === '' ? undefined : checkKey('groupBy', q.groupBy);
    const filters = checkFilters(q.filters ?? []);
    const alignedFromMs = Math.floor(fromMs / stepMs) * stepMs;
    const times: number[] = [];
    for (let t = alignedFromMs; t < toMs; t += stepMs) times.push(t);

    const store = this.clients.forRegion(regionId);
    const metric = await this.describe(store, tenant, name, fromMs, toMs);
    if (!metric) {
      return { metric: null, aggregation: q.aggregation ?? 'avg', aggregations: [], unit: '', stepSeconds, source: 'raw', times, lines: [] };
    }
    const aggregations = aggregationsFor(metric);
    const aggregation = q.aggregation ?? aggregations[0];
    if (!aggregations.includes(aggregation)) {
      throw new QueryValidationError('agg', `${metric.type.toLowerCase()} metric "${name}" can be aggregated by ${aggregations.join(', ')}`);
    }
    const plan: Plan =
      metric.type === 'GAUGE' || (metric.type === 'SUM' && aggregation !== 'rate')
        ? 'gauge'
        : aggregation === 'rate' && metric.type === 'SUM'
          ? metric.allDelta
            ? 'deltaRate'
            : 'counterRate'
          : metric.type === 'EXP_HISTOGRAM'
            ? 'expHistogram'
            : metric.type === 'SUMMARY' && QUANTILE[aggregation] !== undefined
              ? 'summaryQuantile'
              : 'histogram';
    // The per-minute rollup answers gauge-like reads and rates of DELTA sums when the step is whole
    // minutes and the window fits its DateTime column; counters (resets need each point's start
    // time) and histograms (buckets) are not in it, so they read the raw points.
    const rollup =
      (plan === 'gauge' || plan === 'deltaRate') && stepSeconds % 60 === 0 && alignedFromMs >= ROLLUP_TIME_RANGE_MS.min && toMs <= ROLLUP_TIME_RANGE_MS.max;

    const params: Params = {
      tenant,
      name,
      type: metric.type,
      from_ms: alignedFromMs,
      to_ms: toMs,
      // The look-back stays inside what DateTime64(9) holds.
      read_from_ms:
        plan === 'counterRate' || plan === 'histogram' || plan === 'expHistogram'
          ? Math.max(RAW_TIME_RANGE_MS.min, alignedFromMs - Math.max(L.counterLookbackMs, stepMs))
          : alignedFromMs,
      step_ms: stepMs,
      ...(plan === 'summaryQuantile' ? { quantile: QUANTILE[aggregation] } : {}),
      ...(rollup ? { from_s: alignedFromMs / 1000, to_s: Math.ceil(toMs / 60_000) * 60, step_s: stepSeconds } : {}),
    };
    const where = `tenant_id = {tenant:String} AND metric_name = {name:String} AND metric_type = {type:String}`;
    let seriesFilter = '1';
    filters.forEach((f, i) => {
      seriesFilter += ` AND ${attr(`fk${i}`)} ${f.op} {fv${i}:String}`;
      params[`fk${i}`] = f.key;
      params[`fv${i}`] = f.value;
    });
    const group = groupBy === undefined ? `''` : `leftUTF8(${attr('gk')}, ${L.shownValueLength})`;
    if (groupBy !== undefined) params.gk = groupBy;

    const table = store.table(rollup ? 'metric_rollup_1m' : 'metric_points');
    const inWindow = rollup
      ? 'minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})'
      : 'ts >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})';
    const step = rollup
      ? 'toInt64(intDiv(toUnixTimestamp(minute), {step_s:UInt32}) * {step_s:UInt32}) * 1000'
      : 'intDiv(toUnixTimestamp64Milli(ts), {step_ms:Int64}) * {step_ms:Int64}';
    // Attributes are fixed per series (attributes_hash): filters and the group are evaluated once per
    // series, not per point (Map lookups are most of the cost), and joined to the per-series figures.
    const seriesGroups = `SELECT series, ${group} AS g0
      FROM (
        SELECT attributes_hash AS series, any(attributes) AS a, any(resource_attributes) AS r
        FROM ${table} WHERE ${where} AND ${inWindow} GROUP BY series
      )
      WHERE ${seriesFilter}`;
    const grid =
      plan === 'expHistogram' ? await this.readExpGrid(store, `${where} AND attributes_hash IN (SELECT series FROM (${seriesGroups}))`, params) : undefined;
    if (grid) {
      Object.assign(params, {
        exp_scale: grid.scale,
        exp_pos_from: grid.pos.from,
        exp_pos_length: grid.pos.length,
        exp_neg_from: grid.neg.from,
        exp_neg_length: grid.neg.length,
      });
    }
    // The groups with the most series get their own line; the rest share one "other" line.
    const top = `SELECT g0 FROM (${seriesGroups}) GROUP BY g0 ORDER BY count() DESC, g0 LIMIT ${L.maxGroups}`;
    const { perSeries, acrossSeries, key } = this.sql(plan, { rollup, table, where, inWindow, step });
    const rows = await select<AggregateRow>(
      store,
      `SELECT g0 NOT IN (${top}) AS is_other, if(is_other, '', g0) AS g, t${key}, ${acrossSeries}
      FROM (${perSeries}) AS d
      INNER JOIN (${seriesGroups}) AS sg USING (series)
      GROUP BY is_other, g, t${key}
      ORDER BY is_other, g, t`,
      params,
    );

    // Points are read from the first step's start, so only the last step can be partial (it ends at `to`).
    const covered = (t: number) => (Math.min(t + stepMs, toMs) - t) / 1000;
    const lines = new Map<string, MetricLine>();
    const index = new Map(times.map((t, i) => [t, i]));
    // A histogram's line and step has one row per distinct set of bucket bounds among its series.
    const cells = new Map<string, { line: MetricLine; i: number; t: number; rows: AggregateRow[] }>();
    for (const r of rows) {
      const other = Number(r.is_other) === 1;
      const lineKey = other ? '\u0000other' : r.g;
      let line = lines.get(lineKey);
      if (!line) lines.set(lineKey, (line = { group: other || groupBy === undefined ? null : r.g, other, values: times.map(() => null) }));
      const t = Number(r.t);
      const i = index.get(t);
      if (i === undefined) continue;
      const cell = cells.get(`${lineKey}\u0000${t}`) ?? { line, i, t, rows: [] };
      cell.rows.push(r);
      cells.set(`${lineKey}\u0000${t}`, cell);
    }
    for (const c of cells.values()) c.line.values[c.i] = finite(valueOf(aggregation, c.rows, covered(c.t), grid));
    return {
      metric: {
        name: metric.name,
        type: metric.type,
        unit: metric.unit,
        description: metric.description,
        temporality: metric.temporality,
        isMonotonic: metric.isMonotonic,
      },
      aggregation,
      aggregations,
      unit: aggregation === 'rate' ? (metric.type === 'SUM' ? `${metric.unit}/s` : '{observations}/s') : metric.unit,
      stepSeconds,
      source: rollup ? 'rollup' : 'raw',
      times,
      lines: [...lines.values()].sort((a, b) => Number(a.other) - Number(b.other) || (a.group ?? '').localeCompare(b.group ?? '')),
    };
  }

  /** The metric's most common type in the window (a name reused with another type is read as that type only). */
  private async describe(store: RegionStore, tenant: string, name: string, fromMs: number, toMs: number) {
    const [row] = await select<{
      type: MetricTypeName;
      usual_temporality: string;
      all_delta: number;
      mono: number;
      unit: string;
      description: string;
      qs: number[];
    }>(
      store,
      `SELECT toString(metric_type) AS type, topK(1)(toString(temporality))[1] AS usual_temporality, min(temporality = 'DELTA') AS all_delta,
        max(is_monotonic) AS mono, any(toString(unit)) AS unit, any(toString(description)) AS description,
        groupUniqArrayArray(100)(quantiles) AS qs
      FROM ${store.table('metric_points')}
      WHERE tenant_id = {tenant:String} AND metric_name = {name:String} AND ${msInWindow('ts')}
      GROUP BY type
      ORDER BY count() DESC, type
      LIMIT 1`,
      { tenant, name, from_ms: fromMs, to_ms: toMs },
    );
    if (!row) return undefined;
    return {
      name,
      type: row.type,
      unit: row.unit,
      description: row.description,
      temporality: row.usual_temporality,
      isMonotonic: Number(row.mono) === 1,
      allDelta: Number(row.all_delta) === 1,
      /** Quantiles that summary points report. */
      quantiles: row.qs.map(Number),
    };
  }

  /** The grid exponential buckets are read on: the index range per scale over the points read (`where`: the metric and the series picked). */
  private async readExpGrid(store: RegionStore, where: string, params: Params): Promise<ExpGrid> {
    const range = (side: 'positive' | 'negative') =>
      `minIf(exp_${side}_offset, length(exp_${side}_counts) > 0) AS ${side}_lo,
        maxIf(toInt64(exp_${side}_offset) + length(exp_${side}_counts) - 1, length(exp_${side}_counts) > 0) AS ${side}_hi,
        countIf(length(exp_${side}_counts) > 0) AS ${side}_points`;
    const rows = await select<{ scale: number } & Record<`${'positive' | 'negative'}_${'lo' | 'hi' | 'points'}`, string | number>>(
      store,
      `SELECT exp_scale AS scale, ${range('positive')}, ${range('negative')}
      FROM ${store.table('metric_points')}
      WHERE ${where} AND ts >= fromUnixTimestamp64Milli({read_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
      GROUP BY scale`,
      params,
    );
    const side = (r: (typeof rows)[number], name: 'positive' | 'negative'): [number, number] | null =>
      Number(r[`${name}_points`]) > 0 ? [Number(r[`${name}_lo`]), Number(r[`${name}_hi`])] : null;
    return expGrid(
      rows.map((r) => ({ scale: Number(r.scale), pos: side(r, 'positive'), neg: side(r, 'negative') })),
      METRIC_EXPLORER_LIMITS.expMaxBuckets,
    );
  }

  /** Per series and step: `perSeries` (keyed by series, t); `acrossSeries`: how a line's series combine. */
  private sql(
    plan: Plan,
    s: { rollup: boolean; table: string; where: string; inWindow: string; step: string },
  ): { perSeries: string; acrossSeries: string; key: string } {
    if (plan === 'gauge' || plan === 'deltaRate') {
      // Per series and step: its mean, extremes and total; then across the line's series.
      const figures = s.rollup
        ? 'sum(sum) / sum(count) AS v, max(max) AS mx, min(min) AS mn, sum(sum) AS total'
        : 'avg(value) AS v, max(value) AS mx, min(value) AS mn, sum(value) AS total';
      return {
        perSeries: `SELECT attributes_hash AS series, ${s.step} AS t, ${figures}
          FROM ${s.table} WHERE ${s.where} AND ${s.inWindow} GROUP BY series, t`,
        acrossSeries: 'avg(v) AS avg, sum(v) AS sum, max(mx) AS max, min(mn) AS min, sum(total) AS increase',
        key: '',
      };
    }
    // Raw points of each series in time order, from a look-back before the window so the first
    // point in it has a predecessor. A cumulative point's increase is its difference from the
    // previous point of its series, or its whole value after a reset (value went down, or a new
    // start time); a series' first point counts whole only if the series started in the range read.
    const ordered = (columns: string, lags: string) => `
        SELECT attributes_hash AS series, ts, ${s.step} AS t, start_ts, ${columns},
          -- OTLP summaries carry no temporality, but their count and sum are cumulative.
          temporality = 'CUMULATIVE' OR metric_type = 'SUMMARY' AS cumulative,
          lagInFrame(start_ts) OVER w AS prev_start, row_number() OVER w AS rn, ${lags}
        FROM ${s.table}
        WHERE ${s.where} AND ts >= fromUnixTimestamp64Milli({read_from_ms:Int64}) AND ts < fromUnixTimestamp64Milli({to_ms:Int64})
        WINDOW w AS (PARTITION BY series ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
    const inWindowCounted = `ts >= fromUnixTimestamp64Milli({from_ms:Int64})
          AND (NOT cumulative OR rn > 1 OR start_ts >= fromUnixTimestamp64Milli({read_from_ms:Int64}))`;
    if (plan === 'counterRate') {
      return {
        perSeries: `SELECT series, t, sum(if(NOT cumulative OR rn = 1 OR value < prev OR start_ts > prev_start, value, value - prev)) AS part
          FROM (${ordered('value', 'lagInFrame(value) OVER w AS prev')})
          WHERE ${inWindowCounted}
          GROUP BY series, t`,
        acrossSeries: 'sum(part) AS increase',
        key: '',
      };
    }
    if (plan === 'summaryQuantile') {
      // Summaries carry quantiles computed by each client, which cannot be merged across series: per
      // series and step the latest value it reported for the quantile, then the highest across the
      // line's series — not a quantile of all their observations, but the worst series' own figure.
      return {
        perSeries: `SELECT attributes_hash AS series, ${s.step} AS t, argMax(quantile_values[k], ts) AS v
          FROM (
            SELECT attributes_hash, ts, quantile_values, arrayFirstIndex(x -> abs(x - {quantile:Float64}) < ${QUANTILE_EPSILON}, quantiles) AS k
            FROM ${s.table} WHERE ${s.where} AND ${s.inWindow}
          )
          WHERE k > 0
          GROUP BY series, t`,
        acrossSeries: 'max(v) AS quantile',
        key: '',
      };
    }
    if (plan === 'expHistogram') {
      // Exponential histograms: each point's buckets on the common grid (onGrid), then as explicit
      // buckets: a cumulative point is differenced from its series' previous one, or counted whole
      // after a reset (count, zero count or a bucket went down, or a new start time; an SDK lowering
      // its scale as the values' range grows is no reset: both points are on the grid's scale).
      return {
        perSeries: `SELECT series, t, sumForEach(dpos) AS pos_part, sumForEach(dneg) AS neg_part, sum(dz) AS zero_part, sum(dn) AS n_part, sum(ds) AS total_part
          FROM (
            SELECT series, t,
              cumulative AND rn > 1 AND NOT (count < prev_n OR exp_zero_count < prev_zero OR start_ts > prev_start
                OR arrayExists((c, p) -> c < p, pos, prev_pos) OR arrayExists((c, p) -> c < p, neg, prev_neg)) AS diff,
              if(diff, arrayMap((c, p) -> c - p, pos, prev_pos), pos) AS dpos,
              if(diff, arrayMap((c, p) -> c - p, neg, prev_neg), neg) AS dneg,
              if(diff, toUInt64(exp_zero_count - prev_zero), exp_zero_count) AS dz,
              if(diff, toUInt64(count - prev_n), count) AS dn,
              if(diff, sum - prev_sum, sum) AS ds
            FROM (${ordered(
              `exp_zero_count, count, sum, ${onGrid('exp_positive_offset', 'exp_positive_counts', 'pos')} AS pos, ${onGrid('exp_negative_offset', 'exp_negative_counts', 'neg')} AS neg`,
              // A first point's "previous" buckets are its own (same length), never used.
              'lagInFrame(pos, 1, pos) OVER w AS prev_pos, lagInFrame(neg, 1, neg) OVER w AS prev_neg, lagInFrame(exp_zero_count) OVER w AS prev_zero, lagInFrame(count) OVER w AS prev_n, lagInFrame(sum) OVER w AS prev_sum',
            )})
            WHERE ${inWindowCounted}
          )
          GROUP BY series, t`,
        acrossSeries: `${trimmed('pos')}, ${trimmed('neg')}, sum(zero_part) AS zero, sum(n_part) AS n, sum(total_part) AS total`,
        key: '',
      };
    }
    // Histograms: bucket counts (and count/sum) per point, cumulative points differenced per series,
    // summed element-wise per set of bounds (sumForEach; a sumMap over Float64 keys was the slow
    // part); a line whose series have different bounds is merged by upper bound in valueOf.
    return {
      perSeries: `SELECT series, t, bounds, sumForEach(dc) AS counts_part, sum(dn) AS n_part, sum(ds) AS total_part
        FROM (
          SELECT series, t,
            cumulative AND rn > 1 AND NOT (count < prev_n OR explicit_bounds != prev_bounds OR start_ts > prev_start
              OR length(bucket_counts) != length(prev_counts) OR arrayExists((x, y) -> x < y, bucket_counts, arrayResize(prev_counts, length(bucket_counts)))) AS diff,
            length(bucket_counts) = length(explicit_bounds) + 1 AS valid,
            if(valid, explicit_bounds, []) AS bounds,
            -- A point without (well-formed) buckets still counts for avg and rate, as one +Inf bucket.
            if(valid, if(diff, arrayMap((x, y) -> toUInt64(x - y), bucket_counts, arrayResize(prev_counts, length(bucket_counts))), bucket_counts), [toUInt64(0)]) AS dc,
            if(diff, toUInt64(count - prev_n), count) AS dn,
            if(diff, sum - prev_sum, sum) AS ds
          FROM (${ordered(
            'bucket_counts, explicit_bounds, count, sum',
            'lagInFrame(bucket_counts) OVER w AS prev_counts, lagInFrame(explicit_bounds) OVER w AS prev_bounds, lagInFrame(count) OVER w AS prev_n, lagInFrame(sum) OVER w AS prev_sum',
          )})
          WHERE ${inWindowCounted}
        )
        GROUP BY series, t, bounds`,
      acrossSeries: 'sumForEach(counts_part) AS counts, sum(n_part) AS n, sum(total_part) AS total',
      key: ', bounds',
    };
  }
}

interface AggregateRow {
  is_other: number;
  g: string;
  t: string;
  avg?: number;
  sum?: number;
  max?: number;
  min?: number;
  increase?: number;
  n?: string;
  total?: number;
  bounds?: number[];
  counts?: string[];
  /** Summaries: the highest series' quantile. */
  quantile?: number;
  /** Exponential histograms: counts of consecutive grid indexes from the grid's first + `*_from`, the zero bucket's count. */
  pos?: string[];
  pos_from?: string;
  neg?: string[];
  neg_from?: string;
  zero?: string;
}

/** A line's value in one step from its row (several for a histogram whose series have different bounds). */
function valueOf(aggregation: MetricAggregation, rows: AggregateRow[], coveredSeconds: number, grid?: ExpGrid): number | null {
  const [r] = rows;
  if (r.quantile !== undefined) return Number(r.quantile);
  if (r.bounds === undefined && r.pos === undefined) {
    if (aggregation === 'rate') return Number(r.increase) / coveredSeconds;
    return Number(r[aggregation as 'avg' | 'sum' | 'min' | 'max']);
  }
  const q = QUANTILE[aggregation];
  if (q === undefined) {
    const n = rows.reduce((a, x) => a + Number(x.n), 0);
    if (aggregation === 'rate') return n / coveredSeconds;
    return n > 0 ? rows.reduce((a, x) => a + Number(x.total), 0) / n : null;
  }
  if (grid) return expQuantile(q, r, grid);
  // Buckets merged by upper bound; each bucket's lower edge is the next bound below among all seen.
  const byBound = new Map<number, number>([[Infinity, 0]]);
  for (const x of rows) {
    const counts = x.counts ?? [];
    const bounds = x.bounds ?? [];
    if (counts.length !== bounds.length + 1) continue;
    counts.forEach((c, i) => {
      const bound = i < bounds.length ? Number(bounds[i]) : Infinity;
      byBound.set(bound, (byBound.get(bound) ?? 0) + Number(c));
    });
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return bucketQuantile(
    q,
    bounds,
    bounds.map((b) => byBound.get(b)!),
  );
}

/**
 * A quantile from a cell's exponential buckets on the grid: index i at scale S is the bucket
 * (b^i, b^(i+1)], b = 2^(2^−S), its negative twin [−b^(i+1), −b^i); the zero bucket counts as
 * exactly 0 (its threshold is not stored).
 */
function expQuantile(q: number, r: AggregateRow, grid: ExpGrid): number | null {
  const edge = (i: number) => 2 ** (i * 2 ** -grid.scale);
  const side = (counts: string[] | undefined, from: string | undefined, first: number) =>
    (counts ?? []).map((c, j) => ({ i: first + Number(from) + j, count: Number(c) }));
  const buckets: Bucket[] = [
    ...side(r.neg, r.neg_from, grid.neg.from)
      .reverse()
      .map(({ i, count }) => ({ lower: -edge(i + 1), upper: -edge(i), count })),
    { lower: 0, upper: 0, count: Number(r.zero ?? 0) },
    ...side(r.pos, r.pos_from, grid.pos.from).map(({ i, count }) => ({ lower: edge(i), upper: edge(i + 1), count })),
  ];
  return rangeQuantile(q, buckets);
}

export interface Bucket {
  lower: number;
  upper: number;
  count: number;
}

/** The value below which `q` of the observations lie, from buckets in ascending order: linear interpolation inside the bucket. Null without observations. */
export function rangeQuantile(q: number, buckets: Bucket[]): number | null {
  const total = buckets.reduce((a, b) => a + b.count, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  let top: number | null = null;
  for (const b of buckets) {
    if (b.count > 0 && below + b.count >= rank) return b.lower + (b.upper - b.lower) * ((rank - below) / b.count);
    below += b.count;
    if (b.count > 0) top = b.upper;
  }
  // Only rounding of the running sum gets here: the top of the highest bucket.
  return top;
}

const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);

function checkKey(field: string, key: unknown): string {
  const max = METRIC_EXPLORER_LIMITS.maxKeyLength;
  if (typeof key !== 'string' || key.length === 0 || key.length > max) throw new QueryValidationError(field, `must be an attribute key of 1–${max} characters`);
  return key;
}

function checkFilters(filters: MetricFilter[]): MetricFilter[] {
  const L = METRIC_EXPLORER_LIMITS;
  if (filters.length > L.maxFilters) throw new QueryValidationError('filter', `at most ${L.maxFilters} conditions`);
  for (const f of filters) {
    checkKey('filter', f.key);
    if (f.op !== '=' && f.op !== '!=') throw new QueryValidationError('filter', 'operator must be = or !=');
    if (typeof f.value !== 'string' || f.value.length > L.maxValueLength)
      throw new QueryValidationError('filter', `values must be at most ${L.maxValueLength} characters`);
  }
  return filters;
}
