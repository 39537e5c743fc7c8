import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import type { SelfMetrics } from '@meridian/self-metrics';
import {
  type BatchHandler,
  type Bus,
  type BusConsumer,
  BusUnavailableError,
  type ConsumeOptions,
  type DeadLetterEntry,
  type DeadLetterListOptions,
  type RegionBusStats,
} from './bus';
import { DEFAULT_DEAD_LETTER_LIMITS, type DeadLetterLimits, FileDeadLetterStore } from './dead-letter-files';
import { RegionWal, type WalSettings } from './wal/region-wal';
import { walMetrics, type WalMetrics } from './wal/wal-metrics';
import type { BatchPlan } from './wal/wal-record';

export interface InlineBusOptions {
  /** Bytes of message bodies held per region before publish is refused (backpressure). */
  maxBytesPerRegion: number;
  /** Directory of the dead letters (`<region>/<tenant>/<segment>.jsonl`). */
  deadLetterDir: string;
  /** Byte caps of the dead letters (oldest dropped first). */
  deadLetterLimits?: DeadLetterLimits;
  /**
   * Write-ahead log under `<dir>/<region>/`: publish resolves only once the messages are on disk,
   * and what the ingester has not acknowledged is delivered again after a restart. Without it
   * (tests, tools) accepted messages live in memory only.
   */
  wal?: WalSettings & { dir: string };
  /** Wait before delivering a batch again after its handler failed. */
  redeliveryDelayMs?: number;
  metrics?: SelfMetrics;
  log?: (level: 'info' | 'warn' | 'error', line: string) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

interface Entry {
  seq: number;
  message: RowBatchMessage;
  /** On disk (or no WAL): only a durable prefix of the queue is delivered. */
  durable: boolean;
}

interface RegionQueue {
  region: string;
  entries: Entry[];
  bytes: number;
  delivered: number;
  wake: (() => void) | undefined;
  consumer: boolean;
  /**
   * Batches formed but not yet stored, oldest first. A failed batch is delivered again with the
   * same messages (same dedup token) even if more arrived meanwhile; with the WAL, plans read
   * back at start re-form the batches a crash interrupted.
   */
  plans: BatchPlan[];
  /** Seq of the next message when there is no WAL. */
  nextSeq: number;
  /** The region's WAL, opened (and replayed into `entries`) on first use. */
  wal?: Promise<RegionWal | undefined>;
}

/** The inline bus never hands a batch to anyone else, so it never takes one back. */
const NEVER_ABORTED = new AbortController().signal;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * In-process bus for the single-process default: a bounded queue per region, backed by a
 * write-ahead log on disk. Messages stay counted against the bound until their handler resolves,
 * so a slow or failing ClickHouse pushes back on intake (503) instead of growing memory or
 * dropping data; the WAL makes a 2xx survive kill -9.
 */
export class InlineBus implements Bus {
  readonly kind = 'inline' as const;
  private readonly queues = new Map<string, RegionQueue>();
  private readonly consumers = new Set<{ stopped: boolean; done: Promise<void> }>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly deadLetters: FileDeadLetterStore;
  private readonly walMetrics?: WalMetrics;
  private readonly log: NonNullable<InlineBusOptions['log']>;
  private closed = false;

  constructor(private readonly options: InlineBusOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.log = options.log ?? ((level, line) => (level === 'info' ? undefined : console.warn(line)));
    this.deadLetters = new FileDeadLetterStore(options.deadLetterDir, options.deadLetterLimits ?? DEFAULT_DEAD_LETTER_LIMITS, options.metrics, (l) =>
      this.log('warn', l),
    );
    if (options.wal && options.metrics) this.walMetrics = walMetrics(options.metrics);
  }

  private queue(region: string): RegionQueue {
    let q = this.queues.get(region);
    if (!q) {
      q = { region, entries: [], bytes: 0, delivered: 0, wake: undefined, consumer: false, plans: [], nextSeq: 0 };
      this.queues.set(region, q);
    }
    return q;
  }

  /** Opens the region's WAL once and puts what it holds unacknowledged at the head of the queue. */
  private regionWal(q: RegionQueue): Promise<RegionWal | undefined> {
    const w = this.options.wal;
    if (!w) return Promise.resolve(undefined);
    if (!q.wal) {
      const opening = RegionWal.open(join(w.dir, q.region), q.region, w, this.walMetrics).then(({ wal, recovery }) => {
        const replayed: Entry[] = recovery.messages.map((m) => ({ seq: m.seq, message: m.message, durable: true }));
        q.entries.unshift(...replayed);
        q.bytes += replayed.reduce((n, e) => n + e.message.body.length, 0);
        q.plans.unshift(...recovery.plans);
        if (recovery.truncatedBytes > 0)
          this.log('warn', `write-ahead log of region ${q.region}: cut ${recovery.truncatedBytes} bytes of a torn tail (never acknowledged)`);
        if (replayed.length > 0)
          this.log(
            'warn',
            `write-ahead log of region ${q.region}: delivering ${replayed.length} unacknowledged messages again (${recovery.plans.length} planned batches)`,
          );
        q.wake?.();
        return wal;
      });
      q.wal = opening.catch((e: Error) => {
        q.wal = undefined; // tried again by the next publish or by the consumer
        this.log('error', `write-ahead log of region ${q.region} cannot be opened (${e.message}); intake answers 503 until it can`);
        throw new BusUnavailableError(`write-ahead log of region ${q.region} cannot be opened: ${e.message}`, 5);
      });
    }
    return q.wal;
  }

