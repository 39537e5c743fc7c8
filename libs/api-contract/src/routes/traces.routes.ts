import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as t from '../schemas/traces';

/** Routes of the trace explorer (search spans and traces). */
export const TRACE_SEARCH_ROUTES = {
  traceSearch: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/traces',
    tag: 'telemetry',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Traces by id, or with a span in the window matching every filter (service, endpoint, duration, status, attributes), by cursor',
    params: tenantParams,
    query: t.traceSearchQuery,
    response: t.traceSearchResponse,
  }),
} as const;
