import type { ApiRoutes, ResponseOf } from '@meridian/api-contract';
import type { SeriesPoint } from './sparkline';

export type EndpointRed = ResponseOf<ApiRoutes['services']>['services'][number];
export type ServiceRed = ResponseOf<ApiRoutes['services']>['serviceTotals'][number];

/** A service's row (the API's totals: percentiles merged, not averaged) and its endpoints' rows. */
export interface ServiceGroup extends ServiceRed {
  endpoints: EndpointRed[];
}

/** Endpoint rows under their service, busiest service first (endpoints keep the API's order: busiest first). */
export function groupByService(totals: readonly ServiceRed[], rows: readonly EndpointRed[]): ServiceGroup[] {
  const groups = new Map<string, ServiceGroup>(totals.map((t) => [t.service, { ...t, endpoints: [] }]));
  for (const r of rows) groups.get(r.service)?.endpoints.push(r);
  return [...groups.values()].sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
}

/** Bucket-wise sum of several endpoints' (dense, aligned) series: a service's throughput and errors. */
export function sumSeries(series: ReadonlyArray<readonly SeriesPoint[]>): SeriesPoint[] {
  if (series.length === 0) return [];
  return series[0].map((p, i) => ({
    t: p.t,
    count: series.reduce((n, s) => n + s[i].count, 0),
    errors: series.reduce((n, s) => n + s[i].errors, 0),
    p95Ms: Math.max(...series.map((s) => s[i].p95Ms)),
  }));
}

export type ApdexRating = 'excellent' | 'good' | 'fair' | 'poor' | 'unacceptable';

/** The usual Apdex bands (apdex.org): 0.94, 0.85, 0.70, 0.50. */
export function apdexRating(apdex: number): ApdexRating {
  if (apdex >= 0.94) return 'excellent';
  if (apdex >= 0.85) return 'good';
  if (apdex >= 0.7) return 'fair';
  if (apdex >= 0.5) return 'poor';
  return 'unacceptable';
}
