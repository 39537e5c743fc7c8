/** Schemas of the metrics explorer routes: metric names, a metric's attributes, a metric as lines over time. */
import { z } from 'zod';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

/** avg/sum/min/max of values (gauges, sums); rate per second (monotonic sums, histogram counts); p50/p95/p99 (histograms). */
export const METRIC_AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'rate', 'p50', 'p95', 'p99'] as const;
export type MetricAggregationName = (typeof METRIC_AGGREGATIONS)[number];
export const METRIC_TYPES = ['GAUGE', 'SUM', 'HISTOGRAM', 'EXP_HISTOGRAM', 'SUMMARY'] as const;

/** One attribute condition of the series route's `filter`. */
export interface MetricFilterCondition {
  key: string;
  op: '=' | '!=';
  value: string;
}

/**
 * `filter`: one condition per line, `key=value` or `key!=value` (the key has no `=`; the value
 * is the rest of the line). The key is a point attribute, else a resource attribute.
 */
export function parseMetricFilters(text: string): { filters: MetricFilterCondition[] } | { error: string } {
  const filters: MetricFilterCondition[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const negated = eq > 0 && line[eq - 1] === '!';
    const key = line.slice(0, negated ? eq - 1 : eq).trim();
    if (eq < 0 || key === '') return { error: `"${line.slice(0, 80)}": expected key=value or key!=value` };
    filters.push({ key, op: negated ? '!=' : '=', value: line.slice(eq + 1) });
  }
  return { filters };
}

export function formatMetricFilters(filters: readonly MetricFilterCondition[]): string {
  return filters.map((f) => `${f.key}${f.op}${f.value}`).join('\n');
}

export const metricNamesQuery = windowQuery.extend({
  /** Part of the name, any case. */
  search: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(2000).optional(),
});
export const metricNameSchema = z.object({
  name: z.string(),
  type: z.enum(METRIC_TYPES),
  unit: z.string(),
  description: z.string(),
  temporality: z.string(),
  isMonotonic: z.boolean(),
  /** Distinct series (resource + attributes) in the window. */
  series: z.number().int(),
  lastSeen: isoTime,
});
export const metricNamesResponse = z.object({ from: isoTime, to: isoTime, metrics: z.array(metricNameSchema) });

export const metricAttributesQuery = windowQuery.extend({ name: z.string().min(1).max(1024) });
export const metricAttributesResponse = z.object({
  from: isoTime,
  to: isoTime,
  keys: z.array(
    z.object({
      key: z.string(),
      /** `attribute` when points carry it, `resource` when only their resources do. */
      source: z.enum(['attribute', 'resource']),
      distinctValues: z.number().int(),
      /** The most frequent values (at most 50). */
      values: z.array(z.string()),
    }),
  ),
});

export const metricSeriesQuery = windowQuery.extend({
  name: z.string().min(1).max(1024),
  /** Default: the first the metric allows (avg for gauges, rate for counters, p95 for histograms). */
  agg: z.enum(METRIC_AGGREGATIONS).optional(),
  /** An attribute key: one line per value (the 50 with most series, the rest as one "other" line). */
  groupBy: z.string().min(1).max(256).optional(),
  filter: z
    .string()
    .max(12_000)
    .transform((s, ctx) => {
      const parsed = parseMetricFilters(s);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.filters;
    })
    .optional(),
  /** Seconds per point (10–86400, at most 300 points); default: a round step ≥ 60 s. */
  step: z.coerce.number().int().min(10).max(86400).optional(),
});
export const metricSeriesResponse = z.object({
  from: isoTime,
  to: isoTime,
  /** Null when the metric has no points in the window. */
  metric: z
    .object({
      name: z.string(),
      type: z.enum(METRIC_TYPES),
      unit: z.string(),
      description: z.string(),
      temporality: z.string(),
      isMonotonic: z.boolean(),
    })
    .nullable(),
  aggregation: z.enum(METRIC_AGGREGATIONS),
  /** What this metric can be aggregated by, its default first. */
  aggregations: z.array(z.enum(METRIC_AGGREGATIONS)),
  /** Unit of the values (a rate's is per second). */
  unit: z.string(),
  stepSeconds: z.number().int(),
  /** `rollup`: the per-minute rollup answered; `raw`: the stored points. */
  source: z.enum(['rollup', 'raw']),
  /** Step starts (ms since the epoch), ascending. */
  times: z.array(z.number()),
  lines: z.array(
    z.object({
      /** The group-by attribute's value; null without group-by and for the "other" line. */
      group: z.string().nullable(),
      other: z.boolean(),
      /** One per entry of `times`; null where the line has no data. */
      values: z.array(z.number().nullable()),
    }),
  ),
});
