import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Runs PGlite in a worker thread and answers queries over messages.
 *
 * Why a thread and not `new PGlite()` in place:
 * - PGlite's Node build loads its parts with `import()` (also in its CommonJS build). Jest runs
 *   modules in a `vm` context where `import()` fails without `--experimental-vm-modules`
 *   (electric-sql/pglite#224). A worker thread is plain Node, so the same code runs under
 *   node, @swc-node/register and jest (@swc/jest) alike.
 * - PostgreSQL-in-WASM executes synchronously: initdb on first start (several seconds) and
 *   every query would otherwise run on the server's event loop, next to OTLP intake.
 *
 * Values cross the thread boundary encoded (see WORKER_SOURCE) and are rebuilt here, in the
 * caller's realm: a Date read from PGlite is a Date of this realm (which matters under jest,
 * whose test realm differs from Node's main one), errors are `PGliteError` with the
 * PostgreSQL fields (`code`, `constraint`, …) that node-postgres errors carry too.
 */

export interface PGliteQueryResult {
  rows: Record<string, unknown>[];
  /** Rows changed by INSERT/UPDATE/DELETE/MERGE; undefined for other commands. */
  affectedRows: number | undefined;
}

/** A PostgreSQL error raised by PGlite, with the fields a node-postgres `DatabaseError` has. */
export class PGliteError extends Error {
  override readonly name = 'PGliteError';
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
  where?: string;

  constructor(message: string, fields: Record<string, string | undefined> = {}) {
    super(message);
    for (const key of ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'constraint', 'where'] as const) {
      if (typeof fields[key] === 'string') this[key] = fields[key];
    }
  }
}

const JSON_TYPE_IDS = new Set([114, 3802]); // json, jsonb

/** PostgreSQL shared_buffers of the embedded control plane. */
const SHARED_BUFFERS = '16MB';

