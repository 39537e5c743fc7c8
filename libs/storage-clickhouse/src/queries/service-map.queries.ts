import type { ClickHouseClients } from '../clients';

/** Service map reads: calls between services and to their databases and hosts. */
export class ServiceMapQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
