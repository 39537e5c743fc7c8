import { Readable } from 'node:stream';
import { ROW_COLUMNS, ROW_FORMAT, type RowTable } from '@meridian/domain';
import type { ClickHouseClients } from './clients';
import { RowInsertError } from './errors';

const ROW_TABLES: ReadonlySet<string> = new Set<RowTable>(['spans', 'metric_points', 'logs']);

/**
 * ClickHouse error codes that mean "this data can never be inserted as is" (parse and type
 * errors). Everything else — network, timeouts, TOO_MANY_PARTS, memory, unknown table during a
 * migration — is worth retrying.
 */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '33', // CANNOT_READ_ALL_DATA
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '349', // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  '691', // UNKNOWN_ELEMENT_OF_ENUM
]);

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
   * `RowInsertError` on failure, with `permanent` telling retry from dead-letter.
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
      ].join(', ') +
      ` FORMAT ${ROW_FORMAT}`;
    try {
      const res = await store.client.exec({ query, values: Readable.from([body]) });
      await drain(res.stream);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const chCode = typeof code === 'string' && /^\d+$/.test(code) ? code : undefined;
      throw new RowInsertError(
        `insert into ${store.table(table)} (region "${regionId}", ${body.length} bytes, token ${dedupToken}) failed: ${(e as Error).message}`,
        chCode !== undefined && PERMANENT_CODES.has(chCode),
        chCode,
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
