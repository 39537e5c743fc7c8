/**
 * What each latency bench does when run alone: a fresh embedded store (region `bench`, database
 * `meridian`, migrated) in a temp dir, removed afterwards; exit 0, or 1 with the error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseClients, migrateRegion, type RegionStore } from '@meridian/storage-clickhouse';

export interface StandaloneStore {
  ch: ClickHouseClients;
  store: RegionStore;
  regionId: string;
  log: (line: string) => void;
}

export function runStandalone(name: string, run: (s: StandaloneStore) => Promise<void>): void {
  void (async () => {
    const dir = mkdtempSync(join(tmpdir(), `meridian-${name.replace(/\W+/g, '-')}-`));
    const regionId = 'bench';
    const ch = new ClickHouseClients({
      embeddedDataDir: join(dir, 'clickhouse'),
      regions: [{ id: regionId, database: 'meridian', clickhouse: { mode: 'embedded' } }],
    });
    try {
      const store = ch.forRegion(regionId);
      await migrateRegion(store);
      await run({ ch, store, regionId, log: (line) => console.log(line) });
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  })().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`${name} bench failed: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
