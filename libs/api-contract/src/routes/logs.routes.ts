import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as l from '../schemas/logs';

/** Routes of the logs explorer: search (a live tail polls it) and the severity histogram. */
export const LOG_ROUTES = {
  logs: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/logs',
    tag: 'logs',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Log records, newest first: body text, trace id, service, minimum severity, attribute',
    params: tenantParams,
    query: l.logsQuery,
    response: l.logsResponse,
  }),
  logHistogram: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/logs/histogram',
    tag: 'logs',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Counts of matching log records per time bucket and severity level',
    params: tenantParams,
    query: l.logFiltersQuery,
    response: l.logHistogramResponse,
  }),
} as const;
