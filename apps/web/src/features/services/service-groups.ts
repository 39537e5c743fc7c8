import type { ApiRoutes, ResponseOf } from '@meridian/api-contract';
import type { SeriesPoint } from './sparkline';

export type EndpointRed = ResponseOf<ApiRoutes['services']>['services'][number];

/** A service's row: exact totals of its endpoints (percentiles do not add up, so they stay per endpoint). */
export interface ServiceGroup {
  service: string;
  count: number;
  errors: number;
  errorRate: number;
  throughputPerMin: number;
  /** Count-weighted mean of the endpoints' Apdex: exactly the Apdex of all their transactions. */
  apdex: number;
  endpoints: EndpointRed[];
}

/** Endpoint rows grouped by service, busiest service first (endpoints keep the API's order: busiest first). */
export function groupByService(rows: readonly EndpointRed[]): ServiceGroup[] {
  const groups = new Map<string, ServiceGroup>();
  for (const r of rows) {
    const g = groups.get(r.service) ?? { service: r.service, count: 0, errors: 0, errorRate: 0, throughputPerMin: 0, apdex: 0, endpoints: [] };
    g.count += r.count;
    g.errors += r.errors;
    g.throughputPerMin += r.throughputPerMin;
    g.apdex += r.apdex * r.count;
    g.endpoints.push(r);
    groups.set(r.service, g);
  }
  const out = [...groups.values()];
  for (const g of out) {
    g.errorRate = g.count ? g.errors / g.count : 0;
    g.apdex = g.count ? g.apdex / g.count : 1;
  }
  return out.sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
}

/** Bucket-wise sum of several endpoints' (dense, aligned) series: a service's throughput and errors. */
export function sumSeries(series: ReadonlyArray<readonly SeriesPoint[]>): SeriesPoint[] {
  if (series.length === 0) return [];
  return series[0].map((p, i) => ({ t: p.t, count: series.reduce((n, s) => n + s[i].count, 0), errors: series.reduce((n, s) => n + s[i].errors, 0), p95Ms: Math.max(...series.map((s) => s[i].p95Ms)) }));
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
