import { Controller, Inject } from '@nestjs/common';
import { KubernetesQueries } from '@meridian/storage-clickhouse';

/** Kubernetes reads: cluster → namespace → workload → pod → container, and one pod's series (thin: one call per route). */
@Controller()
export class KubernetesController {
  constructor(@Inject(KubernetesQueries) readonly queries: KubernetesQueries) {}
}
