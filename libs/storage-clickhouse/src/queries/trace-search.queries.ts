import type { ClickHouseClients } from '../clients';

/** Trace explorer reads: traces found by span filters. */
export class TraceSearchQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
