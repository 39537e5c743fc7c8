import type { RowTable } from './rows';

/**
 * What intake publishes and the ingester consumes: rows of one table for one tenant, already
 * serialized as JSONEachRow (one JSON object per line), so the ingester only concatenates and
 * inserts. `id` is unique per message and stable across redelivery; the ingester derives its
 * ClickHouse insert-deduplication token from the ids in a batch.
 */
export interface RowBatchMessage {
  id: string;
  tenantId: string;
  region: string;
  table: RowTable;
  rowCount: number;
  /** JSONEachRow lines, each ending in '\n'. */
  body: Buffer;
  /** Partitioning key (trace id for spans) so one trace stays in one partition. */
  key?: string;
}
