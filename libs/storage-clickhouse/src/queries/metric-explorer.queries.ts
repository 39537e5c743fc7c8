import type { ClickHouseClients } from '../clients';

/** Metrics explorer reads: metric names and series over time. */
export class MetricExplorerQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
