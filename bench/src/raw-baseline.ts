/**
 * The raw-insert baseline: the same payloads turned into the same bodies the intake puts on the
 * bus (decodeTraces → buildSpanRows → encodeNativeRows, timed per stage on one core
 * but not part of the insert figure), cut into batches by the ingester's rule, then inserted
 * sequentially with RowWriter into the same region's `spans` table under another tenant id, so
 * the materialized views do the same work. An extra run of the first batches into a copy of
 * `spans` without views shows what the views cost.
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeNativeRows, encodeRows, NATIVE_FORMAT, ROW_COLUMNS } from '@meridian/domain';
import { decodeTraces } from '@meridian/otlp';
import { buildSpanRows } from '@meridian/signal-rows';
import { type RegionStore, RowWriter, type ClickHouseClients } from '@meridian/storage-clickhouse';
import { type CpuBreakdown, diffProcess, snapshotProcess } from './cpu';

export interface RawBaselineOptions {
  clients: ClickHouseClients;
  regionId: string;
  bodies: readonly Buffer[];
  tenantId: string;
  retentionDays: number;
  batchMaxRows: number;
  batchMaxBytes: number;
  /** Also insert the first this-many batches into a copy of `spans` without materialized views (0: skip). */
  batchesWithoutViews: number;
  log: (line: string) => void;
}

export interface RawBaselineResult {
  spans: number;
  batches: number;
  avgBatchRows: number;
  /** Native body (what the bus carries), and the JSONCompactEachRow body of earlier builds. */
  bodyBytesPerSpan: number;
  jsonBodyBytesPerSpan: number;
  jsonSerializeSpansPerSec: number;
  /** Single-core, in-process cost of what intake does per span (spans/s per stage and together). */
  decodeSpansPerSec: number;
  buildRowsSpansPerSec: number;
  serializeSpansPerSec: number;
  intakePipelineSpansPerSec: number;
  insertMs: number;
  rawSpansPerSec: number;
  /** CPU of this process (ClickHouse threads, plus the client's share of the main thread) during the RowWriter inserts. */
  insertCpu: CpuBreakdown;
  insertCpuMicrosPerSpan: number;
  /** The first batches again, into a copy of `spans` without views, against the same batches with views. */
  withoutViews?: { batches: number; spans: number; withViewsSpansPerSec: number; withoutViewsSpansPerSec: number };
  /**
   * What each materialized view on `spans` adds: the same first batches into a copy of `spans`
   * with ENGINE = Null (it stores nothing, so the spans part — the largest and noisiest share of
   * an insert — is out of every difference) with only a copy of that view (into a copy of its
   * target, and of the views that read that target), CPU µs/span over the Null copy without
   * views (`noViewsCpuMicrosPerSpan`: parsing the body); `allViewsCpuMicrosPerSpan`: every view
   * at once, over the same. CPU rather than wall time, so other load on the machine changes it less.
   */
  viewCosts?: {
    noViewsCpuMicrosPerSpan: number;
    allViewsCpuMicrosPerSpan: number;
    views: { view: string; target: string; cpuMicrosPerSpan: number }[];
  };
}

interface Message {
  rowCount: number;
  body: Buffer;
}

/** The inline bus + ingester batching: add messages while both bounds hold (at least one message). */
export function cutBatches(messages: readonly Message[], maxRows: number, maxBytes: number): Message[] {
  const out: Message[] = [];
  let i = 0;
  while (i < messages.length) {
    let rows = 0;
    let bytes = 0;
    const parts: Buffer[] = [];
    while (i < messages.length) {
      const m = messages[i];
      if (parts.length > 0 && (bytes + m.body.length > maxBytes || rows + m.rowCount > maxRows)) break;
      parts.push(m.body);
      rows += m.rowCount;
      bytes += m.body.length;
      i++;
    }
    out.push({ rowCount: rows, body: parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes) });
  }
  return out;
}

/**
 * The same body into a table without views, the way RowWriter sends it (a spool file when
 * embedded), with a deduplication token as RowWriter's: without one, every insert hashes the
 * whole block for deduplication, once for the table and again for each view on it (≈1.3 µs/span
 * per view here), which RowWriter's inserts never do.
 */
async function insertNoViews(store: RegionStore, table: string, body: Buffer): Promise<void> {
  const into = `INSERT INTO ${table} (${ROW_COLUMNS.spans.join(', ')})`;
  const settings =
    ` SETTINGS async_insert = 0, insert_deduplicate = 1, insert_deduplication_token = 'bench-${randomUUID()}',` +
    ` deduplicate_blocks_in_dependent_materialized_views = 1 FORMAT ${NATIVE_FORMAT}`;
  if (!store.insertSpool) {
    const res = await store.client.exec({ query: into + settings, values: Readable.from([body]) });
    for await (const _chunk of res.stream) {
      // empty answer; reading it completes the call
    }
    return;
  }
  const file = join(store.insertSpool, `${process.pid}-${randomUUID()}.native`);
  try {
    await writeFile(file, body);
    await store.client.command({ query: `${into} FROM INFILE '${file}'${settings}` });
  } finally {
    await rm(file, { force: true });
  }
}

