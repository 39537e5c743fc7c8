import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { drainPending, Session } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { StorageConfigError, UnknownRegionError } from './errors';
import { DEFAULT_READ_LIMITS, ReadGate, type ReadLimits } from './queries/read-gate';
import { processAlive } from './process-alive';

/** Where a region's ClickHouse is: the in-process engine (chdb) or a server/cluster over HTTP. */
export type ClickHouseTarget = { mode: 'embedded' } | { mode: 'http'; url: string; username?: string; password?: string };

export interface RegionStorageConfig {
  id: string;
  /** Database that holds this region's tables; an identifier `[a-z_][a-z0-9_]*`. */
  database: string;
  clickhouse: ClickHouseTarget;
}

/**
 * Memory bounds of the embedded engine (chdb), given to it when it starts: they are server
 * settings, which no query can change. Unset, chdb keeps ClickHouse's defaults (90 % of RAM, a
 * 5 GiB mark cache, 5 GiB index caches).
 */
export interface EmbeddedEngineOptions {
  /** max_server_memory_usage: the engine's tracked memory (queries, merges, caches) beyond which queries fail. */
  maxMemoryBytes: number;
  /** mark_cache_size: marks of MergeTree parts kept in memory for reads. */
  markCacheBytes: number;
  /** primary_index_cache_size, index_mark_cache_size: primary keys and skip-index marks kept in memory. */
  indexCacheBytes: number;
}

export interface ClickHouseClientsOptions {
  /** chdb data path; required if any region is embedded. */
  embeddedDataDir?: string;
  /** Only the first engine a process opens takes these (chdb runs one engine per process). */
  embeddedEngine?: EmbeddedEngineOptions;
  /** Bounds of the reads on each engine (one gate per engine: embedded regions share one); default DEFAULT_READ_LIMITS. */
  reads?: ReadLimits;
  regions: readonly RegionStorageConfig[];
}

/**
 * The engine's command-line arguments for these bounds. Merges and mutations may use half of
 * the engine's memory (ClickHouse's default is half of the machine's RAM).
 */
export function embeddedEngineArgs(o: EmbeddedEngineOptions): string[] {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new StorageConfigError(`embeddedEngine.${k}`, `expected a positive whole number of bytes, got ${v}`);
  }
  return [
    `--max_server_memory_usage=${o.maxMemoryBytes}`,
    `--merges_mutations_memory_usage_soft_limit=${Math.floor(o.maxMemoryBytes / 2)}`,
    `--mark_cache_size=${o.markCacheBytes}`,
    `--primary_index_cache_size=${o.indexCacheBytes}`,
    `--index_mark_cache_size=${o.indexCacheBytes}`,
  ];
}

/**
 * Opens the chdb connection. chdb starts one engine per process, with the arguments of the
 * first connection to it; `createChdbConnection` cannot pass any, so a Session with them opens
 * the engine first and is closed once the connection shares it.
 */
function openEmbedded(dataDir: string, engine: EmbeddedEngineOptions | undefined): ClientConnection {
  const starter = engine ? new Session(dataDir, { connectionArgs: embeddedEngineArgs(engine) }) : undefined;
  try {
    return createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
  } finally {
    starter?.close();
  }
}

// chdb types its connection against @clickhouse/client-common, while @clickhouse/client 1.23
// bundles its own copy of the same interfaces: structurally equal, nominally different.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

const DATABASE_RE = /^[a-z_][a-z0-9_]*$/;
const MAX_IDENTIFIER = 64;

/** One region's ClickHouse: its client and its database. Table names are always `${database}.table`. */
export class RegionStore {
  constructor(
    readonly regionId: string,
    readonly database: string,
    readonly client: ClickHouseClient,
    /** Embedded regions: where insert bodies are written for `INSERT … FROM INFILE` (see RowWriter). */
    readonly insertSpool?: string,
    /** The read gate of this region's engine (see `select`). */
    readonly readGate = new ReadGate(DEFAULT_READ_LIMITS),
    /** Whether aborting a read stops it (over HTTP the request is closed); chdb has no way to interrupt a running query. */
    readonly abortsRunningReads = false,
    /** What RowWriter inserts through (see ClickHouseClients: its own connection to the embedded engine). */
    readonly insertClient: ClickHouseClient = client,
  ) {}

  /** Fully qualified name of a table of this region (the database is validated config, never user input). */
  table(name: string): string {
    return `${this.database}.${name}`;
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.client.ping();
      return res.success;
    } catch {
      return false;
    }
  }
}

