import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as m from '../schemas/metrics';

/** Routes of the metrics explorer (the tenant's region only). The stored points themselves: `metrics` in the telemetry area. */
export const METRIC_ROUTES = {
  metricNames: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/metrics/names',
    tag: 'metrics',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Metric names seen in the window, with type, unit and series count; `search` matches part of the name',
    params: tenantParams,
    query: m.metricNamesQuery,
    response: m.metricNamesResponse,
  }),
  metricAttributes: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/metrics/attributes',
    tag: 'metrics',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Attribute keys of one metric (point and resource attributes) with their most frequent values',
    params: tenantParams,
    query: m.metricAttributesQuery,
    response: m.metricAttributesResponse,
  }),
  metricSeries: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/metrics/series',
    tag: 'metrics',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'One metric as lines over time: an aggregation per step, filtered by attributes, grouped by one attribute',
    params: tenantParams,
    query: m.metricSeriesQuery,
    response: m.metricSeriesResponse,
  }),
} as const;