export async function runRawBaseline(opts: RawBaselineOptions): Promise<RawBaselineResult> {
  const ctx = { tenantId: opts.tenantId, retentionDays: opts.retentionDays };
  let decodeMs = 0;
  let rowsMs = 0;
  let serializeMs = 0;
  let jsonSerializeMs = 0;
  let spans = 0;
  let nativeBytes = 0;
  let jsonBytes = 0;
  const messages: Message[] = [];
  for (const body of opts.bodies) {
    const t0 = performance.now();
    const decoded = decodeTraces(body, 'protobuf');
    const t1 = performance.now();
    const rows = buildSpanRows(decoded, ctx);
    const t2 = performance.now();
    const native = encodeNativeRows('spans', rows);
    const t3 = performance.now();
    // What earlier builds put on the bus, for comparison only.
    jsonBytes += encodeRows('spans', rows).length;
    jsonSerializeMs += performance.now() - t3;
    decodeMs += t1 - t0;
    rowsMs += t2 - t1;
    serializeMs += t3 - t2;
    spans += rows.length;
    nativeBytes += native.length;
    messages.push({ rowCount: rows.length, body: native });
  }
  const perSec = (ms: number) => spans / (ms / 1000);
  opts.log(
    `  decode ${perSec(decodeMs).toFixed(0)}/s, rows ${perSec(rowsMs).toFixed(0)}/s, Native ${perSec(serializeMs).toFixed(0)}/s (JSON was ${perSec(jsonSerializeMs).toFixed(0)}/s), one core; ` +
      `body ${(nativeBytes / spans).toFixed(0)} B/span Native, ${(jsonBytes / spans).toFixed(0)} JSON`,
  );

  const batches = cutBatches(messages, opts.batchMaxRows, opts.batchMaxBytes);
  messages.length = 0;
  const writer = new RowWriter(opts.clients);
  const cpu0 = snapshotProcess(process.pid);
  const batchMs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < batches.length; i++) {
    const t = performance.now();
    await writer.insert(opts.regionId, 'spans', batches[i].body, `bench-raw-${opts.tenantId}-${i}`, NATIVE_FORMAT);
    batchMs.push(performance.now() - t);
  }
  const insertMs = performance.now() - t0;
  const insertCpu = diffProcess(cpu0, snapshotProcess(process.pid));
  opts.log(`  RowWriter: ${spans} spans in ${batches.length} inserts, ${(insertMs / 1000).toFixed(1)} s`);

  const result: RawBaselineResult = {
    spans,
    batches: batches.length,
    avgBatchRows: spans / batches.length,
    bodyBytesPerSpan: nativeBytes / spans,
    jsonBodyBytesPerSpan: jsonBytes / spans,
    jsonSerializeSpansPerSec: perSec(jsonSerializeMs),
    decodeSpansPerSec: perSec(decodeMs),
    buildRowsSpansPerSec: perSec(rowsMs),
    serializeSpansPerSec: perSec(serializeMs),
    intakePipelineSpansPerSec: perSec(decodeMs + rowsMs + serializeMs),
    insertMs,
    rawSpansPerSec: perSec(insertMs),
    insertCpu,
    insertCpuMicrosPerSpan: (insertCpu.processCpuSeconds * 1e6) / spans,
  };

  const n = Math.min(opts.batchesWithoutViews, batches.length);
  if (n > 0) {
    const store = opts.clients.forRegion(opts.regionId);
    const copy = store.table('bench_spans_no_views');
    await store.client.command({ query: `CREATE TABLE ${copy} AS ${store.table('spans')}` });
    try {
      const t = performance.now();
      for (const b of batches.slice(0, n)) await insertNoViews(store, copy, b.body);
      const noViewsMs = performance.now() - t;
      const subset = batches.slice(0, n).reduce((r, b) => r + b.rowCount, 0);
      const withViewsMs = batchMs.slice(0, n).reduce((a, b) => a + b, 0);
      result.withoutViews = {
        batches: n,
        spans: subset,
        withViewsSpansPerSec: subset / (withViewsMs / 1000),
        withoutViewsSpansPerSec: subset / (noViewsMs / 1000),
      };
      opts.log(`  first ${n} batches into a copy without views: ${(noViewsMs / 1000).toFixed(1)} s (with views ${(withViewsMs / 1000).toFixed(1)} s)`);
    } finally {
      await store.client.command({ query: `DROP TABLE IF EXISTS ${copy} SYNC` });
    }
    result.viewCosts = await measureViewCosts(store, batches.slice(0, n), subsetRows(batches.slice(0, n)), opts.log);
  }
  return result;
}

const subsetRows = (batches: readonly Message[]) => batches.reduce((r, b) => r + b.rowCount, 0);

