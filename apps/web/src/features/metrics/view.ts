import {
  formatMetricFilters,
  METRIC_AGGREGATIONS,
  parseMetricFilters,
  type MetricAggregationName,
  type METRIC_TYPES,
  type MetricFilterCondition,
} from '@meridian/api-contract';

export type MetricTypeName = (typeof METRIC_TYPES)[number];

/**
 * The explorer's state, all of it in the URL so a link reproduces the view:
 * `/metrics-explorer?tenant=…&metric=…&agg=p95&by=route&filter=route%3D/a&filter=…&last=1h&step=60`
 * (`from`/`to` pin a window instead of `last`).
 */
export interface MetricsView {
  metric?: string;
  agg?: MetricAggregationName;
  by?: string;
  filters: MetricFilterCondition[];
  last: MetricsWindow;
  /** A pinned window (ms); otherwise the last `last`, live. */
  range?: { from: number; to: number };
  /** Seconds per point; absent: the server picks. */
  step?: number;
}

export const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
export type MetricsWindow = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: MetricsWindow = '1h';
export const STEPS = [10, 60, 300, 900, 3600] as const;
/** What the server accepts (filters, key length). */
const MAX_FILTERS = 10;
const MAX_KEY = 256;

const time = (s: string | null): number | undefined => {
  if (!s) return undefined;
  const t = /^\d{10,16}$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
};

export function readView(p: URLSearchParams): MetricsView {
  const agg = p.get('agg');
  const by = p.get('by');
  const step = Number(p.get('step'));
  const from = time(p.get('from'));
  const to = time(p.get('to'));
  const filters = p
    .getAll('filter')
    .flatMap((line) => {
      const parsed = parseMetricFilters(line);
      return 'filters' in parsed ? parsed.filters : [];
    })
    .filter((f) => f.key.length <= MAX_KEY)
    .slice(0, MAX_FILTERS);
  return {
    metric: p.get('metric') || undefined,
    agg: (METRIC_AGGREGATIONS as readonly string[]).includes(agg ?? '') ? (agg as MetricAggregationName) : undefined,
    by: by && by.length <= MAX_KEY ? by : undefined,
    filters,
    last: (WINDOWS as readonly string[]).includes(p.get('last') ?? '') ? (p.get('last') as MetricsWindow) : DEFAULT_WINDOW,
    range: from !== undefined && to !== undefined && from < to ? { from, to } : undefined,
    step: (STEPS as readonly number[]).includes(step) ? step : undefined,
  };
}

/** The page's URL for a view (tenant first, defaults left out). */
export function viewHref(tenant: string, v: MetricsView): string {
  const p = new URLSearchParams({ tenant });
  if (v.metric) p.set('metric', v.metric);
  if (v.agg) p.set('agg', v.agg);
  if (v.by) p.set('by', v.by);
  for (const f of v.filters) p.append('filter', formatMetricFilters([f]));
  if (v.range) {
    p.set('from', new Date(v.range.from).toISOString());
    p.set('to', new Date(v.range.to).toISOString());
  } else if (v.last !== DEFAULT_WINDOW) p.set('last', v.last);
  if (v.step) p.set('step', String(v.step));
  return `/metrics-explorer?${p.toString()}`;
}

/** The window of the API calls. */
export function windowQuery(v: MetricsView): { last?: string; from?: string; to?: string } {
  return v.range ? { from: new Date(v.range.from).toISOString(), to: new Date(v.range.to).toISOString() } : { last: v.last };
}

/** The series route's query for a view with a metric. */
export function seriesQuery(v: MetricsView & { metric: string }) {
  return {
    ...windowQuery(v),
    name: v.metric,
    agg: v.agg,
    groupBy: v.by,
    filter: v.filters.length ? formatMetricFilters(v.filters) : undefined,
    step: v.step,
  };
}

/** Last, min, average and max of a line's values (nulls skipped); null figures for an empty line. */
export function lineSummary(values: ReadonlyArray<number | null>): { last: number | null; min: number | null; avg: number | null; max: number | null } {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return { last: null, min: null, avg: null, max: null };
  return {
    last: present[present.length - 1],
    min: Math.min(...present),
    avg: present.reduce((a, b) => a + b, 0) / present.length,
    max: Math.max(...present),
  };
}

/**
 * Whether a line reads a summary's quantile: each client computes those for its own series and
 * they cannot be merged, so the server answers the highest series' value, and the page says so.
 */
export function readsSummaryQuantile(type: MetricTypeName | undefined, agg: MetricAggregationName): boolean {
  return type === 'SUMMARY' && (agg === 'p50' || agg === 'p95' || agg === 'p99');
}
