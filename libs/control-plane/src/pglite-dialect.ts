import {
  CompiledQuery,
  IdentifierNode,
  RawNode,
  createQueryId,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { PGliteWorkerHost } from './pglite-worker-host';

/**
 * Kysely 0.28 dialect for PGlite (PostgreSQL 18 compiled to WASM, in-process).
 *
 * Everything above the driver is Kysely's own PostgreSQL code (adapter, query compiler,
 * introspector), so queries, migrations and their locks are exactly those that run on a
 * PostgreSQL server. PGlite is one backend with one session: the driver hands out that single
 * connection under a mutex, so a transaction owns the database until it commits or rolls back
 * and statements of other callers wait instead of landing inside it. PGlite itself runs in a
 * worker thread (see pglite-worker-host.ts for why).
 */
export interface PGliteDialectConfig {
  /** Where PGlite keeps its files: a directory path, or undefined / ':memory:' for an in-memory database. */
  dataDir?: string;
  /**
   * How long a statement may wait for the single connection before failing. A wait this long
   * almost always means a query was sent on the outer `db` from inside a transaction callback
   * (use the transaction's `trx` there), which would otherwise hang forever. Default 30 s.
   */
  acquireTimeoutMs?: number;
}

export class PGliteDialect implements Dialect {
  constructor(private readonly config: PGliteDialectConfig = {}) {}

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** A FIFO lock: `acquire()` resolves with the function that releases it. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => held);

    return new Promise<() => void>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(onTimeout());
      }, timeoutMs);
      timer.unref?.();
      void previous.then(() => {
        clearTimeout(timer);
        // A waiter that gave up still gets its turn; it passes it on at once.
        if (timedOut) release();
        else resolve(release);
      });
    });
  }
}

const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

class PGliteDriver implements Driver {
  readonly #config: PGliteDialectConfig;
  readonly #mutex = new Mutex();
  #host: PGliteWorkerHost | undefined;
  #connection: PGliteConnection | undefined;
  #release: (() => void) | undefined;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const dataDir = this.#config.dataDir;
    this.#host = await PGliteWorkerHost.start(dataDir === ':memory:' || dataDir === 'memory://' ? undefined : dataDir);
    this.#connection = new PGliteConnection(this.#host);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const timeoutMs = this.#config.acquireTimeoutMs ?? 30_000;
    const release = await this.#mutex.acquire(
      timeoutMs,
      () =>
        new Error(
          `PGlite connection still busy after ${timeoutMs} ms: PGlite has one connection, so a query ` +
            'sent on the outer Kysely instance inside a transaction waits for itself; use the transaction object there',
        ),
    );
    if (!this.#connection) {
      release();
      throw new Error('PGlite driver is not initialized or was already destroyed');
    }
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      const parts = ['start transaction'];
      if (settings.isolationLevel) parts.push(`isolation level ${settings.isolationLevel}`);
      if (settings.accessMode) parts.push(settings.accessMode);
      await connection.executeQuery(CompiledQuery.raw(parts.join(' ')));
    } else {
      await connection.executeQuery(BEGIN);
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK);
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileSavepoint(compileQuery, 'savepoint', name));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileSavepoint(compileQuery, 'rollback to', name));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compileSavepoint(compileQuery, 'release', name));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    const host = this.#host;
    this.#host = undefined;
    this.#connection = undefined;
    await host?.close();
  }
}

function compileSavepoint(compileQuery: QueryCompiler['compileQuery'], command: 'savepoint' | 'rollback to' | 'release', name: string): CompiledQuery {
  // The statement Kysely's PostgresDriver builds; the compiler quotes the name as an identifier.
  const node = RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
  return compileQuery(node, createQueryId());
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly host: PGliteWorkerHost) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.host.query(compiledQuery.sql, compiledQuery.parameters);
    return {
      rows: result.rows as R[],
      numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
    };
  }

  // eslint-disable-next-line require-yield -- never streams; the generator only reports that
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite dialect does not support streaming (Kysely .stream()); use .execute(), PGlite returns all rows at once anyway');
  }
}