/** See RawBaselineResult.viewCosts. */
async function measureViewCosts(
  store: RegionStore,
  batches: readonly Message[],
  spans: number,
  log: (line: string) => void,
): Promise<RawBaselineResult['viewCosts']> {
  const db = store.database;
  const rs = await store.client.query({
    query: `SELECT name, as_select, create_table_query FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView' ORDER BY name`,
    query_params: { db },
    format: 'JSONEachRow',
  });
  // The copy is read under the name `spans`, which some views use to qualify columns.
  const ref = (table: string, flags?: string) => new RegExp(`\\b${db}\\.${table}\\b`, flags);
  const all = (await rs.json<{ name: string; as_select: string; create_table_query: string }>())
    .map((v) => ({ view: v.name, select: v.as_select, target: /\bTO\s+([\w.`]+)/.exec(v.create_table_query)?.[1] ?? '' }))
    .filter((v) => v.target !== '');
  const bare = (target: string) => target.replace(/^[^.]*\./, '');
  // A view on spans together with the views that read its target (and theirs): they run on the
  // blocks it writes, so their cost is part of it.
  const chainOf = (first: (typeof all)[number]) => {
    const chain = [first];
    for (let i = 0; i < chain.length; i++) {
      for (const v of all) if (!chain.includes(v) && ref(bare(chain[i].target)).test(v.select)) chain.push(v);
    }
    return chain;
  };
  const views = all
    .filter((v) => ref('spans').test(v.select))
    .map((v) => {
      const chain = chainOf(v);
      return { view: [v.view, ...chain.slice(1).map((c) => `+${c.view}`)].join(' '), target: v.target, chain };
    });
  const copy = store.table('bench_spans_one_view');
  const targetCopy = (i: number) => store.table(`bench_view_target_${i}`);
  const viewCopy = (i: number) => store.table(`bench_view_copy_${i}`);
  let made = 0;
  const drop = async () => {
    for (let i = 0; i < made; i++) await store.client.command({ query: `DROP TABLE IF EXISTS ${viewCopy(i)} SYNC` });
    await store.client.command({ query: `DROP TABLE IF EXISTS ${copy} SYNC` });
    for (let i = 0; i < made; i++) await store.client.command({ query: `DROP TABLE IF EXISTS ${targetCopy(i)} SYNC` });
    made = 0;
  };
  // Merges still running (of the rows just inserted into spans, of the last run's targets) would
  // be counted in the next run: wait until none runs (at most a minute).
  const mergesDone = async () => {
    for (let quiet = 0, waited = 0; quiet < 2 && waited < 60_000; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      const [row] = await (await store.client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' })).json<{ n: string }>();
      quiet = Number(row.n) === 0 ? quiet + 1 : 0;
    }
  };
  type Chain = { select: string; target: string }[];
  const cpuPerSpan = async (chains: Chain[]) => {
    await drop();
    await mergesDone();
    await store.client.command({ query: `CREATE TABLE ${copy} AS ${store.table('spans')} ENGINE = Null` });
    for (const chain of chains) {
      const first = made;
      made += chain.length;
      // Targets first, then the views from the last of the chain to the first, so no block is missed.
      for (let i = 0; i < chain.length; i++) await store.client.command({ query: `CREATE TABLE ${targetCopy(first + i)} AS ${chain[i].target}` });
      for (let i = chain.length - 1; i >= 0; i--) {
        let select = chain[i].select.replace(ref('spans', 'g'), `${copy} AS spans`);
        chain.forEach((c, j) => {
          if (j !== i) select = select.replace(ref(bare(c.target), 'g'), `${targetCopy(first + j)} AS ${bare(c.target)}`);
        });
        await store.client.command({ query: `CREATE MATERIALIZED VIEW ${viewCopy(first + i)} TO ${targetCopy(first + i)} AS ${select}` });
      }
    }
    const c0 = snapshotProcess(process.pid);
    for (const b of batches) await insertNoViews(store, copy, b.body);
    return (diffProcess(c0, snapshotProcess(process.pid)).processCpuSeconds * 1e6) / spans;
  };
  // The least of three runs: a run only gets slower from what else the machine does.
  const least = async (chains: Chain[]) => Math.min(await cpuPerSpan(chains), await cpuPerSpan(chains), await cpuPerSpan(chains));
  try {
    await cpuPerSpan([]); // warm-up: the first inserts into a new table cost more
    const base = await least([]);
    const out: { view: string; target: string; cpuMicrosPerSpan: number }[] = [];
    for (const v of views) out.push({ view: v.view, target: v.target, cpuMicrosPerSpan: (await least([v.chain])) - base });
    out.sort((a, b) => b.cpuMicrosPerSpan - a.cpuMicrosPerSpan);
    const together = (await least(views.map((v) => v.chain))) - base;
    log(
      `  views on spans (fed by a Null copy of spans), CPU µs/span over ${base.toFixed(1)} parsing alone: all together ${together.toFixed(1)}; each ${out.map((v) => `${v.view} ${v.cpuMicrosPerSpan.toFixed(1)}`).join(', ')}`,
    );
    return { noViewsCpuMicrosPerSpan: base, allViewsCpuMicrosPerSpan: together, views: out };
  } finally {
    await drop();
  }
}
