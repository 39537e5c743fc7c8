import type { ClickHouseClients } from '../clients';

/** Kubernetes reads: cluster → namespace → workload → pod → container, and one pod's series. */
export class KubernetesQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
