import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as m from '../schemas/service-map';

/** Routes of the service map (calls between services). */
export const SERVICE_MAP_ROUTES = {
  serviceMap: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/service-map',
    tag: 'telemetry',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Services, their databases and external hosts, and the calls between them (throughput, error rate, p95) over a window',
    params: tenantParams,
    query: m.serviceMapQuery,
    response: m.serviceMapResponse,
  }),
} as const;
