/**
 * The read gate of one ClickHouse engine: how many read queries run on it at once, how many of
 * them one tenant may hold, and who goes next. Every tenant read passes through it (`select`).
 */

/** Bounds of the reads on one engine (the `reads` config section). */
export interface ReadLimits {
  /** Reads running on the engine at once. */
  maxRunning: number;
  /** Of those, at most this many of one tenant. */
  maxRunningPerTenant: number;
  /** Reads of one tenant waiting for a slot; one more is refused (`queue_full`). */
  maxQueuedPerTenant: number;
  /** A read that waited this long for a slot is refused (`wait_timeout`). */
  maxWaitMs: number;
  /** `max_execution_time` of every read: the engine stops it after this long. */
  maxExecutionSeconds: number;
}

/**
 * Sized for the embedded engine on 2 cores (the config's defaults): chdb runs one parameterized
 * query at a time per process (node_modules/chdb/index.js, globalParamChain), so a second slot
 * only keeps it fed (an admitted read waits there behind at most one other), and one per tenant
 * makes a busy tenant's reads take turns with every other tenant's.
 */
export const DEFAULT_READ_LIMITS: ReadLimits = { maxRunning: 2, maxRunningPerTenant: 1, maxQueuedPerTenant: 32, maxWaitMs: 10_000, maxExecutionSeconds: 30 };

/**
 * A read refused by the gate. `queue_full`: the tenant already has maxQueuedPerTenant reads
 * waiting. `wait_timeout`: it waited maxWaitMs; `tenantBusy` says whether the tenant's own
 * reads held all its slots then (its own load) or the engine was full of other tenants' reads.
 */
export class ReadRefusedError extends Error {
  override readonly name = 'ReadRefusedError';
  constructor(
    readonly reason: 'queue_full' | 'wait_timeout',
    readonly tenantBusy: boolean,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

/** A read dropped before it ran because its caller went away (the HTTP client closed the request). */
export class ReadCancelledError extends Error {
  override readonly name = 'ReadCancelledError';
  constructor() {
    super('read cancelled: the request that asked for it was closed');
  }
}

interface Waiter {
  tenant: string;
  start(): void;
  fail(e: Error): void;
}

/**
 * At most maxRunning reads at once, at most maxRunningPerTenant of one tenant. Waiting reads
 * queue per tenant, and a freed slot goes to the next tenant in turn (round-robin), so a tenant
 * with 50 waiting reads delays another tenant's single read by at most one turn.
 */
export class ReadGate {
  #running = 0;
  readonly #runningOf = new Map<string, number>();
  /** Waiting reads per tenant; the Map's order is the round-robin turn order. */
  readonly #queues = new Map<string, Waiter[]>();

  constructor(readonly limits: ReadLimits) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`read limit ${k} must be a positive whole number, got ${v}`);
    }
    if (limits.maxRunningPerTenant > limits.maxRunning) throw new RangeError('read limit maxRunningPerTenant must be ≤ maxRunning');
  }

  /** Runs `work` once the tenant has a slot; the slot is held until `work` settles. */
  async run<T>(tenant: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    await this.#acquire(tenant, signal);
    try {
      return await work();
    } finally {
      this.#release(tenant);
    }
  }

  /** Reads running and waiting now (for tests and diagnostics). */
  load(): { running: number; waiting: number } {
    let waiting = 0;
    for (const q of this.#queues.values()) waiting += q.length;
    return { running: this.#running, waiting };
  }

  #acquire(tenant: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new ReadCancelledError());
    const queue = this.#queues.get(tenant);
    if (!queue && this.#canStart(tenant)) {
      this.#start(tenant);
      return Promise.resolve();
    }
    const { maxQueuedPerTenant, maxWaitMs } = this.limits;
    if (queue && queue.length >= maxQueuedPerTenant) {
      return Promise.reject(
        new ReadRefusedError(
          'queue_full',
          true,
          1,
          `too many reads of this tenant at once: ${maxQueuedPerTenant} are already waiting; retry when some have answered`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        tenant,
        start: () => {
          settle();
          resolve();
        },
        fail: (e) => {
          settle();
          this.#drop(waiter);
          reject(e);
        },
      };
      const onAbort = () => waiter.fail(new ReadCancelledError());
      const timer = setTimeout(() => {
        const busy = (this.#runningOf.get(tenant) ?? 0) >= this.limits.maxRunningPerTenant;
        const why = busy ? "this tenant's earlier reads held all its slots" : "the region's engine was busy with other reads";
        waiter.fail(new ReadRefusedError('wait_timeout', busy, Math.ceil(maxWaitMs / 1000), `read waited ${maxWaitMs} ms for a slot (${why}); retry later`));
      }, maxWaitMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (queue) queue.push(waiter);
      else this.#queues.set(tenant, [waiter]);
    });
  }

  #canStart(tenant: string): boolean {
    return this.#running < this.limits.maxRunning && (this.#runningOf.get(tenant) ?? 0) < this.limits.maxRunningPerTenant;
  }

  #start(tenant: string): void {
    this.#running++;
    this.#runningOf.set(tenant, (this.#runningOf.get(tenant) ?? 0) + 1);
  }

  #release(tenant: string): void {
    this.#running--;
    const n = (this.#runningOf.get(tenant) ?? 1) - 1;
    if (n === 0) this.#runningOf.delete(tenant);
    else this.#runningOf.set(tenant, n);
    this.#dispatch();
  }

  /** Gives free slots to waiting reads, one per tenant in turn. */
  #dispatch(): void {
    while (this.#running < this.limits.maxRunning) {
      let next: Waiter | undefined;
      for (const [tenant, queue] of this.#queues) {
        if (!this.#canStart(tenant)) continue;
        next = queue.shift()!;
        // The tenant's turn is used: it moves to the back of the line (or leaves it).
        this.#queues.delete(tenant);
        if (queue.length > 0) this.#queues.set(tenant, queue);
        break;
      }
      if (!next) return;
      this.#start(next.tenant);
      next.start();
    }
  }

  #drop(waiter: Waiter): void {
    const queue = this.#queues.get(waiter.tenant);
    const i = queue?.indexOf(waiter) ?? -1;
    if (i < 0) return;
    queue!.splice(i, 1);
    if (queue!.length === 0) this.#queues.delete(waiter.tenant);
  }
}
