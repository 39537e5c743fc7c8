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

/**
 * An insert body: one buffer, or the bodies of a batch's messages in order (Native blocks and
 * JSON lines both concatenate into a valid stream). Passing the parts spares the ingester a
 * batch-sized copy, and the main thread the external memory that makes V8 collect garbage.
 */
export type RowBody = Buffer | readonly Buffer[];

export function rowBodyBytes(body: RowBody): number {
  if (Buffer.isBuffer(body)) return body.length;
  let n = 0;
  for (const part of body) n += part.length;
  return n;
}
