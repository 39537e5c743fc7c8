import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ClickHouseClients, embeddedEngineArgs, validateStorageConfig, type ClickHouseClientsOptions, type EmbeddedEngineOptions } from './clients';
import { StorageConfigError, UnknownRegionError } from './errors';
import { openTestClickHouse, testClickHouseMode } from './testing';

describe('storage config validation', () => {
  const embedded = { mode: 'embedded' as const };
  const cases: Array<[string, ClickHouseClientsOptions, string]> = [
    ['no regions', { regions: [] }, 'regions'],
    ['bad database name', { embeddedDataDir: '/tmp/x', regions: [{ id: 'eu', database: 'eu-data', clickhouse: embedded }] }, 'regions[0].database'],
    ['database injection', { embeddedDataDir: '/tmp/x', regions: [{ id: 'eu', database: 'a; DROP TABLE x', clickhouse: embedded }] }, 'regions[0].database'],
    ['embedded without data dir', { regions: [{ id: 'eu', database: 'eu', clickhouse: embedded }] }, 'embeddedDataDir'],
    [
      'duplicate region id',
      {
        embeddedDataDir: '/tmp/x',
        regions: [
          { id: 'eu', database: 'eu', clickhouse: embedded },
          { id: 'eu', database: 'eu2', clickhouse: embedded },
        ],
      },
      'regions[1].id',
    ],
    [
      'two embedded regions in one database',
      {
        embeddedDataDir: '/tmp/x',
        regions: [
          { id: 'eu', database: 'shared', clickhouse: embedded },
          { id: 'kr', database: 'shared', clickhouse: embedded },
        ],
      },
      'regions[1].database',
    ],
    ['bad url', { regions: [{ id: 'eu', database: 'eu', clickhouse: { mode: 'http', url: 'not a url' } }] }, 'regions[0].clickhouse.url'],
  ];
  it.each(cases)('rejects %s, naming the field', (_name, opts, field) => {
    let err: unknown;
    try {
      validateStorageConfig(opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageConfigError);
    expect((err as StorageConfigError).field).toBe(field);
  });

  it('accepts the same database name on two different HTTP servers', () => {
    expect(() =>
      validateStorageConfig({
        regions: [
          { id: 'eu', database: 'meridian', clickhouse: { mode: 'http', url: 'http://ch-eu:8123' } },
          { id: 'kr', database: 'meridian', clickhouse: { mode: 'http', url: 'http://ch-kr:8123' } },
        ],
      }),
    ).not.toThrow();
  });

  it('creates HTTP clients without connecting, and ping reports an unreachable server as false', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // the client logs the refused connection
    const clients = new ClickHouseClients({ regions: [{ id: 'eu', database: 'meridian', clickhouse: { mode: 'http', url: 'http://127.0.0.1:1' } }] });
    try {
      expect(clients.regions()).toEqual(['eu']);
      expect(await clients.forRegion('eu').ping()).toBe(false);
    } finally {
      await clients.close();
      warn.mockRestore();
    }
  });
});

describe(`ClickHouseClients (${testClickHouseMode()})`, () => {
  it('gives each region its own database (embedded regions share one engine, http regions a client each) and names valid regions on a miss', async () => {
    const ch = await openTestClickHouse(['eu', 'kr'], { migrate: false });
    try {
      const eu = ch.clients.forRegion('eu');
      const kr = ch.clients.forRegion('kr');
      if (testClickHouseMode() === 'embedded') expect(eu.client).toBe(kr.client);
      else expect(eu.client).not.toBe(kr.client);
      expect(eu.database).not.toBe(kr.database);
      expect(eu.table('spans')).toBe(`${eu.database}.spans`);
      expect(await eu.ping()).toBe(true);
      expect(ch.clients.regions()).toEqual(['eu', 'kr']);
      expect(() => ch.clients.forRegion('us')).toThrow(UnknownRegionError);
      expect(() => ch.clients.forRegion('us')).toThrow(/unknown region "us"; configured regions: "eu", "kr"/);
    } finally {
      await ch.close();
    }
    expect(() => ch.clients.forRegion('eu')).toThrow(/closed/);
  });

  it('embedded regions get an insert spool; opening it removes what a dead process left there, never a live one’s files', async () => {
    const first = await openTestClickHouse(['eu'], { migrate: false });
    const spool = first.stores.eu.insertSpool;
    try {
      if (testClickHouseMode() === 'http') return expect(spool).toBeUndefined();
      expect(spool).toBeDefined();
      const dead = join(spool!, '2147483646-left-by-a-crash.native'); // no such pid
      const live = join(spool!, `${process.pid}-in-flight.native`);
      writeFileSync(dead, 'x');
      writeFileSync(live, 'x');
      const second = await openTestClickHouse(['kr'], { migrate: false });
      await second.close();
      expect([existsSync(dead), existsSync(live)]).toEqual([false, true]);
      rmSync(live);
    } finally {
      await first.close();
    }
  });
});

describe('embedded engine memory bounds', () => {
  const MiB = 1024 * 1024;
  const REPO = resolve(__dirname, '../../..');
  /** The server settings a freshly started engine reports (a child process: one engine per process). */
  async function engineSettings(engine: EmbeddedEngineOptions | undefined): Promise<Record<string, number>> {
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-engine-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(REPO, 'scripts/run-ts.js'), join(__dirname, 'engine-settings.script.ts'), JSON.stringify({ dataDir, engine })],
        { cwd: REPO, timeout: 120_000 },
      );
      return JSON.parse(stdout) as Record<string, number>;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('starts the engine with the configured memory limit, merge share and cache sizes; without them chdb keeps ClickHouse defaults', async () => {
    const engine = { maxMemoryBytes: 768 * MiB, markCacheBytes: 96 * MiB, indexCacheBytes: 40 * MiB };
    const [bounded, unbounded] = await Promise.all([engineSettings(engine), engineSettings(undefined)]);
    expect(bounded).toEqual({
      max_server_memory_usage: 768 * MiB,
      merges_mutations_memory_usage_soft_limit: 384 * MiB,
      mark_cache_size: 96 * MiB,
      primary_index_cache_size: 40 * MiB,
      index_mark_cache_size: 40 * MiB,
    });
    expect(unbounded.mark_cache_size).toBe(5 * 1024 * MiB);
    expect(unbounded.max_server_memory_usage).not.toBe(768 * MiB);
  }, 180_000);

  it('refuses a bound that is not a positive whole number of bytes', () => {
    expect(() => embeddedEngineArgs({ maxMemoryBytes: 0, markCacheBytes: MiB, indexCacheBytes: MiB })).toThrow(StorageConfigError);
    expect(() => embeddedEngineArgs({ maxMemoryBytes: MiB, markCacheBytes: 1.5, indexCacheBytes: MiB })).toThrow(/embeddedEngine\.markCacheBytes/);
  });
});
