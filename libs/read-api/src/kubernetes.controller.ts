import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { KubernetesQueries } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

const MAP_WINDOW_MS = 15 * 60_000;
const POD_WINDOW_MS = 3_600_000;
const iso = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** Kubernetes reads: cluster → namespace → workload → pod → container, and one pod's series (thin: one call per route). */
@Controller()
export class KubernetesController {
  constructor(@Inject(KubernetesQueries) readonly queries: KubernetesQueries) {}

  @Endpoint(R.kubernetesMap)
  async map(@TenantOf() t: TenantAccess, @Input() { query }: In<'kubernetesMap'>): Out<'kubernetesMap'> {
    const window = parseWindow(query, MAP_WINDOW_MS);
    const map = await validated(() => this.queries.map(t.region, t.tenantId, { ...window, cluster: query.cluster, namespace: query.namespace }));
    return { ...iso(window), ...map };
  }

  @Endpoint(R.kubernetesPod)
  async pod(@TenantOf() t: TenantAccess, @Input() { query }: In<'kubernetesPod'>): Out<'kubernetesPod'> {
    const window = parseWindow(query, POD_WINDOW_MS);
    const detail = await validated(() =>
      this.queries.pod(t.region, t.tenantId, { ...window, cluster: query.cluster, namespace: query.namespace, pod: query.pod }),
    );
    if (!detail.pod) throw new NotFoundException(`pod "${query.pod}" in namespace "${query.namespace}" sent nothing in this window`);
    return { ...iso(window), ...detail, pod: detail.pod };
  }
}
