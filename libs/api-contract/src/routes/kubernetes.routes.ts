import { defineRoute } from '../route';
import { tenantParams } from '../schemas/common';
import * as k from '../schemas/kubernetes';

/** Routes of the Kubernetes map and pod detail (infrastructure; the tenant's region only, read from rollups). */
export const KUBERNETES_ROUTES = {
  kubernetesMap: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/kubernetes/map',
    tag: 'kubernetes',
    auth: 'tenant',
    minRole: 'viewer',
    summary: "One cluster's namespaces, workloads, pods and containers with their latest CPU and memory against limits, restarts and readiness",
    params: tenantParams,
    query: k.kubernetesMapQuery,
    response: k.kubernetesMapResponse,
  }),
  kubernetesPod: defineRoute({
    method: 'GET',
    path: '/api/v1/tenants/{tenant}/kubernetes/pod',
    tag: 'kubernetes',
    auth: 'tenant',
    minRole: 'viewer',
    summary:
      "One pod's containers over time (CPU, memory, restarts, readiness) and the services whose spans came from it; 404 when it sent nothing in the window",
    params: tenantParams,
    query: k.kubernetesPodQuery,
    response: k.kubernetesPodResponse,
  }),
} as const;
