import type { ClickHouseClients } from '../clients';

/** Servers reads: every host's latest figures, one host's series and processes. */
export class HostQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
