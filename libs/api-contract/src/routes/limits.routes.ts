import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as l from '../schemas/limits';

/**
 * A tenant's ingest limits and metered usage. Members read both (viewer and up); only the SaaS
 * operator changes limits, because limits are what the operator sells.
 */
export const LIMITS_ROUTES = {
  getIngestLimits: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/ingest-limits',
    tag: 'limits',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Effective ingest limits (overrides merged with the configured defaults)',
    params: tenantParams,
    response: l.ingestLimitsResponse,
  }),
  setIngestLimits: defineRoute({
    method: 'PUT',
    path: '/api/v1/tenants/{tenant}/ingest-limits',
    tag: 'limits',
    auth: 'operator',
    summary: "Replace a tenant's ingest limit overrides (null: the default); operator token only, audited",
    params: tenantParams,
    body: l.ingestLimitOverridesBody,
    response: l.ingestLimitsResponse,
  }),
  getIngestUsage: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/ingest-usage',
    tag: 'limits',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Metered ingest per UTC day and signal: items and bytes accepted, rejected, throttled (the basis for billing)',
    params: tenantParams,
    query: l.ingestUsageQuery,
    response: l.ingestUsageResponse,
  }),
} as const;
