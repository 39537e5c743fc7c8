import type { Bus, BusConsumer, DeliveryContext } from '@meridian/bus';
import { ROW_FORMAT, rowBodyBytes, type RowBatchMessage, type RowBody, type RowBodyFormat, type RowTable } from '@meridian/domain';
import { counter, histogram, type SelfMetrics } from '@meridian/self-metrics';
import { isolateBadRows, type InsertFailure, type InsertFailureClass } from './bad-row-isolation';
import { bodyOf, coalesce, contentToken, jsonMessage, messageOf, pieceId, rowCountOf, wholeMessage, type RowPiece } from './row-pieces';

/**
 * Port to storage: insert pre-serialized rows in `format` (JSONCompactEachRow when absent), idempotent per dedup token. A
 * failure's `errorClass` (InsertFailureClass) says whether it is an outage (`transient`: retry
 * the same insert) or about the rows (isolate them); an error without one counts as `data` when
 * it has `permanent: true`, else as `transient`.
 */
export interface RowSink {
  insert(regionId: string, table: RowTable, body: RowBody, dedupToken: string, format?: RowBodyFormat): Promise<void>;
  /** Optional: parses JSONCompactEachRow rows as `insert` would, storing nothing; fails like `insert`. Makes isolating bad rows cheap. */
  check?(regionId: string, table: RowTable, body: Buffer): Promise<void>;
}

export interface IngesterOptions {
  regions: readonly string[];
  batchMaxRows: number;
  batchMaxBytes: number;
  flushIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Tries of a single row refused with an unrecognised ClickHouse error before it is parked. */
  maxAttemptsForDataErrors: number;
  /** Trials (dry-run checks or inserts) spent isolating one tenant's bad rows in a batch before what still fails is parked whole (default 128). */
  isolationMaxInserts?: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Where batch sizes, insert latency, retries and dead letters are counted (GET /metrics). */
  metrics?: SelfMetrics;
}

export interface IngesterStats {
  batches: number;
  rows: number;
  retries: number;
  /** Inserts and dry-run checks made to find bad rows after a batch was refused. */
  isolationInserts: number;
  /** Dead-letter entries written (a whole message, or a run of its rows). */
  deadLettered: number;
  deadLetteredRows: number;
  lastInsertMs: number;
}

/** Enough for about 4 bad rows in a 50 000-row batch (up to 2·log2(n) trials each). */
const DEFAULT_ISOLATION_MAX_INSERTS = 128;
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
    batchRows: histogram(registry, {
      name: 'meridian_ingester_batch_rows',
      help: 'Rows per ClickHouse insert',
      labelNames,
      buckets: [1, 10, 100, 1_000, 10_000, 50_000, 100_000],
    }),
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
    deadLetters: counter(registry, {
      name: 'meridian_ingester_dead_letters_total',
      help: 'Dead-letter entries written (a message, or a run of its rows ClickHouse refused)',
      labelNames,
    }),
    deadLetterRows: counter(registry, { name: 'meridian_ingester_dead_letter_rows_total', help: 'Rows parked in the dead-letter store', labelNames }),
    isolationInserts: counter(registry, {
      name: 'meridian_ingester_isolation_inserts_total',
      help: 'Inserts and dry-run checks made to isolate the rows ClickHouse refused in a batch (per tenant, then by bisection)',
      labelNames: ['table'] as const,
    }),
    insertErrors: counter(registry, {
      name: 'meridian_ingester_insert_errors_total',
      help: 'Failed inserts by class: transient (retried), data / unknown / too_many_partitions (rows isolated)',
      labelNames: ['table', 'class'] as const,
    }),
  };
}

/**
 * Moves row batches from the bus into the region's ClickHouse. A batch is acknowledged to the
 * bus only after ClickHouse acknowledged every insert in it; every insert carries a
 * deduplication token derived from what it holds (message ids, row ranges), so a retry or a
 * redelivery never duplicates rows.
 *
 * Outages (`transient` errors) are retried with capped exponential backoff (the bus holds the
 * data meanwhile and pushes back on intake). Rows ClickHouse refuses never block the region:
 * the batch is split at once, one insert per tenant (so every other tenant is stored right
 * away), then by bisection down to the refused rows, which alone go to the dead letters.
 */
