import type { RegionStore } from '../clients';
import { MIGRATIONS, type Migration } from './schema';

/**
 * Errors of ALTERs that have no IF EXISTS form, which mean the statement's end state is there
 * already (a rerun after a crash): removing a codec the column no longer has.
 */
const ALREADY_DONE = [/doesn't have CODEC, cannot remove it/];

/**
 * Brings a region database up to the latest schema. Creates the database and
 * `${db}.schema_migrations` if needed, runs each pending migration's statements in order (all
 * idempotent, so a crash mid-migration is safe to rerun), then records the version.
 * Returns the names of the migrations applied by this call.
 */
export async function migrateRegion(store: RegionStore, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  const db = store.database;
  const run = async (query: string, what: string) => {
    try {
      await store.client.command({ query });
    } catch (e) {
      if (ALREADY_DONE.some((re) => re.test((e as Error).message))) return;
      throw new Error(`migration of region "${store.regionId}" (database ${db}) failed at ${what}: ${(e as Error).message}`, { cause: e });
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${db}`, 'create database');
  await run(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32,
      name String,
      applied_at DateTime64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
    'create schema_migrations',
  );
  const applied = new Set(await appliedVersions(store));
  const done: string[] = [];
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    const statements = m.statements(db);
    for (let i = 0; i < statements.length; i++) {
      await run(statements[i], `migration ${m.version} (${m.name}) statement ${i + 1}/${statements.length}`);
    }
    await run(
      `INSERT INTO ${db}.schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name.replace(/[^a-z0-9_]/gi, '_')}', now64(3))`,
      `recording migration ${m.version}`,
    );
    done.push(m.name);
  }
  return done;
}

/** Versions recorded in `${db}.schema_migrations`, ascending. */
export async function appliedVersions(store: RegionStore): Promise<number[]> {
  const rs = await store.client.query({
    query: `SELECT DISTINCT version FROM ${store.database}.schema_migrations ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ version: number | string }>();
  return rows.map((r) => Number(r.version));
}