  async publish(messages: readonly RowBatchMessage[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus is shutting down', 5);
    const byRegion = new Map<string, RowBatchMessage[]>();
    for (const m of messages) {
      const list = byRegion.get(m.region);
      if (list) list.push(m);
      else byRegion.set(m.region, [m]);
    }
    const regions = [...byRegion].map(([region, ms]) => ({ q: this.queue(region), ms, bytes: ms.reduce((n, m) => n + m.body.length, 0) }));
    for (const { q } of regions) {
      if (!q.consumer) throw new BusUnavailableError(`no ingester consumes region ${q.region} in this process`, 30);
    }
    const wals = await Promise.all(regions.map(({ q }) => this.regionWal(q)));
    for (const { q, bytes } of regions) {
      if (q.bytes + bytes > this.options.maxBytesPerRegion) {
        throw new BusUnavailableError(`bus for region ${q.region} is full (${q.bytes} bytes queued)`, 2);
      }
    }
    // Queued at once in seq order (not yet deliverable), so the queue order is the log's order.
    const writes = regions.map(({ q, ms, bytes }, i) => {
      const wal = wals[i];
      const appended = wal ? wal.append(ms) : { seqs: ms.map(() => q.nextSeq++), durable: undefined };
      const entries = ms.map((message, j) => ({ seq: appended.seqs[j], message, durable: !wal }));
      q.entries.push(...entries);
      q.bytes += bytes;
      return { q, entries, bytes, durable: appended.durable };
    });
    const results = await Promise.allSettled(writes.map((w) => w.durable));
    for (const [i, r] of results.entries()) {
      const { q, entries, bytes } = writes[i];
      if (r.status === 'fulfilled') {
        for (const e of entries) e.durable = true;
      } else {
        const gone = new Set(entries);
        q.entries = q.entries.filter((e) => !gone.has(e));
        q.bytes -= bytes;
      }
      q.wake?.();
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  consume(region: string, options: ConsumeOptions, handler: BatchHandler): BusConsumer {
    const q = this.queue(region);
    if (q.consumer) throw new Error(`region ${region} already has a consumer`);
    q.consumer = true;
    const state = { stopped: false, done: Promise.resolve() };
    state.done = this.openForConsumer(q, state).then((wal) => (wal === null ? undefined : this.loop(q, wal, options, handler, state)));
    this.consumers.add(state);
    return {
      stop: async () => {
        state.stopped = true;
        q.wake?.();
        await state.done;
        q.consumer = false;
        this.consumers.delete(state);
      },
    };
  }

  /** The region's WAL, retried until it opens; null if the consumer was stopped first. */
  private async openForConsumer(q: RegionQueue, state: { stopped: boolean }): Promise<RegionWal | undefined | null> {
    for (;;) {
      try {
        return await this.regionWal(q);
      } catch {
        if (state.stopped) return null;
        await this.sleep(this.options.redeliveryDelayMs ?? 500);
      }
    }
  }

  private waitForWork(q: RegionQueue, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        q.wake = undefined;
        resolve();
      }
      q.wake = done;
    });
  }

  /** Messages that may be delivered: the durable head of the queue. */
  private deliverable(q: RegionQueue): number {
    let n = 0;
    while (n < q.entries.length && q.entries[n].durable) n++;
    return n;
  }

