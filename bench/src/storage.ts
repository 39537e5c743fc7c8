/** On-disk size of the span tables from system.parts / system.columns (active parts only). */
import { STORED_TABLES, type RegionStore } from '@meridian/storage-clickhouse';

/** The tables that spans feed: the base table and the materialized-view targets. */
export const SPAN_TABLES = [
  'spans',
  'trace_summaries',
  'error_spans',
  'hitmap_5s',
  'service_red_1m',
  'sql_stats_1m',
] as const satisfies readonly (typeof STORED_TABLES)[number][];

export interface TableSize {
  table: string;
  rows: number;
  parts: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Everything on disk: columns, marks, primary key, skip indexes, checksums. */
  bytesOnDisk: number;
}

export interface StorageResult {
  /** spans: compressed bytes / rows. */
  bytesPerSpan: number;
  /** spans + every view target, per span row. */
  bytesPerSpanWithViews: number;
  /** spans, bytes_on_disk (marks, skip indexes, … included) / rows. */
  diskBytesPerSpan: number;
  spansRows: number;
  compressionRatio: number;
  optimizeMs: number;
  tables: TableSize[];
  /** Largest columns of `spans`, compressed bytes per span. */
  topColumns: { column: string; bytesPerSpan: number }[];
}

async function rows<T>(store: RegionStore, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** Merges every span table down (OPTIMIZE … FINAL), then reads the sizes. */
export async function measureStorage(store: RegionStore): Promise<StorageResult> {
  const t0 = performance.now();
  for (const t of SPAN_TABLES) await store.client.command({ query: `OPTIMIZE TABLE ${store.table(t)} FINAL` });
  const optimizeMs = performance.now() - t0;

  const sizes = await rows<{ table: string; rows: string; parts: string; c: string; u: string; d: string }>(
    store,
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(data_compressed_bytes) AS c, sum(data_uncompressed_bytes) AS u, sum(bytes_on_disk) AS d
    FROM system.parts WHERE database = {db:String} AND active AND table IN {tables:Array(String)}
    GROUP BY table`,
    { db: store.database, tables: [...SPAN_TABLES] },
  );
  const tables: TableSize[] = SPAN_TABLES.map((table) => {
    const s = sizes.find((r) => r.table === table);
    return {
      table,
      rows: Number(s?.rows ?? 0),
      parts: Number(s?.parts ?? 0),
      compressedBytes: Number(s?.c ?? 0),
      uncompressedBytes: Number(s?.u ?? 0),
      bytesOnDisk: Number(s?.d ?? 0),
    };
  });
  const spans = tables[0];
  if (spans.rows === 0) throw new Error('spans has no rows in active parts');
  const columns = await rows<{ name: string; c: string }>(
    store,
    `SELECT name, data_compressed_bytes AS c FROM system.columns
    WHERE database = {db:String} AND table = 'spans' ORDER BY data_compressed_bytes DESC LIMIT 10`,
    { db: store.database },
  );
  return {
    bytesPerSpan: spans.compressedBytes / spans.rows,
    bytesPerSpanWithViews: tables.reduce((n, t) => n + t.compressedBytes, 0) / spans.rows,
    diskBytesPerSpan: spans.bytesOnDisk / spans.rows,
    spansRows: spans.rows,
    compressionRatio: spans.uncompressedBytes / Math.max(1, spans.compressedBytes),
    optimizeMs,
    tables,
    topColumns: columns.map((c) => ({ column: c.name, bytesPerSpan: Number(c.c) / spans.rows })),
  };
}
