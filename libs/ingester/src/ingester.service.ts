import { createHash } from 'node:crypto';
import type { Bus, BusConsumer, DeliveryContext } from '@meridian/bus';
import type { RowBatchMessage, RowTable } from '@meridian/domain';
import { counter, histogram, type SelfMetrics } from '@meridian/self-metrics';

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
  /** Where batch sizes, insert latency, retries and dead letters are counted (GET /metrics). */
  metrics?: SelfMetrics;
}

export interface IngesterStats {
  batches: number;
  rows: number;
  retries: number;
  deadLettered: number;
  lastInsertMs: number;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const NOT_ABORTED = new AbortController().signal;

/** Waits `ms`, or less if `signal` aborts first. */
function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    void sleep(ms).then(done);
  });
}

function ingesterMetrics(registry: SelfMetrics) {
  const labelNames = ['region', 'table'] as const;
  return {
    batchRows: histogram(registry, { name: 'meridian_ingester_batch_rows', help: 'Rows per ClickHouse insert', labelNames, buckets: [1, 10, 100, 1_000, 10_000, 50_000, 100_000] }),
    batchBytes: histogram(registry, {
      name: 'meridian_ingester_batch_bytes',
      help: 'Bytes per ClickHouse insert',
      labelNames,
      buckets: [1_024, 16_384, 131_072, 1_048_576, 8_388_608, 33_554_432],
    }),
    insertSeconds: histogram(registry, {
      name: 'meridian_ingester_insert_seconds',
      help: 'Latency of successful ClickHouse inserts',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    rows: counter(registry, { name: 'meridian_ingester_rows_total', help: 'Rows stored in ClickHouse', labelNames }),
    retries: counter(registry, { name: 'meridian_ingester_insert_retries_total', help: 'Failed inserts retried (ClickHouse unavailable or slow)', labelNames }),
    deadLetters: counter(registry, { name: 'meridian_ingester_dead_letters_total', help: 'Messages parked in the dead-letter store', labelNames }),
  };
}

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
  private readonly metrics?: ReturnType<typeof ingesterMetrics>;
  readonly stats: IngesterStats = { batches: 0, rows: 0, retries: 0, deadLettered: 0, lastInsertMs: 0 };

  constructor(
    private readonly bus: Bus,
    private readonly sink: RowSink,
    private readonly options: IngesterOptions,
  ) {
    this.sleep = options.sleep ?? sleepMs;
    if (options.metrics) this.metrics = ingesterMetrics(options.metrics);
  }

  start(): void {
    const consume = { maxRows: this.options.batchMaxRows, maxBytes: this.options.batchMaxBytes, maxWaitMs: this.options.flushIntervalMs };
    this.consumers = this.options.regions.map((region) => this.bus.consume(region, consume, (batch, ctx) => this.store(region, batch, ctx)));
  }

  /** Stops after what is queued has been stored (or the store keeps failing while stopping). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.consumers.map((c) => c.stop()));
    this.consumers = [];
  }

  /**
   * Stores one delivered batch. Outages are retried until they pass, the service stops, or the
   * bus takes the batch back (`ctx.signal`, e.g. its Kafka partition moved to another ingester).
   */
  async store(region: string, batch: RowBatchMessage[], ctx: DeliveryContext = { signal: NOT_ABORTED }): Promise<void> {
    const byTable = new Map<RowTable, RowBatchMessage[]>();
    for (const m of batch) {
      const list = byTable.get(m.table) ?? [];
      list.push(m);
      byTable.set(m.table, list);
    }
    for (const [table, messages] of byTable) await this.insertWithRetry(region, table, messages, ctx.signal);
    this.stats.batches++;
  }

  private async insertWithRetry(region: string, table: RowTable, messages: RowBatchMessage[], signal: AbortSignal): Promise<void> {
    let delay = this.options.retryInitialMs;
    let dataErrors = 0;
    const labels = { region, table };
    for (;;) {
      try {
        const body = joinBodies(messages);
        const t0 = Date.now();
        await this.sink.insert(region, table, body, dedupToken(messages));
        this.stats.lastInsertMs = Date.now() - t0;
        const rows = messages.reduce((n, m) => n + m.rowCount, 0);
        this.stats.rows += rows;
        if (this.metrics) {
          this.metrics.insertSeconds.observe(labels, this.stats.lastInsertMs / 1000);
          this.metrics.batchRows.observe(labels, rows);
          this.metrics.batchBytes.observe(labels, body.length);
          this.metrics.rows.inc(labels, rows);
        }
        return;
      } catch (e) {
        if (isDataError(e) && ++dataErrors >= this.options.maxAttemptsForDataErrors) {
          if (messages.length === 1) return this.park(messages[0], errorText(e));
          // Find the bad message(s): each one alone, with its own token.
          for (const m of messages) await this.insertWithRetry(region, table, [m], signal);
          return;
        }
        // While stopping, or once the bus took the batch back, give up on outages: the bus keeps
        // the batch (inline: until exit; kafka: uncommitted, so it is delivered again).
        if ((this.stopping || signal.aborted) && !isDataError(e)) throw e;
        this.stats.retries++;
        this.metrics?.retries.inc(labels);
        this.options.log(`ingester: insert into ${region}.${table} failed (${errorText(e)}); retrying in ${delay} ms`);
        await sleepUnlessAborted(this.sleep, delay, signal);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private async park(m: RowBatchMessage, reason: string): Promise<void> {
    await this.bus.deadLetter(m, reason);
    this.stats.deadLettered++;
    this.metrics?.deadLetters.inc({ region: m.region, table: m.table });
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