  private async loop(q: RegionQueue, wal: RegionWal | undefined, options: ConsumeOptions, handler: BatchHandler, state: { stopped: boolean }): Promise<void> {
    while (!state.stopped || this.deliverable(q) > 0) {
      if (this.deliverable(q) === 0) {
        if (state.stopped) break;
        await this.waitForWork(q, 1_000);
        continue;
      }
      let batch: Entry[];
      if (q.plans.length > 0) {
        batch = this.plannedBatch(q);
        if (batch.length === 0) continue;
      } else {
        // Let a batch fill up unless it is already large enough (or we are draining to stop).
        const firstSeen = Date.now();
        while (!state.stopped && !this.batchFull(q, options) && Date.now() - firstSeen < options.maxWaitMs) {
          await this.waitForWork(q, options.maxWaitMs - (Date.now() - firstSeen));
        }
        batch = this.takeBatch(q, options);
        const plan = { first: batch[0].seq, last: batch[batch.length - 1].seq, ids: batch.map((e) => e.message.id) };
        try {
          // Durable before the handler runs: a crash mid-insert re-forms exactly this batch.
          await wal?.plan(plan);
        } catch (e) {
          this.log('warn', `write-ahead log of region ${q.region}: cannot record a batch plan (${(e as Error).message}); trying again`);
          if (state.stopped) break;
          await this.sleep(this.options.redeliveryDelayMs ?? 500);
          continue;
        }
        q.plans.push(plan);
      }
      try {
        await handler(
          batch.map((e) => e.message),
          { signal: NEVER_ABORTED },
        );
      } catch {
        if (state.stopped) break; // shutting down with a failing store: leave them queued (and logged), stop trying
        await this.sleep(this.options.redeliveryDelayMs ?? 500);
        continue; // the plan is still first: the same messages are delivered again
      }
      q.plans.shift();
      q.entries.splice(0, batch.length);
      q.bytes -= batch.reduce((n, e) => n + e.message.body.length, 0);
      q.delivered += batch.length;
      // A checkpoint lost in a crash only means this batch is stored again under the same token.
      await wal
        ?.checkpoint(batch[batch.length - 1].seq + 1)
        .catch((e: Error) => this.log('warn', `write-ahead log of region ${q.region}: checkpoint not written (${e.message})`));
    }
  }

  /** The head of the queue as the first plan composed it. */
  private plannedBatch(q: RegionQueue): Entry[] {
    const plan = q.plans[0];
    let n = 0;
    while (n < q.entries.length && q.entries[n].seq <= plan.last) n++;
    const batch = q.entries.slice(0, n).filter((e) => e.seq >= plan.first);
    if (batch.length !== n) {
      // Entries before the plan that no plan covers (not expected: plans start at the checkpoint): a batch of their own first.
      q.plans.unshift({
        first: q.entries[0].seq,
        last: q.entries[n - batch.length - 1].seq,
        ids: q.entries.slice(0, n - batch.length).map((e) => e.message.id),
      });
      return this.plannedBatch(q);
    }
    const ids = batch.map((e) => e.message.id);
    if (ids.length !== plan.ids.length || ids.some((id, i) => id !== plan.ids[i])) {
      this.log(
        'warn',
        `write-ahead log of region ${q.region}: planned batch ${plan.first}..${plan.last} lists ${plan.ids.length} messages, ${ids.length} were found; storing those`,
      );
    }
    if (batch.length === 0) q.plans.shift();
    return batch;
  }

  private batchFull(q: RegionQueue, o: ConsumeOptions): boolean {
    let bytes = 0;
    let rows = 0;
    const n = this.deliverable(q);
    for (let i = 0; i < n; i++) {
      const m = q.entries[i].message;
      bytes += m.body.length;
      rows += m.rowCount;
      if (bytes >= o.maxBytes || rows >= o.maxRows) return true;
    }
    return false;
  }

  private takeBatch(q: RegionQueue, o: ConsumeOptions): Entry[] {
    let bytes = 0;
    let rows = 0;
    let n = 0;
    const max = this.deliverable(q);
    for (; n < max; n++) {
      const m = q.entries[n].message;
      if (n > 0 && (bytes + m.body.length > o.maxBytes || rows + m.rowCount > o.maxRows)) break;
      bytes += m.body.length;
      rows += m.rowCount;
    }
    return q.entries.slice(0, n);
  }

  deadLetter(message: RowBatchMessage, reason: string): Promise<void> {
    return this.deadLetters.park(message, reason);
  }

  listDeadLetters(region: string, opts: DeadLetterListOptions = {}): Promise<DeadLetterEntry[]> {
    return this.deadLetters.listDeadLetters(region, opts);
  }

  markReplayed(region: string, ids: readonly string[]): Promise<void> {
    return this.deadLetters.markReplayed(region, ids);
  }

  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ([...this.queues.values()].every((q) => q.entries.length === 0)) return true;
      await defaultSleep(20);
    }
    return false;
  }

  /** In-process: reachable as long as the process runs. */
  unreachableRegions(): Promise<string[]> {
    return Promise.resolve([]);
  }

  stats(): RegionBusStats[] {
    return [...this.queues.entries()].map(([region, q]) => ({
      region,
      queuedMessages: q.entries.length,
      queuedBytes: q.bytes,
      deliveredMessages: q.delivered,
    }));
  }

  /** Refuses new publishes, stops the consumers, closes the logs (what is left is replayed at start). */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.consumers) c.stopped = true;
    for (const q of this.queues.values()) q.wake?.();
    await Promise.all([...this.consumers].map((c) => c.done));
    await Promise.all([...this.queues.values()].map(async (q) => (await q.wal?.catch(() => undefined))?.close()));
  }
}
