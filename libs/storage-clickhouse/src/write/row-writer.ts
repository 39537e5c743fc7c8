import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ROW_COLUMNS, ROW_FORMAT, rowBodyBytes, type RowBody, type RowBodyFormat, type RowTable } from '@meridian/domain';
import type { ClickHouseClients, RegionStore } from '../clients';
import { RowInsertError } from '../errors';
import { classifyInsertError, clickhouseErrorCode } from './insert-error-class';
import { MAX_RETENTION_DAYS } from '../schema/schema';

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
 * Writes pre-serialized row batches from the bus (Native or JSONCompactEachRow, columns per
 * ROW_COLUMNS) into a region's base tables. The body is passed through as raw bytes. To the
 * embedded engine it goes as a file (`INSERT … FROM INFILE`): chdb's query path would copy the
 * body into the SQL text, which cost more than parsing it (41 k vs 112 k spans/s for JSON,
 * DESIGN.md); a server gets it as the HTTP request body.
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
  /** Column list with types per region database and table, for `check` (read once). */
  private readonly structures = new Map<string, Promise<string>>();

  constructor(private readonly clients: ClickHouseClients) {}

  /**
   * Inserts `body` (encodeRows output, or several such bodies in order: written out one after
   * another, never joined in memory) into `${db}.${table}` of the region. A retried insert of the
   * same batch with the same `dedupToken` is a no-op (base table and MVs). Throws
   * `RowInsertError` on failure, whose `errorClass` tells retry from isolating bad rows.
   */
  async insert(regionId: string, table: RowTable, body: RowBody, dedupToken: string, format: RowBodyFormat = ROW_FORMAT): Promise<void> {
    if (!ROW_TABLES.has(table)) throw new Error(`not a row table: "${table}"; expected one of ${[...ROW_TABLES].join(', ')}`);
    if (typeof dedupToken !== 'string' || dedupToken.length === 0) throw new Error('dedupToken must be a non-empty string');
    const store = this.clients.forRegion(regionId);
    const bytes = rowBodyBytes(body);
    if (bytes === 0) return;
    const settings =
      ' SETTINGS ' +
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
      ` FORMAT ${format}`;
    const into = `INSERT INTO ${store.table(table)} (${ROW_COLUMNS[table].join(', ')})`;
    const what = `insert into ${store.table(table)} (region "${regionId}", ${bytes} bytes ${format}, token ${dedupToken})`;
    if (!store.insertSpool) return execInsert(store, into + settings, body, what);
    const file = join(store.insertSpool, `${process.pid}-${randomUUID()}.${format === 'Native' ? 'native' : 'jsonl'}`);
    try {
      await writeFile(file, body, { mode: 0o600 });
      await execInsert(store, `${into} FROM INFILE ${sqlStringLiteral(file)}${settings}`, undefined, what);
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * Parses `body` exactly as `insert` would (same columns, types and input settings) but stores
   * nothing: the rows go to a Null table. Much cheaper than an insert (no parts, no materialized
   * views), so the ingester bisects a refused batch with it. Errors raised only while writing
   * (materialized views, partitions per block) are not seen here. Throws `RowInsertError`.
   */
  async check(regionId: string, table: RowTable, body: Buffer): Promise<void> {
    if (!ROW_TABLES.has(table)) throw new Error(`not a row table: "${table}"; expected one of ${[...ROW_TABLES].join(', ')}`);
    const store = this.clients.forRegion(regionId);
    if (body.length === 0) return;
    const structure = await this.structureOf(store, table);
    const query = `INSERT INTO FUNCTION null(${sqlStringLiteral(structure)}) SETTINGS async_insert = 0, date_time_input_format = 'basic' FORMAT ${ROW_FORMAT}`;
    await execInsert(store, query, body, `insert into ${store.table(table)} (dry run, parsed only; region "${regionId}", ${body.length} bytes)`);
  }

  private structureOf(store: RegionStore, table: RowTable): Promise<string> {
    const key = store.table(table);
    let structure = this.structures.get(key);
    if (!structure) {
      structure = readStructure(store, table);
      this.structures.set(key, structure);
      structure.catch(() => this.structures.delete(key));
    }
    return structure;
  }
}

/** `name Type, …` of the columns a row body carries, in ROW_COLUMNS order. */
async function readStructure(store: RegionStore, table: RowTable): Promise<string> {
  const rs = await store.client.query({
    query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
    query_params: { db: store.database, table },
    format: 'JSONEachRow',
  });
  const types = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
  return ROW_COLUMNS[table]
    .map((c) => {
      const type = types.get(c);
      // Not a data error: the schema is older than this build (a migration pending), so retry.
      if (!type) throw new Error(`column ${c} missing in ${store.table(table)}; run the migrations`);
      return `${c} ${type}`;
    })
    .join(', ');
}

async function execInsert(store: RegionStore, query: string, body: RowBody | undefined, what: string): Promise<void> {
  try {
    if (body) {
      const res = await store.insertClient.exec({ query, values: Readable.from(Buffer.isBuffer(body) ? [body] : body) });
      await drain(res.stream);
    } else {
      await store.insertClient.command({ query });
    }
  } catch (e) {
    const code = clickhouseErrorCode(e);
    throw new RowInsertError(`${what} failed: ${(e as Error).message}`, classifyInsertError(e), code === undefined ? undefined : String(code), { cause: e });
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // an INSERT answers with an empty body; reading it releases the HTTP socket
  }
}
