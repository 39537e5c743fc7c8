import type { ClickHouseClients } from '../clients';

/** Logs explorer reads: search, live tail, severity histogram. */
export class LogSearchQueries {
  constructor(readonly clients: ClickHouseClients) {}
}
