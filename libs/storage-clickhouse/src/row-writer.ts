import { Readable } from 'node:stream';
import { ROW_COLUMNS, ROW_FORMAT, type RowTable } from '@meridian/domain';
import type { ClickHouseClients } from './clients';
import { RowInsertError } from './errors';
import { classifyInsertError, clickhouseErrorCode } from './insert-error-class';
import { MAX_RETENTION_DAYS } from './schema';

const ROW_TABLES: ReadonlySet<string> = new Set<RowTable>(['spans', 'metric_points', 'logs']);

/**
 * Partitions (days) one insert block may create. Every row table is partitioned by day, and
 * ClickHouse's default (100) would refuse a batch holding rows of more than 100 days: one
 * tenant's late or skewed timestamps would fail everybody's batch. Retention is at most
 * MAX_RETENTION_DAYS, so valid data of one batch never spans more; beyond it the error is
 * `too_many_partitions` and the ingester splits the batch (many parts per insert is what the
 * limit protects the server from).
 */
export const MAX_PARTITIONS_PER_INSERT = MAX_RETENTION_DAYS + 2;

/** ClickHouse string literal (backslash escapes), for the few values that cannot be query parameters. */
export function sqlStringLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Writes pre-serialized row batches (JSONCompactEachRow, columns per ROW_COLUMNS) (from the bus) into a region's base tables. The
 * body is passed through as raw bytes: no JSON parsing in JS.
 *
 * Idempotency: the insert carries `insert_deduplication_token`; with
 * `deduplicate_blocks_in_dependent_materialized_views=1` and a deduplication window on every
 * table (see schema.ts), re-inserting the same body with the same token is a no-op for the base
 * table and every materialized-view target. The window is per table and counts insert blocks, so
 * a redelivery must happen within the last DEDUP_WINDOW inserts of that table.
 *
 * Settings go in the INSERT's own SETTINGS clause, not in `clickhouse_settings`: the embedded
 * (chdb) connection turns `clickhouse_settings` into session-wide `SET`s that persist, which
 * would leak one batch's token into the next insert and silently drop it.
 */
export class RowWriter {
  constructor(private readonly clients: ClickHouseClients) {}

  /**
   * Inserts `body` (encodeRows output) into `${db}.${table}` of the region. A retried insert of the
   * same batch with the same `dedupToken` is a no-op (base table and MVs). Throws
   * `RowInsertError` on failure, whose `errorClass` tells retry from isolating bad rows.
   */
  async insert(regionId: string, table: RowTable, body: Buffer, dedupToken: string): Promise<void> {
    if (!ROW_TABLES.has(table)) throw new Error(`not a row table: "${table}"; expected one of ${[...ROW_TABLES].join(', ')}`);
    if (typeof dedupToken !== 'string' || dedupToken.length === 0) throw new Error('dedupToken must be a non-empty string');
    const store = this.clients.forRegion(regionId);
    if (body.length === 0) return;
    const query =
      `INSERT INTO ${store.table(table)} (${ROW_COLUMNS[table].join(', ')}) SETTINGS ` +
      [
        // Explicit because defaults differ by build: chdb 26.7 defaults to async_insert = 1 (which
        // changes dedup semantics) and to best_effort date parsing, which rejects small "sec.nanos"
        // values such as "0.000000000"; basic parses every "sec.nanos" string exactly.
        'async_insert = 0',
        "date_time_input_format = 'basic'",
        'insert_deduplicate = 1',
        `insert_deduplication_token = ${sqlStringLiteral(dedupToken)}`,
        'deduplicate_blocks_in_dependent_materialized_views = 1',
        `max_partitions_per_insert_block = ${MAX_PARTITIONS_PER_INSERT}`,
        'throw_on_max_partitions_per_insert_block = 1',
      ].join(', ') +
      ` FORMAT ${ROW_FORMAT}`;
    try {
      const res = await store.client.exec({ query, values: Readable.from([body]) });
      await drain(res.stream);
    } catch (e) {
      const code = clickhouseErrorCode(e);
      throw new RowInsertError(
        `insert into ${store.table(table)} (region "${regionId}", ${body.length} bytes, token ${dedupToken}) failed: ${(e as Error).message}`,
        classifyInsertError(e),
        code === undefined ? undefined : String(code),
        { cause: e },
      );
    }
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // an INSERT answers with an empty body; reading it releases the HTTP socket
  }
}
