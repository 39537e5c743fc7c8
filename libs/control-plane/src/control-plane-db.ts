import { mkdir } from 'node:fs/promises';
import { Kysely, Migrator, PostgresDialect, sql, type Dialect } from 'kysely';
import { Pool } from 'pg';
import type { ControlPlaneSchema } from './control-plane-schema';
import { controlPlaneMigrationProvider } from './migrations';
import { PGliteDialect } from './pglite-dialect';

export interface ControlPlaneDbOptions {
  /** `postgres://…`: use that PostgreSQL server (distributed mode). Otherwise embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing); ':memory:' or undefined → in-memory. */
  pgliteDir?: string;
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number;
  /**
   * PostgreSQL only: errors of idle pooled connections (server restart, network). The pool
   * drops such a connection and the next query opens a new one; without a listener node-postgres
   * would crash the process. Default: ignored.
   */
  onIdleConnectionError?: (err: Error) => void;
}

export type ControlPlaneDbKind = 'pglite' | 'postgres';

/** Bookkeeping tables of Kysely's Migrator, named for this schema. */
const MIGRATION_TABLE = 'meridian_migration';
const MIGRATION_LOCK_TABLE = 'meridian_migration_lock';

/**
 * The control-plane database: PostgreSQL when a URL is given, else PGlite in-process. Same
 * schema, migrations and queries on both; `db` is the typed Kysely instance repositories use.
 */
export class ControlPlaneDb {
  #closed = false;

  private constructor(
    readonly db: Kysely<ControlPlaneSchema>,
    readonly kind: ControlPlaneDbKind,
    /** Where it is, for messages: `postgres://host:port/db` (no credentials) or the PGlite dir. */
    readonly location: string,
  ) {}

  static async open(opts: ControlPlaneDbOptions = {}): Promise<ControlPlaneDb> {
    const { dialect, kind, location } = opts.databaseUrl ? postgres(opts) : await pglite(opts.pgliteDir);
    const db = new Kysely<ControlPlaneSchema>({ dialect });
    try {
      // Kysely connects lazily; fail here, with context, rather than on the first request.
      await sql`select 1`.execute(db);
    } catch (err) {
      await db.destroy().catch(() => undefined);
      throw new Error(`failed to open the control-plane database (${kind} at ${location}): ${messageOf(err)}`, { cause: err });
    }
    return new ControlPlaneDb(db, kind, location);
  }

  /** Applies pending migrations; returns the names applied now (empty when up to date). */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({
      db: this.db,
      provider: controlPlaneMigrationProvider,
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error) {
      const failed = results.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`control-plane migration ${failed ? `"${failed}" ` : ''}failed on ${this.kind} at ${this.location}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  /** Closes the pool or PGlite (flushing it to disk). Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}

function postgres(opts: ControlPlaneDbOptions): { dialect: Dialect; kind: ControlPlaneDbKind; location: string } {
  const url = opts.databaseUrl as string;
  const pool = new Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', opts.onIdleConnectionError ?? (() => undefined));
  return { dialect: new PostgresDialect({ pool }), kind: 'postgres', location: redactUrl(url) };
}

async function pglite(dir: string | undefined): Promise<{ dialect: Dialect; kind: ControlPlaneDbKind; location: string }> {
  const inMemory = dir === undefined || dir === ':memory:';
  if (!inMemory) await mkdir(dir, { recursive: true });
  return { dialect: new PGliteDialect({ dataDir: inMemory ? undefined : dir }), kind: 'pglite', location: inMemory ? ':memory:' : dir };
}

/** `postgres://user:secret@host:5432/db?x` → `postgres://host:5432/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * What repositories run on: the database, or a transaction (`db.db.transaction().execute(trx
 * => new TenantRepository(trx)…)`) so a service can group several repositories atomically.
 */
export type ControlPlaneExecutor = ControlPlaneDb | Kysely<ControlPlaneSchema>;

export function executorOf(source: ControlPlaneExecutor): Kysely<ControlPlaneSchema> {
  return source instanceof ControlPlaneDb ? source.db : source;
}
