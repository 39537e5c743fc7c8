import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as t from '../schemas/telemetry';

/** Reads of a tenant's telemetry, always from the tenant's own region. */
export const TELEMETRY_ROUTES = {
  // --- telemetry (the tenant's region only) ----------------------------------------------------
  hitmap: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/hitmap', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Hitmap cells (5 s × 120 response-time rows) of a window', params: tenantParams, query: t.hitmapQuery, response: t.hitmapResponse }),
  hitmapSelection: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/hitmap/selection', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Transactions and errors per service/endpoint inside a time × duration rectangle', params: tenantParams, query: t.selectionQuery, response: t.selectionResponse }),
  transactions: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/transactions', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Transactions (entry spans) in a time × duration rectangle, newest first', params: tenantParams, query: t.transactionsQuery, response: t.transactionsResponse }),
  trace: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/traces/{traceId}', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'All spans of a trace', params: t.traceParams, response: t.traceResponse }),
  services: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/services', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'RED figures and Apdex per service and endpoint', params: tenantParams, query: t.windowQuery, response: t.servicesResponse }),
  serviceSeries: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/services/series', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Throughput, errors and p95 per service/endpoint over time (about 60 buckets), for sparklines', params: tenantParams, query: t.windowQuery, response: t.serviceSeriesResponse }),
  metrics: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/metrics', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Stored metric points', params: tenantParams, query: t.metricsQuery, response: t.metricsResponse }),
  logs: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/logs', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Stored log records', params: tenantParams, query: t.logsQuery, response: t.logsResponse }),
  usage: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/usage', tag: 'telemetry', auth: 'tenant', minRole: 'viewer', summary: 'Stored rows per signal', params: tenantParams, response: t.usageResponse }),
} as const;
