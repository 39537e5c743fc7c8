import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OtlpDecodeError } from '@meridian/otlp';
import type { EncodedRequest, EncodeJob } from './request-rows';

const MAX_FAILED_STARTS = 3;

interface Pending {
  resolve: (r: EncodedRequest) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves once the thread can fingerprint SQL the same way as every other (encode-worker.ts). */
  ready: Promise<void>;
}

/**
 * Worker threads that decode OTLP requests and encode their rows (encodeRequest), so intake
 * uses more than one core and the main thread stays free for I/O. A job goes to the thread with
 * the fewest jobs pending; the request body is copied there once, the encoded bodies come
 * back without a copy. A thread that dies fails its pending jobs (503 to those clients) and is replaced.
 * How many jobs can be pending is bounded upstream by the request guard's in-flight bytes.
 */
export class EncodePool {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;
  /** Threads that died before they were ready; past MAX_FAILED_STARTS none are started again. */
  private failedStarts = 0;

  constructor(
    size: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`EncodePool size must be a positive integer, got ${size}`);
    for (let i = 0; i < size; i++) this.threads.push(this.spawn());
  }

  get size(): number {
    return this.threads.length;
  }

  /** Resolves once every thread has loaded what it needs (intake listens only then). */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  /** `handOver`: the caller is done with `job.body`; if it owns all of its memory, that memory moves to the thread (no copy) and `job.body` is left empty. */
  run(job: EncodeJob, handOver = false): Promise<EncodedRequest> {
    if (this.closed) return Promise.reject(new Error('EncodePool is closed'));
    if (this.threads.length === 0) return Promise.reject(new Error(`intake encode threads failed to start ${MAX_FAILED_STARTS} times; see the log`));
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    // Exactly the body's bytes, moved to the thread: a copy unless the body owns all of its
    // memory (a view may sit on a larger buffer, e.g. Node's pool for small Buffers).
    const memory = handOver ? ownMemory(job.body) : undefined;
    const body = memory ? job.body : new Uint8Array(job.body);
    return new Promise<EncodedRequest>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, job: { ...job, body } }, [memory ?? (body.buffer as ArrayBuffer)]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = workerForEncoding();
    let isReady = false;
    let markReady!: () => void;
    const thread: Thread = { worker, pending: new Map(), ready: new Promise<void>((r) => (markReady = r)) };
    worker.unref(); // a pool never keeps the process alive on its own
    worker.on('message', (m: { ready?: true; id: number; result?: EncodedRequest; error?: { name: string; message: string } }) => {
      if (m.ready) {
        isReady = true;
        return markReady();
      }
      const p = thread.pending.get(m.id);
      if (!p) return;
      thread.pending.delete(m.id);
      if (m.error) p.reject(m.error.name === 'OtlpDecodeError' ? new OtlpDecodeError(m.error.message) : new Error(m.error.message));
      else p.resolve(withBuffers(m.result!));
    });
    worker.on('error', (e) => this.log(`intake encode thread failed: ${e.message}`));
    worker.on('exit', (code) => {
      markReady(); // a thread that never got ready must not hold up the start: its replacement takes over
      for (const p of thread.pending.values()) p.reject(new Error(`intake encode thread exited (code ${code}) with the request in progress`));
      thread.pending.clear();
      if (this.closed) return;
      const at = this.threads.indexOf(thread);
      if (at < 0) return;
      if (!isReady && ++this.failedStarts >= MAX_FAILED_STARTS) {
        this.log(`intake encode thread exited before it was ready (${this.failedStarts} times); not starting it again`);
        this.threads.splice(at, 1);
      } else {
        this.threads[at] = this.spawn();
      }
    });
    return thread;
  }
}

/** The ArrayBuffer the body is the whole of, if it is one. */
function ownMemory(body: Uint8Array): ArrayBuffer | undefined {
  const memory = body.buffer;
  return memory instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === memory.byteLength ? memory : undefined;
}

/** Bodies arrive as Uint8Array views of the transferred memory; the bus expects Buffers. */
function withBuffers(r: EncodedRequest): EncodedRequest {
  for (const m of r.messages) m.body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
  return r;
}

/**
 * The worker runs encode-worker.js when this code runs compiled; from TypeScript sources (no
 * build step, as `npm start` and the tests run) it first registers the same SWC transpiler
 * scripts/run-ts.js uses, with the repository's path aliases.
 */
function workerForEncoding(): Worker {
  const compiled = join(__dirname, 'encode-worker.js');
  if (existsSync(compiled)) return new Worker(compiled);
  const source = join(__dirname, 'encode-worker.ts');
  // A worker starts with a copy of the parent's environment: a project set by run-ts.js wins.
  const project = resolve(__dirname, '../../../tsconfig.json');
  const bootstrap = `process.env.SWC_NODE_PROJECT ??= ${JSON.stringify(project)}; require('@swc-node/register'); require(${JSON.stringify(source)});`;
  return new Worker(bootstrap, { eval: true });
}
