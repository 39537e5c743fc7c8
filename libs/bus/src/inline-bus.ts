import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { type BatchHandler, type Bus, type BusConsumer, BusUnavailableError, type ConsumeOptions, type DeadLetterEntry, type RegionBusStats } from './bus';

export interface InlineBusOptions {
  /** Bytes of message bodies held per region before publish is refused (backpressure). */
  maxBytesPerRegion: number;
  /** Directory of the dead-letter files (`<region>.jsonl`, one parked message per line). */
  deadLetterDir: string;
  /** Wait before delivering a batch again after its handler failed. */
  redeliveryDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

interface RegionQueue {
  messages: RowBatchMessage[];
  bytes: number;
  delivered: number;
  wake: (() => void) | undefined;
  consumer: boolean;
}

/** The inline bus never hands a batch to anyone else, so it never takes one back. */
const NEVER_ABORTED = new AbortController().signal;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * In-process bus for the single-process default: a bounded queue per region. Messages stay
 * counted against the bound until their handler resolves, so a slow or failing ClickHouse
 * pushes back on intake (503) instead of growing memory or dropping data.
 */
export class InlineBus implements Bus {
  readonly kind = 'inline' as const;
  private readonly queues = new Map<string, RegionQueue>();
  private readonly consumers = new Set<{ stopped: boolean; done: Promise<void> }>();
  private readonly sleep: (ms: number) => Promise<void>;
  private closed = false;

  constructor(private readonly options: InlineBusOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  private queue(region: string): RegionQueue {
    let q = this.queues.get(region);
    if (!q) {
      q = { messages: [], bytes: 0, delivered: 0, wake: undefined, consumer: false };
      this.queues.set(region, q);
    }
    return q;
  }

  async publish(messages: readonly RowBatchMessage[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus is shutting down', 5);
    const byRegion = new Map<string, number>();
    for (const m of messages) byRegion.set(m.region, (byRegion.get(m.region) ?? 0) + m.body.length);
    for (const [region, bytes] of byRegion) {
      const q = this.queue(region);
      if (!q.consumer) throw new BusUnavailableError(`no ingester consumes region ${region} in this process`, 30);
      if (q.bytes + bytes > this.options.maxBytesPerRegion) {
        throw new BusUnavailableError(`bus for region ${region} is full (${q.bytes} bytes queued)`, 2);
      }
    }
    for (const m of messages) {
      const q = this.queue(m.region);
      q.messages.push(m);
      q.bytes += m.body.length;
      q.wake?.();
    }
  }

  consume(region: string, options: ConsumeOptions, handler: BatchHandler): BusConsumer {
    const q = this.queue(region);
    if (q.consumer) throw new Error(`region ${region} already has a consumer`);
    q.consumer = true;
    const state = { stopped: false, done: Promise.resolve() };
    state.done = this.loop(q, options, handler, state);
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

  private async loop(q: RegionQueue, options: ConsumeOptions, handler: BatchHandler, state: { stopped: boolean }): Promise<void> {
    while (!state.stopped || q.messages.length > 0) {
      if (q.messages.length === 0) {
        if (state.stopped) break;
        await this.waitForWork(q, 1_000);
        continue;
      }
      // Let a batch fill up unless it is already large enough (or we are draining to stop).
      const firstSeen = Date.now();
      while (!state.stopped && !this.batchFull(q, options) && Date.now() - firstSeen < options.maxWaitMs) {
        await this.waitForWork(q, options.maxWaitMs - (Date.now() - firstSeen));
      }
      const batch = this.takeBatch(q, options);
      try {
        await handler(batch, { signal: NEVER_ABORTED });
      } catch {
        if (state.stopped) break; // shutting down with a failing store: leave them counted, stop trying
        await this.sleep(this.options.redeliveryDelayMs ?? 500);
        continue; // same messages are still at the head of the queue
      }
      q.messages.splice(0, batch.length);
      q.bytes -= batch.reduce((n, m) => n + m.body.length, 0);
      q.delivered += batch.length;
    }
  }

  private batchFull(q: RegionQueue, o: ConsumeOptions): boolean {
    let bytes = 0;
    let rows = 0;
    for (const m of q.messages) {
      bytes += m.body.length;
      rows += m.rowCount;
      if (bytes >= o.maxBytes || rows >= o.maxRows) return true;
    }
    return false;
  }

  private takeBatch(q: RegionQueue, o: ConsumeOptions): RowBatchMessage[] {
    let bytes = 0;
    let rows = 0;
    let n = 0;
    for (const m of q.messages) {
      if (n > 0 && (bytes + m.body.length > o.maxBytes || rows + m.rowCount > o.maxRows)) break;
      bytes += m.body.length;
      rows += m.rowCount;
      n++;
    }
    return q.messages.slice(0, n);
  }

  async deadLetter(message: RowBatchMessage, reason: string): Promise<void> {
    await mkdir(this.options.deadLetterDir, { recursive: true });
    const line = JSON.stringify({
      at: new Date().toISOString(),
      reason,
      id: message.id,
      tenantId: message.tenantId,
      region: message.region,
      table: message.table,
      rowCount: message.rowCount,
      key: message.key,
      body: message.body.toString('base64'),
    });
    await appendFile(this.deadLetterFile(message.region), line + '\n');
  }

  private deadLetterFile(region: string): string {
    return join(this.options.deadLetterDir, `${region}.jsonl`);
  }

  /** Parked messages of a region, oldest first; replay markers are lines `{"replayed": id}`. */
  async listDeadLetters(region: string, opts: { limit?: number } = {}): Promise<DeadLetterEntry[]> {
    const file = this.deadLetterFile(region);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    const entries: DeadLetterEntry[] = [];
    const open = new Map<string, DeadLetterEntry[]>(); // a marker covers the entries of its id above it
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const o = JSON.parse(line);
      if (typeof o.replayed === 'string') {
        for (const e of open.get(o.replayed) ?? []) e.replayedAt = o.at;
        open.delete(o.replayed);
        return;
      }
      const e: DeadLetterEntry = { id: o.id, tenantId: o.tenantId, region: o.region, table: o.table, rowCount: o.rowCount, key: o.key, reason: o.reason, at: o.at, body: Buffer.from(o.body, 'base64'), position: `${file}:${i + 1}` };
      entries.push(e);
      open.set(e.id, [...(open.get(e.id) ?? []), e]);
    });
    return opts.limit === undefined ? entries : entries.slice(-opts.limit);
  }

  async markReplayed(region: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await mkdir(this.options.deadLetterDir, { recursive: true });
    const at = new Date().toISOString();
    await appendFile(this.deadLetterFile(region), ids.map((id) => JSON.stringify({ replayed: id, at }) + '\n').join(''));
  }

  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ([...this.queues.values()].every((q) => q.messages.length === 0)) return true;
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
      queuedMessages: q.messages.length,
      queuedBytes: q.bytes,
      deliveredMessages: q.delivered,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
