import { createHash } from 'node:crypto';
import type { Bus, BusConsumer } from '@meridian/bus';
import type { RowBatchMessage, RowTable } from '@meridian/domain';

/**
 * Port to storage: insert pre-serialized JSONEachRow rows, idempotent per dedup token. A failure
 * whose error has `permanent: true` is about the rows themselves (retrying cannot help); any
 * other failure is an outage and is retried.
 */
export interface RowSink {
  insert(regionId: string, table: RowTable, body: Buffer, dedupToken: string): Promise<void>;
}

export interface IngesterOptions {
  regions: readonly string[];
  batchMaxRows: number;
  batchMaxBytes: number;
  flushIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  maxAttemptsForDataErrors: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface IngesterStats {
  batches: number;
  rows: number;
  retries: number;
  deadLettered: number;
  lastInsertMs: number;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Moves row batches from the bus into the region's ClickHouse. A batch is acknowledged to the
 * bus only after ClickHouse acknowledged every insert in it; a retried insert carries the same
 * deduplication token (derived from the message ids), so redelivery never duplicates rows.
 * Outages are retried with capped exponential backoff (the bus holds the data meanwhile and
 * pushes back on intake); rows ClickHouse rejects as malformed are isolated message by message
 * and the bad ones go to the dead-letter store, so they never block the region.
 */
export class IngesterService {
  private consumers: BusConsumer[] = [];
  private stopping = false;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly stats: IngesterStats = { batches: 0, rows: 0, retries: 0, deadLettered: 0, lastInsertMs: 0 };

  constructor(
    private readonly bus: Bus,
    private readonly sink: RowSink,
    private readonly options: IngesterOptions,
  ) {
    this.sleep = options.sleep ?? sleepMs;
  }

  start(): void {
    const consume = { maxRows: this.options.batchMaxRows, maxBytes: this.options.batchMaxBytes, maxWaitMs: this.options.flushIntervalMs };
    this.consumers = this.options.regions.map((region) => this.bus.consume(region, consume, (batch) => this.store(region, batch)));
  }

  /** Stops after what is queued has been stored (or the store keeps failing while stopping). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.consumers.map((c) => c.stop()));
    this.consumers = [];
  }

  async store(region: string, batch: RowBatchMessage[]): Promise<void> {
    const byTable = new Map<RowTable, RowBatchMessage[]>();
    for (const m of batch) {
      const list = byTable.get(m.table) ?? [];
      list.push(m);
      byTable.set(m.table, list);
    }
    for (const [table, messages] of byTable) await this.insertWithRetry(region, table, messages);
    this.stats.batches++;
  }

  private async insertWithRetry(region: string, table: RowTable, messages: RowBatchMessage[]): Promise<void> {
    let delay = this.options.retryInitialMs;
    let dataErrors = 0;
    for (;;) {
      try {
        const t0 = Date.now();
        await this.sink.insert(region, table, joinBodies(messages), dedupToken(messages));
        this.stats.lastInsertMs = Date.now() - t0;
        this.stats.rows += messages.reduce((n, m) => n + m.rowCount, 0);
        return;
      } catch (e) {
        if (isDataError(e) && ++dataErrors >= this.options.maxAttemptsForDataErrors) {
          if (messages.length === 1) return this.park(messages[0], errorText(e));
          // Find the bad message(s): each one alone, with its own token.
          for (const m of messages) await this.insertWithRetry(region, table, [m]);
          return;
        }
        // While stopping, give up on outages: the bus keeps the batch (inline: until exit).
        if (this.stopping && !isDataError(e)) throw e;
        this.stats.retries++;
        this.options.log(`ingester: insert into ${region}.${table} failed (${errorText(e)}); retrying in ${delay} ms`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private async park(m: RowBatchMessage, reason: string): Promise<void> {
    await this.bus.deadLetter(m, reason);
    this.stats.deadLettered++;
    this.options.log(`ingester: message ${m.id} (${m.rowCount} ${m.table} rows of tenant ${m.tenantId}) sent to dead letters: ${reason}`);
  }
}

function joinBodies(messages: RowBatchMessage[]): Buffer {
  return messages.length === 1 ? messages[0].body : Buffer.concat(messages.map((m) => m.body));
}

/** Same messages → same token, in any order: a redelivered batch is a no-op in ClickHouse. */
export function dedupToken(messages: readonly RowBatchMessage[]): string {
  const h = createHash('sha256');
  for (const id of messages.map((m) => m.id).sort()) h.update(id).update('\n');
  return h.digest('hex').slice(0, 40);
}

function isDataError(e: unknown): boolean {
  return (e as { permanent?: unknown } | undefined)?.permanent === true;
}

function errorText(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 300);
}
