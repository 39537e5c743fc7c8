import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as h from '../schemas/hosts';
import { windowQuery } from '../schemas/telemetry';

/** Routes of the servers and server detail (infrastructure), from the host rollups of the tenant's region. */
export const HOST_ROUTES = {
  hosts: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/hosts',
    tag: 'hosts',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Every host seen in the window: CPU, memory, disk, network and load over its last minutes, down when silent',
    params: tenantParams,
    query: h.hostsQuery,
    response: h.hostsResponse,
  }),
  host: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/hosts/{host}',
    tag: 'hosts',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'One host over time: CPU by state, memory, load, disk and network; its filesystems',
    params: h.hostParams,
    query: windowQuery,
    response: h.hostResponse,
  }),
  hostProcesses: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/hosts/{host}/processes',
    tag: 'hosts',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'The top processes of a host by CPU and by memory at a moment',
    params: h.hostParams,
    query: h.hostProcessesQuery,
    response: h.hostProcessesResponse,
  }),
  hostServices: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/hosts/{host}/services',
    tag: 'hosts',
    auth: 'tenant',
    minRole: 'viewer',
    summary: 'Services whose spans ran on the host (host.name) in the window',
    params: h.hostParams,
    query: windowQuery,
    response: h.hostServicesResponse,
  }),
} as const;