/** Hard errors in the storage config; the constructor calls it. */
export function validateStorageConfig(opts: ClickHouseClientsOptions): void {
  if (!Array.isArray(opts.regions) || opts.regions.length === 0) {
    throw new StorageConfigError('regions', 'at least one region is required');
  }
  const ids = new Set<string>();
  const homes = new Set<string>();
  opts.regions.forEach((r, i) => {
    const at = `regions[${i}]`;
    if (typeof r.id !== 'string' || r.id.trim() === '') throw new StorageConfigError(`${at}.id`, 'must be a non-empty string');
    if (ids.has(r.id)) throw new StorageConfigError(`${at}.id`, `duplicate region id "${r.id}"`);
    ids.add(r.id);
    if (typeof r.database !== 'string' || !DATABASE_RE.test(r.database) || r.database.length > MAX_IDENTIFIER) {
      throw new StorageConfigError(`${at}.database`, `"${r.database}" is not a valid database name; use [a-z_][a-z0-9_]* (max ${MAX_IDENTIFIER} chars)`);
    }
    const t = r.clickhouse;
    let home: string;
    if (t?.mode === 'embedded') {
      if (!opts.embeddedDataDir) throw new StorageConfigError('embeddedDataDir', `region "${r.id}" is embedded, so a chdb data path is required`);
      home = `embedded/${r.database}`;
    } else if (t?.mode === 'http') {
      let url: URL;
      try {
        url = new URL(t.url);
      } catch {
        throw new StorageConfigError(`${at}.clickhouse.url`, `"${t.url}" is not a URL; expected e.g. http://clickhouse:8123`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new StorageConfigError(`${at}.clickhouse.url`, `protocol must be http or https, got "${url.protocol}"`);
      }
      home = `${url.origin}/${r.database}`;
    } else {
      throw new StorageConfigError(`${at}.clickhouse.mode`, `must be "embedded" or "http"`);
    }
    // Two regions in one database would mix their tenants' data: refuse.
    if (homes.has(home)) throw new StorageConfigError(`${at}.database`, `another region already uses ${home}; each region needs its own database`);
    homes.add(home);
  });
}

/**
 * The directory of insert bodies on their way into the embedded engine (RowWriter). Files are
 * named `<pid>-…`; those of a process that is gone were left by a crash mid-insert and are not
 * data (the bus still holds their rows), so they are removed. Another live process or client
 * may share the directory.
 */
function openInsertSpool(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir)) {
    const pid = Number(name.split('-', 1)[0]);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) rmSync(join(dir, name), { force: true });
  }
  return dir;
}

/**
 * ClickHouse clients per region. All embedded regions share one chdb engine (one per process)
 * through two connections: one for reads and one for inserts. A connection runs one query at a
 * time, so on a shared one an insert waited for whatever read was running (measured: 2.8 s behind
 * a 3 s read, 84 ms on its own connection), and one tenant's heavy read held up every tenant's
 * ingest. Each region has its own database. HTTP regions get a client each.
 */
export class ClickHouseClients {
  readonly #stores = new Map<string, RegionStore>();
  readonly #owned: ClickHouseClient[] = [];
  #embedded = false;
  #closed = false;

  constructor(opts: ClickHouseClientsOptions) {
    validateStorageConfig(opts);
    let embedded: ClickHouseClient | undefined;
    let embeddedInserts: ClickHouseClient | undefined;
    let spool: string | undefined;
    const reads = opts.reads ?? DEFAULT_READ_LIMITS;
    const embeddedGate = new ReadGate(reads);
    for (const r of opts.regions) {
      let client: ClickHouseClient;
      if (r.clickhouse.mode === 'embedded') {
        if (!embedded) {
          spool = openInsertSpool(join(opts.embeddedDataDir!, 'insert-spool'));
          try {
            embedded = createClient({ connection: openEmbedded(opts.embeddedDataDir!, opts.embeddedEngine) });
            this.#owned.push(embedded);
            embeddedInserts = createClient({ connection: openEmbedded(opts.embeddedDataDir!, undefined) });
            this.#owned.push(embeddedInserts);
          } catch (e) {
            throw new Error(`failed to open embedded ClickHouse (chdb) at ${opts.embeddedDataDir}: ${(e as Error).message}`, { cause: e });
          }
          this.#embedded = true;
        }
        client = embedded;
      } else {
        client = createClient({
          url: r.clickhouse.url,
          username: r.clickhouse.username,
          password: r.clickhouse.password,
          application: 'meridian',
          // Failures reach the caller as errors, which log them with context; the client's own
          // ERROR lines would repeat them with ClickHouse's text, which can quote tenants' rows.
          log: { level: ClickHouseLogLevel.OFF },
        });
        this.#owned.push(client);
      }
      const store =
        r.clickhouse.mode === 'embedded'
          ? new RegionStore(r.id, r.database, client, spool, embeddedGate, false, embeddedInserts)
          : new RegionStore(r.id, r.database, client, undefined, new ReadGate(reads), true);
      this.#stores.set(r.id, store);
    }
  }

  forRegion(regionId: string): RegionStore {
    if (this.#closed) throw new Error('ClickHouseClients is closed');
    const store = this.#stores.get(regionId);
    if (!store) throw new UnknownRegionError(regionId, this.regions());
    return store;
  }

  regions(): string[] {
    return [...this.#stores.keys()];
  }

  /**
   * Closes every connection. With an embedded region it also waits for the engine's native work:
   * chdb's close only defers the teardown behind queries still running (e.g. those of API
   * requests whose client went away), and a process that exits under them crashes (SIGSEGV).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#owned.map((c) => c.close()));
    if (this.#embedded) await drainPending();
  }
}
