/**
 * What background merges cost per inserted span, under `spans` table settings to compare
 * (issue 13: merges of `spans` are a large share of the engine's CPU during ingest). For each
 * variant: a fresh embedded store, the settings applied with `ALTER TABLE spans MODIFY SETTING`,
 * BENCH_MERGE_INSERTS inserts of BENCH_MERGE_ROWS volume spans each (one insert thread, as
 * RowWriter's inserts make one part), then a wait until no merge runs. Printed: this process's
 * CPU per inserted span by thread group (`MergeMutate` is the merges; the insert itself and its
 * views run in `ThreadPool`), the most active `spans` parts seen after an insert, and the
 * active parts left. Compare variants by the MergeMutate / ThreadPool ratio when the machine is
 * shared: both scale with its load.
 *
 * `node scripts/run-ts.js bench/src/merge-costs.ts "" "merge_selector_base = 10"` — each
 * argument is one variant ("" = the schema's own settings).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseClients, migrateRegion, type RegionStore } from '@meridian/storage-clickhouse';
import { diffProcess, snapshotProcess } from './cpu';
import { volumeInsertSql, waitForMerges } from './volume';

async function count(store: RegionStore, query: string): Promise<number> {
  const [row] = await (await store.client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(row.n);
}

async function measure(settings: string, inserts: number, rows: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-merge-costs-'));
  const ch = new ClickHouseClients({ embeddedDataDir: dir, regions: [{ id: 'bench', database: 'meridian', clickhouse: { mode: 'embedded' } }] });
  try {
    const store = ch.forRegion('bench');
    await migrateRegion(store);
    if (settings) await store.client.command({ query: `ALTER TABLE ${store.table('spans')} MODIFY SETTING ${settings}` });
    const activeSpansParts = `SELECT count() AS n FROM system.parts WHERE database = '${store.database}' AND table = 'spans' AND active`;
    const before = snapshotProcess(process.pid);
    const nowNs = (BigInt(Date.now()) * 1_000_000n).toString();
    let mostParts = 0;
    for (let i = 0; i < inserts; i++) {
      const query = volumeInsertSql(store.table('spans'), i * rows, rows).replace(/max_insert_threads = \d+/, 'max_insert_threads = 1');
      await store.client.command({ query, query_params: { tenant: 'bench', now_ns: nowNs, salt: 20261207 } });
      mostParts = Math.max(mostParts, await count(store, activeSpansParts));
    }
    await waitForMerges(store);
    const cpu = diffProcess(before, snapshotProcess(process.pid));
    const spans = inserts * rows;
    const threads = cpu.byThread
      .filter((t) => t.cpuSeconds > 0.05)
      .map((t) => `${t.name} ${((t.cpuSeconds * 1e6) / spans).toFixed(1)}`)
      .join(', ');
    return `${settings || '(schema settings)'}: µs/span ${threads}; spans parts: most ${mostParts}, left ${await count(store, activeSpansParts)}`;
  } finally {
    await ch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === __filename) {
  const variants = process.argv.length > 2 ? process.argv.slice(2) : [''];
  const inserts = Number(process.env.BENCH_MERGE_INSERTS ?? 60);
  const rows = Number(process.env.BENCH_MERGE_ROWS ?? 50_000);
  void (async () => {
    for (const v of variants) console.log(await measure(v.trim(), inserts, rows));
  })().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`merge costs bench failed: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
