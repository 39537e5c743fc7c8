import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as d from '../schemas/database';
import { windowQuery } from '../schemas/telemetry';

/** SQL statistics per endpoint, N+1 findings and database instances (the tenant's region only). */
export const DATABASE_ROUTES = {
  sqlEndpoints: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/sql/endpoints',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Per service/endpoint: queries and DB time per transaction (avg/max), statements, errors',
    params: tenantParams,
    query: d.sqlEndpointsQuery,
    response: d.sqlEndpointsResponse,
  }),
  sqlStatements: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/sql/statements',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Normalized statements ranked by calls, total time, p95, errors or calls per transaction',
    params: tenantParams,
    query: d.sqlStatementsQuery,
    response: d.sqlStatementsResponse,
  }),
  sqlTransactions: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/sql/transactions',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Transactions that ran SQL, by query count, DB time or repeats of one statement',
    params: tenantParams,
    query: d.sqlTransactionsQuery,
    response: d.sqlTransactionsResponse,
  }),
  sqlNPlusOne: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/sql/n-plus-one',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Statements repeated at least `threshold` times in one transaction (N+1), per endpoint',
    params: tenantParams,
    query: d.nPlusOneQuery,
    response: d.nPlusOneResponse,
  }),
  dbInstances: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/databases',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Database instances with health figures (the honeycomb)',
    params: tenantParams,
    query: windowQuery,
    response: d.dbInstancesResponse,
  }),
  dbInstance: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/databases/{instance}',
    tag: 'database',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'One database instance: sessions, blocking chains, top statements, throughput and latency over time',
    params: d.dbInstanceParams,
    query: windowQuery,
    response: d.dbInstanceResponse,
  }),
} as const;