export class IngesterService {
  private consumers: BusConsumer[] = [];
  private stopping = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly metrics?: ReturnType<typeof ingesterMetrics>;
  readonly stats: IngesterStats = { batches: 0, rows: 0, retries: 0, isolationInserts: 0, deadLettered: 0, deadLetteredRows: 0, lastInsertMs: 0 };

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
    // One insert per table and body format (both formats meet only in batches of an upgrade).
    const groups = new Map<string, RowBatchMessage[]>();
    for (const m of batch) {
      const key = `${m.table}/${m.format ?? ROW_FORMAT}`;
      const list = groups.get(key) ?? [];
      list.push(m);
      groups.set(key, list);
    }
    for (const messages of groups.values()) await this.storeTable(region, messages[0].table, messages[0].format ?? ROW_FORMAT, messages, ctx.signal);
    this.stats.batches++;
  }

  private async storeTable(region: string, table: RowTable, format: RowBodyFormat, messages: RowBatchMessage[], signal: AbortSignal): Promise<void> {
    const target = { region, table, signal };
    const body = messages.length === 1 ? messages[0].body : messages.map((m) => m.body);
    const rows = messages.reduce((n, m) => n + m.rowCount, 0);
    const failure = await this.insert(target, body, dedupToken(messages), rows, format);
    if (!failure) return;
    this.options.log(
      `ingester: ${region}.${table} refused a batch of ${messages.length} messages (${failure.errorClass}: ${failure.reason}); isolating the refused rows`,
    );
    const sink = this.sink;
    // Isolation cuts bodies into row ranges, which in JSONCompactEachRow are byte ranges: Native
    // messages are re-encoded first (same ids, so the same dedup tokens; only on this rare path).
    const pieces: RowPiece[] = [];
    const undecodable: { piece: RowPiece; reason: string }[] = [];
    for (const m of messages) {
      try {
        pieces.push(wholeMessage(jsonMessage(m)));
      } catch (e) {
        undecodable.push({ piece: wholeMessage(m), reason: `undecodable ${m.format} body: ${errorText(e)}` });
      }
    }
    const parked = !pieces.length
      ? []
      : await isolateBadRows(pieces, failure, {
          insert: (unit) => this.insertPieces(target, unit),
          check: sink.check ? (unit) => this.checkPieces(target, unit, sink.check!.bind(sink)) : undefined,
          backoff: (attempt) => this.pause(this.backoffMs(attempt), signal),
          maxInsertsPerTenant: this.options.isolationMaxInserts ?? DEFAULT_ISOLATION_MAX_INSERTS,
          attemptsForUnknown: this.options.maxAttemptsForDataErrors,
        });
    // Only after every good row is stored: a crash before this point redelivers the batch, whose
    // sub-inserts repeat with the same tokens (no-ops) and whose bad rows are found again.
    for (const { piece, reason } of [...coalesce(parked), ...undecodable]) await this.park(piece, reason);
  }

  private insertPieces(target: InsertTarget, unit: readonly RowPiece[]): Promise<InsertFailure | undefined> {
    this.stats.isolationInserts++;
    this.metrics?.isolationInserts.inc({ table: target.table });
    const body = unit.length === 1 ? bodyOf(unit[0]) : unit.map(bodyOf);
    const rows = unit.reduce((n, p) => n + rowCountOf(p), 0);
    return this.insert(target, body, contentToken(unit.map(pieceId)), rows);
  }

  private checkPieces(target: InsertTarget, unit: readonly RowPiece[], check: NonNullable<RowSink['check']>): Promise<InsertFailure | undefined> {
    this.stats.isolationInserts++;
    this.metrics?.isolationInserts.inc({ table: target.table });
    const body = unit.length === 1 ? bodyOf(unit[0]) : Buffer.concat(unit.map(bodyOf));
    return this.withRetry(target, 'check', () => check(target.region, target.table, body));
  }

  /**
   * One insert, retried through outages. Resolves undefined once stored, or with why ClickHouse
   * refused the rows (anything but `transient`).
   */
  private insert(target: InsertTarget, body: RowBody, token: string, rows: number, format: RowBodyFormat = ROW_FORMAT): Promise<InsertFailure | undefined> {
    const { region, table } = target;
    const labels = { region, table };
    return this.withRetry(target, 'insert', async () => {
      const t0 = Date.now();
      await this.sink.insert(region, table, body, token, format);
      this.stats.lastInsertMs = Date.now() - t0;
      this.stats.rows += rows;
      if (this.metrics) {
        this.metrics.insertSeconds.observe(labels, this.stats.lastInsertMs / 1000);
        this.metrics.batchRows.observe(labels, rows);
        this.metrics.batchBytes.observe(labels, rowBodyBytes(body));
        this.metrics.rows.inc(labels, rows);
      }
    });
  }

  /** Runs `op` until it succeeds (undefined) or fails for the rows (the failure); outages are retried with backoff. */
  private async withRetry(target: InsertTarget, what: 'insert' | 'check', op: () => Promise<void>): Promise<InsertFailure | undefined> {
    const { region, table, signal } = target;
    const labels = { region, table };
    for (let attempt = 1; ; attempt++) {
      try {
        await op();
        return undefined;
      } catch (e) {
        const errorClass = errorClassOf(e);
        // A refused check is bisection doing its job; only inserts count as insert errors.
        if (what === 'insert' || errorClass === 'transient') this.metrics?.insertErrors.inc({ table, class: errorClass });
        if (errorClass !== 'transient') return { errorClass, reason: errorText(e) };
        // While stopping, or once the bus took the batch back, give up on outages: the bus keeps
        // the batch (inline: until exit; kafka: uncommitted, so it is delivered again).
        if (this.stopping || signal.aborted) throw e;
        this.stats.retries++;
        this.metrics?.retries.inc(labels);
        const delay = this.backoffMs(attempt);
        this.options.log(`ingester: ${what} of rows for ${region}.${table} failed (${errorText(e)}); retrying in ${delay} ms`);
        await this.pause(delay, signal);
      }
    }
  }

  private backoffMs(attempt: number): number {
    return Math.min(this.options.retryInitialMs * 2 ** Math.min(attempt - 1, 30), this.options.retryMaxMs);
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return sleepUnlessAborted(this.sleep, ms, signal);
  }

  private async park(piece: RowPiece, reason: string): Promise<void> {
    const m = messageOf(piece);
    await this.bus.deadLetter(m, reason);
    this.stats.deadLettered++;
    this.stats.deadLetteredRows += m.rowCount;
    this.metrics?.deadLetters.inc({ region: m.region, table: m.table });
    this.metrics?.deadLetterRows.inc({ region: m.region, table: m.table }, m.rowCount);
    this.options.log(`ingester: message ${m.id} (${m.rowCount} ${m.table} rows of tenant ${m.tenantId}) sent to dead letters: ${reason}`);
  }
}

interface InsertTarget {
  region: string;
  table: RowTable;
  signal: AbortSignal;
}

/** Same messages → same token, in any order: a redelivered batch is a no-op in ClickHouse. */
export function dedupToken(messages: readonly RowBatchMessage[]): string {
  return contentToken(messages.map((m) => m.id));
}

const FAILURE_CLASSES: ReadonlySet<string> = new Set<InsertFailureClass>(['transient', 'data', 'too_many_partitions', 'unknown']);

function errorClassOf(e: unknown): InsertFailureClass {
  const { errorClass, permanent } = (e ?? {}) as { errorClass?: unknown; permanent?: unknown };
  if (typeof errorClass === 'string' && FAILURE_CLASSES.has(errorClass)) return errorClass as InsertFailureClass;
  return permanent === true ? 'data' : 'transient';
}

function errorText(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 300);
}
