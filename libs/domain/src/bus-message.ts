import type { RowTable } from './rows';

import type { RowBodyFormat } from './row-format';

/**
 * What intake publishes and the ingester consumes: rows of one table for one tenant, already
 * serialized in a format ClickHouse reads (see row-format.ts), so the ingester only concatenates
 * and inserts. `id` is unique per message and stable across redelivery; the ingester derives its
 * ClickHouse insert-deduplication token from the ids in a batch.
 */
export interface RowBatchMessage {
  id: string;
  tenantId: string;
  region: string;
  table: RowTable;
  rowCount: number;
  body: Buffer;
  /** How `body` is encoded; absent for JSONCompactEachRow (what builds before Native wrote). */
  format?: RowBodyFormat;
  /** Kafka partitioning key; intake sets none, so its messages spread over the partitions. */
  key?: string;
}