/**
 * The worker's program (plain JavaScript: it runs in a fresh thread without the TypeScript
 * loaders of jest or @swc-node). Every non-primitive value is sent as `{ t, v }` so that no
 * object made in the worker is handed to callers as is.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

function encode(v) {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string': case 'number': case 'boolean': return v;
    case 'bigint': return { t: 'n', v: String(v) };
  }
  if (v instanceof Date) return { t: 'd', v: v.getTime() };
  if (v instanceof Uint8Array) return { t: 'b', v };
  if (Array.isArray(v)) return { t: 'a', v: v.map(encode) };
  return { t: 'j', v: JSON.stringify(v) };
}

function encodeError(err) {
  const out = { message: err && err.message ? String(err.message) : String(err) };
  if (err && typeof err === 'object') {
    for (const k of ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'constraint', 'where']) {
      if (typeof err[k] === 'string') out[k] = err[k];
    }
  }
  return out;
}

let db;
let parsers;
async function start() {
  const { PGlite, types } = require(workerData.modulePath);
  // Given per query: PGlite 0.5 ignores the constructor's parsers option.
  parsers = {
    // node-postgres reads int8 as a string (it can exceed 2^53); do the same.
    [types.INT8]: (x) => x,
    // JSON is parsed by the caller, in its own realm.
    [types.JSON]: (x) => x,
    [types.JSONB]: (x) => x,
  };
  // PostgreSQL's 128 MB of shared buffers cost ~120 MiB of resident memory; the control plane's
  // tables are small (README "Memory").
  db = new PGlite(workerData.dataDir, { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=' + workerData.sharedBuffers] });
  await db.waitReady;
  if (workerData.initOnly) await db.close();
}

const ready = start();
ready.then(
  () => parentPort.postMessage({ type: 'ready' }),
  (err) => parentPort.postMessage({ type: 'failed', error: encodeError(err) }),
);

parentPort.on('message', async (msg) => {
  if (msg.op === 'close') {
    try {
      await ready.catch(() => undefined);
      if (db && !db.closed) await db.close();
      parentPort.postMessage({ id: msg.id, ok: true });
    } catch (err) {
      parentPort.postMessage({ id: msg.id, ok: false, error: encodeError(err) });
    }
    parentPort.close();
    return;
  }
  try {
    await ready;
    const r = await db.query(msg.sql, msg.params, { rowMode: 'array', parsers });
    const writes = r.command === 'INSERT' || r.command === 'UPDATE' || r.command === 'DELETE' || r.command === 'MERGE';
    parentPort.postMessage({
      id: msg.id,
      ok: true,
      fields: r.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID })),
      rows: r.rows.map((row) => row.map(encode)),
      affectedRows: writes ? r.affectedRows || 0 : undefined,
    });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, error: encodeError(err) });
  }
});
`;

interface Field {
  name: string;
  typeId: number;
}

type Encoded = null | string | number | boolean | { t: 'n' | 'd' | 'b' | 'a' | 'j'; v: unknown };

type Reply = { id: number; ok: true; fields?: Field[]; rows?: Encoded[][]; affectedRows?: number } | { id: number; ok: false; error: Record<string, string> };

type Pending = { resolve: (reply: Reply & { ok: true }) => void; reject: (err: Error) => void };

export class PGliteWorkerHost {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #exited: Error | undefined;
  #closing: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts PGlite (initdb on first use of `dataDir`) in a worker; undefined dataDir = in memory. */
  static async start(dataDir: string | undefined): Promise<PGliteWorkerHost> {
    // initdb leaves ~500 MiB of WebAssembly memory referenced for the life of that PGlite
    // instance: a new data directory is initialised by a thread of its own, which then ends.
    if (dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))) await (await PGliteWorkerHost.spawn(dataDir, true)).close();
    return PGliteWorkerHost.spawn(dataDir, false);
  }

  private static async spawn(dataDir: string | undefined, initOnly: boolean): Promise<PGliteWorkerHost> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath: require.resolve('@electric-sql/pglite'), dataDir, initOnly, sharedBuffers: SHARED_BUFFERS },
    });
    const host = new PGliteWorkerHost(worker);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`PGlite worker exited during start (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (msg: { type: string; error?: Record<string, string> }) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (msg.type === 'ready') resolve();
        else reject(toError(msg.error ?? { message: 'unknown start failure' }));
      });
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    worker.on('message', (reply: Reply) => host.#settle(reply));
    worker.on('error', (err) => host.#fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => host.#fail(new Error(`PGlite worker exited (code ${code})`)));
    worker.unref(); // referenced only while a request is in flight (see #send)
    return host;
  }

  async query(sql: string, params: readonly unknown[]): Promise<PGliteQueryResult> {
    const reply = await this.#send({ op: 'query', sql, params });
    const fields = reply.fields ?? [];
    // Array.from, not .map: .map on an array that came from the worker would build another
    // array of the worker-message realm.
    const rows = Array.from(reply.rows ?? [], (values) => {
      const row: Record<string, unknown> = {};
      fields.forEach((field, i) => {
        const value = decode(values[i]);
        row[field.name] = typeof value === 'string' && JSON_TYPE_IDS.has(field.typeId) ? JSON.parse(value) : value;
      });
      return row;
    });
    return { rows, affectedRows: reply.affectedRows };
  }

  /** Closes PGlite (flushing it to its data directory) and ends the thread. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#exited) return;
      // Stay referenced until the thread has exited: otherwise a process with nothing else to
      // do would end before PGlite has closed (and flushed) its files.
      this.#worker.ref();
      const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
      try {
        await this.#send({ op: 'close' });
      } finally {
        await Promise.race([exited, delay(5_000).then(() => this.#worker.terminate())]);
      }
    })();
    return this.#closing;
  }

  #send(message: { op: 'query'; sql: string; params: readonly unknown[] } | { op: 'close' }): Promise<Reply & { ok: true }> {
    if (this.#exited) return Promise.reject(this.#exited);
    if (this.#closing && message.op === 'query') return Promise.reject(new Error('PGlite is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Keep the process alive while an answer is due (a CLI awaiting a query has nothing else).
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ id, ...message });
      } catch (err) {
        this.#settle({ id, ok: false, error: { message: `cannot send query parameters to PGlite: ${err instanceof Error ? err.message : String(err)}` } });
      }
    });
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
    if (reply.ok) pending.resolve(reply);
    else pending.reject(toError(reply.error));
  }

  #fail(err: Error): void {
    this.#exited ??= err;
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}

function decode(value: Encoded): unknown {
  if (value === null || typeof value !== 'object') return value;
  switch (value.t) {
    case 'd':
      return new Date(value.v as number);
    case 'n':
      return BigInt(value.v as string);
    case 'b':
      return Uint8Array.from(value.v as Uint8Array);
    case 'a':
      return Array.from(value.v as Encoded[], decode);
    case 'j':
      return JSON.parse(value.v as string);
  }
}

function toError(fields: Record<string, string>): PGliteError {
  return new PGliteError(fields.message ?? 'PGlite error', fields);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
